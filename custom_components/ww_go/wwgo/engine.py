"""The run engine: calls actions, reads their statuses on a schedule, and reports every run's life.

Every transition of every run (queued, running, and its outcome) reaches the subscriber once, in
order, oldest call first. Time and timers come from a `Scheduler`, so that the engine runs the
same on an event loop, in Home Assistant and on a test's fake clock.
"""

from collections.abc import Callable, Collection, Mapping
import copy
import logging
import math

from .calls import CallQueue
from .clock import DeviceApi, Scheduler
from .handle import RunHandle
from .others import Others
from .reads import ReadListener, ReadLoop
from .run import EndReason, Outcome, Run
from .snapshot import EngineSnapshot
from .tracker import Change, RunTracker, Sent

LOGGER = logging.getLogger(__name__)

# Hears a run's new state: the run's handle, and the run as it now stands.
type RunListener = Callable[[RunHandle, Run], None]


class RunEngine:
    """Runs actions on one device and follows each run to its outcome."""

    def __init__(
        self,
        device: DeviceApi,
        scheduler: Scheduler,
        on_run: RunListener,
        on_read: ReadListener | None = None,
        *,
        follow: bool = False,
    ) -> None:
        """Report every run's transitions to `on_run`, and each status read's outcome to `on_read`.

        `on_read` hears of a read before the transitions it caused: a device back from an outage
        is known to be back before its results are reported. With `follow`, the runs other
        clients start are followed and reported too (`Run.started_by`).
        """
        self._scheduler = scheduler
        self._on_run = on_run
        self._tracker = RunTracker(others=Others(on=follow))
        self._reads = ReadLoop(
            device,
            scheduler,
            self._tracker,
            on_changes=self._report_changes,
            on_read=on_read or (lambda _error: None),
            after_read=self._wake_window_waiters,
        )
        self._calls = CallQueue(
            device, scheduler, self._tracker, self._reads, accept=self._accept, report=self._report
        )

    @property
    def queued(self) -> list[str]:
        """The actions with a run waiting to be accepted."""
        return self._calls.actions

    @property
    def in_flight(self) -> list[Run]:
        """The runs the device accepted and whose outcome is not known yet, oldest first."""
        return [handle.current() for handle in self._tracker.in_flight.values()]

    # -- the device's actions, and calls --

    def set_actions(self, request_counts: Mapping[str, int | None]) -> None:
        """The device's actions now, with the status IDs each one's call takes (None: unknown).

        Runs of actions no longer there end: they are followed no more.
        """
        outcome = Outcome.of(EndReason.ACTION_REMOVED, self._scheduler.wall())
        known = {handle.action_id for handle in self._tracker.in_flight.values()}
        for action_id in known.union(self._calls.actions).difference(request_counts):
            for handle in self._tracker.drop(action_id):
                self._report(handle, handle.current(outcome))
            if (queued := self._calls.drop(action_id)) is not None:
                self._report(queued, Run(action_id, outcome=outcome))
        self._tracker.actions = dict(request_counts)

    async def call(self, handle: RunHandle, *, wait: float = math.inf) -> RunHandle:
        """Run the handle's action, waiting at most `wait` seconds for the device's first answer.

        Raises the device's refusal (`WwGoError`) when it comes by then. A busy device, a window
        full of unread results, or an answer not there in time leaves the run queued (reported
        so, and retried in the background); a refusal then ends it.
        """
        await self._calls.call(handle, wait)
        return handle

    async def give_up(self, handle: RunHandle) -> None:
        """End a run the device has not accepted yet, so that it never runs."""
        await self._calls.give_up(handle)

    def _wake_window_waiters(self) -> None:
        self._calls.wake_window_waiters()

    def read_soon(self) -> None:
        """Read now, or as soon as back-off allows.

        The runs in flight (after a restart, say), and other clients' when following (one of
        them runs an action, say).
        """
        self._reads.soon()

    def _accept(self, handle: RunHandle, status_ids: Collection[int], sent: Sent) -> None:
        tracker, scheduler = self._tracker, self._scheduler
        if tracker.restarted(status_ids, sent):
            # The device rebooted: the runs in flight went with it.
            ended = tracker.expire_all(scheduler.wall(), newest=min(status_ids) - 1)
            self._report_changes(ended)
        self._report(handle, tracker.start(handle, status_ids, scheduler.now(), scheduler.wall()))
        self._reads.schedule()

    # -- reporting --

    def _report_changes(self, changes: list[Change]) -> None:
        """Runs as a read (or a reboot) left them: report those whose state changed."""
        for handle, run in changes:
            if handle.update(run):
                self._tell(handle, run)

    def _report(self, handle: RunHandle, run: Run) -> None:
        handle.update(run)
        self._tell(handle, run)

    def _tell(self, handle: RunHandle, run: Run) -> None:
        try:
            self._on_run(handle, run)
        except Exception:
            # A subscriber's fault must not cost the other runs their reports.
            LOGGER.exception("Error reporting a run of action %s", run.action_id)

    # -- what outlives a restart --

    def snapshot(self) -> EngineSnapshot:
        """What to keep across a restart."""
        tracker = self._tracker
        return EngineSnapshot(
            runs=tuple(handle.current() for handle in tracker.in_flight.values()),
            learnt=copy.deepcopy(tracker.learnt),
        )

    def restore(self, snapshot: EngineSnapshot) -> list[RunHandle]:
        """Take up what was kept before a restart; the handles of the runs then in flight.

        `read_soon` then reads them.
        """
        tracker, scheduler = self._tracker, self._scheduler
        tracker.learnt = copy.deepcopy(snapshot.learnt)
        learnt, others = tracker.learnt, tracker.others
        if not others.on:
            # Following again later starts afresh: runs meanwhile are no news then.
            learnt.seen_up_to, learnt.own_ids = None, []
        elif learnt.seen_up_to is None and learnt.newest_id is not None:
            # Following was off: from the newest ID known, what the device holds is no news.
            learnt.seen_up_to, others.catching_up, others.aligned = learnt.newest_id, True, False
        else:
            others.probe = True  # the device may have restarted while Home Assistant was down
        handles = []
        for run in snapshot.runs:
            accepted_at = scheduler.wall() if run.accepted_at is None else run.accepted_at
            steady = scheduler.now() - (scheduler.wall() - accepted_at)
            handle = RunHandle.of(run)
            handle.run = tracker.start(handle, run.status_ids, steady, accepted_at, restored=True)
            handles.append(handle)
        return handles

    # -- stopping --

    def close(self) -> None:
        """Stop: no more calls, reads or retries.

        The runs in flight stay in the snapshot, to be taken up again after a restart.
        """
        self._calls.close()
        self._reads.close()

    async def wait_closed(self) -> None:
        """Wait for the calls still under way after `close` (at most a request's timeout)."""
        await self._calls.wait_closed()
