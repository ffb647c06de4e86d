"""The run tracker: status IDs in flight, and what each answer does to their runs. No I/O.

Times are the engine's steady clock (`now`), except `wall`: seconds since the epoch, what an
outcome is stamped with.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from .codes import STATUS_WINDOW
from .handle import RunHandle
from .models import RequestStatus
from .run import EndReason, Outcome, Run
from .schedule import MIN_READ_GAP, next_read, remember
from .snapshot import Learnt

RUN_TIMEOUT: Final = 300.0

# A run as a read (or a reboot) left it, with the handle it is of.
type Change = tuple[RunHandle, Run]


@dataclass(slots=True)
class RunTracker:
    """Tracks runs in flight against the device's window of its newest statuses."""

    window: int = STATUS_WINDOW
    run_timeout: float = RUN_TIMEOUT
    learnt: Learnt = field(default_factory=Learnt)
    last_read: float | None = None
    # No read before this time: the device asked us to back off, or did not answer.
    not_before: float = 0.0
    # The runs in flight, keyed by first status ID, oldest call first.
    in_flight: dict[int, RunHandle] = field(default_factory=dict)

    def start(
        self,
        handle: RunHandle,
        status_ids: Collection[int],
        now: float,
        wall: float,
        *,
        restored: bool = False,
    ) -> Run:
        """Track a run the device accepted (or one accepted before a restart, `restored`)."""
        run = handle.accept(status_ids, now, wall, restored=restored)
        if not restored and self.restarted(handle.status_ids):
            self.learnt.newest_id = None
        self._observe(handle.status_ids)
        self.in_flight[handle.status_ids[0]] = handle
        self.learnt.ids_per_call[handle.action_id] = len(handle.status_ids)
        return run

    def restarted(self, status_ids: Collection[int]) -> bool:
        """Whether new status IDs show a device that restarted its counter (a reboot).

        IDs only grow, and our calls are one at a time: a new ID at or below the newest seen
        cannot come from the same counter.
        """
        newest = self.learnt.newest_id
        return newest is not None and min(status_ids) <= newest

    def expire_all(self, wall: float) -> list[Change]:
        """End every run in flight: their statuses went with a reboot."""
        outcome = Outcome.of(EndReason.DEVICE_RESTARTED, wall)
        ended = [(handle, handle.current(outcome)) for handle in self.in_flight.values()]
        self.in_flight.clear()
        self.learnt.newest_id = None
        return ended

    def _observe(self, ids: Iterable[int]) -> None:
        self.learnt.newest_id = max((self.learnt.newest_id or 0, *ids))

    def oldest_held(self) -> int | None:
        """The oldest status ID the device can still hold, as far as we know."""
        newest = self.learnt.newest_id
        return None if newest is None else newest - self.window + 1

    def ids_to_read(self) -> list[int]:
        """Unfinished IDs that the device may still hold: one status request's worth."""
        oldest = self.oldest_held() or 0
        return sorted(i for run in self.in_flight.values() for i in run.pending() if i >= oldest)

    def expected_ids(self, action_id: str, request_count: int | None = None) -> int:
        """How many status IDs a call will take: its last run's count, else the listed count."""
        return self.learnt.ids_per_call.get(action_id, request_count or 1)

    def at_risk(self, new_ids: int) -> list[int]:
        """Unfinished IDs a call taking `new_ids` status IDs would push out of the window."""
        if self.learnt.newest_id is None:
            return []
        limit = self.learnt.newest_id + new_ids - self.window
        return [i for i in self.ids_to_read() if i <= limit]

    def next_read_delay(self, now: float) -> float | None:
        """Seconds until the next status read; None when nothing is in flight."""
        if not self.in_flight:
            return None
        due = max(min(self._due(run) for run in self.in_flight.values()), self.not_before)
        if self.last_read is not None:
            due = max(due, self.last_read + MIN_READ_GAP)
        return max(0.0, due - now)

    def _due(self, handle: RunHandle) -> float:
        newer = any(
            other.action_id == handle.action_id and other.accepted_at > handle.accepted_at
            for other in self.in_flight.values()
        )
        if newer:
            # The device accepted a newer run of the action: this one has finished.
            return handle.accepted_at
        history = self.learnt.durations.get(handle.action_id, ())
        last = None if handle.read_at is None else handle.read_at - handle.accepted_at
        return handle.accepted_at + next_read(history, last)

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
    ) -> list[Change]:
        """Take a status answer (and the passing of time) into every run in flight.

        Returns each run as it now stands, oldest call first; ended runs stop being tracked. An
        asked ID absent from the answer, or one already older than the window, has been evicted:
        its run has no result to read any more. A failed read is an empty `asked`: only timeouts
        can end runs then.
        """
        self.last_read = now
        self._observe(i for i in answer if i in asked)
        oldest = self.oldest_held() or 0
        changes: list[Change] = []
        for key, handle in list(self.in_flight.items()):
            # An ID now holding another action's status was reused: ours is gone.
            ours = {
                i: answer[i]
                for i in handle.status_ids
                if i in asked and i in answer and answer[i].action_id == handle.action_id
            }
            handle.statuses.update(ours)
            if any(i in asked for i in handle.status_ids):
                handle.read_at = now
            evicted = [i for i in handle.pending() if (i in asked and i not in ours) or i < oldest]
            run = handle.current(self._outcome(handle, evicted, now, wall))
            if run.outcome is not None:
                del self.in_flight[key]
                if run.outcome.exe_time is not None:
                    durations = self.learnt.durations
                    durations[handle.action_id] = remember(
                        durations.get(handle.action_id, ()), run.outcome.exe_time
                    )
            changes.append((handle, run))
        return changes

    def _outcome(
        self, handle: RunHandle, evicted: list[int], now: float, wall: float
    ) -> Outcome | None:
        if evicted:
            reason = EndReason.LOST_WHILE_STOPPED if handle.restored else EndReason.EVICTED
            return Outcome.of(reason, wall)
        if all(i in handle.statuses for i in handle.status_ids):
            ordered = [handle.statuses[i] for i in handle.status_ids]
            if (outcome := Outcome.of_requests(ordered, wall)) is not None:
                return outcome
        if now - handle.accepted_at >= self.run_timeout:
            return Outcome.of(EndReason.TIMEOUT, wall, seconds=self.run_timeout)
        return None

    def drop(self, action_id: str) -> list[RunHandle]:
        """Forget the runs of an action (it left the device); return them."""
        dropped = [handle for handle in self.in_flight.values() if handle.action_id == action_id]
        self.in_flight = {
            key: handle for key, handle in self.in_flight.items() if handle.action_id != action_id
        }
        return dropped
