"""When to read a run's status: from the execution times its action had before. Pure arithmetic.

A read costs the device one request; a read too late makes the user wait. Before an action has a
history, reads start early and spread out as the run grows. With a history, the runs seen so far
tell the band its durations fall in: the first read comes about a second into that band (at once
after the usual time when the runs were all alike), the next ones a second apart, the last just
after the longest run seen. The fewer runs were seen, the wider the band is taken: the next run
may well be shorter, or longer, than any of them. A run that outlasts the band has disproved the
history: it is read again soon, then at a pace that grows with it.
"""

from collections.abc import Sequence
from typing import Final

# Durations kept per action: enough to see how it varies, few enough to follow a change.
HISTORY: Final = 20
# Between two reads while the run may have finished.
READ_GAP: Final = 0.95
# From the start of the band to the first read: a little more than a gap, since the runs shorter
# than any seen are few.
FIRST_GAP: Final = 1.2
# How far below the shortest run (and above the longest) the band reaches: this many times the
# average distance between two durations seen.
BELOW: Final = 2.5
ABOVE: Final = 1.0
# No two reads closer than this: the device rate-limits status requests.
MIN_READ_GAP: Final = 0.25
# An action never seen: first read after this, then gaps of this share of the time elapsed.
FIRST_READ: Final = 0.3
GROWTH: Final = 0.5
# Read a little after the expected end: the device's clock and ours differ by the call's transit.
SLACK: Final = 0.03
SLACK_SHARE: Final = 0.02


def remember(history: Sequence[float], exe_time: float) -> list[float]:
    """The history with a new execution time, the oldest dropped beyond `HISTORY`."""
    return [*history, exe_time][-HISTORY:]


def _growing_gap(elapsed: float) -> float:
    return min(max(elapsed * GROWTH, MIN_READ_GAP), READ_GAP)


def next_read(history: Sequence[float], last_read: float | None) -> float:
    """Seconds after a run's start to read it next; `last_read` is the previous one's, if any.

    The caller keeps reads at least `MIN_READ_GAP` apart and honours back-off.
    """
    if not history:
        return FIRST_READ if last_read is None else last_read + _growing_gap(last_read)
    shortest, longest = min(history), max(history)
    # The average distance between two of the durations seen.
    step = (longest - shortest) / (len(history) - 1) if len(history) > 1 else 0.0
    longest += ABOVE * step
    end = longest + SLACK + longest * SLACK_SHARE
    if last_read is None:
        return min(max(shortest - BELOW * step, 0.0) + FIRST_GAP, end)
    if last_read < end - MIN_READ_GAP:
        return min(last_read + READ_GAP, end)
    # Longer than the history thought possible: it was wrong about this one.
    return last_read + _growing_gap(last_read - longest)
