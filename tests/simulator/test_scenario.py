"""Action definitions: the demo set and scenario files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import simulator
from simulator import (
    ActionDefinition,
    OtherClient,
    RequestDefinition,
    Scenario,
    default_actions,
    load_scenario,
)
from simulator.scenario import ScenarioError, parse_scenario

HTTP = "http"
MODBUS = "modbus"


@pytest.mark.parametrize(
    ("action_id", "name", "enabled", "requests"),
    [
        ("1", "Fast HTTP request", True, [(HTTP, 200, 0.1, True)]),
        ("light_toggle", "Slow HTTP request", True, [(HTTP, 200, 3.0, True)]),
        ("http_not_found", "Failing HTTP request", True, [(HTTP, 404, 0.2, True)]),
        ("modbus_write", "Modbus write", True, [(MODBUS, 1, 0.2, True)]),
        ("modbus_timeout", "Modbus timeout", True, [(MODBUS, -3, 1.0, True)]),
        ("modbus_slave_failure", "Modbus slave failure", True, [(MODBUS, -104, 0.3, True)]),
        (
            "sequence",
            "Three requests",
            True,
            [(HTTP, 200, 0.2, True), (MODBUS, 1, 0.2, True), (HTTP, 204, 0.2, True)],
        ),
        ("disabled_action", "Disabled action", False, [(HTTP, 200, 0.1, True)]),
        (
            "all_requests_disabled",
            "All requests disabled",
            True,
            [(HTTP, 200, 0.1, False), (MODBUS, 1, 0.1, False)],
        ),
    ],
)
def test_default_actions(
    action_id: str, name: str, enabled: bool, requests: list[tuple[str, int, float, bool]]
) -> None:
    actions = {action.id: action for action in default_actions()}
    action = actions[action_id]
    assert action.name == name
    assert action.enabled is enabled
    assert [(r.kind, r.code, r.duration, r.enabled) for r in action.requests] == requests


def test_default_actions_order_and_unique_ids() -> None:
    assert [action.id for action in default_actions()] == [
        "1",
        "light_toggle",
        "http_not_found",
        "modbus_write",
        "modbus_timeout",
        "modbus_slave_failure",
        "sequence",
        "disabled_action",
        "all_requests_disabled",
    ]


def test_definition_defaults_and_json() -> None:
    request = RequestDefinition()
    assert (request.kind, request.code, request.duration, request.enabled) == (HTTP, 200, 0.1, True)
    action = ActionDefinition(
        "a", "An action", (RequestDefinition(), RequestDefinition(MODBUS, 1, enabled=False))
    )
    assert action.enabled
    assert action.enabled_requests == (RequestDefinition(),)
    assert action.as_json() == {
        "id": "a",
        "name": "An action",
        "enable": True,
        "requests": [{"type": HTTP, "enable": True}, {"type": MODBUS, "enable": False}],
    }


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: RequestDefinition(kind="coap"), "request type"),
        (lambda: RequestDefinition(duration=-0.1), "must not be negative"),
        (lambda: ActionDefinition("", "nameless", ()), "must not be empty"),
    ],
)
def test_invalid_definitions(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


SCENARIO: dict[str, Any] = {
    "actions": [
        {
            "id": "pump",
            "name": "Start the pump",
            "enable": True,
            "requests": [
                {"type": "http", "code": 201, "duration": 0.05, "enable": True},
                {"type": "modbus", "code": -17, "duration": 1, "enable": False},
            ],
        },
        {"id": 7, "requests": [{}, {"type": "modbus"}]},
        {"id": "off", "name": "Switched off", "enable": False},
    ],
    "others": [
        {"action": "pump", "every": 60, "first": 0},
        {"action": 7, "every": 0.5},
        {"action": "pump", "every": 90.5, "first": 2.5},
    ],
}

EXPECTED_ACTIONS = (
    ActionDefinition(
        "pump",
        "Start the pump",
        (
            RequestDefinition(HTTP, 201, 0.05),
            RequestDefinition(MODBUS, -17, 1.0, enabled=False),
        ),
    ),
    ActionDefinition(
        "7", "7", (RequestDefinition(HTTP, 200, 0.1), RequestDefinition(MODBUS, 1, 0.1))
    ),
    ActionDefinition("off", "Switched off", (), enabled=False),
)
EXPECTED = Scenario(
    EXPECTED_ACTIONS,
    (OtherClient("pump", 60.0, 0.0), OtherClient("7", 0.5), OtherClient("pump", 90.5, 2.5)),
)


@pytest.mark.parametrize(
    ("filename", "dump"),
    [
        ("scenario.json", json.dumps),
        ("scenario.yaml", yaml.safe_dump),
        ("scenario.YML", yaml.safe_dump),
    ],
)
def test_load_scenario(tmp_path: Path, filename: str, dump: Any) -> None:
    path = tmp_path / filename
    path.write_text(dump(SCENARIO), encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario == EXPECTED
    assert isinstance(scenario.actions[0].requests[1].duration, float)
    assert all(isinstance(other.every, float) for other in scenario.others)
    assert isinstance(scenario.others[0].first, float)


def test_load_handwritten_yaml(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(
        "actions:\n"
        "  - id: light\n"
        "    name: Light\n"
        "    requests:\n"
        "      - {type: http, code: 204, duration: 0.5}\n",
        encoding="utf-8",
    )
    assert load_scenario(path) == Scenario(
        (ActionDefinition("light", "Light", (RequestDefinition(HTTP, 204, 0.5),)),)
    )


def test_no_other_clients_unless_asked() -> None:
    assert parse_scenario({"actions": []}) == Scenario(())
    assert parse_scenario({"actions": [], "others": []}).others == ()


def test_other_client_defaults() -> None:
    other = OtherClient("a", 45.0)
    assert other.first is None
    assert other.first_delay == 45.0
    assert OtherClient("a", 45.0, 0.0).first_delay == 0.0


@pytest.mark.parametrize(
    ("every", "first", "message"),
    [
        (0.0, None, "every must be a number of seconds above 0"),
        (-1.0, None, "every must be"),
        (float("inf"), None, "every must be"),
        (float("nan"), None, "every must be"),
        (1.0, -0.5, "first must be a number of seconds, not negative"),
        (1.0, float("inf"), "first must be"),
    ],
)
def test_invalid_other_clients(every: float, first: float | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OtherClient("a", every, first)


def test_shipped_scenario_of_other_clients() -> None:
    path = Path(simulator.__file__).parent / "scenarios" / "others.yaml"
    scenario = load_scenario(path)
    durations = {
        action.id: sum(request.duration for request in action.enabled_requests)
        for action in scenario.actions
    }
    codes = {action.id: [r.code for r in action.enabled_requests] for action in scenario.actions}
    failing, long_running = scenario.others
    # One fails about every minute; one succeeds after a few seconds about every 90 s.
    assert codes[failing.action_id] == [404]
    assert 30 <= failing.every <= 90
    assert all(code in {200, 1} for code in codes[long_running.action_id])
    assert 2 <= durations[long_running.action_id] <= 10
    assert 60 <= long_running.every <= 120
    # Each run has ended long before the client's next turn.
    assert all(durations[other.action_id] < other.every for other in scenario.others)


def _actions(*actions: object) -> dict[str, object]:
    return {"actions": list(actions)}


def _request(**request: object) -> dict[str, object]:
    return _actions({"id": "a", "requests": [request]})


def _others(*others: object) -> dict[str, object]:
    return {"actions": [{"id": "a"}, {"id": "7"}], "others": list(others)}


def _other(**other: object) -> dict[str, object]:
    return _others({"action": "a", "every": 60} | other)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], 'mapping with an "actions" list'),
        ({}, 'mapping with an "actions" list'),
        ({"actions": {"id": "a"}}, 'mapping with an "actions" list'),
        (_actions("a"), r"actions\[0\] must be a mapping"),
        (_actions({"id": "a", "label": "x"}), r"actions\[0\] has unknown keys: label"),
        (_actions({"name": "x"}), r"actions\[0\]\.id must be a non-empty string"),
        (_actions({"id": ""}), r"actions\[0\]\.id must be a non-empty string"),
        (_actions({"id": True}), r"actions\[0\]\.id must be a non-empty string"),
        (_actions({"id": "a", "name": 3}), r"actions\[0\]\.name must be a string"),
        (_actions({"id": "a", "enable": "yes"}), r"actions\[0\]\.enable must be true or false"),
        (_actions({"id": "a", "requests": {}}), r"actions\[0\]\.requests must be a list"),
        (_actions({"id": "a"}, {"id": "b"}, {"id": "a"}), "action id 'a' is defined twice"),
        (_actions({"id": "a", "requests": ["http"]}), r"requests\[0\] must be a mapping"),
        (_request(kind="http"), r"requests\[0\] has unknown keys: kind"),
        (_request(type="coap"), r"requests\[0\]\.type must be one of http, modbus"),
        (_request(code="200"), r"requests\[0\]\.code must be an integer"),
        (_request(code=True), r"requests\[0\]\.code must be an integer"),
        (_request(duration=-1), r"requests\[0\]\.duration must be a number"),
        (_request(duration="1"), r"requests\[0\]\.duration must be a number"),
        (_request(duration=False), r"requests\[0\]\.duration must be a number"),
        (_request(enable=1), r"requests\[0\]\.enable must be true or false"),
        (
            {"actions": [], "other": []},
            r"the scenario has unknown keys: other \(allowed: actions, others\)",
        ),
        ({"actions": [], "others": {"action": "a"}}, '"others" must be a list'),
        (_others("a"), r"others\[0\] must be a mapping"),
        (_other(id="a"), r"others\[0\] has unknown keys: id \(allowed: action, every, first\)"),
        (_others({"every": 60}), r"others\[0\]\.action must be the ID of an action"),
        (_other(action=""), r"others\[0\]\.action must be the ID of an action"),
        (_other(action=["a"]), r"others\[0\]\.action must be the ID of an action"),
        (_other(action=True), r"others\[0\]\.action must be the ID of an action"),
        (_other(action="b"), r"others\[0\]\.action 'b' is not an action of the scenario"),
        (_other(action=8), r"others\[0\]\.action '8' is not an action of the scenario"),
        (_others({"action": "a"}), r"others\[0\]\.every must be a number of seconds above 0"),
        (_other(every=0), r"others\[0\]\.every must be a number of seconds above 0"),
        (_other(every=-5), r"others\[0\]\.every must be"),
        (_other(every="60"), r"others\[0\]\.every must be"),
        (_other(every=True), r"others\[0\]\.every must be"),
        (_other(every=None), r"others\[0\]\.every must be"),
        (_other(every=float("inf")), r"others\[0\]\.every must be"),
        (_other(first=float("nan")), r"others\[0\]\.first must be"),
        (_other(first=-1), r"others\[0\]\.first must be a number of seconds, not negative"),
        (_other(first="soon"), r"others\[0\]\.first must be"),
        (_other(first=False), r"others\[0\]\.first must be"),
        (
            _others({"action": "a", "every": 1}, {"action": "a", "every": 1, "first": -1}),
            r"others\[1\]\.first must be",
        ),
    ],
)
def test_bad_scenario_documents(tmp_path: Path, document: object, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(document)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ValueError, match=f"bad.json: .*{message}"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("scenario.txt", b'{"actions": []}', "must end with .json, .yaml or .yml"),
        ("scenario.json", b'{"actions": [', "not valid JSON"),
        ("scenario.yaml", b"actions: [\n", "not valid YAML"),
        ("scenario.json", b'{"actions": ["\xff"]}', "cannot read the scenario"),
        ("scenario.yaml", b"", 'mapping with an "actions" list'),
    ],
)
def test_bad_scenario_files(tmp_path: Path, filename: str, content: bytes, message: str) -> None:
    path = tmp_path / filename
    path.write_bytes(content)
    with pytest.raises(ScenarioError, match=message):
        load_scenario(path)


def test_missing_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read the scenario"):
        load_scenario(tmp_path / "absent.yaml")
