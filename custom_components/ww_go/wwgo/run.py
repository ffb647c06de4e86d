"""A run of an action, and its one outcome: why it ended, in words and in a reason of one enum."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from .codes import STATUS_WINDOW, RunState
from .errors import WwGoError
from .models import RequestStatus


class StartedBy(StrEnum):
    """Who called the run: Home Assistant, or another client of the device."""

    HOME_ASSISTANT = "home_assistant"
    OTHER = "other"


class EndReason(StrEnum):
    """Why a run ended: every run ends with exactly one."""

    # The device ran every request: all succeeded, or one failed.
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # Never run: the device refused the call once the caller stopped waiting (the outcome carries
    # its error).
    REFUSED = "refused"
    # Never run: the device stayed busy (over 20 requests in progress) while the call waited.
    BUSY = "busy"
    # Never run: calling would have pushed unread results out of the device's 40 statuses.
    WINDOW_FULL = "window_full"
    # Its result is gone: newer statuses pushed it out of the device's window.
    EVICTED = "evicted"
    # Its result went while Home Assistant was not running.
    LOST_WHILE_STOPPED = "lost_while_stopped"
    # Its result went with a reboot of the device.
    DEVICE_RESTARTED = "device_restarted"
    # Still running after RUN_TIMEOUT.
    TIMEOUT = "timeout"
    # The action left the device: its run is not followed any more.
    ACTION_REMOVED = "action_removed"
    # Whoever follows runs stopped (Home Assistant stops, or the device's entry unloads); a run
    # under way is taken up again after the restart.
    NOT_FOLLOWED = "not_followed"


# The state each reason leaves a run in. The last two never reach entities: their action is gone,
# or the run is taken up again after a restart.
END_STATES: Final[Mapping[EndReason, RunState]] = {
    EndReason.SUCCEEDED: RunState.SUCCESS,
    EndReason.FAILED: RunState.FAILURE,
    EndReason.REFUSED: RunState.FAILURE,
    EndReason.BUSY: RunState.FAILURE,
    EndReason.WINDOW_FULL: RunState.FAILURE,
    EndReason.EVICTED: RunState.EXPIRED,
    EndReason.LOST_WHILE_STOPPED: RunState.EXPIRED,
    EndReason.DEVICE_RESTARTED: RunState.EXPIRED,
    EndReason.TIMEOUT: RunState.TIMEOUT,
    EndReason.ACTION_REMOVED: RunState.FAILURE,
    EndReason.NOT_FOLLOWED: RunState.FAILURE,
}
FINAL_STATES: Final = frozenset(END_STATES.values())
PROBLEM_STATES: Final = FINAL_STATES - {RunState.SUCCESS}
# Runs that end without a result of the device's to tell: never run, or not followed to the end.
NOT_RUN: Final = frozenset(
    {
        EndReason.REFUSED,
        EndReason.BUSY,
        EndReason.WINDOW_FULL,
        EndReason.ACTION_REMOVED,
        EndReason.NOT_FOLLOWED,
    }
)

# What an outcome says, where no result code does; {seconds} is how long the call waited.
END_DESCRIPTIONS: Final[Mapping[EndReason, str]] = {
    EndReason.BUSY: "The device stayed busy for {seconds:.0f} seconds; the action was not run",
    EndReason.WINDOW_FULL: (
        f"Earlier results stayed unread for {{seconds:.0f}} seconds (the device keeps only its "
        f"{STATUS_WINDOW} newest); the action was not run"
    ),
    EndReason.EVICTED: "The device no longer holds this result: newer runs pushed it out",
    EndReason.LOST_WHILE_STOPPED: (
        "The device no longer holds this result: it was lost while Home Assistant was not running"
    ),
    EndReason.DEVICE_RESTARTED: "The device restarted and lost this result",
    EndReason.TIMEOUT: "Still running after {seconds:.0f} seconds",
    EndReason.ACTION_REMOVED: "The action is no longer on the device",
    EndReason.NOT_FOLLOWED: "Home Assistant stopped following this run",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a run ended: the one final value that every report of the run reads."""

    reason: EndReason
    description: str
    # Seconds since the epoch.
    ended_at: float
    # The decisive request's result code (the first failing one, else the last), and the sum of
    # the requests' execution times; None when the device ran nothing or its result is gone.
    code: int | None = None
    exe_time: float | None = None
    # REFUSED: what the device answered. Not kept across a restart.
    error: WwGoError | None = field(default=None, compare=False)

    @property
    def state(self) -> RunState:
        """The state the run ended in."""
        return END_STATES[self.reason]

    @classmethod
    def of(cls, reason: EndReason, ended_at: float, *, seconds: float = 0.0) -> Outcome:
        """An outcome without a result of the device's, described from its reason."""
        return cls(reason, END_DESCRIPTIONS[reason].format(seconds=seconds), ended_at)

    @classmethod
    def refused(cls, error: WwGoError, action_id: str, ended_at: float) -> Outcome:
        """The device refused a queued run: it never ran."""
        description = error.refused.format(action_id=action_id, error=error)
        return cls(EndReason.REFUSED, description, ended_at, error=error)

    @classmethod
    def of_requests(cls, statuses: Sequence[RequestStatus], ended_at: float) -> Outcome | None:
        """How a run whose requests' statuses are all read ended; None while one still runs.

        It succeeded only if every request did; the result code is the first failing request's,
        else the last request's; the execution time is the sum.
        """
        if not statuses or any(not status.state.final for status in statuses):
            return None
        failed = next((status for status in statuses if status.state is RunState.FAILURE), None)
        decisive = failed or statuses[-1]
        return cls(
            EndReason.FAILED if failed else EndReason.SUCCEEDED,
            decisive.description,
            ended_at,
            code=decisive.code,
            exe_time=round(sum(status.exe_time for status in statuses), 3),
        )


