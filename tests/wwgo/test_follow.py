"""Other clients' runs in the IDs after the newest known: what an answer says of them."""

from hypothesis import given, strategies as st
import pytest

from custom_components.ww_go.wwgo import RequestStatus
from custom_components.ww_go.wwgo.follow import (
    PROBE_SPACING,
    ReadPlan,
    follow_ids,
    probe_ids,
    take,
)

COUNTS = {"door": 1, "seq": 3, "unlisted": None}


def _status(
    action_id: str, status_id: int, code: int = 200, exe_time: float = 0.5
) -> RequestStatus:
    return RequestStatus(action_id, status_id, code, exe_time)


def _answer(*statuses: RequestStatus) -> dict[int, RequestStatus]:
    return {status.id: status for status in statuses}


def test_a_plan_asks_each_id_once() -> None:
    plan = ReadPlan(pending=(5, 7), follow=(8, 9), probes=(1, 7))
    assert plan.ids == [1, 5, 7, 8, 9]


def test_the_ids_after_the_newest_known_skip_our_own() -> None:
    assert follow_ids(101, 5, frozenset({102, 104})) == (101, 103, 105, 106, 107)
    assert follow_ids(101, 0, frozenset()) == ()


def test_probes_are_spaced_a_window_apart_from_one_and_below_what_is_held() -> None:
    assert probe_ids(40, None) == tuple(range(1, 1601, PROBE_SPACING))
    assert probe_ids(3, None) == (1, 41, 81)
    assert probe_ids(40, 100) == (1, 41, 81)


def test_nothing_answered_is_no_run_and_no_progress() -> None:
    found = take((101, 102, 103), {}, counts=COUNTS)
    assert (found.runs, found.seen_up_to, found.read_on) == ([], None, False)


def test_runs_found_after_the_newest_known() -> None:
    answer = _answer(
        _status("door", 101, 404),
        _status("seq", 102),
        _status("seq", 103, -104),
        _status("seq", 104),
        _status("door", 105, -1, 0.0),
    )
    found = take(tuple(range(101, 111)), answer, counts=COUNTS)
    assert [(action, [s.id for s in run]) for action, run in found.runs] == [
        ("door", [101]),
        ("seq", [102, 103, 104]),
        ("door", [105]),
    ]
    assert (found.seen_up_to, found.unseen, found.read_on) == (105, 0, False)


def test_runs_of_one_action_back_to_back_are_told_apart_by_its_request_count() -> None:
    answer = _answer(*(_status("door", i) for i in range(101, 104)))
    found = take(tuple(range(101, 111)), answer, counts=COUNTS)
    assert [[s.id for s in run] for _, run in found.runs] == [[101], [102], [103]]


def test_without_a_request_count_consecutive_statuses_are_one_run() -> None:
    answer = _answer(*(_status("unlisted", i) for i in range(101, 104)))
    found = take(tuple(range(101, 111)), answer, counts=COUNTS)
    assert [[s.id for s in run] for _, run in found.runs] == [[101, 102, 103]]


def test_another_actions_runs_are_passed_over() -> None:
    answer = _answer(_status("external", 101), _status("door", 102))
    found = take(tuple(range(101, 111)), answer, counts=COUNTS)
    assert [action for action, _ in found.runs] == ["door"]
    assert found.seen_up_to == 102


def test_ids_gone_before_they_were_read_are_counted_not_invented() -> None:
    # 101..104 left the window; of seq's run at 104..106 the first request went with them.
    answer = _answer(_status("seq", 105), _status("seq", 106), _status("door", 107))
    found = take(tuple(range(101, 111)), answer, counts=COUNTS)
    assert [action for action, _ in found.runs] == ["door"]
    assert (found.unseen, found.seen_up_to) == (4 + 2, 107)


def test_an_answer_to_every_id_asked_reads_on_and_a_run_at_the_top_waits_for_it() -> None:
    answer = _answer(_status("door", 101), _status("seq", 102), _status("seq", 103))
    found = take((101, 102, 103), answer, counts=COUNTS)
    assert [action for action, _ in found.runs] == ["door"]
    assert (found.seen_up_to, found.read_on) == (101, True)  # seq's run may go on after 103


def test_a_run_filling_what_was_asked_is_taken_whole_runs_first() -> None:
    answer = _answer(*(_status("seq", i) for i in range(101, 106)))
    found = take(tuple(range(101, 106)), answer, counts=COUNTS)
    assert [[s.id for s in run] for _, run in found.runs] == [[101, 102, 103]]
    assert (found.seen_up_to, found.read_on) == (103, True)


