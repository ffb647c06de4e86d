"""The run engine: calls actions, reads their statuses on a schedule, and reports every run's life.

Every transition of every run (queued, running, and how it ended) reaches the subscriber once,
in order, oldest call first. Time and timers come from a `Scheduler`, so that the engine runs the
same on an event loop, in Home Assistant and on a test's fake clock.
"""

import asyncio
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
import contextlib
from dataclasses import dataclass
import logging
from typing import Final, TypeGuard

from .clock import DeviceApi, Scheduler
from .errors import (
    WwGoActionDisabledError,
    WwGoActionNotFoundError,
    WwGoActionQueuedError,
    WwGoActionRunningError,
    WwGoAuthenticationError,
    WwGoConnectionError,
    WwGoDeviceBusyError,
    WwGoError,
    WwGoInvalidResponseError,
    WwGoRunAbandonedError,
)
from .handle import RunHandle
from .models import RequestStatus, RunResult, RunState
from .tracker import RunTracker

LOGGER = logging.getLogger(__name__)

# A call the device refuses as busy is retried for this long, then the run fails.
BUSY_RETRY_LIMIT: Final = 60.0
BUSY_BACKOFF_MAX: Final = 10.0
# A call held for the window looks again at least this often.
WINDOW_WAIT: Final = 1.0
# After a failed status read, the next one waits this long.
READ_RETRY_DELAY: Final = 5.0
# A Retry-After of the status endpoint is followed up to this long, so that timeouts still count.
READ_BACKOFF_MAX: Final = 60.0
BUSY_DESCRIPTION: Final = "The device stayed busy for {seconds:.0f} seconds; the action was not run"
WINDOW_DESCRIPTION: Final = (
    "Earlier results stayed unread for {seconds:.0f} seconds (the device keeps only its 40 "
    "newest); the action was not run"
)
# Why a queued run never ran, when the device refused it on a retry; most specific first.
REFUSALS: Final[tuple[tuple[type[WwGoError], str], ...]] = (
    (WwGoActionNotFoundError, "The device has no action {action_id}; the action was not run"),
    (WwGoActionDisabledError, "Action {action_id} is disabled on the device; it was not run"),
    (WwGoActionRunningError, "Action {action_id} was already running on the device"),
    (WwGoAuthenticationError, "The device refused the login; the action was not run"),
    (WwGoConnectionError, "The device could not be reached; the action was not run"),
    (WwGoError, "The device refused the action ({error}); it was not run"),
)


@dataclass(slots=True)
class _Queued:
    """A run the device has not accepted yet, and when to try again."""

    handle: RunHandle
    listed_ids: int | None
    deadline: float
    attempt: int = 0
    retry_after: float | None = None
    for_window: bool = False
    cancel_timer: Callable[[], None] | None = None
    task: asyncio.Task[None] | None = None


def _refusal(err: WwGoError, action_id: str) -> str:
    text = next(text for kind, text in REFUSALS if isinstance(err, kind))
    return text.format(action_id=action_id, error=err)


def _running(task: asyncio.Task[None] | None) -> TypeGuard[asyncio.Task[None]]:
    # Tasks may start eagerly (Home Assistant's do): one can end before it is even assigned.
    return task is not None and not task.done()


type RunListener = Callable[[RunResult], None]
type ReadListener = Callable[[WwGoError | None], None]


