"""The read loop: the runs in flight, read one status request at a time, on a schedule."""

import asyncio
from collections.abc import Callable, Mapping
import logging
from typing import Final, TypeGuard

from .clock import DeviceApi, Scheduler
from .errors import (
    UnexpectedErrors,
    WwGoConnectionError,
    WwGoDeviceBusyError,
    WwGoError,
    WwGoInvalidResponseError,
)
from .follow import ReadPlan
from .models import RequestStatus
from .tracker import Change, RunTracker

LOGGER = logging.getLogger(__name__)

# After a failed status read, the next one waits this long.
READ_RETRY_DELAY: Final = 5.0
# A Retry-After of the status endpoint is followed up to this long, so that timeouts still count.
READ_BACKOFF_MAX: Final = 60.0

type ChangesListener = Callable[[list[Change]], None]
type ReadListener = Callable[[WwGoError | None], None]


def under_way(task: asyncio.Task[None] | None) -> TypeGuard[asyncio.Task[None]]:
    """Whether a task is still going."""
    # Tasks may start eagerly (Home Assistant's do): one can end before it is even assigned.
    return task is not None and not task.done()


class ReadLoop:
    """Reads the runs in flight, and other clients' when following: never two reads at once.

    Without runs in flight and without following, nothing is read.
    """

    def __init__(
        self,
        device: DeviceApi,
        scheduler: Scheduler,
        tracker: RunTracker,
        *,
        on_changes: ChangesListener,
        on_read: ReadListener,
        after_read: Callable[[], None],
    ) -> None:
        """Hand every read's runs to `on_changes`, its outcome first to `on_read`.

        `after_read` is called when a read ended, whatever its outcome.
        """
        self._device = device
        self._scheduler = scheduler
        self._tracker = tracker
        self._on_changes = on_changes
        self._on_read = on_read
        self._after_read = after_read
        self._task: asyncio.Task[None] | None = None
        self._cancel_timer: Callable[[], None] | None = None
        self._closed = False
        # Asked for a read soon while one was under way.
        self._again = False
        self._unexpected = UnexpectedErrors(LOGGER, "reading statuses")

    def soon(self) -> None:
        """Read now, or as soon as back-off allows (after a restart, say).

        Asked while a read is under way, the next read comes as soon as that one ended.
        """
        if under_way(self._task):
            self._again = True
        elif self._tracker.wants_reads() and self._tracker.may_read(self._scheduler.now()):
            self.start()
        else:
            self.schedule(soon=True)

    def schedule(self, *, soon: bool = False) -> None:
        """Plan the next read on the schedule (`soon`: as soon as back-off allows)."""
        self._stop_timer()
        if self._closed or under_way(self._task):
            return  # the read under way plans the next when it ends
        now = self._scheduler.now()
        delay = self._tracker.next_read_delay(now)
        if delay is None:
            return
        if soon:
            delay = max(0.0, self._tracker.earliest_read() - now)
        self._cancel_timer = self._scheduler.call_later(delay, self.start)

    def start(self) -> None:
        """Read now, unless a read is under way; it replaces the planned one."""
        self._stop_timer()
        if not under_way(self._task) and not self._closed:
            self._task = self._scheduler.create_task(self._read_once(), "WW Go status read")

    async def read_now(self) -> None:
        """Read now, or wait for the read under way."""
        self.start()
        if under_way(self._task):
            await asyncio.shield(self._task)

    @property
    def reading(self) -> bool:
        """Whether a status request is on the wire."""
        return under_way(self._task)

    def close(self) -> None:
        """No more reads."""
        self._closed = True
        self._stop_timer()
        if under_way(self._task):
            self._task.cancel()

    def _stop_timer(self) -> None:
        if self._cancel_timer is not None:
            self._cancel_timer()
            self._cancel_timer = None

    async def _read_once(self) -> None:
        try:
            await self._read()
        except Exception as err:  # noqa: BLE001
            # No answer may stop the reads: log once, count it as a failed read, go on.
            self._unexpected.log(err)
            self._failed(WwGoInvalidResponseError("the status read failed unexpectedly"))
        finally:
            if self._task is asyncio.current_task():
                self._task = None
            self._after_read()
            again, self._again = self._again, False
            self.schedule(soon=again)

    async def _read(self) -> None:
        tracker = self._tracker
        plan = tracker.plan()
        answer: Mapping[int, RequestStatus] = {}
        if ids := plan.ids:
            tracker.others.read_started()
            try:
                answer = await self._device.statuses(ids)
            except WwGoDeviceBusyError as err:
                # The device is there, and asks for patience.
                patience = min(err.retry_after or READ_RETRY_DELAY, READ_BACKOFF_MAX)
                tracker.back_off(self._scheduler.now(), patience)
                self._apply(ReadPlan(), {})
                return
            except WwGoError as err:
                self._failed(err)
                return
            self._unexpected.reset()
            self._report_read(None)
        self._apply(plan, answer)

    def _failed(self, err: WwGoError) -> None:
        self._tracker.back_off(self._scheduler.now(), READ_RETRY_DELAY)
        if isinstance(err, WwGoConnectionError):
            self._tracker.others.unanswered()
        self._report_read(err)
        # Runs past their timeout end even while the device does not answer.
        self._apply(ReadPlan(), {})

    def _apply(self, plan: ReadPlan, answer: Mapping[int, RequestStatus]) -> None:
        scheduler = self._scheduler
        self._on_changes(self._tracker.apply(plan, answer, scheduler.now(), wall=scheduler.wall()))

    def _report_read(self, error: WwGoError | None) -> None:
        try:
            self._on_read(error)
        except Exception:
            LOGGER.exception("Error reporting a status read")
