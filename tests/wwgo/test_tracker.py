"""The run tracker's window arithmetic and what answers do to runs."""

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.ww_go.wwgo import (
    STATUS_WINDOW,
    EndReason,
    RequestStatus,
    Run,
    RunHandle,
    RunState,
    RunTracker,
)
from custom_components.ww_go.wwgo.follow import ReadPlan

from .fakes import outcome


def _final(action_id: str, status_id: int, code: int = 200, exe_time: float = 0.2) -> RequestStatus:
    return RequestStatus(action_id, status_id, code, exe_time)


def _running(action_id: str, status_id: int) -> RequestStatus:
    return RequestStatus(action_id, status_id, -1, 0.0)


def _start(
    tracker: RunTracker, action_id: str, status_ids: list[int], now: float, **kwargs: bool
) -> Run:
    """Track a run of `action_id` the device accepted at `now`."""
    return tracker.start(RunHandle(action_id), status_ids, now, wall=now, **kwargs)


def _apply(
    tracker: RunTracker,
    asked: list[int] | tuple[()],
    answer: dict[int, RequestStatus],
    now: float,
    *,
    wall: float,
) -> list[Run]:
    """The runs as the answer leaves them."""
    plan = ReadPlan(tuple(asked), restarts=tracker.restarts)  # planned now
    return [run for _, run in tracker.apply(plan, answer, now, wall=wall)]


def test_run_from_running_to_success() -> None:
    tracker = RunTracker()
    started = _start(tracker, "1", [139], now=0.0)
    assert started.state is RunState.RUNNING
    assert tracker.pending_ids() == [139]
    [result] = _apply(tracker, [139], {139: _running("1", 139)}, now=0.5, wall=0.5)
    assert result.state is RunState.RUNNING
    assert tracker.in_flight
    [result] = _apply(tracker, [139], {139: _final("1", 139, 200, 0.133)}, now=1.5, wall=1.5)
    assert (result.state, outcome(result).code, outcome(result).exe_time) == (
        RunState.SUCCESS,
        200,
        0.133,
    )
    assert not tracker.in_flight
    assert tracker.next_read_delay(now=2.0) is None


def test_multi_request_run_waits_for_every_request() -> None:
    tracker = RunTracker()
    _start(tracker, "seq", [12, 10, 11], now=0.0)
    answer = {10: _final("seq", 10), 11: _running("seq", 11), 12: _running("seq", 12)}
    [result] = _apply(tracker, [10, 11, 12], answer, 1.0, wall=1.0)
    assert result.state is RunState.RUNNING
    assert tracker.pending_ids() == [11, 12]
    [result] = _apply(
        tracker, [11, 12], {11: _final("seq", 11, 1), 12: _final("seq", 12, 204)}, 2.0, wall=2.0
    )
    assert (result.state, outcome(result).code, outcome(result).exe_time) == (
        RunState.SUCCESS,
        204,
        0.6,
    )
    assert result.status_ids == (10, 11, 12)


def test_absent_id_expires_its_run() -> None:
    tracker = RunTracker()
    _start(tracker, "1", [5], now=0.0)
    [result] = _apply(tracker, [5], {}, now=1.0, wall=1.0)
    assert result.state is RunState.EXPIRED
    assert (outcome(result).reason, outcome(result).code) == (EndReason.EVICTED, None)
    assert not tracker.in_flight


def test_id_older_than_the_window_expires_without_asking() -> None:
    tracker = RunTracker()
    _start(tracker, "1", [5], now=0.0)
    _start(tracker, "2", [5 + STATUS_WINDOW], now=0.0)
    assert tracker.pending_ids() == [5 + STATUS_WINDOW]
    results = _apply(tracker, [45], {45: _running("2", 45)}, now=1.0, wall=1.0)
    assert [r.state for r in results] == [RunState.EXPIRED, RunState.RUNNING]


