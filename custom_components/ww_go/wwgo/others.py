"""Other clients' runs: where the next status read looks for them, and what a read found. No I/O.

What is kept across restarts (the last ID accounted for, our own IDs after it, the IDs gone
unread) lives in `Learnt`, which the tracker hands in; the rest is where the looking stands now.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import follow
from .follow import FOLLOW_INTERVAL, ReadPlan
from .models import RequestStatus
from .snapshot import Learnt

# Runs found, oldest first: each one's action and its requests' statuses.
type RunsFound = list[tuple[str, tuple[RequestStatus, ...]]]


@dataclass(slots=True)
class Others:
    """Follows the runs other clients start, from the status IDs after the newest known."""

    on: bool = False
    # Read again as soon as allowed: other clients' IDs go on past what was read.
    read_on: bool = False
    # The device did not answer: it may have restarted, so the next read looks where IDs start.
    probe: bool = False
    # Where the device stands was found by looking: what it held then is not news.
    catching_up: bool = False
    # A run fills what was read: the next read asks for all the room there is, without looking
    # ahead. `aligned`: the last ID accounted for ends a run.
    wide: bool = False
    aligned: bool = True
    # Looks in a row that found nothing: where the next looks ahead (or, for a device whose IDs
    # are not known, where it looks for them).
    sweep: int = 0
    # Actions being called now, and those called while the read under way was asked.
    calling: set[str] = field(default_factory=set)
    held_back: set[str] = field(default_factory=set)

    def own(self, learnt: Learnt, ids: tuple[int, ...], oldest: int) -> None:
        """Our own IDs: never another client's run."""
        if learnt.seen_up_to is None:
            learnt.seen_up_to = ids[0] - 1  # what came before is from before we looked
            self.catching_up = False
        learnt.own_ids = sorted(
            i for i in {*learnt.own_ids, *ids} if i > learnt.seen_up_to and i >= oldest
        )

    def plan(self, learnt: Learnt, pending: tuple[int, ...], room: int, oldest: int) -> ReadPlan:
        """A read of the runs in flight, with what fits of the IDs to look at for others' runs.

        `oldest` is the oldest ID the device may still hold (below 1: it may hold any).
        """
        if not self.on or room <= 0:
            return ReadPlan(pending)
        below = oldest if oldest > 1 else None
        if learnt.seen_up_to is None:
            # A device not known yet: where do its IDs stand? Ever further on at each look.
            return ReadPlan(pending, probes=follow.probe_ids(room, below, self.sweep))
        first = max(learnt.seen_up_to + 1, oldest, 1)
        skip = frozenset({*learnt.own_ids, *pending})
        if self.probe and (probes := follow.probe_ids(room // 2, below)):
            # After an outage, or a start: did it restart? Half the room looks where IDs start.
            ids = follow.follow_ids(first, room - len(probes), skip)
            return ReadPlan(pending, follow=ids, probes=probes)
        self.probe = False
        if self.wide or room <= 2 * follow.AHEAD:
            return ReadPlan(pending, follow=follow.follow_ids(first, room, skip))
        ids = follow.follow_ids(first, room - follow.AHEAD, skip)
        return ReadPlan(pending, follow=ids, ahead=follow.ahead_ids(ids[-1], self.sweep))

    def due(self, now: float, last_read: float | None) -> float | None:
        """When to look next while nothing runs; None when not following."""
        if not self.on:
            return None
        return now if self.read_on or last_read is None else last_read + FOLLOW_INTERVAL

    def probed(
        self, learnt: Learnt, plan: ReadPlan, answer: Mapping[int, RequestStatus], oldest: int
    ) -> int | None:
        """What the probes found: the newest ID of a device that restarted, else None."""
        self.probe = False
        hits = [i for i in plan.probes if i in answer]
        if learnt.seen_up_to is None:
            if hits:
                # First sight of the device: what it holds is from before Home Assistant looked.
                learnt.newest_id = learnt.seen_up_to = max(hits)
                self.catching_up = self.read_on = True
                self.aligned = False
            return None
        if not hits or min(hits) >= oldest:
            return None  # nothing older than the window as known: no restart seen
        # The device holds an ID older than its window can: it restarted and counts anew.
        return max(hits)

    def found(
        self,
        learnt: Learnt,
        asked: tuple[int, ...],
        answer: Mapping[int, RequestStatus],
        counts: Mapping[str, int | None],
    ) -> RunsFound:
        """The runs of others in the answer to the IDs after the last one accounted for."""
        if learnt.seen_up_to is None or not asked:
            return []
        first = asked[0]
        # IDs gone before the first asked may have been a run's first requests.
        aligned = self.aligned and first == learnt.seen_up_to + 1
        found = follow.take(
            asked,
            answer,
            counts=counts,
            held_back=frozenset(self.held_back),
            newest=learnt.newest_id,
            aligned=aligned,
            wide=self.wide,
        )
        self.read_on, self.wide = found.read_on, found.wide
        self.aligned = aligned if found.seen_up_to is None else found.aligned
        skipped = first - 1 - learnt.seen_up_to  # left the window before the first one asked
        own = sum(1 for i in learnt.own_ids if learnt.seen_up_to < i < first)
        learnt.unseen += found.unseen + max(0, skipped - own)
        learnt.seen_up_to = max(learnt.seen_up_to, first - 1, found.seen_up_to or 0)
        learnt.own_ids = [i for i in learnt.own_ids if i > learnt.seen_up_to]
        # Only what is accounted for: past it may be the run of a call of ours not answered yet,
        # whose IDs must not look like a device that counts anew.
        if seen := [i for i in asked if i in answer and i <= learnt.seen_up_to]:
            learnt.newest_id = max(learnt.newest_id or 0, *seen)
        if self.catching_up:
            self.catching_up = found.read_on
            return []
        return found.runs

    def ahead(self, plan: ReadPlan, answer: Mapping[int, RequestStatus]) -> list[int]:
        """IDs past what was read that the device holds: it went further on, so read on."""
        held = {i for i, status in answer.items() if status.action_id in self.held_back}
        if found := [i for i in plan.ahead if i in answer and i not in held]:
            self.read_on = True
        return found

    def looked(self, plan: ReadPlan, answer: Mapping[int, RequestStatus]) -> None:
        """A look while nothing ran that found nothing looks further on next time."""
        if any(i in answer for i in (*plan.follow, *plan.ahead, *plan.probes)):
            self.sweep = 0
        elif not plan.pending and (plan.follow or plan.probes):
            self.sweep += 1

    def unanswered(self) -> None:
        """The device could not be reached: once it answers again, see whether it restarted."""
        self.probe = self.on

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
