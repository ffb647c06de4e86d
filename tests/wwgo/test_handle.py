"""A run handle: one run from its call to its outcome, as its caller and the reads see it."""

from hypothesis import given, strategies as st

from custom_components.ww_go.wwgo import (
    EndReason,
    Outcome,
    RequestStatus,
    Run,
    RunHandle,
    RunState,
    StartedBy,
)

from .fakes import WALL_START


def _final(status_id: int, code: int = 200) -> RequestStatus:
    return RequestStatus("seq", status_id, code, 0.1)


def _running(status_id: int) -> RequestStatus:
    return RequestStatus("seq", status_id, -1, 0.0)


def test_a_run_is_queued_until_the_device_accepts_it() -> None:
    handle = RunHandle("seq", StartedBy.OTHER)
    assert handle.run == Run("seq", started_by=StartedBy.OTHER)
    assert handle.run.state is RunState.QUEUED
    assert (handle.status_ids, handle.pending()) == ((), [])


def test_accepting_sorts_the_status_ids_and_stamps_the_run() -> None:
    handle = RunHandle("seq")
    run = handle.accept([12, 10, 11, 10], now=5.0, wall=WALL_START + 5)
    assert handle.status_ids == (10, 11, 12)
    assert (handle.accepted_at, handle.restored) == (5.0, False)
    assert run == Run("seq", (10, 11, 12), accepted_at=WALL_START + 5)
    assert run.state is RunState.RUNNING
    # What the caller holds is the run as last reported: accepting reports nothing itself.
    assert handle.run.state is RunState.QUEUED


@given(st.lists(st.integers(min_value=0, max_value=2**31), min_size=1))
def test_status_ids_come_out_ascending_and_once_each(status_ids: list[int]) -> None:
    handle = RunHandle("seq")
    run = handle.accept(status_ids, now=0.0, wall=WALL_START)
    assert list(run.status_ids) == sorted(set(status_ids))
    assert handle.pending() == list(run.status_ids)


def test_a_restored_run_keeps_when_it_was_accepted() -> None:
    """After a restart, the run was accepted when it was, not when it was taken up."""
    handle = RunHandle.of(Run("seq", (10,), accepted_at=WALL_START))
    run = handle.accept((10,), now=1.0, wall=WALL_START + 600, restored=True)
    assert (run.accepted_at, handle.restored, handle.accepted_at) == (WALL_START, True, 1.0)


def test_a_restored_run_without_its_time_is_accepted_now() -> None:
    handle = RunHandle.of(Run("seq", (10,)))
    run = handle.accept((10,), now=1.0, wall=WALL_START + 600, restored=True)
    assert run.accepted_at == WALL_START + 600


def test_a_new_acceptance_is_timed_now_whatever_the_run_said() -> None:
    handle = RunHandle.of(Run("seq", (10,), accepted_at=WALL_START))
    run = handle.accept((11,), now=1.0, wall=WALL_START + 600)
    assert (run.accepted_at, run.status_ids) == (WALL_START + 600, (11,))


def test_pending_are_the_ids_without_a_final_status() -> None:
    handle = RunHandle("seq")
    handle.accept([10, 11, 12, 13], now=0.0, wall=WALL_START)
    handle.statuses.update({13: _final(13), 11: _running(11), 10: _final(10, -104)})
    assert handle.pending() == [11, 12]


def test_current_shows_the_requests_read_so_far_in_status_id_order() -> None:
    handle = RunHandle("seq", StartedBy.OTHER)
    handle.update(handle.accept([10, 11, 12], now=0.0, wall=WALL_START))
    handle.statuses.update({12: _final(12, 204), 10: _final(10)})
    run = handle.current()
    assert run.requests == (_final(10), _final(12, 204))
    assert (run.status_ids, run.outcome, run.started_by) == ((10, 11, 12), None, StartedBy.OTHER)
    assert run.accepted_at == WALL_START
    assert run.state is RunState.RUNNING


def test_current_with_an_outcome_is_the_run_ended() -> None:
    handle = RunHandle("seq")
    handle.update(handle.accept([10], now=0.0, wall=WALL_START))
    handle.statuses[10] = _final(10)
    ended = Outcome.of(EndReason.TIMEOUT, WALL_START + 300, seconds=300)
    run = handle.current(ended)
    assert (run.outcome, run.state, run.requests) == (ended, RunState.TIMEOUT, (_final(10),))
    assert handle.run.outcome is None  # not reported yet


def test_update_says_whether_the_state_changed() -> None:
    handle = RunHandle("seq")
    accepted = handle.accept([10, 11], now=0.0, wall=WALL_START)
    assert handle.update(accepted)
    handle.statuses[10] = _final(10)
    read = handle.current()
    assert not handle.update(read)  # a request more read: still running
    assert handle.run is read
    assert handle.update(handle.current(Outcome.of(EndReason.EVICTED, WALL_START + 1)))
    assert handle.run.state is RunState.EXPIRED


def test_the_handle_of_a_kept_run_is_that_run() -> None:
    kept = Run("seq", (10, 11), started_by=StartedBy.OTHER, accepted_at=WALL_START)
    handle = RunHandle.of(kept)
    assert handle.run is kept
    assert (handle.action_id, handle.started_by) == ("seq", StartedBy.OTHER)
    # Its status IDs are followed once the tracker takes it up again.
    assert (handle.status_ids, handle.statuses) == ((), {})
