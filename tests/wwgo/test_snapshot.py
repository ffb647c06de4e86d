"""What an engine keeps across a restart: today's format, every earlier one, and later ones."""

from dataclasses import replace
import json
import logging
from typing import Any

import pytest

from custom_components.ww_go.wwgo import EngineSnapshot, Learnt, Run, StartedBy
from custom_components.ww_go.wwgo.snapshot import FORMAT

SNAPSHOT = EngineSnapshot(
    runs=(
        Run("a", (7,), accepted_at=1_800_000_000.5),
        Run("seq", (8, 9), accepted_at=1_800_000_001.0, started_by=StartedBy.OTHER),
    ),
    learnt=Learnt(newest_id=9, durations={"a": [0.25, 0.5]}, ids_per_call={"a": 1, "seq": 2}),
)

# What the first format kept of the same runs and learning.
FORMAT_1: dict[str, Any] = {
    "in_flight": [
        {"action_id": "a", "status_ids": [7], "accepted_at": 1_800_000_000.5},
        {"action_id": "seq", "status_ids": [8, 9], "accepted_at": 1_800_000_001.0},
    ],
    "newest_id": 9,
    "durations": {"a": [0.25, 0.5]},
    "ids_per_call": {"a": 1, "seq": 2},
}


def test_as_a_dict_and_back() -> None:
    kept = json.loads(json.dumps(SNAPSHOT.as_dict()))
    assert kept["format"] == FORMAT
    assert EngineSnapshot.from_dict(kept) == SNAPSHOT


def test_an_empty_snapshot() -> None:
    assert EngineSnapshot.from_dict(EngineSnapshot().as_dict()) == EngineSnapshot()
    assert EngineSnapshot.from_dict({"format": FORMAT}) == EngineSnapshot()


def test_the_first_format_loads_with_its_runs_and_learning() -> None:
    loaded = EngineSnapshot.from_dict(FORMAT_1)
    # The first format knew nothing of other clients' runs: every run was Home Assistant's.
    assert loaded == replace(
        SNAPSHOT,
        runs=(SNAPSHOT.runs[0], replace(SNAPSHOT.runs[1], started_by=StartedBy.HOME_ASSISTANT)),
    )


def test_a_later_format_loads_without_what_it_does_not_know() -> None:
    """A downgrade after an upgrade: keys added later are ignored, the rest is kept."""
    later = SNAPSHOT.as_dict()
    later["learnt"]["newest_id_seen_by_somebody"] = 12
    later["runs"][0]["priority"] = "high"
    later["something_new"] = {"x": 1}
    assert EngineSnapshot.from_dict(later) == SNAPSHOT


def test_what_was_learnt_before_a_field_existed_takes_its_default() -> None:
    kept = SNAPSHOT.as_dict()
    del kept["learnt"]["durations"]
    assert EngineSnapshot.from_dict(kept).learnt == replace(SNAPSHOT.learnt, durations={})


def test_a_run_that_cannot_be_read_is_left_out_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    kept = SNAPSHOT.as_dict()
    kept["runs"] += [
        {"action_id": "b", "status_ids": []},  # nothing to read
        {"action_id": "c", "status_ids": ["x"]},
        {"status_ids": [3]},
        {"action_id": "d", "status_ids": [4], "reason": "succeeded"},  # no longer in flight
    ]
    with caplog.at_level(logging.WARNING):
        assert EngineSnapshot.from_dict(kept).runs == SNAPSHOT.runs
    assert len(caplog.records) == 2


@pytest.mark.parametrize(
    "change",
    [
        {"learnt": "garbage"},
        {"learnt": {"newest_id": "x"}},
        {"learnt": {"durations": {"a": ["slow"]}}},
        {"learnt": {"ids_per_call": []}},
        {"runs": "garbage"},
        {"format": "x"},
    ],
)
def test_a_snapshot_that_does_not_fit_raises(change: dict[str, object]) -> None:
    with pytest.raises((KeyError, TypeError, ValueError, AttributeError)):
        EngineSnapshot.from_dict(SNAPSHOT.as_dict() | change)
