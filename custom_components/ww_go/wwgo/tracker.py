"""The run tracker: status IDs in flight, and what each answer does to their runs. No I/O.

It follows the runs the device accepted from Home Assistant, and, when `following`, those other
clients start (`follow.py`). Times are the engine's steady clock (`now`), except `wall`: seconds
since the epoch, what an outcome is stamped with.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from . import follow
from .codes import STATUS_WINDOW
from .follow import FOLLOW_INTERVAL, ReadPlan
from .handle import RunHandle
from .models import RequestStatus
from .run import EndReason, Outcome, Run, StartedBy
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
    # Read the status IDs after the newest known: other clients' runs.
    following: bool = False
    # The device's actions, with the status IDs a call of each takes (None: not listed).
    actions: Mapping[str, int | None] = field(default_factory=dict)
    last_read: float | None = None
    # No read before this time: the device asked us to back off, or did not answer.
    not_before: float = 0.0
    # The runs in flight, keyed by first status ID, oldest call first.
    in_flight: dict[int, RunHandle] = field(default_factory=dict)
    # Read again as soon as allowed: other clients' IDs go on past what was read.
    read_on: bool = False
    # The device did not answer: it may have restarted, so the next read looks where IDs start.
    probe: bool = False
    # Where the device stands was found by looking: what it held then is not news.
    catching_up: bool = False
    # Actions being called now, and those called while the read under way was asked.
    calling: set[str] = field(default_factory=set)
    held_back: set[str] = field(default_factory=set)

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
        if not restored and self.restarted(ids):
            learnt.newest_id, learnt.seen_up_to = None, max(0, ids[-1] - self.window)
        self._observe(ids)
        self.in_flight[ids[0]] = handle
        if handle.started_by is StartedBy.HOME_ASSISTANT:
            learnt.ids_per_call[handle.action_id] = len(ids)
            if self.following:
                self._own(ids)
        return run

    def _own(self, ids: tuple[int, ...]) -> None:
        """Our own IDs are never another client's run."""
        learnt = self.learnt
        if learnt.seen_up_to is None:
            learnt.seen_up_to = ids[0] - 1  # what came before is from before we looked
            self.catching_up = False
        oldest = self.oldest_held() or 0
        learnt.own_ids = sorted(
            i for i in {*learnt.own_ids, *ids} if i > learnt.seen_up_to and i >= oldest
        )

    def restarted(self, status_ids: Collection[int]) -> bool:
        """Whether new status IDs show a device that restarted its counter (a reboot).

        IDs only grow, and our calls are one at a time: a new ID at or below the newest seen
        cannot come from the same counter.
        """
        newest = self.learnt.newest_id
        return newest is not None and min(status_ids) <= newest

    def expire_all(self, wall: float, *, newest: int) -> list[Change]:
        """End every run in flight: their statuses went with a reboot.

        The device counts its IDs anew, `newest` the newest seen since: every run it still holds
        is news.
        """
        outcome = Outcome.of(EndReason.DEVICE_RESTARTED, wall)
        ended = [(handle, handle.current(outcome)) for handle in self.in_flight.values()]
        self.in_flight.clear()
        learnt = self.learnt
        learnt.newest_id, learnt.own_ids = newest, []
        learnt.seen_up_to = max(0, newest - self.window)
        return ended

    def _observe(self, ids: Iterable[int]) -> None:
        self.learnt.newest_id = max((self.learnt.newest_id or 0, *ids))

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
        if not self.following or room <= 0:
            return ReadPlan(pending)
        learnt = self.learnt
        if self.probe or learnt.seen_up_to is None:
            return ReadPlan(pending, probes=follow.probe_ids(room, below=self.oldest_held()))
        first = max(learnt.seen_up_to + 1, self.oldest_held() or 1)
        skip = frozenset({*learnt.own_ids, *pending})
        if room <= 2 * follow.AHEAD:
            return ReadPlan(pending, follow=follow.follow_ids(first, room, skip))
        ids = follow.follow_ids(first, room - follow.AHEAD, skip)
        return ReadPlan(pending, follow=ids, ahead=follow.ahead_ids(ids[-1]))

    def next_read_delay(self, now: float) -> float | None:
        """Seconds until the next status read; None when there is nothing to read."""
        dues = [self._due(run) for run in self.in_flight.values()]
        if self.following:
            last = self.last_read
            dues.append(now if self.read_on or last is None else last + FOLLOW_INTERVAL)
        if not dues:
            return None
        return max(0.0, max(min(dues), self.earliest_read()) - now)

    def wants_reads(self) -> bool:
        """Whether there is anything to read: runs in flight, or other clients' runs to follow."""
        return bool(self.in_flight) or self.following

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

    def unanswered(self) -> None:
        """The device could not be reached: once it answers again, see whether it restarted."""
        self.probe = self.following

    # -- calls and reads under way at once --

    def call_started(self, action_id: str, *, reading: bool) -> None:
        """A call of ours is on the wire: runs of its action a read finds now may be ours."""
        self.calling.add(action_id)
        if reading:
            self.held_back.add(action_id)

    def call_ended(self, action_id: str) -> None:
        """The call is answered (its run, if any, is tracked)."""
        self.calling.discard(action_id)

    def read_started(self) -> None:
        """A read is on the wire."""
        self.held_back = set(self.calling)

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
        if plan.probes and (restarted := self._probed(plan, answer, wall)) is not None:
            return restarted  # what else was asked was asked of the device before it restarted
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
        if plan.follow:
            changes += self._followed(plan.follow, answer, now, wall)
        if ahead := [i for i in plan.ahead if i in answer and i not in self.held_ids(answer)]:
            # The device went further on than what was read: the next read starts further on.
            self._observe(ahead)
            self.read_on = True
        return changes

    def held_ids(self, answer: Mapping[int, RequestStatus]) -> set[int]:
        """IDs in an answer of actions being called: maybe a call of ours, not answered yet."""
        return {i for i, status in answer.items() if status.action_id in self.held_back}

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

    def _probed(
        self, plan: ReadPlan, answer: Mapping[int, RequestStatus], wall: float
    ) -> list[Change] | None:
        """Where the device's IDs stand, from the probes it answered; the runs a restart ended.

        None when the device did not restart.
        """
        self.probe = False
        hits = [i for i in plan.probes if i in answer]
        learnt, oldest = self.learnt, self.oldest_held()
        if learnt.seen_up_to is None:
            if hits:
                # First sight of the device: what it holds is from before Home Assistant looked.
                learnt.newest_id = learnt.seen_up_to = max(hits)
                self.catching_up = self.read_on = True
            return None
        self.read_on = True  # the IDs after the newest known come next
        if not hits or oldest is None or min(hits) >= oldest:
            return None  # nothing older than the window as known: no restart seen
        # The device holds an ID older than its window can: it restarted and counts anew.
        return self.expire_all(wall, newest=max(hits))

    def _followed(
        self, asked: tuple[int, ...], answer: Mapping[int, RequestStatus], now: float, wall: float
    ) -> list[Change]:
        """Other clients' runs in the answer to the IDs after the last one accounted for."""
        learnt = self.learnt
        if learnt.seen_up_to is None:
            return []
        first = asked[0]
        found = follow.take(
            asked,
            answer,
            counts=self.actions,
            held_back=frozenset(self.held_back),
            newest=learnt.newest_id,
        )
        self.read_on = found.read_on
        skipped = first - 1 - learnt.seen_up_to  # left the window before the first one asked
        own = sum(1 for i in learnt.own_ids if learnt.seen_up_to < i < first)
        learnt.unseen += found.unseen + max(0, skipped - own)
        learnt.seen_up_to = max(learnt.seen_up_to, first - 1, found.seen_up_to or 0)
        learnt.own_ids = [i for i in learnt.own_ids if i > learnt.seen_up_to]
        # Only what is accounted for: past it may be the run of a call of ours not answered yet,
        # whose IDs must not look like a device that counts anew.
        self._observe(i for i in asked if i in answer and i <= learnt.seen_up_to)
        if self.catching_up:
            self.catching_up = found.read_on
            return []
        changes: list[Change] = []
        for action_id, statuses in found.runs:
            handle = RunHandle(action_id, StartedBy.OTHER)
            handle.accept([status.id for status in statuses], now, wall)
            handle.statuses.update({status.id: status for status in statuses})
            run = handle.current(self._outcome(handle, [], now, wall))
            if run.ended:
                self._learn(run)
            else:
                self.in_flight[handle.status_ids[0]] = handle
            changes.append((handle, run))
        return changes

    def drop(self, action_id: str) -> list[RunHandle]:
        """Forget the runs of an action (it left the device); return them."""
        dropped = [handle for handle in self.in_flight.values() if handle.action_id == action_id]
        self.in_flight = {
            key: handle for key, handle in self.in_flight.items() if handle.action_id != action_id
        }
        return dropped
