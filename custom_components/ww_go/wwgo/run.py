"""A run of an action, and its one outcome: why it ended, in words and in a reason of one enum."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from .codes import STATUS_WINDOW, RequestState
from .errors import (
    WwGoActionDisabledError,
    WwGoActionNotFoundError,
    WwGoActionRunningError,
    WwGoAuthenticationError,
    WwGoConnectionError,
    WwGoError,
)
from .models import RequestStatus


class RunState(StrEnum):
    """Where a run stands, as entities show it."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILURE = "failure"
    EXPIRED = "expired"
    TIMEOUT = "timeout"


class EndReason(StrEnum):
    """Why a run ended: every run ends with exactly one."""

    # The device ran every request: all succeeded, or one failed.
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # Never run: the device refused the call when it was retried (the outcome carries its error).
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
# Why the device refused a queued run when it was retried; most specific first.
REFUSALS: Final[tuple[tuple[type[WwGoError], str], ...]] = (
    (WwGoActionNotFoundError, "The device has no action {action_id}; the action was not run"),
    (WwGoActionDisabledError, "Action {action_id} is disabled on the device; it was not run"),
    (WwGoActionRunningError, "Action {action_id} was already running on the device"),
    (WwGoAuthenticationError, "The device refused the login; the action was not run"),
    (WwGoConnectionError, "The device could not be reached; the action was not run"),
    (WwGoError, "The device refused the action ({error}); it was not run"),
)


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
    def of(
        cls, reason: EndReason, ended_at: float, *, seconds: float = 0.0, action_id: str = ""
    ) -> Outcome:
        """An outcome without a result of the device's, described from its reason."""
        text = END_DESCRIPTIONS[reason].format(seconds=seconds, action_id=action_id)
        return cls(reason, text, ended_at)

    @classmethod
    def refused(cls, error: WwGoError, action_id: str, ended_at: float) -> Outcome:
        """The device refused a queued run: it never ran."""
        text = next(text for kind, text in REFUSALS if isinstance(error, kind))
        description = text.format(action_id=action_id, error=error)
        return cls(EndReason.REFUSED, description, ended_at, error=error)


@dataclass(frozen=True, slots=True)
class Run:
    """A run of an action as it stands: queued, running, or ended with its outcome."""

    action_id: str
    # One per request, given when the device accepted the run.
    status_ids: tuple[int, ...] = ()
    # The requests' statuses read so far, by status ID.
    requests: tuple[RequestStatus, ...] = ()
    outcome: Outcome | None = None

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

    def as_json(self) -> dict[str, Any]:
        """The run as JSON (an ended run's error is left out)."""
        outcome = self.outcome
        return {
            "action_id": self.action_id,
            "status_ids": list(self.status_ids),
            "requests": [[request.id, request.code, request.exe_time] for request in self.requests],
            "outcome": None
            if outcome is None
            else {
                "reason": outcome.reason.value,
                "description": outcome.description,
                "ended_at": outcome.ended_at,
                "code": outcome.code,
                "exe_time": outcome.exe_time,
            },
        }

    @classmethod
    def from_json(cls, data: Any) -> Run:
        """A run from `as_json`; raises KeyError, TypeError or ValueError for anything else."""
        action_id = str(data["action_id"])
        kept = data["outcome"]
        outcome = None
        if kept is not None:
            outcome = Outcome(
                EndReason(kept["reason"]),
                str(kept["description"]),
                float(kept["ended_at"]),
                code=None if kept["code"] is None else int(kept["code"]),
                exe_time=None if kept["exe_time"] is None else float(kept["exe_time"]),
            )
        return cls(
            action_id,
            tuple(int(status_id) for status_id in data["status_ids"]),
            tuple(
                RequestStatus(action_id, int(status_id), int(code), float(exe_time))
                for status_id, code, exe_time in data["requests"]
            ),
            outcome,
        )


def aggregate(
    action_id: str, status_ids: Sequence[int], statuses: Sequence[RequestStatus], ended_at: float
) -> Run:
    """Add up the statuses of a run's requests (all present) into the run.

    Running until every request is final; it succeeded only if every request did; the result
    code is the first failing request's, else the last request's; the execution time is the sum.
    """
    ordered = tuple(sorted(statuses, key=lambda status: status.id))
    run = Run(action_id, tuple(status_ids), ordered)
    if any(status.state is RequestState.RUNNING for status in ordered):
        return run
    failed = next((status for status in ordered if status.state is RequestState.FAILURE), None)
    decisive = failed or ordered[-1]
    outcome = Outcome(
        EndReason.FAILED if failed else EndReason.SUCCEEDED,
        decisive.description,
        ended_at,
        code=decisive.code,
        exe_time=round(sum(status.exe_time for status in ordered), 3),
    )
    return Run(action_id, tuple(status_ids), ordered, outcome)
