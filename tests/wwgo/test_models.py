"""What the device says of its actions, and how the action list is followed."""

import json

import pytest

from custom_components.ww_go.wwgo import ActionDefinition, follow_list


@pytest.mark.parametrize(
    ("action", "runnable"),
    [
        (ActionDefinition("a"), True),
        (ActionDefinition("a", enabled=False), False),
        (ActionDefinition("a", request_count=0), False),  # every request disabled
        (ActionDefinition("a", request_count=2), True),
    ],
)
def test_runnable(action: ActionDefinition, runnable: bool) -> None:
    assert action.runnable is runnable


@pytest.mark.parametrize(
    "action", [ActionDefinition("a"), ActionDefinition("7", "Pump", enabled=False, request_count=3)]
)
def test_an_action_as_json_and_back(action: ActionDefinition) -> None:
    assert ActionDefinition.from_json(json.loads(json.dumps(action.as_json()))) == action


def test_an_action_missing_from_one_list_is_kept_once() -> None:
    a, b, c = ActionDefinition("a"), ActionDefinition("b"), ActionDefinition("c")
    actions, missing = follow_list([a, c], {"a": a, "b": b}, frozenset())
    assert (list(actions), missing) == (["a", "c", "b"], frozenset({"b"}))
    actions, missing = follow_list([a, c], actions, missing)
    assert (list(actions), missing) == (["a", "c"], frozenset())


def test_an_action_back_in_the_next_list_stays() -> None:
    a, b = ActionDefinition("a"), ActionDefinition("b", "Renamed")
    actions, missing = follow_list([a], {"a": a, "b": ActionDefinition("b")}, frozenset())
    actions, missing = follow_list([a, b], actions, missing)
    assert (actions, missing) == ({"a": a, "b": b}, frozenset())


def test_an_action_kept_by_another_release_loads() -> None:
    """Keys added later are ignored; keys an earlier release did not write take their defaults."""
    kept = {"id": "door", "name": "Door", "icon": "mdi:door"}
    assert ActionDefinition.from_json(kept) == ActionDefinition("door", "Door")
