"""The runs the device has not accepted yet: one call at a time, and retries.

A run waits while its call is under way, while the device is busy, or while calling would push
unread results out of its window.
"""

import asyncio
from collections.abc import Callable, Collection
import contextlib
from dataclasses import dataclass
import logging
from typing import Final

from .clock import DeviceApi, Scheduler
from .errors import UnexpectedErrors, WwGoActionQueuedError, WwGoDeviceBusyError, WwGoError
from .handle import RunHandle
from .reads import ReadLoop, under_way
from .run import EndReason, Outcome, Run
from .tracker import RunTracker, Sent

LOGGER = logging.getLogger(__name__)

# A call the device refuses as busy is retried for this long, then the run fails.
BUSY_RETRY_LIMIT: Final = 60.0
BUSY_BACKOFF_MAX: Final = 10.0
# A call held for the window looks again at least this often.
WINDOW_WAIT: Final = 1.0


@dataclass(eq=False, slots=True)
class Waiting:
    """A run the device has not accepted yet, and when to try again."""

    handle: RunHandle
    since: float
    attempt: int = 0
    retry_after: float | None = None
    for_window: bool = False
    # Reported queued: nobody waits for its first answer any more, and a refusal ends the run.
    queued: bool = False
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
        accept: Callable[[RunHandle, Collection[int], Sent], None],
        report: Callable[[RunHandle, Run], None],
    ) -> None:
        """Hand runs the device accepted to `accept`, a waiting run's queuing and end to `report`.

        `accept` also gets where the device's IDs stood when the call was sent.
        """
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

    async def call(self, handle: RunHandle, wait: float) -> None:
        """Call the run's action, waiting at most `wait` seconds for the device's first answer.

        Raises the device's refusal (`WwGoError`) when it comes within `wait`. A device that is
        busy, a window full of unread results, or an answer not there by then leaves the run
        queued: it is reported so, retried, and ends refused if the device refuses it later.
        """
        action_id = handle.action_id
        if action_id in self._waiting:
            raise WwGoActionQueuedError(f"action {action_id} is already queued")
        waiting = self._waiting[action_id] = Waiting(handle, self._scheduler.now())
        task = waiting.task = self._scheduler.create_task(
            self._first_call(waiting), f"WW Go call of {action_id}"
        )
        try:
            answered = await self._within(task, wait)
        except asyncio.CancelledError:
            # The caller went away: the run goes on without it; a refusal is nobody's to hear.
            if task.done() and not task.cancelled():
                task.exception()
            else:
                self._queue(waiting)
            raise
        if not answered:
            self._queue(waiting)
        elif not task.cancelled() and (error := task.exception()) is not None:
            raise error

    async def give_up(self, handle: RunHandle) -> None:
        """End a run the device has not accepted yet, so that it never runs."""
        # Under the lock no call is half-way through: the device may be accepting it.
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
        """Stop calling the action's run (the action left the device); its handle, if any."""
        waiting = self._waiting.pop(action_id, None)
        if waiting is None:
            return None
        self._stop_retrying(waiting)
        return waiting.handle

    def close(self) -> None:
        """No more calls or retries.

        A call under way is let finish: the device may accept it, and the run is then tracked
        (and kept across a restart) though nobody waits for it.
        """
        self._closed = True
        for waiting in self._waiting.values():
            self._stop_waiting(waiting)

    async def wait_closed(self) -> None:
        """Wait for the calls still under way after `close` (at most a request's timeout)."""
        calls = [waiting.task for waiting in self._waiting.values() if under_way(waiting.task)]
        if calls:
            await asyncio.wait(calls)

    async def _within(self, task: asyncio.Task[None], seconds: float) -> bool:
        """Whether `task` ends within `seconds` on the scheduler's clock."""
        timed_out: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def time_out() -> None:
            if not timed_out.done():
                timed_out.set_result(None)

        cancel = self._scheduler.call_later(seconds, time_out)
        try:
            await asyncio.wait({task, timed_out}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            cancel()
            timed_out.cancel()
        return task.done()

    async def _first_call(self, waiting: Waiting) -> None:
        try:
            accepted = await self._attempt(waiting)
        except Exception as err:
            if not waiting.queued:
                if self._waiting.get(waiting.handle.action_id) is waiting:
                    del self._waiting[waiting.handle.action_id]
                raise  # the caller still waits: it hears of it
            if isinstance(err, WwGoError):
                self._refused(waiting, err)
                return
            self._unexpected.log(err)
            accepted = False
        self._after_attempt(waiting, accepted)

    async def _retry(self, waiting: Waiting) -> None:
        waiting.attempt += 1
        now = self._scheduler.now()
        if now >= waiting.deadline:
            self._end(waiting, waiting.held(now, self._scheduler.wall()))
            return
        try:
            accepted = await self._attempt(waiting)
        except WwGoError as err:
            self._refused(waiting, err)
            return
        except Exception as err:  # noqa: BLE001 - a retry must not die of an answer
            self._unexpected.log(err)
            accepted = False
        self._after_attempt(waiting, accepted)

    async def _attempt(self, waiting: Waiting) -> bool:
        """Call once; False when the device is busy or the call must wait for the window."""
        handle = waiting.handle
        async with self._lock:
            if self._closed or self._waiting.get(handle.action_id) is not waiting:
                return False
            tracker = self._tracker
            expected = tracker.expected_ids(handle.action_id)
            if tracker.at_risk(expected):
                # Our own call would push unread results out of the device's window: read first,
                # unless a read just happened (the one that woke this call) or must wait.
                if tracker.may_read(self._scheduler.now()):
                    await self._reads.read_now()
                if tracker.at_risk(expected):
                    waiting.for_window = True
                    return False
            # What is seen while the call is on the wire may already be past its IDs.
            sent = tracker.sent()
            tracker.others.call_started(handle.action_id, reading=self._reads.reading)
            try:
                status_ids = await self._device.call(handle.action_id)
            except WwGoDeviceBusyError as err:
                waiting.for_window = False
                waiting.retry_after = err.retry_after
                return False
            finally:
                tracker.others.call_ended(handle.action_id)
            self._waiting.pop(handle.action_id, None)
            self._accept(handle, status_ids, sent)
            return True

    def _after_attempt(self, waiting: Waiting, accepted: bool) -> None:
        if accepted:
            self._unexpected.reset()
        if accepted or self._closed or self._waiting.get(waiting.handle.action_id) is not waiting:
            return
        self._queue(waiting)
        self._plan_retry(waiting)

    def _queue(self, waiting: Waiting) -> None:
        """Report the run queued, once."""
        if not waiting.queued and self._waiting.get(waiting.handle.action_id) is waiting:
            waiting.queued = True
            self._report(waiting.handle, waiting.handle.run)

    def _refused(self, waiting: Waiting, error: WwGoError) -> None:
        action_id = waiting.handle.action_id
        self._end(waiting, Outcome.refused(error, action_id, self._scheduler.wall()))

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

    def _end(self, waiting: Waiting, outcome: Outcome) -> None:
        """End a queued run that will never run."""
        self._waiting.pop(waiting.handle.action_id, None)
        run = waiting.handle.run
        self._report(waiting.handle, Run(run.action_id, outcome=outcome, started_by=run.started_by))

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
