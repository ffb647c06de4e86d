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
# one read reaches (others handed out more than a window between two looks)?
AHEAD: Final = 4


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """What one status request asks for, and why."""

    # IDs of the runs in flight.
    pending: tuple[int, ...] = ()
    # IDs after the last one accounted for: other clients' runs.
    follow: tuple[int, ...] = ()
    # IDs spaced across the first ones a device hands out: where does a restarted device stand?
    probes: tuple[int, ...] = ()
    # IDs a window apart past `follow`: has the device gone further on?
    ahead: tuple[int, ...] = ()

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


def follow_ids(first: int, room: int, skip: frozenset[int]) -> tuple[int, ...]:
    """Up to `room` IDs from `first` on, but those in `skip` (Home Assistant's own)."""
    ids: list[int] = []
    status_id = first
    while len(ids) < room:
        if status_id not in skip:
            ids.append(status_id)
        status_id += 1
    return tuple(ids)


def ahead_ids(last: int, count: int = AHEAD) -> tuple[int, ...]:
    """`count` IDs a window apart after `last`."""
    return tuple(last + STATUS_WINDOW * step for step in range(1, count + 1))


def probe_ids(room: int, below: int | None) -> tuple[int, ...]:
    """IDs spaced across the first ones a device hands out, all below `below` if given."""
    probes = range(1, PROBE_SPACING * PROBES, PROBE_SPACING)
    return tuple(i for i in probes if below is None or i < below)[:room]


def take(
    asked: Sequence[int],
    answer: Mapping[int, RequestStatus],
    *,
    counts: Mapping[str, int | None],
    held_back: frozenset[str] = frozenset(),
    newest: int | None = None,
) -> Found:
    """What an answer to the follow IDs `asked` (in order) says of other clients' runs.

    `counts` are the known actions, with how many requests each run of them takes (None: not
    known); runs of other actions are no business of ours. The runs of actions in `held_back`
    (being called by Home Assistant meanwhile: they may be its own) are left to the next read.
    `newest` is the newest ID known to be handed out: one up to it not answered is gone.
    """
    if not asked:
        return Found()
    answered = [i for i in asked if i in answer]
    runs: list[tuple[str, tuple[RequestStatus, ...]]] = []
    seen_up_to = asked[0] - 1
    unseen = 0
    # The last ID asked was answered, or is known to be handed out: more may come after it.
    read_on = (bool(answered) and answered[-1] == asked[-1]) or (newest or 0) > asked[-1]
    for index, group in enumerate(_groups([answer[i] for i in answered])):
        action_id = group[0].action_id
        if action_id in held_back:
            read_on = False  # Home Assistant's own, perhaps: its call's answer tells, then a read
            break
        count = counts.get(action_id)
        # Another action's runs are no business of ours, wherever they end.
        at_top = group[-1].id == asked[-1] and action_id in counts
        if at_top and (index > 0 or not count):
            # The run may go on after what was asked: read it again with what follows, unless
            # it fills what was asked (then it waits for a read with more room).
            read_on = index > 0
            break
        unseen += _gone(asked, answer, seen_up_to, group[0].id)
        whole, cut = _split(group, count, from_start=at_top)
        if action_id in counts:
            runs.extend((action_id, run) for run in whole)
        if at_top:
            seen_up_to = group[-1].id - cut  # the run cut short by what was asked comes next
            break
        unseen += cut
        seen_up_to = group[-1].id
    else:
        # Past the last run found, what is not answered up to the newest known is gone too.
        if newest is not None and (past := [i for i in asked if seen_up_to < i <= newest]):
            unseen += _gone(asked, answer, seen_up_to, past[-1] + 1)
            seen_up_to = past[-1]
    if seen_up_to < asked[0]:
        return Found(read_on=read_on)  # nothing accounted for
    return Found(runs, seen_up_to, unseen, read_on)


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
