"""The runs the device has not accepted yet: one call at a time, and retries.

A run waits while the device is busy, or while calling would push unread results out of its window.
"""

import asyncio
from collections.abc import Callable, Collection
import contextlib
from dataclasses import dataclass, replace
import logging
from typing import Final

from .clock import DeviceApi, Scheduler
from .errors import UnexpectedErrors, WwGoActionQueuedError, WwGoDeviceBusyError, WwGoError
from .handle import RunHandle
from .reads import ReadLoop, under_way
from .run import EndReason, Outcome, Run
from .tracker import RunTracker

LOGGER = logging.getLogger(__name__)

# A call the device refuses as busy is retried for this long, then the run fails.
BUSY_RETRY_LIMIT: Final = 60.0
BUSY_BACKOFF_MAX: Final = 10.0
# A call held for the window looks again at least this often.
WINDOW_WAIT: Final = 1.0


@dataclass(slots=True)
class Waiting:
    """A run the device has not accepted yet, and when to try again."""

    handle: RunHandle
    listed_ids: int | None
    since: float
    attempt: int = 0
    retry_after: float | None = None
    for_window: bool = False
    cancel_timer: Callable[[], None] | None = None
    task: asyncio.Task[None] | None = None

    @property
    def deadline(self) -> float:
        """When the run stops waiting and fails."""
        return self.since + BUSY_RETRY_LIMIT

    def held(self, now: float, wall: float) -> Outcome:
        """The outcome of a run that never ran: what held it, and for how long."""
        reason = EndReason.WINDOW_FULL if self.for_window else EndReason.BUSY
        return Outcome.of(reason, wall, seconds=now - self.since)


