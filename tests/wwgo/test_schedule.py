"""When a run is read: from its action's past execution times."""

import itertools

from hypothesis import given, strategies as st
import pytest

from custom_components.ww_go.wwgo.schedule import (
    FIRST_GAP,
    FIRST_READ,
    HISTORY,
    MIN_READ_GAP,
    READ_GAP,
    next_read,
    remember,
)

DURATIONS = st.floats(min_value=0.0, max_value=600.0)
HISTORIES = st.lists(DURATIONS, max_size=HISTORY)


def _reads_until(history: list[float], duration: float) -> list[float]:
    """The reads of a run lasting `duration`, up to the first that finds it finished."""
    reads = [next_read(history, None)]
    while reads[-1] < duration:
        reads.append(next_read(history, reads[-1]))
    return reads


def test_an_action_never_seen_is_read_soon_then_ever_less_often() -> None:
    reads = _reads_until([], 10.0)
    assert reads[0] == FIRST_READ
    gaps = [b - a for a, b in itertools.pairwise(reads)]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(gaps))
    assert max(gaps) == pytest.approx(READ_GAP)


def test_stable_durations_are_read_right_after_they_end() -> None:
    first = next_read([2.0, 2.0, 2.0], None)
    assert 2.0 < first < 2.1


def test_varying_durations_are_covered_by_gaps_of_a_second_at_most() -> None:
    history = [0.2, 3.0, 1.1, 2.4, 0.7]
    reads = _reads_until(history, 3.0)
    assert reads[0] <= 0.2 + FIRST_GAP  # about a second into the band of durations seen
    assert len(reads) == 3
    assert reads[-1] - 3.0 < READ_GAP


def test_few_runs_seen_widen_the_band_below_the_shortest() -> None:
    few, many = [1.0, 2.0], [1.0, 2.0, *([1.5] * 8)]
    assert next_read(few, None) < next_read(many, None)


def test_a_run_longer_than_every_one_seen_is_read_again_soon() -> None:
    reads = _reads_until([1.0, 1.0], 1.5)
    assert reads[1] - reads[0] == pytest.approx(MIN_READ_GAP)


def test_the_history_keeps_the_newest_times() -> None:
    history: list[float] = []
    for number in range(HISTORY + 3):
        history = remember(history, float(number))
    assert history == [float(n) for n in range(3, HISTORY + 3)]


@given(HISTORIES, DURATIONS)
def test_every_run_is_read_to_its_end_with_bounded_gaps(
    history: list[float], duration: float
) -> None:
    reads = _reads_until(history, duration)
    gaps = [b - a for a, b in itertools.pairwise(reads)]
    assert all(MIN_READ_GAP - 1e-9 <= gap <= READ_GAP + 1e-9 for gap in gaps)
    # The read that finds the run ended comes at most a gap after its end.
    assert reads[-1] - duration <= max(READ_GAP, reads[0]) + 1e-9


@given(st.floats(min_value=0.0, max_value=600.0), st.integers(min_value=1, max_value=HISTORY))
def test_a_run_as_long_as_all_before_is_read_right_at_its_end(duration: float, runs: int) -> None:
    reads = _reads_until([duration] * runs, duration)
    assert reads == [reads[0]]
    assert reads[0] - duration <= 0.05 + 0.02 * duration