def test_run_times_out_after_five_minutes() -> None:
    tracker = RunTracker()
    _start(tracker, "slow", [7], now=0.0)
    [result] = _apply(tracker, [7], {7: _running("slow", 7)}, now=299.0, wall=299.0)
    assert result.state is RunState.RUNNING
    [result] = _apply(tracker, [7], {7: _running("slow", 7)}, now=300.0, wall=300.0)
    assert result.state is RunState.TIMEOUT
    assert outcome(result).description == "Still running after 300 seconds"


def test_at_risk_names_the_ids_a_call_would_push_out() -> None:
    tracker = RunTracker()
    _start(tracker, "a", [100], now=0.0)
    _start(tracker, "b", [120, 121], now=0.0)
    _start(tracker, "c", [138], now=0.0)
    assert tracker.at_risk(1) == []
    assert tracker.at_risk(2) == [100]
    assert tracker.at_risk(23) == [100, 120, 121]
    assert tracker.expected_ids("b") == 2
    assert tracker.expected_ids("never called") == 1


def test_first_read_follows_the_actions_execution_time() -> None:
    tracker = RunTracker()
    _start(tracker, "fast", [1], now=0.0)
    assert tracker.next_read_delay(now=0.0) == pytest.approx(0.3)  # unknown action: soon
    _apply(tracker, [1], {1: _final("fast", 1, 200, 0.1)}, now=0.3, wall=0.3)
    assert tracker.learnt.durations["fast"] == [0.1]
    _start(tracker, "fast", [2], now=10.0)
    assert tracker.next_read_delay(now=10.0) == pytest.approx(0.132)  # its time, and a little
    _apply(tracker, [2], {2: _running("fast", 2)}, now=10.132, wall=10.132)
    # Longer than ever before: read again soon.
    assert tracker.next_read_delay(now=10.132) == pytest.approx(0.25)


def test_an_older_run_of_an_action_with_a_newer_one_accepted_is_due_at_once() -> None:
    tracker = RunTracker()
    tracker.learnt.durations["a"] = [50.0]
    _start(tracker, "a", [1], now=0.0)
    _start(tracker, "a", [2], now=3.0)
    assert tracker.next_read_delay(now=3.0) == 0.0


def test_reads_keep_a_minimum_gap() -> None:
    tracker = RunTracker()
    _start(tracker, "a", [1], now=0.0)
    _apply(tracker, [1], {1: _running("a", 1)}, now=0.5, wall=0.5)
    tracker.learnt.durations["b"] = [0.0]
    _start(tracker, "b", [2], now=0.55)
    assert tracker.next_read_delay(now=0.55) == pytest.approx(0.2)  # 0.5 + 0.25 - 0.55


def test_drop_forgets_an_actions_runs() -> None:
    tracker = RunTracker()
    _start(tracker, "a", [1], now=0.0)
    tracker.drop("a")
    assert not tracker.in_flight


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["call", "finish", "read"]), st.integers(1, 3)),
        max_size=150,
    )
)
def test_own_calls_never_expire_a_run(steps: list[tuple[str, int]]) -> None:
    """Against a model device holding its 40 newest statuses: reading at-risk IDs first loses none.

    A call whose at-risk IDs are still running waits, as the integration's queued calls do.
    """
    device: dict[int, RequestStatus] = {}
    next_id = 1000
    tracker = RunTracker()
    now = 0.0
    for step, size in steps:
        now += 0.1
        if step == "call":
            if tracker.at_risk(size):
                _apply(
                    tracker,
                    tracker.pending_ids(),
                    _answer(device, tracker.pending_ids()),
                    now,
                    wall=now,
                )
            if tracker.at_risk(size):
                continue  # still running: the call waits
            ids = list(range(next_id, next_id + size))
            next_id += size
            device.update((i, _running(f"action{ids[0]}", i)) for i in ids)
            for old in sorted(device)[:-STATUS_WINDOW]:
                del device[old]
            _start(tracker, f"action{ids[0]}", ids, now)
        elif step == "finish":
            for status_id in sorted(i for i, s in device.items() if not s.state.final)[:size]:
                device[status_id] = _final(device[status_id].action_id, status_id)
        else:
            asked = tracker.pending_ids()
            assert len(asked) <= STATUS_WINDOW
            results = _apply(tracker, asked, _answer(device, asked), now, wall=now)
            assert all(r.state is not RunState.EXPIRED for r in results)