@dataclass(frozen=True, slots=True)
class Run:
    """A run of an action as it stands: queued, running, or ended with its outcome."""

    action_id: str
    # One per request, given when the device accepted the run.
    status_ids: tuple[int, ...] = ()
    # The requests' statuses read so far, in the order of their status IDs.
    requests: tuple[RequestStatus, ...] = ()
    outcome: Outcome | None = None
    started_by: StartedBy = StartedBy.HOME_ASSISTANT
    # When the device accepted it (another client's run: when it was found), seconds since the
    # epoch; None while queued.
    accepted_at: float | None = None

    @property
    def state(self) -> RunState:
        """Queued until the device accepts it, running until it has an outcome."""
        if self.outcome is not None:
            return self.outcome.state
        return RunState.RUNNING if self.status_ids else RunState.QUEUED

    @property
    def ended(self) -> bool:
        """Whether the run has its outcome."""
        return self.outcome is not None

    def as_dict(self) -> dict[str, Any]:
        """The run as every report of it shows it (and as it is kept): JSON, times in ISO 8601.

        An ended run's error is left out: its description says it.
        """
        outcome = self.outcome
        return {
            "action_id": self.action_id,
            "started_by": self.started_by.value,
            "state": self.state.value,
            "reason": None if outcome is None else outcome.reason.value,
            "code": None if outcome is None else outcome.code,
            "exe_time": None if outcome is None else outcome.exe_time,
            "description": None if outcome is None else outcome.description,
            "status_ids": list(self.status_ids),
            "requests": [
                {
                    "id": request.id,
                    "code": request.code,
                    "exe_time": request.exe_time,
                    "state": request.state.value,
                    "description": request.description,
                }
                for request in self.requests
            ],
            "accepted_at": _iso(self.accepted_at),
            "ended_at": None if outcome is None else _iso(outcome.ended_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Run:
        """A run from `as_dict`, as any release wrote it.

        What it derives is not read, a key it lacks takes its default, and a key it does not know
        is ignored (a newer release wrote it). Raises KeyError, TypeError or ValueError for what
        is no run.
        """
        action_id = str(data["action_id"])
        outcome = None
        if (reason := data.get("reason")) is not None:
            outcome = Outcome(
                EndReason(reason),
                str(data.get("description") or ""),
                _seconds(data.get("ended_at")) or 0.0,
                code=None if data.get("code") is None else int(data["code"]),
                exe_time=None if data.get("exe_time") is None else float(data["exe_time"]),
            )
        return cls(
            action_id,
            tuple(int(status_id) for status_id in data.get("status_ids", ())),
            tuple(
                RequestStatus(
                    action_id, int(item["id"]), int(item["code"]), float(item["exe_time"])
                )
                for item in data.get("requests", ())
            ),
            outcome,
            StartedBy(data.get("started_by", StartedBy.HOME_ASSISTANT)),
            _seconds(data.get("accepted_at")),
        )


def _iso(seconds: float | None) -> str | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).isoformat()


def _seconds(moment: object) -> float | None:
    """Seconds since the epoch of an ISO 8601 time (or of a number, as earlier versions kept)."""
    if moment is None:
        return None
    if isinstance(moment, int | float) and not isinstance(moment, bool):
        return float(moment)
    when = datetime.fromisoformat(str(moment))
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