def test_runs_of_an_action_being_called_are_left_to_the_next_read() -> None:
    answer = _answer(
        _status("door", 101), _status("seq", 102), _status("seq", 103), _status("seq", 104)
    )
    found = take(tuple(range(101, 111)), answer, counts=COUNTS, held_back=frozenset({"seq"}))
    assert [action for action, _ in found.runs] == ["door"]
    assert (found.seen_up_to, found.read_on) == (101, False)


@given(
    st.lists(st.sampled_from(["door", "seq", "unlisted", "external", None]), max_size=40),
)
def test_every_id_asked_is_in_one_run_or_accounted_for(actions: list[str | None]) -> None:
    """Whatever the answer: runs of consecutive IDs and one known action, none taken twice."""
    asked = tuple(range(101, 101 + len(actions)))
    answer = _answer(*(_status(a, i) for i, a in zip(asked, actions, strict=True) if a is not None))
    found = take(asked, answer, counts=COUNTS)
    taken = [s.id for _, run in found.runs for s in run]
    assert len(taken) == len(set(taken))
    for action_id, run in found.runs:
        assert all(s.action_id == action_id for s in run)
        assert [s.id for s in run] == list(range(run[0].id, run[0].id + len(run)))
        assert action_id in COUNTS
    if found.seen_up_to is not None:
        assert all(i <= found.seen_up_to for i in taken)
        assert found.seen_up_to <= asked[-1]


@pytest.mark.parametrize("room", [0, 1, 39])
def test_probes_fit_the_room(room: int) -> None:
    assert len(probe_ids(room, None)) == room


def test_ids_up_to_the_newest_known_not_answered_are_gone() -> None:
    """The device counts from further on (a restart, say): what was asked below it is gone."""
    found = take(tuple(range(101, 111)), {}, counts=COUNTS, newest=150)
    assert (found.runs, found.seen_up_to, found.unseen, found.read_on) == ([], 110, 10, True)
    found = take(tuple(range(101, 111)), _answer(_status("door", 103)), counts=COUNTS, newest=105)
    assert [action for action, _ in found.runs] == ["door"]
    assert (found.seen_up_to, found.unseen, found.read_on) == (105, 4, False)


@st.composite
def _device(draw: st.DrawFn) -> tuple[list[tuple[str, tuple[int, ...]]], int, int]:
    """Runs one after another on a device (their IDs), the oldest ID it still holds, and where
    a read starts: at or before it (IDs gone unread) or inside it."""
    runs: list[tuple[str, tuple[int, ...]]] = []
    next_id = 101
    for action_id in draw(st.lists(st.sampled_from(["door", "seq", "unlisted", "external"]))):
        count = {"door": 1, "seq": 3, "unlisted": 2, "external": 1}[action_id]
        runs.append((action_id, tuple(range(next_id, next_id + count))))
        next_id += count
    oldest = max(101, next_id - 40)
    start = draw(st.integers(101, max(101, next_id)))
    return runs, oldest, start


@given(_device(), st.integers(1, 40))
def test_every_run_reported_is_one_the_device_ran(
    device: tuple[list[tuple[str, tuple[int, ...]]], int, int], room: int
) -> None:
    """Whatever was gone and however little was asked: never a run made of pieces."""
    runs, oldest, start = device
    held = {
        i: RequestStatus(action_id, i, 200, 0.5)
        for action_id, ids in runs
        for i in ids
        if i >= oldest
    }
    asked = tuple(range(start, start + room))
    found = take(asked, {i: held[i] for i in asked if i in held}, counts=COUNTS, aligned=False)
    for action_id, statuses in found.runs:
        ids = {status.id for status in statuses}
        # Whole runs of the action (back to back, without a count, they count as one).
        touched = [run for run in runs if ids.intersection(run[1])]
        assert all(run[0] == action_id for run in touched)
        assert ids == {i for _, run_ids in touched for i in run_ids}
        assert len(touched) == 1 or COUNTS[action_id] is None
    # And none missed that it could tell apart: a whole run of a counted action, asked and held,
    # right after a status it saw (runs of one action reaching the top are left to the read on).
    reported = [{status.id for status in statuses} for _, statuses in found.runs]
    for action_id, run_ids in runs:
        first, last = run_ids[0], run_ids[-1]
        whole = all(i in held for i in (first - 1, *run_ids)) and first - 1 in asked
        if COUNTS.get(action_id) and whole and last in asked:
            at_top = all(
                i in held and held[i].action_id == action_id for i in range(first, asked[-1] + 1)
            )
            assert set(run_ids) in reported or (at_top and found.read_on)
    if found.read_on and not found.wide:
        assert found.seen_up_to is not None
        assert found.seen_up_to >= start  # it got further
