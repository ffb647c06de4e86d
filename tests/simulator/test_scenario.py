"""Action definitions: the demo set and scenario files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator import ActionDefinition, RequestDefinition, default_actions, load_scenario
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
    ]
}

EXPECTED = [
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
]


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
    actions = load_scenario(path)
    assert actions == EXPECTED
    assert isinstance(actions[0].requests[1].duration, float)


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
    assert load_scenario(path) == [
        ActionDefinition("light", "Light", (RequestDefinition(HTTP, 204, 0.5),))
    ]


def _actions(*actions: object) -> dict[str, object]:
    return {"actions": list(actions)}


def _request(**request: object) -> dict[str, object]:
    return _actions({"id": "a", "requests": [request]})


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
