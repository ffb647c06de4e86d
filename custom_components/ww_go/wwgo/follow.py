"""Other clients' runs, found in the status IDs after the newest Home Assistant knows. No I/O.

Status IDs are device-wide and handed out in order, one per request, a run's all at once; the
device answers for any of its 40 newest. So the IDs after the last one accounted for are runs
other clients started since, and an answer's `action_id` says whose. Only an answer is knowledge:
an ID asked for and not answered is no run. One not answered below one that is has left the
window before it was read: it is counted as unseen, never invented.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from .codes import STATUS_WINDOW
from .models import RequestStatus

# While nothing runs, the IDs after the newest known are read this often.
FOLLOW_INTERVAL: Final = 60.0
# After a reboot IDs restart low: IDs this far apart, from 1, find where the device stands among
# its first STATUS_WINDOW * PROBES IDs with one request (the window holds one of them).
PROBE_SPACING: Final = STATUS_WINDOW
PROBES: Final = STATUS_WINDOW
# IDs a window apart past the ones after the newest known: has the device gone further on than
# one read reaches (others handed out more than a read's worth between two looks)? An answer to
# one moves the next read there. Only an ID inside the device's window answers: half of them
# look just past the read, the other half further on at each look that found nothing, up to
# SWEEP looks, then from near again.
AHEAD: Final = 16
SWEEP: Final = 64


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """What one status request asks for, and why."""

    # IDs of the runs in flight.
    pending: tuple[int, ...] = ()
    # IDs after the last one accounted for: other clients' runs.
    follow: tuple[int, ...] = ()
    # IDs spaced across the first ones a device hands out: where does a restarted device stand?
    probes: tuple[int, ...] = ()
    # IDs ever further apart past `follow`: has the device gone further on?
    ahead: tuple[int, ...] = ()
    # The device's restarts seen when planned: IDs asked before the last one meant other runs.
    restarts: int = 0

    @property
    def ids(self) -> list[int]:
        """Every ID asked for, once."""
        return sorted({*self.pending, *self.follow, *self.probes, *self.ahead})


@dataclass(frozen=True, slots=True)
class Found:
    """What the follow IDs of an answer showed."""

    # Each run found, oldest first: its action and its requests' statuses.
    runs: list[tuple[str, tuple[RequestStatus, ...]]] = field(default_factory=list)
    # Every ID up to this one is accounted for now.
    seen_up_to: int | None = None
    # IDs that left the device's window before they were read.
    unseen: int = 0
    # There may be more right after what was asked: read again at once.
    read_on: bool = False
    # A run fills what was asked: the next read asks for all the room there is.
    wide: bool = False
    # The last ID accounted for ends a run: the next one starts one.
    aligned: bool = True


def follow_ids(first: int, room: int, skip: frozenset[int]) -> tuple[int, ...]:
    """Up to `room` IDs from `first` on, but those in `skip` (Home Assistant's own)."""
    ids: list[int] = []
    status_id = first
    while len(ids) < room:
        if status_id not in skip:
            ids.append(status_id)
        status_id += 1
    return tuple(ids)


def ahead_ids(last: int, sweep: int = 0, count: int = AHEAD) -> tuple[int, ...]:
    """`count` IDs a window apart past `last`: half next to it, half past the `sweep` looks'."""
    near = count // 2
    far = last + STATUS_WINDOW * (1 + near + near * (sweep % SWEEP))
    return (
        *(last + STATUS_WINDOW * step for step in range(1, near + 1)),
        *(far + STATUS_WINDOW * step for step in range(count - near)),
    )


def probe_ids(room: int, below: int | None, sweep: int = 0) -> tuple[int, ...]:
    """IDs a window apart from 1 on, past those of the `sweep` looks before; below `below`."""
    first = 1 + PROBE_SPACING * PROBES * (sweep % SWEEP)
    probes = range(first, first + PROBE_SPACING * PROBES, PROBE_SPACING)
    return tuple(i for i in probes if below is None or i < below)[:room]


def take(
    asked: Sequence[int],
    answer: Mapping[int, RequestStatus],
    *,
    counts: Mapping[str, int | None],
    held_back: frozenset[str] = frozenset(),
    newest: int | None = None,
    aligned: bool = True,
    wide: bool = False,
) -> Found:
    """What an answer to the follow IDs `asked` (in order) says of other clients' runs.

    `counts` are the known actions, with how many requests each run of them takes (None: not
    known); runs of other actions are no business of ours. The runs of actions in `held_back`
    (being called by Home Assistant meanwhile: they may be its own) are left to the next read.
    `newest` is the newest ID known to be handed out: one up to it not answered is gone.
    `aligned`: the first ID asked starts a run. `wide`: this read asked for all the room there is.
    """
    if not asked:
        return Found()
    answered = [i for i in asked if i in answer]
    runs: list[tuple[str, tuple[RequestStatus, ...]]] = []
    seen_up_to = asked[0] - 1
    unseen = 0
    # The last ID asked was answered, or is known to be handed out: more may come after it.
    more = (bool(answered) and answered[-1] == asked[-1]) or (newest or 0) > asked[-1]
    ask_wide = False
    for index, group in enumerate(_groups([answer[i] for i in answered])):
        action_id = group[0].action_id
        if action_id in held_back:
            more = False  # Home Assistant's own, perhaps: its call's answer tells, then a read
            break
        count = counts.get(action_id)
        # Another action's runs are no business of ours, wherever they end.
        at_top = group[-1].id == asked[-1] and action_id in counts
        # Its first ID starts a run: nothing before it in this read went unread (or every run
        # of the action takes one ID).
        starts_run = count == 1 or (index == 0 and group[0].id == asked[0] and aligned)
        # A read of a window's worth from the group's first ID reaches the device's newest: the
        # group ends there, with a run (a run's IDs are handed out at once).
        ends_at_newest = wide and index == 0 and len(asked) >= STATUS_WINDOW
        if at_top and not (starts_run and count) and not ends_at_newest:
            if index == 0:
                # Read it again from its first ID, with all the room there is: the IDs before
                # it are gone (the device answers for it), so it may start inside a run.
                unseen += _gone(asked, answer, seen_up_to, group[0].id)
                seen_up_to, ask_wide = group[0].id - 1, True
            break  # it may go on past what was asked: read it again with what follows
        unseen += _gone(asked, answer, seen_up_to, group[0].id)
        cut = 0  # another action's runs: no business of ours
        if action_id in counts:
            after_another = group[0].id - 1 in answer or (group[0].id == asked[0] and aligned)
            from_start = at_top and not ends_at_newest
            whole, cut = _whole_runs(group, count, from_start, after_another)
            runs.extend((action_id, run) for run in whole)
        if at_top:
            seen_up_to = group[-1].id - cut  # the run cut short by what was asked comes next
            break
        unseen += cut
        seen_up_to = group[-1].id
    else:
        gone, seen_up_to = _gone_up_to(asked, answer, seen_up_to, newest)
        unseen += gone
    moved = seen_up_to >= asked[0]
    # Read on at once only where that can get further: moved on, or once from where a run may
    # start with all the room there is (when that was no help, the next look tries again).
    read_on = (more and moved) or (ask_wide and not wide)
    if not moved:
        return Found(read_on=read_on, wide=ask_wide, aligned=aligned)
    # A run ends at the last ID accounted for when the device answered for it (not a gap).
    return Found(runs, seen_up_to, unseen, read_on, ask_wide, aligned=seen_up_to in answer)


def _whole_runs(
    group: list[RequestStatus], count: int | None, from_start: bool, after_another: bool
) -> tuple[list[tuple[RequestStatus, ...]], int]:
    """A group's whole runs, and how many of its statuses belong to runs cut short.

    Without a count, only a group that starts where another one ended is known to be whole.
    """
    if not count and not after_another:
        return [], len(group)
    return _split(group, count, from_start=from_start)


def _gone_up_to(
    asked: Sequence[int], answer: Mapping[int, RequestStatus], after: int, newest: int | None
) -> tuple[int, int]:
    """Past the last run found, what is not answered up to the newest known is gone too.

    How many IDs that is, and the last one accounted for then.
    """
    if newest is None or not (past := [i for i in asked if after < i <= newest]):
        return 0, after
    return _gone(asked, answer, after, past[-1] + 1), past[-1]


def _gone(asked: Sequence[int], answer: Mapping[int, RequestStatus], after: int, to: int) -> int:
    """How many IDs asked after `after` and before `to` were not answered: gone unread."""
    return sum(1 for i in asked if after < i < to and i not in answer)


def _groups(statuses: list[RequestStatus]) -> list[list[RequestStatus]]:
    """Statuses of consecutive IDs and one action, in order: one or more runs each."""
    groups: list[list[RequestStatus]] = []
    for status in statuses:
        last = groups[-1][-1] if groups else None
        if last is not None and last.id + 1 == status.id and last.action_id == status.action_id:
            groups[-1].append(status)
        else:
            groups.append([status])
    return groups


def _split(
    group: list[RequestStatus], count: int | None, *, from_start: bool = False
) -> tuple[list[tuple[RequestStatus, ...]], int]:
    """The whole runs of a group, and how many of its statuses belong to a run cut short.

    A run takes `count` consecutive IDs (without a count, the group is one run). Runs end where
    the group ends, and a run whose first requests left the window comes first; or, `from_start`,
    they start where the group starts, and the one cut short by the end of what was read comes
    last.
    """
    if not count:
        return [tuple(group)], 0
    cut = len(group) % count
    whole = group[: len(group) - cut] if from_start else group[cut:]
    return [tuple(whole[i : i + count]) for i in range(0, len(whole), count)], cut