class CallQueue:
    """Calls actions one at a time; queues those the device cannot take yet and retries them."""

    def __init__(
        self,
        device: DeviceApi,
        scheduler: Scheduler,
        tracker: RunTracker,
        reads: ReadLoop,
        *,
        accept: Callable[[RunHandle, Collection[int]], None],
        report: Callable[[RunHandle, Run], None],
    ) -> None:
        """`accept` takes a run the device accepted; `report` a queued run's queuing and end."""
        self._device = device
        self._scheduler = scheduler
        self._tracker = tracker
        self._reads = reads
        self._accept = accept
        self._report = report
        self._waiting: dict[str, Waiting] = {}
        self._window_waiters: list[Waiting] = []
        self._lock = asyncio.Lock()
        self._closed = False
        self._unexpected = UnexpectedErrors(LOGGER, "retrying a queued call")

    @property
    def actions(self) -> list[str]:
        """The actions with a run waiting to be accepted."""
        return list(self._waiting)

    async def call(self, handle: RunHandle, listed_ids: int | None) -> None:
        """Call the run's action; queue the run if the device is busy or the window is full.

        Raises the device's refusal (`WwGoError`) when there is no point in retrying.
        """
        action_id = handle.action_id
        if action_id in self._waiting:
            raise WwGoActionQueuedError(f"action {action_id} is already queued")
        waiting = Waiting(handle, listed_ids, self._scheduler.now())
        if await self._attempt(waiting):
            return
        if self._closed:
            handle.unfollowed(Outcome.of(EndReason.NOT_FOLLOWED, self._scheduler.wall()))
            return
        if action_id in self._waiting:
            # Another call of the action was queued while this one waited its turn.
            raise WwGoActionQueuedError(f"action {action_id} is already queued")
        self._waiting[action_id] = waiting
        self._report(handle, handle.run)
        self._plan_retry(waiting)

    async def give_up(self, handle: RunHandle) -> None:
        """End a run the device has not accepted yet, so that it never runs."""
        # Under the lock no retry is half-way through a call the device may accept.
        async with self._lock:
            waiting = self._waiting.get(handle.action_id)
            if waiting is not None and waiting.handle is handle:
                self._stop_retrying(waiting)
                self._end(waiting, waiting.held(self._scheduler.now(), self._scheduler.wall()))

    def wake_window_waiters(self) -> None:
        """A read ended: the calls held for the window look again."""
        waiters, self._window_waiters = self._window_waiters, []
        for waiting in waiters:
            self._start_retry(waiting)

    def drop(self, action_id: str) -> RunHandle | None:
        """Stop retrying the action's run (the action left the device); its handle, if any."""
        waiting = self._waiting.pop(action_id, None)
        if waiting is None:
            return None
        self._stop_retrying(waiting)
        return waiting.handle

    def close(self) -> list[RunHandle]:
        """No more calls or retries; the runs that were waiting.

        A retry whose call is under way is let finish: the device may accept it, and the run is
        then tracked (and kept across a restart) though nobody waits for it.
        """
        self._closed = True
        for waiting in self._waiting.values():
            self._stop_waiting(waiting)
        return [waiting.handle for waiting in self._waiting.values()]

    async def wait_closed(self) -> None:
        """Wait for the calls still under way after `close` (at most a request's timeout)."""
        retries = [waiting.task for waiting in self._waiting.values() if under_way(waiting.task)]
        if retries:
            await asyncio.wait(retries)

    async def _attempt(self, waiting: Waiting) -> bool:
        """Call once; False when the device is busy or the call must wait for the window."""
        handle = waiting.handle
        async with self._lock:
            if self._closed:
                return False
            tracker = self._tracker
            expected = tracker.expected_ids(handle.action_id, waiting.listed_ids)
            if tracker.at_risk(expected):
                # Our own call would push unread results out of the device's window: read first,
                # unless a read just happened (the one that woke this call) or must wait.
                if tracker.may_read(self._scheduler.now()):
                    await self._reads.read_now()
                if tracker.at_risk(expected):
                    waiting.for_window = True
                    return False
            try:
                status_ids = await self._device.call(handle.action_id)
            except WwGoDeviceBusyError as err:
                waiting.for_window = False
                waiting.retry_after = err.retry_after
                return False
            self._accept(handle, status_ids)
            return True

    def _plan_retry(self, waiting: Waiting) -> None:
        if waiting.for_window:
            self._window_waiters.append(waiting)
            pause = WINDOW_WAIT
        else:
            pause = waiting.retry_after or min(2.0**waiting.attempt, BUSY_BACKOFF_MAX)
        delay = max(0.0, min(pause, waiting.deadline - self._scheduler.now()))
        waiting.cancel_timer = self._scheduler.call_later(delay, lambda: self._start_retry(waiting))

    def _start_retry(self, waiting: Waiting) -> None:
        if self._waiting.get(waiting.handle.action_id) is not waiting or under_way(waiting.task):
            return
        self._stop_waiting(waiting)
        waiting.task = self._scheduler.create_task(
            self._retry(waiting), f"WW Go queued run of {waiting.handle.action_id}"
        )

    async def _retry(self, waiting: Waiting) -> None:
        waiting.attempt += 1
        now = self._scheduler.now()
        if now >= waiting.deadline:
            self._end(waiting, waiting.held(now, self._scheduler.wall()))
            return
        try:
            accepted = await self._attempt(waiting)
        except WwGoError as err:
            outcome = Outcome.refused(err, waiting.handle.action_id, self._scheduler.wall())
            self._end(waiting, outcome)
            return
        except Exception as err:  # noqa: BLE001 - a retry must not die of an answer
            self._unexpected.log(err)
            accepted = False
        if accepted:
            self._waiting.pop(waiting.handle.action_id, None)
        elif not self._closed:
            self._plan_retry(waiting)

    def _end(self, waiting: Waiting, outcome: Outcome) -> None:
        """End a queued run that will never run."""
        self._waiting.pop(waiting.handle.action_id, None)
        self._report(waiting.handle, replace(waiting.handle.run, outcome=outcome))

    def _stop_waiting(self, waiting: Waiting) -> None:
        if waiting.cancel_timer is not None:
            waiting.cancel_timer()
            waiting.cancel_timer = None
        with contextlib.suppress(ValueError):
            self._window_waiters.remove(waiting)

    def _stop_retrying(self, waiting: Waiting) -> None:
        self._stop_waiting(waiting)
        if waiting.task is not None:
            waiting.task.cancel()
            waiting.task = None
