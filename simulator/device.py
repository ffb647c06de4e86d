"""State and behaviour of the emulated WW Go device, independent of HTTP.

A call of an action allocates one status ID per enabled request and runs the requests one after
another. The device keeps the newest ``status_window`` statuses only: allocating a new ID evicts the
oldest, and an evicted ID no longer appears in status answers (its run goes on; its result is
discarded). Other clients of the device (its web page, scripts) run actions too: their runs take
status IDs from the same sequence.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
import math
import random
import re
import time
from typing import Any, ClassVar, Literal, get_args

from .scenario import ActionDefinition, RequestDefinition, default_actions

EXTERNAL_ACTION_ID = "external"
EXTERNAL_CODE = 200
EXTERNAL_EXE_TIME = 0.001
RATE_WINDOW = 1.0
CALL_REJECTION_CODES = (400, 404, 409, 429)
# An HTTP header name (RFC 9110 token).
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class DeviceError(Exception):
    """A request the device refuses; ``status`` is the HTTP status it answers with."""

    status: ClassVar[int] = 500


class UnknownAction(DeviceError):  # noqa: N818 - named after the device's answer
    """No action has this ID (404)."""

    status = 404


class ActionDisabled(DeviceError):  # noqa: N818
    """The action, or every one of its requests, is disabled (400)."""

    status = 400


class ActionRunning(DeviceError):  # noqa: N818
    """The previous run of the action has a request not finished yet (409)."""

    status = 409


class DeviceBusy(DeviceError):  # noqa: N818
    """The run would take the requests in progress over the device's limit (429)."""

    status = 429

    def __init__(self, message: str, retry_after: int = 1) -> None:
        """Carry the seconds the device asks callers to wait."""
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(DeviceError):  # noqa: N818
    """Too many status requests in the last second (429); retry after ``retry_after`` seconds."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        """Carry the number of seconds to wait, at least 1."""
        super().__init__(f"too many status requests, retry after {retry_after} s")
        self.retry_after = retry_after


# The API endpoints a crafted answer can stand in for.
Endpoint = Literal["call", "status", "actions"]
ENDPOINTS: tuple[Endpoint, ...] = get_args(Endpoint)


@dataclass(frozen=True, slots=True)
class Answer:
    """A raw answer one endpoint gives instead of the device's: HTTP status, body text, headers.

    Raises ValueError for an unknown endpoint, a status outside 200..599, or a header an HTTP
    answer cannot carry.
    """

    endpoint: Endpoint
    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse what no HTTP answer can say."""
        if self.endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {', '.join(ENDPOINTS)}")
        if self.status not in range(200, 600):
            raise ValueError("status must be an HTTP status from 200 to 599")
        for name, value in self.headers.items():
            if not _HEADER_NAME.fullmatch(name) or any(c in value for c in "\r\n\0"):
                raise ValueError(f"header {name!r} cannot be sent")


@dataclass
class Faults:
    """Misbehaviours the device's HTTP API can be switched into."""

    offline: bool = False
    """Drop every API connection without an answer."""
    delay: float = 0.0
    """Seconds to wait before answering an API request."""
    malformed_json: bool = False
    """Answer the JSON endpoints with a body that is not JSON."""
    server_error: bool = False
    """Answer every API request with 500."""
    answer: Answer | None = None
    """Answer one endpoint with this instead; the device itself does nothing (None: off)."""

    def as_json(self) -> dict[str, Any]:
        """The switches as a JSON object."""
        return asdict(self)


@dataclass
class _Status:
    action_id: str
    id: int
    code: int
    exe_time: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "action_id": self.action_id,
            "id": self.id,
            "code": self.code,
            "exe_time": self.exe_time,
        }


@dataclass
class _Run:
    action_id: str
    requests: tuple[RequestDefinition, ...]
    statuses: list[_Status]
    unfinished: int


