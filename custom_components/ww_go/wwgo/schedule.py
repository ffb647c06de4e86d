"""When to read a run's status: from the execution times its action had before. Pure arithmetic.

A read costs the device one request; a read too late makes the user wait. Before an action has a
history, reads start early and spread out as the run grows. With a history, the first read comes
when the band of the durations seen so far can be covered with gaps of at most `READ_GAP`: at once
when they were all alike, one gap after the shortest when they vary. A run that outlasts every
duration seen has disproved the history: it is read again soon, then at a pace that grows with it.
"""

from collections.abc import Sequence
from typing import Final

# Durations kept per action: enough to see how it varies, few enough to follow a change.
HISTORY: Final = 10
# The longest wait between two reads while the run may have finished.
READ_GAP: Final = 1.0
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
    end = longest + SLACK + longest * SLACK_SHARE
    if last_read is None:
        return min(shortest + READ_GAP, end)
    if last_read < end - MIN_READ_GAP:
        return min(last_read + READ_GAP, end)
    # Longer than every run seen: the history was wrong about this one.
    return last_read + _growing_gap(last_read - longest)
