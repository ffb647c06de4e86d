"""Typed models of what the device answers, and how a run's requests add up to one result."""

from collections.abc import Iterable, Mapping, Sequence, Set as AbstractSet
from dataclasses import dataclass, field
from enum import StrEnum

from .codes import RequestState, describe, request_state


@dataclass(frozen=True, slots=True)
class ActionDefinition:
    """An action the device holds."""

    id: str
    name: str | None = None
    enabled: bool = True
    request_count: int | None = None

    @property
    def runnable(self) -> bool:
        """Whether the device would run it: enabled, and not every request disabled."""
        return self.enabled and self.request_count != 0


@dataclass(frozen=True, slots=True)
class ActionList:
    """The device's action list, with whatever it says about itself."""

    actions: tuple[ActionDefinition, ...]
    device_id: str | None = None
    device_name: str | None = None
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None


@dataclass(frozen=True, slots=True)
class RequestStatus:
    """One status entry: the result of one request of a run."""

    action_id: str
    id: int
    code: int
    exe_time: float

    @property
    def state(self) -> RequestState:
        """Running, success or failure."""
        return request_state(self.code, self.exe_time)

    @property
    def description(self) -> str:
        """The result code in words."""
        return describe(self.code, self.exe_time)


class RunState(StrEnum):
    """The life of one run of an action, as Home Assistant reports it."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILURE = "failure"
    EXPIRED = "expired"
    TIMEOUT = "timeout"


FINAL_STATES = frozenset({RunState.SUCCESS, RunState.FAILURE, RunState.EXPIRED, RunState.TIMEOUT})
PROBLEM_STATES = frozenset({RunState.FAILURE, RunState.EXPIRED, RunState.TIMEOUT})


@dataclass(frozen=True, slots=True)
class RunResult:
    """Where a run stands: its state, result code, execution time and each request's status."""

    action_id: str
    state: RunState
    status_ids: tuple[int, ...] = ()
    code: int | None = None
    exe_time: float | None = None
    description: str | None = None
    requests: tuple[RequestStatus, ...] = field(default=())
    # When the run was seen to end (the clock of whoever tracks it); None while unfinished.
    finished_at: float | None = None

    @property
    def finished(self) -> bool:
        """Whether the run has reached a final state."""
        return self.state in FINAL_STATES


def aggregate(
    action_id: str,
    status_ids: Sequence[int],
    statuses: Sequence[RequestStatus],
    *,
    finished_at: float | None = None,
) -> RunResult:
    """Add up the statuses of a run's requests (all present) into one result.

    Running until every request is final; success only if every request succeeded; the result
    code is the first failing request's, else the last request's; the execution time is the sum.
    """
    ordered = tuple(sorted(statuses, key=lambda status: status.id))
    exe_time = round(sum(status.exe_time for status in ordered), 3)
    if any(status.state is RequestState.RUNNING for status in ordered):
        return RunResult(action_id, RunState.RUNNING, tuple(status_ids), requests=ordered)
    failed = next((status for status in ordered if status.state is RequestState.FAILURE), None)
    decisive = failed or ordered[-1]
    return RunResult(
        action_id,
        RunState.FAILURE if failed else RunState.SUCCESS,
        tuple(status_ids),
        code=decisive.code,
        exe_time=exe_time,
        description=decisive.description,
        requests=ordered,
        finished_at=finished_at,
    )


def follow_list(
    listed: Iterable[ActionDefinition],
    previous: Mapping[str, ActionDefinition],
    missing: AbstractSet[str],
) -> tuple[dict[str, ActionDefinition], frozenset[str]]:
    """The actions after a new action list, and those it misses for the first time.

    One odd answer deletes nothing: an action goes when two lists in a row miss it. `previous`
    are the actions before this list, `missing` those the previous list had already missed.
    """
    actions = {action.id: action for action in listed}
    kept = {
        action_id: action
        for action_id, action in previous.items()
        if action_id not in actions and action_id not in missing
    }
    return {**actions, **kept}, frozenset(kept)