class Device:
    """An emulated WW Go device: its actions, status buffer, limits, counters and fault switches."""

    def __init__(
        self,
        actions: Iterable[ActionDefinition] | None = None,
        *,
        running_code: int = -1,
        status_rate: float = 10.0,
        first_status_id: int | None = None,
        status_window: int = 40,
        max_executing: int = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Hold ``actions`` (the demo set by default).

        ``running_code`` is the code of a request not finished yet (the docs give -1 and 0);
        ``status_rate`` the status requests allowed per second (0 for no limit);
        ``first_status_id`` the first ID allocated (random in 100..10000 by default);
        ``status_window`` the statuses kept; ``max_executing`` the requests that may be in progress
        at once; ``clock`` the monotonic clock of the rate limit.
        """
        self._actions: dict[str, ActionDefinition] = {}
        for action in default_actions() if actions is None else actions:
            if action.id in self._actions:
                raise ValueError(f"action id {action.id!r} is defined twice")
            self._actions[action.id] = action
        if status_window < 1:
            raise ValueError("status_window must be at least 1")
        self.running_code = running_code
        self.status_rate = status_rate
        self.status_window = status_window
        self.max_executing = max_executing
        # The Retry-After of a call refused as busy.
        self.busy_retry_after = 1
        self.faults = Faults()
        self._clock = clock
        self._next_id = random.randint(100, 10000) if first_status_id is None else first_status_id
        self._statuses: dict[int, _Status] = {}
        self._finished_at: dict[int, float] = {}
        self._runs: dict[str, _Run] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._executing = 0
        self._status_times: deque[float] = deque()
        self.reset_stats()

    # Actions

    @property
    def actions(self) -> list[ActionDefinition]:
        """The action definitions, in their order."""
        return list(self._actions.values())

    def set_actions(self, actions: Iterable[ActionDefinition]) -> None:
        """Replace the action definitions, as the device's owner would; runs in progress go on."""
        replacement = {action.id: action for action in actions}
        self._actions = replacement

    def list_actions(self) -> list[dict[str, Any]]:
        """Answer an action-list request: every action as the device shows it (counted)."""
        self._requests["actions"] += 1
        return [action.as_json() for action in self._actions.values()]

    @property
    def executing(self) -> int:
        """The requests queued or in progress, across all runs."""
        return self._executing

    def is_running(self, action_id: str) -> bool:
        """Whether a run of the action has a request not finished yet."""
        return action_id in self._runs

    def call(self, action_id: str) -> list[int]:
        """Start a run of the action and return its status IDs, one per enabled request.

        Raises UnknownAction, ActionDisabled, ActionRunning or DeviceBusy when the device refuses
        the call. Must be called from a running event loop, which runs the requests.
        """
        loop = asyncio.get_running_loop()
        self._requests["call"] += 1
        try:
            requests = self._check_call(action_id)
        except DeviceError as err:
            self._call_rejected[str(err.status)] += 1
            raise
        return self._start_run(loop, action_id, requests)

    def call_as_other(self, action_id: str) -> list[int]:
        """Start a run of the action as another client would: its web page, a script, Node-RED.

        The same run as ``call`` starts, with the same checks, status IDs and refusals, but not
        counted in ``stats``: that counts what reaches the device from the client under test.
        """
        loop = asyncio.get_running_loop()
        return self._start_run(loop, action_id, self._check_call(action_id))

    def _start_run(
        self,
        loop: asyncio.AbstractEventLoop,
        action_id: str,
        requests: tuple[RequestDefinition, ...],
    ) -> list[int]:
        statuses = [_Status(action_id, self._allocate_id(), self.running_code) for _ in requests]
        for status in statuses:
            self._store(status)
        run = _Run(action_id, requests, statuses, unfinished=len(requests))
        self._runs[action_id] = run
        self._executing += run.unfinished
        task = loop.create_task(self._execute(run), name=f"WW Go action {action_id}")
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._finish_run(run, done))
        return [status.id for status in statuses]

    def _check_call(self, action_id: str) -> tuple[RequestDefinition, ...]:
        action = self._actions.get(action_id)
        if action is None:
            raise UnknownAction(f"no action {action_id!r}")
        requests = action.enabled_requests
        if not action.enabled:
            raise ActionDisabled(f"action {action_id!r} is disabled")
        if not requests:
            raise ActionDisabled(f"every request of action {action_id!r} is disabled")
        if action_id in self._runs:
            raise ActionRunning(f"action {action_id!r} is already running")
        if self._executing + len(requests) > self.max_executing:
            raise DeviceBusy(
                f"{self._executing} requests in progress, {len(requests)} more would exceed"
                f" {self.max_executing}",
                self.busy_retry_after,
            )
        return requests

    async def _execute(self, run: _Run) -> None:
        loop = asyncio.get_running_loop()
        for request, status in zip(run.requests, run.statuses, strict=True):
            await asyncio.sleep(request.duration)
            status.code = request.code
            status.exe_time = round(request.duration, 3)
            self._finished_at[status.id] = loop.time()
            run.unfinished -= 1
            self._executing -= 1
        self._release(run)

    def finished_at(self, status_id: int) -> float | None:
        """When the request of this status ID finished, on the event loop's clock (None: not yet).

        What a benchmark measures a result's latency from.
        """
        return self._finished_at.get(status_id)

    def _finish_run(self, run: _Run, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._release(run)

    def _release(self, run: _Run) -> None:
        """Let the action run again and free its unfinished requests (when cancelled)."""
        self._executing -= run.unfinished
        run.unfinished = 0
        if self._runs.get(run.action_id) is run:
            del self._runs[run.action_id]

    # Status buffer

    def _allocate_id(self) -> int:
        status_id = self._next_id
        self._next_id += 1
        return status_id

    def _store(self, status: _Status) -> None:
        self._statuses[status.id] = status
        while len(self._statuses) > self.status_window:
            evicted = next(iter(self._statuses))
            del self._statuses[evicted]
            self._finished_at.pop(evicted, None)

    def advance_external(self, n: int) -> list[int]:
        """Allocate ``n`` status IDs as other clients' calls would, evicting old ones.

        Their entries are finished at once (action ``external``, code 200).
        """
        if n < 0:
            raise ValueError("the number of external calls must not be negative")
        ids = []
        for _ in range(n):
            status = _Status(
                EXTERNAL_ACTION_ID, self._allocate_id(), EXTERNAL_CODE, EXTERNAL_EXE_TIME
            )
            self._store(status)
            ids.append(status.id)
        return ids

    @property
    def status_ids(self) -> list[int]:
        """The IDs in the status buffer, oldest first."""
        return list(self._statuses)

    @property
    def next_status_id(self) -> int:
        """The ID the next allocated status gets."""
        return self._next_id

    def statuses(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        """Answer a status request: the entries of the known IDs, in the order asked.

        IDs never allocated or evicted from the buffer are left out. Raises RateLimited when more
        than ``status_rate`` status requests came within the last second.
        """
        asked = list(ids)
        self._requests["status"] += 1
        self._check_rate()
        self._status_ids_per_request.append(asked)
        return [self._statuses[i].as_json() for i in asked if i in self._statuses]

    def _check_rate(self) -> None:
        if self.status_rate <= 0:
            return
        now = self._clock()
        times = self._status_times
        while times and times[0] <= now - RATE_WINDOW:
            times.popleft()
        if len(times) >= self.status_rate:
            self._status_rejected += 1
            raise RateLimited(max(1, math.ceil(times[0] + RATE_WINDOW - now)))
        times.append(now)

    # Counters

    def stats(self) -> dict[str, Any]:
        """Counters of the requests that reached the device since the last reset.

        ``requests`` counts calls, status requests and action-list requests, refused ones included;
        ``status_ids_per_request`` lists the IDs of each status request answered;
        ``status_rejected`` counts the status requests refused by the rate limit, ``call_rejected``
        the refused calls by HTTP status. Requests the HTTP layer refuses before they reach the
        device (authentication, malformed IDs, faults) are not counted, nor other clients' calls.
        """
        return {
            "requests": dict(self._requests),
            "status_ids_per_request": [list(ids) for ids in self._status_ids_per_request],
            "status_rejected": self._status_rejected,
            "call_rejected": dict(self._call_rejected),
        }

    def reset_stats(self) -> None:
        """Zero the counters."""
        self._requests = {"call": 0, "status": 0, "actions": 0}
        self._status_ids_per_request: list[list[int]] = []
        self._status_rejected = 0
        self._call_rejected = {str(code): 0 for code in CALL_REJECTION_CODES}

    # Lifetime

    async def wait_idle(self) -> None:
        """Wait until every run has finished."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
            # A finished run's done callback is scheduled, not yet run: let it run.
            await asyncio.sleep(0)

    def close(self) -> None:
        """Cancel the runs in progress."""
        for task in list(self._tasks):
            task.cancel()

    async def reboot(self, first_status_id: int = 1) -> None:
        """Restart as a power cycle would: runs stop, statuses are lost, IDs count from anew."""
        await self.aclose()
        self._statuses.clear()
        self._next_id = first_status_id

    async def aclose(self) -> None:
        """Cancel the runs in progress and wait until they have stopped."""
        self.close()
        await self.wait_idle()
