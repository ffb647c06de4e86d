"""The run tracker: status IDs in flight, and what each answer does to their runs. No I/O."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Final

from .models import RequestStatus, RunResult, RunState, aggregate

STATUS_WINDOW: Final = 40
RUN_TIMEOUT: Final = 300.0
READ_INTERVAL: Final = 1.0
MIN_READ_GAP: Final = 0.25
FIRST_READ_BOUNDS: Final = (0.1, 5.0)
DEFAULT_EXE_TIME: Final = 0.5

EXPIRED_DESCRIPTION: Final = "The device no longer holds this result: newer runs pushed it out"
TIMEOUT_DESCRIPTION: Final = "Still running after {seconds:.0f} seconds"


@dataclass(slots=True)
class Run:
    """One run of an action in flight."""

    action_id: str
    status_ids: tuple[int, ...]
    started: float
    read: bool = False
    statuses: dict[int, RequestStatus] = field(default_factory=dict)

    def pending(self) -> list[int]:
        """Status IDs without a final status yet."""
        return [
            status_id
            for status_id in self.status_ids
            if status_id not in self.statuses or not self.statuses[status_id].state.final
        ]


@dataclass(slots=True)
class RunTracker:
    """Tracks runs in flight against the device's window of its newest statuses."""

    window: int = STATUS_WINDOW
    run_timeout: float = RUN_TIMEOUT
    newest_id: int | None = None
    last_read: float | None = None
    # No read before this time: the device asked us to back off, or did not answer.
    not_before: float = 0.0
    runs: dict[int, Run] = field(default_factory=dict)
    request_counts: dict[str, int] = field(default_factory=dict)
    exe_times: dict[str, float] = field(default_factory=dict)

    @property
    def in_flight(self) -> bool:
        """Whether any run awaits its result."""
        return bool(self.runs)

    def start(self, action_id: str, status_ids: Collection[int], now: float) -> RunResult:
        """Track a run the device accepted."""
        ids = tuple(sorted(status_ids))
        if self.restarted(ids):
            self.newest_id = None
        self._observe(ids)
        self.runs[ids[0]] = Run(action_id, ids, now)
        self.request_counts[action_id] = len(ids)
        return RunResult(action_id, RunState.RUNNING, ids)

    def restarted(self, status_ids: Collection[int]) -> bool:
        """Whether new status IDs show a device that restarted its counter (a reboot).

        IDs only grow, and our calls are one at a time: new IDs at or below the newest seen
        cannot come from the same counter.
        """
        return self.newest_id is not None and max(status_ids) <= self.newest_id

    def expire_all(self) -> list[RunResult]:
        """End every run in flight as expired (their statuses went with a reboot)."""
        results = [
            RunResult(
                run.action_id,
                RunState.EXPIRED,
                run.status_ids,
                description=EXPIRED_DESCRIPTION,
                requests=tuple(run.statuses.values()),
            )
            for run in self.runs.values()
        ]
        self.runs.clear()
        self.newest_id = None
        return results

    def _observe(self, ids: Collection[int]) -> None:
        if ids:
            self.newest_id = max(self.newest_id or 0, *ids)

    def oldest_held(self) -> int | None:
        """The oldest status ID the device can still hold, as far as we know."""
        return None if self.newest_id is None else self.newest_id - self.window + 1

    def ids_to_read(self) -> list[int]:
        """Unfinished IDs that the device may still hold: one status request's worth."""
        oldest = self.oldest_held() or 0
        return sorted(i for run in self.runs.values() for i in run.pending() if i >= oldest)

    def expected_ids(self, action_id: str, listed: int | None = None) -> int:
        """How many status IDs a call will take: its last run's count, else what the list says."""
        return self.request_counts.get(action_id, listed or 1)

    def at_risk(self, new_ids: int) -> list[int]:
        """Unfinished IDs a call taking `new_ids` status IDs would push out of the window."""
        if self.newest_id is None:
            return []
        limit = self.newest_id + new_ids - self.window
        return [i for i in self.ids_to_read() if i <= limit]

    def next_read_delay(self, now: float) -> float | None:
        """Seconds until the next status read; None when nothing is in flight.

        A run is first read when its action usually finishes, then about once a second.
        """
        if not self.runs:
            return None
        due = max(min(self._due(run) for run in self.runs.values()), self.not_before)
        if self.last_read is not None:
            due = max(due, self.last_read + MIN_READ_GAP)
        return max(0.0, due - now)

    def may_read(self, now: float) -> bool:
        """Whether a read now, out of schedule, respects back-off and the minimum gap."""
        recent = self.last_read is not None and now - self.last_read < MIN_READ_GAP
        return now >= self.not_before and not recent

    def back_off(self, now: float, seconds: float) -> None:
        """Read nothing for `seconds` (Retry-After, or a failed read)."""
        self.not_before = now + seconds

    def _due(self, run: Run) -> float:
        if run.read and self.last_read is not None:
            return self.last_read + READ_INTERVAL
        low, high = FIRST_READ_BOUNDS
        expected = self.exe_times.get(run.action_id, DEFAULT_EXE_TIME)
        return run.started + min(max(expected * 1.1, low), high)

    def apply(
        self, asked: Collection[int], answer: Mapping[int, RequestStatus], now: float
    ) -> list[RunResult]:
        """Take a status answer (and the passing of time) into every run in flight.

        Returns each run's result; finished runs stop being tracked. An asked ID absent from the
        answer, or one already older than the window, has been evicted: its run is expired.
        """
        self.last_read = now
        self._observe(list(answer))
        oldest = self.oldest_held() or 0
        results: list[RunResult] = []
        for key, run in list(self.runs.items()):
            # An ID now holding another action's status was reused: ours is gone.
            ours = {
                i: answer[i]
                for i in run.status_ids
                if i in answer and answer[i].action_id == run.action_id
            }
            run.statuses.update(ours)
            run.read = run.read or any(i in asked for i in run.status_ids)
            pending = run.pending()
            evicted = [i for i in pending if (i in asked and i not in ours) or i < oldest]
            result = self._result(run, evicted, now)
            if result.finished:
                del self.runs[key]
                if result.exe_time is not None and result.state is RunState.SUCCESS:
                    self.exe_times[run.action_id] = result.exe_time
            results.append(result)
        return results

    def _result(self, run: Run, evicted: list[int], now: float) -> RunResult:
        statuses = tuple(run.statuses[i] for i in run.status_ids if i in run.statuses)
        if evicted:
            return RunResult(
                run.action_id,
                RunState.EXPIRED,
                run.status_ids,
                description=EXPIRED_DESCRIPTION,
                requests=statuses,
            )
        if len(statuses) == len(run.status_ids):
            result = aggregate(run.action_id, run.status_ids, statuses)
            if result.finished:
                return result
        if now - run.started >= self.run_timeout:
            return RunResult(
                run.action_id,
                RunState.TIMEOUT,
                run.status_ids,
                description=TIMEOUT_DESCRIPTION.format(seconds=self.run_timeout),
                requests=statuses,
            )
        return RunResult(run.action_id, RunState.RUNNING, run.status_ids, requests=statuses)

    def drop(self, action_id: str) -> None:
        """Forget the runs of an action (it left the device)."""
        self.runs = {key: run for key, run in self.runs.items() if run.action_id != action_id}
