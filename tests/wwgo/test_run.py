"""A run and its one outcome: how requests add up, what each reason means, what is kept."""

import json

import pytest

from custom_components.ww_go.wwgo import (
    END_STATES,
    EndReason,
    Outcome,
    RequestStatus,
    Run,
    RunState,
    StartedBy,
    WwGoActionDisabledError,
    WwGoActionNotFoundError,
    WwGoDeviceError,
    WwGoError,
    WwGoTimeoutError,
)

from .fakes import outcome


def _status(status_id: int, code: int, exe_time: float) -> RequestStatus:
    return RequestStatus(action_id="seq", id=status_id, code=code, exe_time=exe_time)


def aggregate(status_ids: list[int], statuses: list[RequestStatus], ended_at: float) -> Run:
    """The run of these requests, ended if they all are."""
    ordered = tuple(sorted(statuses, key=lambda status: status.id))
    return Run("seq", tuple(status_ids), ordered, Outcome.of_requests(ordered, ended_at))


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
    result = aggregate([s.id for s in statuses], list(reversed(statuses)), ended_at=5.0)
    ended = outcome(result)
    assert result.state is state
    assert ended.reason is (EndReason.SUCCEEDED if state is RunState.SUCCESS else EndReason.FAILED)
    assert (ended.code, ended.description, ended.ended_at) == (code, description, 5.0)
    assert ended.exe_time == pytest.approx(sum(t for _, t in codes))
    assert [r.id for r in result.requests] == [s.id for s in statuses]


def test_running_until_every_request_is_final() -> None:
    statuses = [_status(1, 200, 0.2), _status(2, -1, 0.0), _status(3, -1, 0.0)]
    result = aggregate([1, 2, 3], statuses, ended_at=5.0)
    assert result.state is RunState.RUNNING
    assert result.outcome is None


def test_a_run_without_outcome_is_queued_until_the_device_accepts_it() -> None:
    assert Run("a").state is RunState.QUEUED
    assert Run("a", (5,)).state is RunState.RUNNING


@pytest.mark.parametrize("reason", list(EndReason))
def test_every_reason_ends_a_run_in_one_state(reason: EndReason) -> None:
    ended = Run("a", (5,), outcome=Outcome(reason, "why", 1.0))
    assert ended.state is END_STATES[reason]
    assert ended.ended


@pytest.mark.parametrize(
    ("reason", "description"),
    [
        (EndReason.BUSY, "The device stayed busy for 61 seconds; the action was not run"),
        (EndReason.TIMEOUT, "Still running after 61 seconds"),
        (EndReason.DEVICE_RESTARTED, "The device restarted and lost this result"),
    ],
)
def test_an_outcome_without_a_result_says_why(reason: EndReason, description: str) -> None:
    ended = Outcome.of(reason, 7.0, seconds=61.4)
    assert (ended.reason, ended.description, ended.ended_at) == (reason, description, 7.0)
    assert (ended.code, ended.exe_time, ended.error) == (None, None, None)


@pytest.mark.parametrize(
    ("error", "description"),
    [
        (WwGoActionNotFoundError("404"), "The device has no action a; the action was not run"),
        (
            WwGoTimeoutError("slow"),
            "The device did not answer the call in time; it may have run the action",
        ),
        (WwGoDeviceError("500"), "The device refused the action (500); it was not run"),
    ],
)
def test_a_refusal_keeps_what_the_device_answered(error: WwGoError, description: str) -> None:
    ended = Outcome.refused(error, "a", 7.0)
    assert (ended.reason, ended.description, ended.error) == (EndReason.REFUSED, description, error)


RUNS = [
    Run("a"),
    Run("seq", (5, 6), (_status(5, 200, 0.5),), accepted_at=1_800_000_000.25),
    aggregate([5, 6], [_status(5, 200, 0.5), _status(6, -104, 0.25)], ended_at=1_800_000_009.5),
    Run("a", (5,), outcome=Outcome.of(EndReason.EVICTED, 9.5), started_by=StartedBy.OTHER),
    Run("a", outcome=Outcome.refused(WwGoActionDisabledError("400"), "a", 9.5)),
]


@pytest.mark.parametrize("run", RUNS)
def test_a_run_as_a_dict_and_back(run: Run) -> None:
    kept = json.loads(json.dumps(run.as_dict()))
    assert Run.from_dict(kept) == run  # a refusal's error is not kept, and not compared


def test_the_dict_says_what_every_report_of_a_run_says() -> None:
    run = aggregate([5, 6], [_status(5, 200, 0.5), _status(6, -104, 0.25)], ended_at=1.5)
    run = Run(run.action_id, run.status_ids, run.requests, run.outcome, accepted_at=0.75)
    assert run.as_dict() == {
        "action_id": "seq",
        "started_by": "home_assistant",
        "state": "failure",
        "reason": "failed",
        "code": -104,
        "exe_time": 0.75,
        "description": "Slave device failure",
        "status_ids": [5, 6],
        "requests": [
            {"id": 5, "code": 200, "exe_time": 0.5, "state": "success", "description": "OK"},
            {
                "id": 6,
                "code": -104,
                "exe_time": 0.25,
                "state": "failure",
                "description": "Slave device failure",
            },
        ],
        "accepted_at": "1970-01-01T00:00:00.750000+00:00",
        "ended_at": "1970-01-01T00:00:01.500000+00:00",
    }
    assert Run("a").as_dict()["state"] == "queued"


def test_a_run_kept_by_a_later_release_loads_without_what_it_does_not_know() -> None:
    kept = RUNS[2].as_dict() | {
        "priority": "high",
        "requests": [{"id": 5, "code": 200, "exe_time": 0.5, "origin": "x"}],
    }
    run = Run.from_dict(kept)
    assert (run.action_id, run.outcome, run.status_ids) == ("seq", RUNS[2].outcome, (5, 6))
    assert [request.id for request in run.requests] == [5]


def test_a_run_kept_without_the_fields_added_since_takes_their_defaults() -> None:
    run = Run.from_dict({"action_id": "a", "status_ids": [5], "reason": "timeout", "ended_at": 9.5})
    assert (run.started_by, run.accepted_at, run.requests) == (StartedBy.HOME_ASSISTANT, None, ())
    assert (run.state, outcome(run).ended_at, outcome(run).description) == (
        RunState.TIMEOUT,
        9.5,
        "",
    )


@pytest.mark.parametrize(
    "kept",
    [
        {},
        {"action_id": "a", "status_ids": ["x"]},
        {"action_id": "a", "requests": [[1, 2]]},
        {"action_id": "a", "reason": "nope"},
        {"action_id": "a", "started_by": "nobody"},
        {"action_id": "a", "accepted_at": "yesterday"},
    ],
)
def test_a_kept_run_that_does_not_fit_raises(kept: dict[str, object]) -> None:
    with pytest.raises((KeyError, TypeError, ValueError)):
        Run.from_dict(kept)
