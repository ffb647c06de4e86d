"""The run engine: calls actions, reads their statuses on a schedule, and reports every run's life.

Every transition of every run (queued, running, and its outcome) reaches the subscriber once, in
order, oldest call first. Time and timers come from a `Scheduler`, so that the engine runs the
same on an event loop, in Home Assistant and on a test's fake clock.
"""

from collections.abc import Callable, Collection
import logging

from .calls import CallQueue
from .clock import DeviceApi, Scheduler
from .handle import RunHandle
from .reads import ReadListener, ReadLoop
from .run import EndReason, Outcome, Run
from .snapshot import EngineSnapshot, KeptRun
from .tracker import RunTracker

LOGGER = logging.getLogger(__name__)

# Hears a run's new state: the run's handle (who asked for it), and the run as it now stands.
type RunListener = Callable[[RunHandle, Run], None]


class RunEngine:
    """Runs actions on one device and follows each run to its outcome."""

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
        self._scheduler = scheduler
        self._on_run = on_run
        self._tracker = RunTracker()
        # The handle of each run in flight, by its first status ID.
        self._handles: dict[int, RunHandle] = {}
        self._closed = False
        self._reads = ReadLoop(
            device,
            scheduler,
            self._tracker,
            on_runs=self._take,
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
        return [tracked.run() for tracked in self._tracker.in_flight.values()]

    # -- calls --

    async def call(self, action_id: str, listed_ids: int | None = None) -> RunHandle:
        """Run an action; `listed_ids` is how many status IDs the action list says it takes.

        Raises the device's refusal (`WwGoError`) when there is no point in retrying; a busy
        device, or a window full of unread results, queues the run and retries in the background.
        """
        handle = RunHandle(Run(action_id))
        await self._calls.call(handle, listed_ids)
        return handle

    async def give_up(self, handle: RunHandle) -> None:
        """End a run the device has not accepted yet, so that it never runs."""
        await self._calls.give_up(handle)

    def _wake_window_waiters(self) -> None:
        self._calls.wake_window_waiters()

    def read_soon(self) -> None:
        """Read the runs in flight now, or as soon as back-off allows (after a restart, say)."""
        self._reads.soon()

    def _accept(self, handle: RunHandle, status_ids: Collection[int]) -> None:
        tracker = self._tracker
        if tracker.restarted(status_ids):
            # The device rebooted: the runs in flight went with it.
            self._take(tracker.expire_all(self._scheduler.wall()))
        run = tracker.start(handle.action_id, status_ids, self._scheduler.now())
        self._handles[run.status_ids[0]] = handle
        self._report(handle, run)
        if self._closed:
            # Stopped while the call was under way: the run is kept, nobody waits for it.
            handle.unfollowed(self._not_followed())
            return
        self._reads.schedule()

    # -- reporting --

    def _take(self, runs: list[Run]) -> None:
        """Runs as a read (or a reboot) left them: report those whose state changed."""
        for run in runs:
            key = run.status_ids[0]
            handle = self._handles.pop(key) if run.ended else self._handles[key]
            if handle.update(run):
                self._on_run_safely(handle, run)

    def _report(self, handle: RunHandle, run: Run) -> None:
        handle.update(run)
        self._on_run_safely(handle, run)

    def _on_run_safely(self, handle: RunHandle, run: Run) -> None:
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
            in_flight=tuple(
                KeptRun(tracked.action_id, tracked.status_ids, self._wall(tracked.accepted_at))
                for tracked in tracker.in_flight.values()
            ),
            newest_id=tracker.newest_id,
            durations={key: tuple(times) for key, times in tracker.durations.items()},
            ids_per_call=dict(tracker.ids_per_call),
        )

    def restore(self, snapshot: EngineSnapshot) -> list[RunHandle]:
        """Take up what was kept before a restart; the handles of the runs then in flight.

        `read_soon` then reads them.
        """
        tracker = self._tracker
        tracker.durations.update({key: list(times) for key, times in snapshot.durations.items()})
        tracker.ids_per_call.update(snapshot.ids_per_call)
        handles = []
        for kept in snapshot.in_flight:
            accepted_at = self._steady(kept.accepted_at)
            run = tracker.start(kept.action_id, kept.status_ids, accepted_at, restored=True)
            handles.append(self._handles.setdefault(run.status_ids[0], RunHandle(run)))
        if snapshot.newest_id is not None:
            tracker.newest_id = max(snapshot.newest_id, tracker.newest_id or 0)
        return handles

    def _wall(self, moment: float) -> float:
        """A moment of the steady clock in seconds since the epoch."""
        return self._scheduler.wall() - (self._scheduler.now() - moment)

    def _steady(self, timestamp: float) -> float:
        """Seconds since the epoch as a moment of the steady clock."""
        return self._scheduler.now() - (self._scheduler.wall() - timestamp)

    # -- when actions leave, and when stopping --

    def forget(self, action_id: str) -> None:
        """The device no longer has the action: its runs end, and are followed no more."""
        outcome = Outcome.of(EndReason.ACTION_REMOVED, self._scheduler.wall())
        for tracked in self._tracker.drop(action_id):
            if (handle := self._handles.pop(tracked.status_ids[0], None)) is not None:
                self._report(handle, tracked.run(outcome))
        if (handle := self._calls.drop(action_id)) is not None:
            self._report(handle, Run(action_id, outcome=outcome))

    def close(self) -> None:
        """Stop: no more calls, reads or retries; whoever waits on a run is told.

        The runs in flight stay in the snapshot, to be taken up again after a restart.
        """
        self._closed = True
        self._reads.close()
        outcome = self._not_followed()
        for handle in [*self._calls.close(), *self._handles.values()]:
            handle.unfollowed(outcome)

    async def wait_closed(self) -> None:
        """Wait for the calls still under way after `close` (at most a request's timeout)."""
        await self._calls.wait_closed()

    def _not_followed(self) -> Outcome:
        return Outcome.of(EndReason.NOT_FOLLOWED, self._scheduler.wall())
