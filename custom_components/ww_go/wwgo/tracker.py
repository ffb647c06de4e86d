"""The run tracker: status IDs in flight, and what each answer does to their runs. No I/O."""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from .codes import STATUS_WINDOW
from .models import RequestStatus, RunResult, RunState, aggregate
from .schedule import MIN_READ_GAP, next_read, remember

RUN_TIMEOUT: Final = 300.0

EXPIRED_DESCRIPTION: Final = "The device no longer holds this result: newer runs pushed it out"
LOST_DESCRIPTION: Final = (
    "The device no longer holds this result: it was lost while Home Assistant was not running"
)
REBOOT_DESCRIPTION: Final = "The device restarted and lost this result"
TIMEOUT_DESCRIPTION: Final = "Still running after {seconds:.0f} seconds"


@dataclass(slots=True)
class Run:
    """One run of an action in flight."""

    action_id: str
    status_ids: tuple[int, ...]
    started: float
    # When a status read last asked for this run's IDs.
    read_at: float | None = None
    # Accepted before Home Assistant (re)started: a lost result was lost while it was down.
    restored: bool = False
    statuses: dict[int, RequestStatus] = field(default_factory=dict)

    def pending(self) -> list[int]:
        """Status IDs without a final status yet."""
        return [
            status_id
            for status_id in self.status_ids
            if status_id not in self.statuses or not self.statuses[status_id].state.final
        ]

    def ended(self, state: RunState, description: str, now: float) -> RunResult:
        """The run's result when it ends without a result of the device's (expired, timeout)."""
        return RunResult(
            self.action_id,
            state,
            self.status_ids,
            description=description,
            requests=tuple(self.statuses[i] for i in self.status_ids if i in self.statuses),
            finished_at=now,
        )