class RunEngine:
    """Runs actions on one device and follows each run to its end."""

    def __init__(
        self,
        device: DeviceApi,
        scheduler: Scheduler,
        on_run: RunListener,
        on_read: ReadListener | None = None,
    ) -> None:
        """Report every run's transitions to `on_run`, and each status read's outcome to `on_read`.

        `on_read` hears of a read before the transitions it caused: a device back from an outage
        is known to be back before its results are reported.
        """
        self._device = device
        self._scheduler = scheduler
        self._on_run = on_run
        self._on_read = on_read
        self.tracker = RunTracker()
        self.requests: Counter[str] = Counter()
        self._handles: dict[int, RunHandle] = {}
        self._queued: dict[str, _Queued] = {}
        self._call_lock = asyncio.Lock()
        self._read_task: asyncio.Task[None] | None = None
        self._cancel_read: Callable[[], None] | None = None
        self._window_waiters: list[_Queued] = []
        self._closed = False
        self._unexpected_logged = False

    # -- what is going on --

    @property
    def queued(self) -> list[str]:
        """The actions with a run waiting to be accepted."""
        return list(self._queued)

    def current(self, action_id: str) -> RunResult | None:
        """The action's newest unfinished run (queued or running), if any."""
        if (queued := self._queued.get(action_id)) is not None:
            return queued.handle.result
        running = [h.result for h in self._handles.values() if h.action_id == action_id]
        return running[-1] if running else None

    # -- calls --

    async def call(self, action_id: str, listed_ids: int | None = None) -> RunHandle:
        """Run an action; `listed_ids` is how many status IDs the action list says it takes.

        Raises the device's refusal (`WwGoError`) when there is no point in retrying; a busy
        device, or a window full of unread results, queues the run and retries in the background.
        """
        if action_id in self._queued:
            raise WwGoActionQueuedError(f"action {action_id} is already queued")
        handle = RunHandle(action_id)
        queued = _Queued(handle, listed_ids, self._scheduler.now() + BUSY_RETRY_LIMIT)
        if not await self._attempt(queued):
            if self._closed:
                self._abandon(handle)
                return handle
            if action_id in self._queued:
                # Another call of the action was queued while this one waited its turn.
                raise WwGoActionQueuedError(f"action {action_id} is already queued")
            self._queued[action_id] = queued
            self._report(handle.result)
            self._plan_retry(queued)
        return handle

    async def cancel(self, handle: RunHandle, description: str) -> None:
        """Give up a run the device has not accepted yet, so that it never runs."""
        # Under the call lock no retry is half-way through a call the device may accept.
        async with self._call_lock:
            queued = self._queued.get(handle.action_id)
            if queued is not None and queued.handle is handle:
                self._stop_retrying(queued)
                self._refuse(queued, description)

    async def _attempt(self, queued: _Queued) -> bool:
        """Call once; False when the device is busy or the call must wait for the window."""
        handle = queued.handle
        async with self._call_lock:
            if self._closed:
                return False
            tracker = self.tracker
            expected = tracker.expected_ids(handle.action_id, queued.listed_ids)
            if tracker.at_risk(expected):
                # Our own call would push unread results out of the device's window: read first,
                # unless a read just happened (the one that woke this call) or must wait.
                if tracker.may_read(self._scheduler.now()):
                    await self._read()
                if tracker.at_risk(expected):
                    queued.for_window = True
                    return False
            try:
                self.requests["call"] += 1
                status_ids = await self._device.call(handle.action_id)
            except WwGoDeviceBusyError as err:
                queued.for_window = False
                queued.retry_after = err.retry_after
                return False
            self._accept(handle, status_ids)
            return True

    def _accept(self, handle: RunHandle, status_ids: Collection[int]) -> None:
        now = self._scheduler.now()
        if self.tracker.restarted(status_ids):
            # The device rebooted: the runs in flight went with it.
            self._emit_results(self.tracker.expire_all(now))
        result = self.tracker.start(handle.action_id, status_ids, now)
        self._handles[result.status_ids[0]] = handle
        self._emit(handle, result)
        if self._closed:
            # Stopped while the call was under way: nobody will read this run.
            self._abandon(handle)
            return
        self._schedule_read()

    def _plan_retry(self, queued: _Queued) -> None:
        if queued.for_window:
            self._window_waiters.append(queued)
            pause = WINDOW_WAIT
        else:
            pause = queued.retry_after or min(2.0**queued.attempt, BUSY_BACKOFF_MAX)
        delay = max(0.0, min(pause, queued.deadline - self._scheduler.now()))
        queued.cancel_timer = self._scheduler.call_later(delay, lambda: self._start_retry(queued))

    def _start_retry(self, queued: _Queued) -> None:
        if self._queued.get(queued.handle.action_id) is not queued or _running(queued.task):
            return
        self._stop_waiting(queued)
        queued.task = self._scheduler.create_task(
            self._retry(queued), f"WW Go queued run of {queued.handle.action_id}"
        )

    async def _retry(self, queued: _Queued) -> None:
        queued.attempt += 1
        if self._scheduler.now() >= queued.deadline:
            held = WINDOW_DESCRIPTION if queued.for_window else BUSY_DESCRIPTION
            self._refuse(queued, held.format(seconds=BUSY_RETRY_LIMIT))
            return
        try:
            accepted = await self._attempt(queued)
        except WwGoError as err:
            queued.handle.error = err
            self._refuse(queued, _refusal(err, queued.handle.action_id))
            return
        except Exception as err:  # noqa: BLE001 - a retry must not die of an answer
            self._log_unexpected("retrying a queued call", err)
            accepted = False
        if accepted:
            self._queued.pop(queued.handle.action_id, None)
        elif not self._closed:
            self._plan_retry(queued)

    def _refuse(self, queued: _Queued, description: str) -> None:
        """End a queued run that will never run."""
        self._queued.pop(queued.handle.action_id, None)
        result = RunResult(
            queued.handle.action_id,
            RunState.FAILURE,
            description=description,
            finished_at=self._scheduler.now(),
        )
        self._emit(queued.handle, result)

    def _stop_waiting(self, queued: _Queued) -> None:
        if queued.cancel_timer is not None:
            queued.cancel_timer()
            queued.cancel_timer = None
        with contextlib.suppress(ValueError):
            self._window_waiters.remove(queued)

    def _stop_retrying(self, queued: _Queued) -> None:
        self._stop_waiting(queued)
        if queued.task is not None:
            queued.task.cancel()
            queued.task = None

    # -- status reads: one at a time, only while runs are in flight --

    def read_soon(self) -> None:
        """Read the runs in flight now, or as soon as back-off allows (after a restart, say)."""
        if bool(self.tracker.in_flight) and self.tracker.may_read(self._scheduler.now()):
            self._start_read()
        else:
            self._schedule_read(soon=True)

    def _schedule_read(self, *, soon: bool = False) -> None:
        if self._cancel_read is not None:
            self._cancel_read()
            self._cancel_read = None
        if self._closed or _running(self._read_task):
            return  # the read under way schedules the next when it ends
        now = self._scheduler.now()
        delay = self.tracker.next_read_delay(now)
        if delay is None:
            return
        if soon:
            delay = max(0.0, self.tracker.not_before - now)
        self._cancel_read = self._scheduler.call_later(delay, self._start_read)

    def _start_read(self) -> None:
        if self._cancel_read is not None:
            # Read out of schedule: the scheduled read is replaced by this one.
            self._cancel_read()
            self._cancel_read = None
        if not _running(self._read_task) and not self._closed:
            self._read_task = self._scheduler.create_task(self._read_once(), "WW Go status read")

    async def _read(self) -> None:
        """Read now, or wait for the read under way."""
        self._start_read()
        if _running(self._read_task):
            await asyncio.shield(self._read_task)

    async def _read_once(self) -> None:
        try:
            await self._read_statuses()
        except Exception as err:  # noqa: BLE001
            # No answer may stop the reads: log once, count it as a failed read, go on.
            self._log_unexpected("reading statuses", err)
            self._read_failed(WwGoInvalidResponseError("the status read failed unexpectedly"))
        finally:
            if self._read_task is asyncio.current_task():
                self._read_task = None
            waiters, self._window_waiters = self._window_waiters, []
            for queued in waiters:
                self._start_retry(queued)
            self._schedule_read()

    async def _read_statuses(self) -> None:
        ids = self.tracker.ids_to_read()
        answer: Mapping[int, RequestStatus] = {}
        if ids:
            try:
                self.requests["status"] += 1
                answer = await self._device.statuses(ids)
            except WwGoDeviceBusyError as err:
                now = self._scheduler.now()
                self.tracker.back_off(
                    now, min(err.retry_after or READ_RETRY_DELAY, READ_BACKOFF_MAX)
                )
                self._emit_results(self.tracker.apply((), {}, now))
                return
            except WwGoError as err:
                self._read_failed(err)
                return
            self._unexpected_logged = False
            self._report_read(None)
        self._emit_results(self.tracker.apply(ids, answer, self._scheduler.now()))

    def _read_failed(self, err: WwGoError) -> None:
        now = self._scheduler.now()
        self.tracker.back_off(now, READ_RETRY_DELAY)
        self._report_read(err)
        # Runs past their timeout end even while the device does not answer.
        self._emit_results(self.tracker.apply((), {}, now))

    def _report_read(self, error: WwGoError | None) -> None:
        if self._on_read is None:
            return
        try:
            self._on_read(error)
        except Exception:
            LOGGER.exception("Error reporting a status read")

    def _log_unexpected(self, doing: str, err: Exception) -> None:
        if not self._unexpected_logged:
            self._unexpected_logged = True
            LOGGER.error("Unexpected error %s; carrying on", doing, exc_info=err)
        else:
            LOGGER.debug("Unexpected error %s again", doing, exc_info=err)

    # -- reporting --

    def _emit_results(self, results: Iterable[RunResult]) -> None:
        for result in results:
            handle = self._handles.get(result.status_ids[0])
            if handle is None:
                handle = self._handles[result.status_ids[0]] = RunHandle(result.action_id)
            self._emit(handle, result)

    def _emit(self, handle: RunHandle, result: RunResult) -> None:
        """Take a run's new result; report it when its state changed."""
        changed = result.state is not handle.result.state
        handle.result = result
        if result.finished:
            if result.status_ids:
                self._handles.pop(result.status_ids[0], None)
            handle.settle()
        if changed:
            self._report(result)

    def _report(self, result: RunResult) -> None:
        try:
            self._on_run(result)
        except Exception:
            # A subscriber's fault must not cost the other runs their reports.
            LOGGER.exception("Error reporting run of action %s", result.action_id)

    # -- after a restart, and when stopping --

    def restore(
        self,
        runs: Iterable[tuple[str, Collection[int], float]],
        *,
        newest_id: int | None = None,
        durations: Mapping[str, list[float]] | None = None,
        ids_per_call: Mapping[str, int] | None = None,
    ) -> None:
        """Take up what was known before a restart.

        `runs` were accepted then and are still unread: (action ID, status IDs, accepted at).
        `read_soon` then reads them.
        """
        tracker = self.tracker
        tracker.durations.update(durations or {})
        tracker.ids_per_call.update(ids_per_call or {})
        for action_id, status_ids, started in runs:
            result = tracker.start(action_id, status_ids, started, restored=True)
            handle = RunHandle(action_id)
            handle.result = result
            self._handles[result.status_ids[0]] = handle
        if newest_id is not None:
            tracker.newest_id = max(newest_id, tracker.newest_id or 0)

    def forget(self, action_id: str) -> None:
        """The device no longer has the action: stop following its runs."""
        for run in self.tracker.drop(action_id):
            if (handle := self._handles.pop(run.status_ids[0], None)) is not None:
                self._abandon(handle)
        if (queued := self._queued.pop(action_id, None)) is not None:
            self._stop_retrying(queued)
            self._abandon(queued.handle)

    def close(self) -> None:
        """Stop: no more calls, reads or retries; whoever waits on a run is told.

        A retry whose call is under way is let finish: the device may accept it, and the run is
        then tracked (and kept across a restart) though nobody waits for it.
        """
        self._closed = True
        if self._cancel_read is not None:
            self._cancel_read()
            self._cancel_read = None
        if _running(self._read_task):
            self._read_task.cancel()
        for queued in list(self._queued.values()):
            self._stop_waiting(queued)
            self._abandon(queued.handle)
        for handle in self._handles.values():
            self._abandon(handle)

    async def wait_closed(self) -> None:
        """Wait for the calls still under way after `close` (at most a request's timeout)."""
        retries = [q.task for q in self._queued.values() if _running(q.task)]
        if retries:
            await asyncio.wait(retries)

    @staticmethod
    def _abandon(handle: RunHandle) -> None:
        handle.settle(WwGoRunAbandonedError("nobody follows this run any more"))
