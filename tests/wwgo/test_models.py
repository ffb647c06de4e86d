"""How a run's requests add up to its outcome."""

import pytest

from custom_components.ww_go.wwgo import EndReason, RequestStatus, RunState, aggregate

from .fakes import outcome


def _status(status_id: int, code: int, exe_time: float) -> RequestStatus:
    return RequestStatus(action_id="seq", id=status_id, code=code, exe_time=exe_time)


@pytest.mark.parametrize(
    ("codes", "state", "code", "description"),
    [
        ([(200, 0.2), (1, 0.3), (204, 0.1)], RunState.SUCCESS, 204, "No Content"),
        ([(200, 0.2), (-3, 1.0), (500, 0.1)], RunState.FAILURE, -3, "Response receive timeout"),
        ([(404, 0.2), (-104, 0.3), (200, 0.1)], RunState.FAILURE, 404, "Not Found"),
        ([(1, 0.25)], RunState.SUCCESS, 1, "Success"),
    ],
)
def test_final_run(
    codes: list[tuple[int, float]], state: RunState, code: int, description: str
) -> None:
    statuses = [_status(10 + n, c, t) for n, (c, t) in enumerate(codes)]
    result = aggregate("seq", [s.id for s in statuses], list(reversed(statuses)), ended_at=5.0)
    ended = outcome(result)
    assert result.state is state
    assert ended.reason is (EndReason.SUCCEEDED if state is RunState.SUCCESS else EndReason.FAILED)
    assert (ended.code, ended.description, ended.ended_at) == (code, description, 5.0)
    assert ended.exe_time == pytest.approx(sum(t for _, t in codes))
    assert [r.id for r in result.requests] == [s.id for s in statuses]


def test_running_until_every_request_is_final() -> None:
    statuses = [_status(1, 200, 0.2), _status(2, -1, 0.0), _status(3, -1, 0.0)]
    result = aggregate("seq", [1, 2, 3], statuses, ended_at=5.0)
    assert result.state is RunState.RUNNING
    assert result.outcome is None