def _answer(device: dict[int, RequestStatus], ids: list[int]) -> dict[int, RequestStatus]:
    return {i: device[i] for i in ids if i in device}


def test_back_off_and_minimum_gap_hold_reads_out_of_schedule() -> None:
    tracker = RunTracker()
    _start(tracker, "a", [1], now=0.0)
    assert tracker.may_read(now=0.0)
    _apply(tracker, [1], {1: _running("a", 1)}, now=1.0, wall=1.0)
    assert not tracker.may_read(now=1.1)  # the read that just happened is fresh enough
    assert tracker.may_read(now=1.3)
    tracker.back_off(now=1.3, seconds=5)
    assert not tracker.may_read(now=6.0)
    assert tracker.next_read_delay(now=1.3) == pytest.approx(5.0)
    assert tracker.may_read(now=6.3)


def test_a_device_reboot_restarts_the_status_ids() -> None:
    """After a reboot the counter starts low again: new runs are read, not taken as evicted."""
    tracker = RunTracker()
    _start(tracker, "a", [5000], now=0.0)
    _apply(tracker, [5000], {5000: _final("a", 5000)}, now=1.0, wall=1.0)
    assert tracker.restarted([1], tracker.sent())
    tracker.expire_all(wall=2.0, newest=0)  # as the engine does when a call shows it
    _start(tracker, "a", [1], now=2.0)
    assert tracker.pending_ids() == [1]
    [result] = _apply(tracker, [1], {1: _final("a", 1)}, now=3.0, wall=3.0)
    assert result.state is RunState.SUCCESS


def test_an_answer_to_a_read_planned_before_a_restart_was_seen_is_set_aside() -> None:
    """Its IDs were of the count before: the IDs after the restart are still all followed."""
    tracker = RunTracker(actions={"a": 1})
    tracker.others.on = True
    _start(tracker, "a", [5000], now=0.0)
    asked_before = tracker.plan()
    assert asked_before.follow[0] == 5001
    tracker.expire_all(wall=2.0, newest=0)  # a call showed the restart meanwhile
    _start(tracker, "a", [1], now=2.0)
    [(_, run)] = tracker.apply(asked_before, {}, 3.0, wall=3.0)
    assert run.state is RunState.RUNNING  # not evicted: nothing was asked of it
    assert tracker.plan().pending == (1,)
    assert tracker.plan().follow[0] == 2


def test_expected_ids_before_the_first_run_come_from_the_action_list() -> None:
    tracker = RunTracker(actions={"seq": 3, "unlisted": None})
    assert tracker.expected_ids("seq") == 3
    assert tracker.expected_ids("unlisted") == 1
    _start(tracker, "seq", [1, 2], now=0.0)
    assert tracker.expected_ids("seq") == 2


def test_a_reused_status_id_holding_another_actions_result_is_not_ours() -> None:
    tracker = RunTracker()
    _start(tracker, "a", [7], now=0.0)
    [result] = _apply(tracker, [7], {7: _final("b", 7)}, now=1.0, wall=1.0)
    assert result.state is RunState.EXPIRED


def test_expire_all_after_a_reboot() -> None:
    tracker = RunTracker()
    _start(tracker, "a", [900], now=0.0)
    _start(tracker, "b", [901, 902], now=0.0)
    sent = tracker.sent()
    assert tracker.restarted([3], sent)
    assert not tracker.restarted([903], sent)
    results = [run for _, run in tracker.expire_all(wall=1.0, newest=2)]
    assert [(r.action_id, r.state) for r in results] == [
        ("a", RunState.EXPIRED),
        ("b", RunState.EXPIRED),
    ]
    assert not tracker.in_flight
    assert not tracker.restarted([3], tracker.sent())
    # A call sent before that restart was found: its IDs are of the new count.
    assert not tracker.restarted([3], sent)