@dataclass(slots=True)
class RunTracker:
    """Tracks runs in flight against the device's window of its newest statuses."""

    window: int = STATUS_WINDOW
    run_timeout: float = RUN_TIMEOUT
    newest_id: int | None = None
    last_read: float | None = None
    # No read before this time: the device asked us to back off, or did not answer.
    not_before: float = 0.0
    # The runs in flight, keyed by first status ID, oldest call first.
    in_flight: dict[int, Run] = field(default_factory=dict)
    # How many status IDs each action's last call took.
    ids_per_call: dict[str, int] = field(default_factory=dict)
    # The execution times of each action's last runs, newest last.
    durations: dict[str, list[float]] = field(default_factory=dict)

    def start(
        self, action_id: str, status_ids: Collection[int], now: float, *, restored: bool = False
    ) -> RunResult:
        """Track a run the device accepted (or one accepted before a restart, `restored`)."""
        ids = tuple(sorted(set(status_ids)))
        if not restored and self.restarted(ids):
            self.newest_id = None
        self._observe(ids)
        self.in_flight[ids[0]] = Run(action_id, ids, now, restored=restored)
        self.ids_per_call[action_id] = len(ids)
        return RunResult(action_id, RunState.RUNNING, ids)

    def restarted(self, status_ids: Collection[int]) -> bool:
        """Whether new status IDs show a device that restarted its counter (a reboot).

        IDs only grow, and our calls are one at a time: a new ID at or below the newest seen
        cannot come from the same counter.
        """
        return self.newest_id is not None and min(status_ids) <= self.newest_id

    def expire_all(self, now: float) -> list[RunResult]:
        """End every run in flight as expired: their statuses went with a reboot."""
        results = [
            run.ended(RunState.EXPIRED, REBOOT_DESCRIPTION, now) for run in self.in_flight.values()
        ]
        self.in_flight.clear()
        self.newest_id = None
        return results

    def _observe(self, ids: Iterable[int]) -> None:
        self.newest_id = max((self.newest_id or 0, *ids))

    def oldest_held(self) -> int | None:
        """The oldest status ID the device can still hold, as far as we know."""
        return None if self.newest_id is None else self.newest_id - self.window + 1

    def ids_to_read(self) -> list[int]:
        """Unfinished IDs that the device may still hold: one status request's worth."""
        oldest = self.oldest_held() or 0
        return sorted(i for run in self.in_flight.values() for i in run.pending() if i >= oldest)

    def expected_ids(self, action_id: str, listed: int | None = None) -> int:
        """How many status IDs a call will take: its last run's count, else what the list says."""
        return self.ids_per_call.get(action_id, listed or 1)

    def at_risk(self, new_ids: int) -> list[int]:
        """Unfinished IDs a call taking `new_ids` status IDs would push out of the window."""
        if self.newest_id is None:
            return []
        limit = self.newest_id + new_ids - self.window
        return [i for i in self.ids_to_read() if i <= limit]

    def next_read_delay(self, now: float) -> float | None:
        """Seconds until the next status read; None when nothing is in flight."""
        if not self.in_flight:
            return None
        due = max(min(self._due(run) for run in self.in_flight.values()), self.not_before)
        if self.last_read is not None:
            due = max(due, self.last_read + MIN_READ_GAP)
        return max(0.0, due - now)

    def _due(self, run: Run) -> float:
        newer = any(
            other.action_id == run.action_id and other.started > run.started
            for other in self.in_flight.values()
        )
        if newer:
            # The device accepted a newer run of the action: this one has finished.
            return run.started
        history = self.durations.get(run.action_id, ())
        last = None if run.read_at is None else run.read_at - run.started
        return run.started + next_read(history, last)

    def may_read(self, now: float) -> bool:
        """Whether a read now, out of schedule, respects back-off and the minimum gap."""
        recent = self.last_read is not None and now - self.last_read < MIN_READ_GAP
        return now >= self.not_before and not recent

    def back_off(self, now: float, seconds: float) -> None:
        """Read nothing for `seconds` (Retry-After, or a failed read)."""
        self.not_before = now + seconds

    def apply(
        self, asked: Collection[int], answer: Mapping[int, RequestStatus], now: float
    ) -> list[RunResult]:
        """Take a status answer (and the passing of time) into every run in flight.

        Returns each run's result, oldest call first; finished runs stop being tracked. An asked
        ID absent from the answer, or one already older than the window, has been evicted: its
        run is expired. A failed read is an empty `asked`: only timeouts can end runs then.
        """
        self.last_read = now
        self._observe(i for i in answer if i in asked)
        oldest = self.oldest_held() or 0
        results: list[RunResult] = []
        for key, run in list(self.in_flight.items()):
            # An ID now holding another action's status was reused: ours is gone.
            ours = {
                i: answer[i]
                for i in run.status_ids
                if i in asked and i in answer and answer[i].action_id == run.action_id
            }
            run.statuses.update(ours)
            if any(i in asked for i in run.status_ids):
                run.read_at = now
            evicted = [i for i in run.pending() if (i in asked and i not in ours) or i < oldest]
            result = self._result(run, evicted, now)
            if result.finished:
                del self.in_flight[key]
                if result.exe_time is not None:
                    self.durations[run.action_id] = remember(
                        self.durations.get(run.action_id, ()), result.exe_time
                    )
            results.append(result)
        return results

    def _result(self, run: Run, evicted: list[int], now: float) -> RunResult:
        if evicted:
            description = LOST_DESCRIPTION if run.restored else EXPIRED_DESCRIPTION
            return run.ended(RunState.EXPIRED, description, now)
        statuses = tuple(run.statuses[i] for i in run.status_ids if i in run.statuses)
        if len(statuses) == len(run.status_ids):
            result = aggregate(run.action_id, run.status_ids, statuses, finished_at=now)
            if result.finished:
                return result
        if now - run.started >= self.run_timeout:
            description = TIMEOUT_DESCRIPTION.format(seconds=self.run_timeout)
            return run.ended(RunState.TIMEOUT, description, now)
        return RunResult(run.action_id, RunState.RUNNING, run.status_ids, requests=statuses)

    def drop(self, action_id: str) -> list[Run]:
        """Forget the runs of an action (it left the device); return them."""
        dropped = [run for run in self.in_flight.values() if run.action_id == action_id]
        self.in_flight = {
            key: run for key, run in self.in_flight.items() if run.action_id != action_id
        }
        return dropped
