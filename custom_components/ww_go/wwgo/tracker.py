"""The run tracker: status IDs in flight, and what each answer does to their runs. No I/O.

It follows the runs the device accepted from Home Assistant, and, when `others.on`, those other
clients start (`others.py`). Times are the engine's steady clock (`now`), except `wall`: seconds
since the epoch, what an outcome is stamped with.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Final

from .codes import STATUS_WINDOW
from .follow import ReadPlan
from .handle import RunHandle
from .models import RequestStatus
from .others import Others
from .run import EndReason, Outcome, Run, StartedBy
from .schedule import MIN_READ_GAP, next_read, remember
from .snapshot import Learnt

RUN_TIMEOUT: Final = 300.0

# A run as a read (or a reboot) left it, with the handle it is of.
type Change = tuple[RunHandle, Run]


@dataclass(frozen=True, slots=True)
class Sent:
    """Where the device's IDs stood, as known, when a call was sent."""

    newest: int | None
    restarts: int


@dataclass(slots=True)
class RunTracker:
    """Tracks runs in flight against the device's window of its newest statuses."""

    window: int = STATUS_WINDOW
    run_timeout: float = RUN_TIMEOUT
    learnt: Learnt = field(default_factory=Learnt)
    # Other clients' runs, followed when `others.on`.
    others: Others = field(default_factory=Others)
    # The device's actions, with the status IDs a call of each takes (None: not listed).
    actions: Mapping[str, int | None] = field(default_factory=dict)
    last_read: float | None = None
    # The device's restarts seen (a read or call answered after one may have been sent before).
    restarts: int = 0
    # No read before this time: the device asked us to back off, or did not answer.
    not_before: float = 0.0
    # The runs in flight, keyed by first status ID, oldest call first.
    in_flight: dict[int, RunHandle] = field(default_factory=dict)

    # -- runs the device accepted --

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
        ids = handle.status_ids
        learnt = self.learnt
        self._observe(ids)
        self.in_flight[ids[0]] = handle
        if handle.started_by is StartedBy.HOME_ASSISTANT:
            learnt.ids_per_call[handle.action_id] = len(ids)
            if self.others.on:
                self.others.own(learnt, ids, self.oldest_held() or 0)
        return run

    def sent(self) -> Sent:
        """Where the IDs stand now, for a call about to be sent."""
        return Sent(self.learnt.newest_id, self.restarts)

    def restarted(self, status_ids: Collection[int], sent: Sent) -> bool:
        """Whether a call's status IDs show a device that restarted its counter (a reboot).

        IDs only grow, and our calls are one at a time: a new ID at or below the newest seen
        when the call was sent cannot come from the same counter, unless a restart found since
        (by a read while the call was on the wire) is what counted anew.
        """
        newest = sent.newest
        return sent.restarts == self.restarts and newest is not None and min(status_ids) <= newest

    def expire_all(self, wall: float, *, newest: int) -> list[Change]:
        """End every run in flight: their statuses went with a reboot.

        The device counts its IDs anew, `newest` the newest seen since: every run it still holds
        is news.
        """
        self.restarts += 1
        outcome = Outcome.of(EndReason.DEVICE_RESTARTED, wall)
        ended = [(handle, handle.current(outcome)) for handle in self.in_flight.values()]
        self.in_flight.clear()
        learnt = self.learnt
        learnt.newest_id, learnt.own_ids = newest, []
        if self.others.on:
            learnt.seen_up_to = max(0, newest - self.window)
            self.others.aligned = False
        return ended

    def _observe(self, ids: Iterable[int]) -> None:
        if seen := list(ids):
            self.learnt.newest_id = max(self.learnt.newest_id or 0, *seen)

    def oldest_held(self) -> int | None:
        """The oldest status ID the device can still hold, as far as we know."""
        newest = self.learnt.newest_id
        return None if newest is None else newest - self.window + 1

    def pending_ids(self) -> list[int]:
        """Unfinished IDs of the runs in flight that the device may still hold."""
        oldest = self.oldest_held() or 0
        return sorted(i for run in self.in_flight.values() for i in run.pending() if i >= oldest)

    def expected_ids(self, action_id: str) -> int:
        """How many status IDs a call will take: its last run's count, else the listed count."""
        return self.learnt.ids_per_call.get(action_id, self.actions.get(action_id) or 1)

    def at_risk(self, new_ids: int) -> list[int]:
        """Unfinished IDs of our own that a call taking `new_ids` IDs would push out of the window.

        Other clients' runs do not hold our calls: the device pushes them out as it would.
        """
        if self.learnt.newest_id is None:
            return []
        limit = self.learnt.newest_id + new_ids - self.window
        own = {
            i
            for run in self.in_flight.values()
            if run.started_by is StartedBy.HOME_ASSISTANT
            for i in run.pending()
        }
        return [i for i in self.pending_ids() if i <= limit and i in own]

    # -- when to read, and what --

    def plan(self) -> ReadPlan:
        """What the next status request asks for: the runs in flight first, then others' IDs."""
        pending = tuple(self.pending_ids())
        room = self.window - len(pending)
        plan = self.others.plan(self.learnt, pending, room, self.oldest_held() or 0)
        return replace(plan, restarts=self.restarts)

    def next_read_delay(self, now: float) -> float | None:
        """Seconds until the next status read; None when there is nothing to read."""
        dues = [self._due(run) for run in self.in_flight.values()]
        if (look := self.others.due(now, self.last_read)) is not None:
            dues.append(look)
        if not dues:
            return None
        return max(0.0, max(min(dues), self.earliest_read()) - now)

    def wants_reads(self) -> bool:
        """Whether there is anything to read: runs in flight, or other clients' runs to follow."""
        return bool(self.in_flight) or self.others.on

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

    def earliest_read(self) -> float:
        """The first moment a read may come: after back-off, and the minimum gap to the last."""
        gap = -MIN_READ_GAP if self.last_read is None else self.last_read
        return max(self.not_before, gap + MIN_READ_GAP)

    def may_read(self, now: float) -> bool:
        """Whether a read now, out of schedule, respects back-off and the minimum gap."""
        return now >= self.earliest_read()

    def back_off(self, now: float, seconds: float) -> None:
        """Read nothing for `seconds` (Retry-After, or a failed read)."""
        self.not_before = now + seconds

    # -- answers --

    def apply(
        self, plan: ReadPlan, answer: Mapping[int, RequestStatus], now: float, *, wall: float
    ) -> list[Change]:
        """Take a status answer (and the passing of time) into every run in flight.

        Returns each run as it now stands, oldest call first, then the runs of other clients
        found; ended runs stop being tracked. An asked ID absent from the answer, or one already
        older than the window, has been evicted: its run has no result to read any more. A
        failed read is an empty plan: only timeouts can end runs then.
        """
        self.last_read = now
        if plan.restarts != self.restarts:
            # Asked before the device was seen to restart: its IDs then meant runs now gone.
            plan, answer = ReadPlan(restarts=self.restarts), {}
        others, learnt = self.others, self.learnt
        if plan.probes and (newest := others.probed(learnt, plan, answer, self.oldest_held() or 0)):
            # The device restarted: what else was asked, was asked of it before. Read on.
            others.read_on = True
            return self.expire_all(wall, newest=newest)
        changes: list[Change] = []
        self._observe(i for i in plan.pending if i in answer)
        oldest = self.oldest_held() or 0
        for key, handle in list(self.in_flight.items()):
            # An ID now holding another action's status was reused: ours is gone.
            asked = [i for i in handle.status_ids if i in plan.pending]
            ours = {
                i: answer[i]
                for i in asked
                if i in answer and answer[i].action_id == handle.action_id
            }
            handle.statuses.update(ours)
            if asked:
                handle.read_at = now
            evicted = [i for i in handle.pending() if (i in asked and i not in ours) or i < oldest]
            run = handle.current(self._outcome(handle, evicted, now, wall))
            if run.outcome is not None:
                del self.in_flight[key]
                self._learn(run)
            changes.append((handle, run))
        # Runs of one action back to back are told apart by its count of requests: listed, or
        # as its last call of ours took.
        counts = {a: n or learnt.ids_per_call.get(a) for a, n in self.actions.items()}
        for action_id, statuses in others.found(learnt, plan.follow, answer, counts):
            changes.append(self._found(action_id, statuses, now, wall))
        # The device went further on than what was read: the next read starts further on.
        self._observe(others.ahead(plan, answer))
        others.looked(plan, answer)
        return changes

    def _found(
        self, action_id: str, statuses: tuple[RequestStatus, ...], now: float, wall: float
    ) -> Change:
        """Another client's run, found running (then followed) or ended."""
        handle = RunHandle(action_id, StartedBy.OTHER)
        handle.accept([status.id for status in statuses], now, wall)
        handle.statuses.update({status.id: status for status in statuses})
        run = handle.current(self._outcome(handle, [], now, wall))
        if run.ended:
            self._learn(run)
        else:
            self.in_flight[handle.status_ids[0]] = handle
        return handle, run

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

    def _learn(self, run: Run) -> None:
        if run.outcome is not None and run.outcome.exe_time is not None:
            durations = self.learnt.durations
            durations[run.action_id] = remember(
                durations.get(run.action_id, ()), run.outcome.exe_time
            )

    def drop(self, action_id: str) -> list[RunHandle]:
        """Forget the runs of an action (it left the device); return them."""
        dropped = [handle for handle in self.in_flight.values() if handle.action_id == action_id]
        self.in_flight = {
            key: handle for key, handle in self.in_flight.items() if handle.action_id != action_id
        }
        return dropped
