"""Where the next read looks for other clients' runs, and what a read of them found."""

from custom_components.ww_go.wwgo import Learnt, RequestStatus
from custom_components.ww_go.wwgo.follow import FOLLOW_INTERVAL, ReadPlan
from custom_components.ww_go.wwgo.others import Others

COUNTS = {"door": 1, "seq": 3}


def _answer(*entries: tuple[str, int]) -> dict[int, RequestStatus]:
    return {i: RequestStatus(action_id, i, 200, 0.5) for action_id, i in entries}


def test_off_nothing_but_the_runs_in_flight_is_read() -> None:
    others = Others()
    assert others.plan(Learnt(seen_up_to=100), (101,), 39, 62) == ReadPlan((101,))
    assert others.due(5.0, None) is None


def test_while_nothing_runs_a_look_a_minute_and_at_once_to_read_on() -> None:
    others = Others(on=True)
    assert others.due(5.0, None) == 5.0  # never looked
    assert others.due(5.0, 3.0) == 3.0 + FOLLOW_INTERVAL
    others.read_on = True
    assert others.due(5.0, 3.0) == 5.0


def test_the_ids_after_the_last_accounted_for_skip_ours_and_look_ahead() -> None:
    learnt = Learnt(newest_id=105, seen_up_to=100, own_ids=[102])
    plan = Others(on=True).plan(learnt, (104,), 39, 66)
    assert plan.pending == (104,)
    assert plan.follow == (101, 103, *range(105, 126))  # 23, and 16 a window apart past them
    assert plan.ahead == tuple(range(165, 165 + 16 * 40, 40))
    # Little room: no look ahead.
    assert Others(on=True).plan(learnt, (104,), 5, 66).follow == (101, 103, 105, 106, 107)


def test_without_a_known_id_or_after_an_outage_it_looks_where_ids_start() -> None:
    others = Others(on=True)
    assert others.plan(Learnt(), (), 40, 0).probes == tuple(range(1, 1601, 40))
    others.unanswered()
    plan = others.plan(Learnt(newest_id=5000, seen_up_to=5000), (), 40, 4961)
    # Half the room looks where IDs start, the other half after the last ID accounted for.
    assert plan.probes == tuple(range(1, 801, 40))
    assert plan.follow == tuple(range(5001, 5021))


def test_first_sight_of_a_device_is_not_news() -> None:
    others, learnt = Others(on=True), Learnt()
    plan = ReadPlan(probes=(1, 41, 81))
    assert others.probed(learnt, plan, _answer(("door", 41)), 0) is None
    assert (learnt.newest_id, learnt.seen_up_to) == (41, 41)
    assert (others.catching_up, others.read_on) == (True, True)
    # What follows while catching up is accounted for, and not reported.
    runs = others.found(learnt, (42, 43, 44), _answer(("door", 42), ("door", 43)), COUNTS)
    assert runs == []
    assert (learnt.seen_up_to, others.catching_up) == (43, False)


def test_an_id_held_below_the_window_shows_a_restart() -> None:
    others = Others(on=True, probe=True)
    learnt = Learnt(newest_id=5000, seen_up_to=5000)
    assert others.probed(learnt, ReadPlan(probes=(1, 41)), _answer(("door", 41)), 4961) == 41
    assert not others.probe
    # Within the window as known: no restart.
    learnt = Learnt(newest_id=60, seen_up_to=60)
    assert others.probed(learnt, ReadPlan(probes=(1, 41)), _answer(("door", 41)), 21) is None


def test_runs_found_move_the_last_id_accounted_for_and_count_what_was_gone() -> None:
    others = Others(on=True)
    learnt = Learnt(newest_id=100, seen_up_to=95, own_ids=[97, 120])
    runs = others.found(learnt, (101, 102, 103, 104), _answer(("door", 103)), COUNTS)
    assert [(action, [s.id for s in run]) for action, run in runs] == [("door", [103])]
    # 96, 98..100 went before the first ID asked (97 is ours); 101, 102 before 103.
    assert (learnt.seen_up_to, learnt.unseen, learnt.own_ids) == (103, 6, [120])
    assert learnt.newest_id == 103


def test_a_run_of_an_action_being_called_is_left_for_later() -> None:
    others = Others(on=True)
    others.call_started("door", reading=False)
    others.read_started()
    learnt = Learnt(newest_id=100, seen_up_to=100)
    assert others.found(learnt, (101, 102), _answer(("door", 101)), COUNTS) == []
    assert (learnt.seen_up_to, learnt.newest_id) == (100, 100)  # not taken as the device's newest
    others.call_ended("door")
    others.read_started()
    assert others.held_back == set()


def test_ids_ahead_the_device_holds_read_on_unless_they_may_be_ours() -> None:
    others = Others(on=True)
    plan = ReadPlan(follow=(101,), ahead=(141, 181))
    assert others.ahead(plan, _answer(("door", 181))) == [181]
    assert others.read_on
    others = Others(on=True)
    others.call_started("door", reading=True)
    assert others.ahead(plan, _answer(("door", 181))) == []
    assert not others.read_on


def test_our_own_ids_set_where_a_new_device_stands() -> None:
    others, learnt = Others(on=True, catching_up=True), Learnt()
    others.own(learnt, (300, 301), 262)
    assert (learnt.seen_up_to, learnt.own_ids, others.catching_up) == (299, [300, 301], False)
    others.own(learnt, (302,), 263)
    assert learnt.own_ids == [300, 301, 302]
