"""A fake clock and an in-memory WW Go device on it, for the run engine's tests.

The device keeps the documented behaviour that matters to the engine (status IDs, a window of the
40 newest statuses, 409 for an action still running, 429 when busy, a reboot restarting the IDs),
and its runs end at times of the fake clock, so that tests decide exactly when things happen.
"""

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
import heapq
import itertools
from typing import Any

from custom_components.ww_go.wwgo import (
    Outcome,
    RequestStatus,
    Run,
    WwGoActionRunningError,
    WwGoConnectionError,
    WwGoDeviceBusyError,
    WwGoError,
    WwGoTimeoutError,
)

# The fake clock's time of day at its start, in seconds since the epoch.
WALL_START = 1_800_000_000.0


def outcome(run: Run) -> Outcome:
    """The outcome of a run that has one."""
    assert run.outcome is not None, f"{run} has not ended"
    return run.outcome


class FakeClock:
    """A clock that moves only when told, with timers and tasks on the running loop."""

    def __init__(self, *, eager: bool = True) -> None:
        """Start at 0; tasks start eagerly, as Home Assistant's do, unless `eager` is False."""
        self.time = 0.0
        self.eager = eager
        # A slow loop: a timer fires this many times later than asked (1: on time).
        self.slowness = 1.0
        self._timers: list[tuple[float, int, list[Any]]] = []
        self._order = itertools.count()
        self.tasks: set[asyncio.Task[None]] = set()

    def now(self) -> float:
        """The fake time."""
        return self.time

    def wall(self) -> float:
        """The fake time of day."""
        return WALL_START + self.time

    def call_later(self, delay: float, callback: Callable[[], None]) -> Callable[[], None]:
        """Run `callback` when the fake time reaches now + delay."""
        timer: list[Any] = [callback, False]
        late = max(0.0, delay) * self.slowness
        heapq.heappush(self._timers, (self.time + late, next(self._order), timer))

        def cancel() -> None:
            timer[1] = True

        return cancel

    def create_task(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """A task on the running loop."""
        task = asyncio.get_running_loop().create_task(coro, name=name, eager_start=self.eager)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of fake time (longer on a slow loop)."""
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not woken.done():
                woken.set_result(None)

        self.call_later(seconds, wake)
        await woken

    def pending_timers(self) -> int:
        """Timers not yet run nor cancelled."""
        return sum(1 for _, _, timer in self._timers if not timer[1])

    async def settle(self) -> None:
        """Let every task run until none can make progress."""
        for _ in range(200):
            await asyncio.sleep(0)

    async def advance(self, seconds: float) -> None:
        """Move time forward, running each timer at its time."""
        target = self.time + seconds
        await self.settle()
        while self._timers and self._timers[0][0] <= target:
            when, _, timer = heapq.heappop(self._timers)
            if timer[1]:
                continue
            self.time = max(self.time, when)
            timer[0]()
            await self.settle()
        self.time = target
        await self.settle()


@dataclass
class FakeRun:
    """A run on the fake device: its status IDs and when each request ends."""

    action_id: str
    status_ids: list[int]
    ends: list[float]
    codes: list[int]
    durations: list[float]
    # Another client called it (its web page, a script), not the engine.
    other: bool = False


@dataclass
class FakeDevice:
    """An in-memory WW Go device on a fake clock."""

    clock: FakeClock
    # Per action: (code, duration) of each request.
    actions: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    next_id: int = 100
    window: int = 40
    # Faults: the next calls answer busy, the next calls and reads fail with these errors, in order.
    busy_calls: int = 0
    busy_retry_after: float | None = 1.0
    call_errors: list[WwGoError | BaseException] = field(default_factory=list)
    read_errors: list[WwGoError | BaseException] = field(default_factory=list)
    offline: bool = False
    # A call waits for this before the device answers (None: answers at once).
    gate: asyncio.Event | None = None
    # The device accepted a call (its IDs are taken); its answer waits for this, and this long.
    answer_gate: asyncio.Event | None = None
    call_delay: float = 0.0
    # A status read is answered this many seconds late; from `timeout` on, not in time at all.
    answer_delay: float = 0.0
    timeout: float = 10.0
    runs: list[FakeRun] = field(default_factory=list)
    # Every run since the start, reboots or not.
    history: list[FakeRun] = field(default_factory=list)
    held: dict[int, tuple[str, int]] = field(default_factory=dict)
    calls: int = 0
    call_times: list[float] = field(default_factory=list)
    reads: list[list[int]] = field(default_factory=list)
    read_times: list[float] = field(default_factory=list)

    def _running(self, action_id: str) -> bool:
        now = self.clock.now()
        return any(run.action_id == action_id and run.ends[-1] > now for run in self.runs)

    async def call(self, action_id: str) -> tuple[int, ...]:
        """Queue a run: one status ID per request."""
        self.calls += 1
        self.call_times.append(self.clock.now())
        # The answer comes back over the network: others may act meanwhile.
        await asyncio.sleep(0)
        if self.gate is not None:
            await self.gate.wait()
        if self.offline:
            raise WwGoConnectionError("offline")
        if self.call_errors:
            raise self.call_errors.pop(0)
        if self.busy_calls:
            self.busy_calls -= 1
            raise WwGoDeviceBusyError("busy", retry_after=self.busy_retry_after)
        ids = self._run(action_id)
        if self.answer_gate is not None:
            await self.answer_gate.wait()
        if self.call_delay:
            await self.clock.sleep(self.call_delay)
        return ids

    def call_as_other(self, action_id: str) -> tuple[int, ...]:
        """Another client runs the action (not counted in `calls`); () when it is still running."""
        try:
            return self._run(action_id, other=True)
        except WwGoActionRunningError:
            return ()

    def _run(self, action_id: str, *, other: bool = False) -> tuple[int, ...]:
        if self._running(action_id):
            raise WwGoActionRunningError("409", status=409)
        requests = self.actions[action_id]
        ids, ends = [], []
        end = self.clock.now()
        for _, duration in requests:
            end += duration
            ids.append(self.allocate(action_id))
            ends.append(end)
        codes = [code for code, _ in requests]
        durations = [duration for _, duration in requests]
        run = FakeRun(action_id, ids, ends, codes, durations, other)
        self.runs.append(run)
        self.history.append(run)
        return tuple(ids)

    def allocate(self, action_id: str) -> int:
        """A new status ID; the oldest held one leaves the window."""
        status_id = self.next_id
        self.next_id += 1
        self.held[status_id] = (action_id, status_id)
        while len(self.held) > self.window:
            del self.held[min(self.held)]
        return status_id

    def external(self, count: int) -> None:
        """Other clients' calls take `count` status IDs."""
        for _ in range(count):
            self.allocate("external")

    def reboot(self, first_id: int = 1) -> None:
        """Statuses and runs are lost; IDs count from `first_id` again."""
        self.runs.clear()
        self.held.clear()
        self.next_id = first_id

    def _status(self, status_id: int) -> RequestStatus:
        now = self.clock.now()
        for run in self.runs:
            if status_id in run.status_ids:
                index = run.status_ids.index(status_id)
                if run.ends[index] <= now:
                    code, duration = run.codes[index], run.durations[index]
                    return RequestStatus(run.action_id, status_id, code, duration)
                return RequestStatus(run.action_id, status_id, -1, 0.0)
        return RequestStatus("external", status_id, 200, 0.001)

    async def statuses(self, ids: Iterable[int]) -> dict[int, RequestStatus]:
        """The statuses of the asked IDs the device still holds."""
        asked = sorted(set(ids))
        self.reads.append(asked)
        self.read_times.append(self.clock.now())
        if self.answer_delay:
            await self.clock.sleep(min(self.answer_delay, self.timeout))
            if self.answer_delay >= self.timeout:
                raise WwGoTimeoutError("no answer in time")
        if self.offline:
            raise WwGoConnectionError("offline")
        if self.read_errors:
            raise self.read_errors.pop(0)
        return {i: self._status(i) for i in asked if i in self.held}
