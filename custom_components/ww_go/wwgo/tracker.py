"""The run tracker: status IDs in flight, and what each answer does to their runs. No I/O.

Times are the engine's steady clock (`now`), except `wall`: seconds since the epoch, what an
outcome is stamped with.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from .codes import STATUS_WINDOW
from .models import RequestStatus
from .run import EndReason, Outcome, Run, aggregate
from .schedule import MIN_READ_GAP, next_read, remember

RUN_TIMEOUT: Final = 300.0


@dataclass(slots=True)
class Tracked:
    """A run in flight, with what its reads found so far."""

    action_id: str
    status_ids: tuple[int, ...]
    accepted_at: float
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

    def run(self, outcome: Outcome | None = None) -> Run:
        """The run as it stands, or ended with `outcome`."""
        requests = tuple(self.statuses[i] for i in self.status_ids if i in self.statuses)
        return Run(self.action_id, self.status_ids, requests, outcome)


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
    in_flight: dict[int, Tracked] = field(default_factory=dict)
    # How many status IDs each action's last call took.
    ids_per_call: dict[str, int] = field(default_factory=dict)
    # The execution times of each action's last runs, newest last.
    durations: dict[str, list[float]] = field(default_factory=dict)

    def start(
        self, action_id: str, status_ids: Collection[int], now: float, *, restored: bool = False
    ) -> Run:
        """Track a run the device accepted (or one accepted before a restart, `restored`)."""
        ids = tuple(sorted(set(status_ids)))
        if not restored and self.restarted(ids):
            self.newest_id = None
        self._observe(ids)
        tracked = self.in_flight[ids[0]] = Tracked(action_id, ids, now, restored=restored)
        self.ids_per_call[action_id] = len(ids)
        return tracked.run()

    def restarted(self, status_ids: Collection[int]) -> bool:
        """Whether new status IDs show a device that restarted its counter (a reboot).

        IDs only grow, and our calls are one at a time: a new ID at or below the newest seen
        cannot come from the same counter.
        """
        return self.newest_id is not None and min(status_ids) <= self.newest_id

    def expire_all(self, wall: float) -> list[Run]:
        """End every run in flight: their statuses went with a reboot."""
        outcome = Outcome.of(EndReason.DEVICE_RESTARTED, wall)
        ended = [tracked.run(outcome) for tracked in self.in_flight.values()]
        self.in_flight.clear()
        self.newest_id = None
        return ended

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

    def _due(self, tracked: Tracked) -> float:
        newer = any(
            other.action_id == tracked.action_id and other.accepted_at > tracked.accepted_at
            for other in self.in_flight.values()
        )
        if newer:
            # The device accepted a newer run of the action: this one has finished.
            return tracked.accepted_at
        history = self.durations.get(tracked.action_id, ())
        last = None if tracked.read_at is None else tracked.read_at - tracked.accepted_at
        return tracked.accepted_at + next_read(history, last)

    def may_read(self, now: float) -> bool:
        """Whether a read now, out of schedule, respects back-off and the minimum gap."""
        recent = self.last_read is not None and now - self.last_read < MIN_READ_GAP
        return now >= self.not_before and not recent

    def back_off(self, now: float, seconds: float) -> None:
        """Read nothing for `seconds` (Retry-After, or a failed read)."""
        self.not_before = now + seconds

    def apply(
        self,
        asked: Collection[int],
        answer: Mapping[int, RequestStatus],
        now: float,
        *,
        wall: float,
    ) -> list[Run]:
        """Take a status answer (and the passing of time) into every run in flight.

        Returns each run as it now stands, oldest call first; ended runs stop being tracked. An
        asked ID absent from the answer, or one already older than the window, has been evicted:
        its run has no result to read any more. A failed read is an empty `asked`: only timeouts
        can end runs then.
        """
        self.last_read = now
        self._observe(i for i in answer if i in asked)
        oldest = self.oldest_held() or 0
        runs: list[Run] = []
        for key, tracked in list(self.in_flight.items()):
            # An ID now holding another action's status was reused: ours is gone.
            ours = {
                i: answer[i]
                for i in tracked.status_ids
                if i in asked and i in answer and answer[i].action_id == tracked.action_id
            }
            tracked.statuses.update(ours)
            if any(i in asked for i in tracked.status_ids):
                tracked.read_at = now
            evicted = [i for i in tracked.pending() if (i in asked and i not in ours) or i < oldest]
            run = self._run(tracked, evicted, now, wall)
            if run.outcome is not None:
                del self.in_flight[key]
                if run.outcome.exe_time is not None:
                    self.durations[tracked.action_id] = remember(
                        self.durations.get(tracked.action_id, ()), run.outcome.exe_time
                    )
            runs.append(run)
        return runs

    def _run(self, tracked: Tracked, evicted: list[int], now: float, wall: float) -> Run:
        if evicted:
            reason = EndReason.LOST_WHILE_STOPPED if tracked.restored else EndReason.EVICTED
            return tracked.run(Outcome.of(reason, wall))
        statuses = tuple(tracked.statuses[i] for i in tracked.status_ids if i in tracked.statuses)
        if len(statuses) == len(tracked.status_ids):
            run = aggregate(tracked.action_id, tracked.status_ids, statuses, wall)
            if run.ended:
                return run
        if now - tracked.accepted_at >= self.run_timeout:
            return tracked.run(Outcome.of(EndReason.TIMEOUT, wall, seconds=self.run_timeout))
        return tracked.run()

    def drop(self, action_id: str) -> list[Tracked]:
        """Forget the runs of an action (it left the device); return them."""
        dropped = [tracked for tracked in self.in_flight.values() if tracked.action_id == action_id]
        self.in_flight = {
            key: tracked
            for key, tracked in self.in_flight.items()
            if tracked.action_id != action_id
        }
        return dropped
