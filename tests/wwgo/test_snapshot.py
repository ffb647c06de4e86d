"""What an engine keeps across a restart, as JSON."""

import json

import pytest

from custom_components.ww_go.wwgo import EngineSnapshot, KeptRun

SNAPSHOT = EngineSnapshot(
    in_flight=(KeptRun("a", (7,), 1_800_000_000.5), KeptRun("seq", (8, 9), 1_800_000_001.0)),
    newest_id=9,
    durations={"a": (0.25, 0.5)},
    ids_per_call={"a": 1, "seq": 2},
)


def test_as_json_and_back() -> None:
    assert EngineSnapshot.from_json(json.loads(json.dumps(SNAPSHOT.as_json()))) == SNAPSHOT


def test_an_empty_snapshot() -> None:
    assert EngineSnapshot.from_json(EngineSnapshot().as_json()) == EngineSnapshot()


def test_a_run_without_status_ids_is_left_out() -> None:
    kept = SNAPSHOT.as_json()
    kept["in_flight"].append({"action_id": "b", "status_ids": [], "accepted_at": 1.0})
    assert EngineSnapshot.from_json(kept).in_flight == SNAPSHOT.in_flight


@pytest.mark.parametrize(
    "change",
    [
        {"in_flight": "garbage"},
        {"newest_id": "x"},
        {"durations": {"a": ["slow"]}},
        {"ids_per_call": []},
        {"in_flight": [{"action_id": "a", "status_ids": [1]}]},
    ],
)
def test_a_snapshot_that_does_not_fit_raises(change: dict[str, object]) -> None:
    with pytest.raises((KeyError, TypeError, ValueError, AttributeError)):
        EngineSnapshot.from_json(SNAPSHOT.as_json() | change)
