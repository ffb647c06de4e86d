"""Action definitions of the emulated device: the built-in demo set and scenario files.

A scenario file is JSON (``.json``) or YAML (``.yaml``/``.yml``) of the form::

    {"actions": [
        {"id": "1", "name": "Fast HTTP request", "enable": true,
         "requests": [{"type": "http", "code": 200, "duration": 0.1, "enable": true}]}
    ],
    "others": [{"action": "1", "every": 60, "first": 10}]}

Per action, ``name`` defaults to the ID, ``enable`` to true and ``requests`` to none. Per request,
``type`` defaults to ``"http"``, ``code`` to 200 for HTTP and 1 (success) for Modbus, ``duration``
(seconds) to 0.1 and ``enable`` to true. ``code`` is the result the request ends with; the codes of
the device's status tables apply (HTTP status codes, ``1`` for a Modbus success, negative Modbus and
connection errors).

``others`` (optional, none by default) are other clients of the device (its web page, a script,
Node-RED): each runs the scenario's ``action`` every ``every`` seconds, the first time after
``first`` seconds (default: ``every``). A run the device refuses is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import math
from pathlib import Path
from typing import Any, TypeGuard

import yaml

REQUEST_KINDS = ("http", "modbus")
DEFAULT_CODES = {"http": 200, "modbus": 1}
DEFAULT_DURATION = 0.1

_SCENARIO_KEYS = frozenset({"actions", "others"})
_ACTION_KEYS = frozenset({"id", "name", "enable", "requests"})
_REQUEST_KEYS = frozenset({"type", "code", "duration", "enable"})
_OTHER_KEYS = frozenset({"action", "every", "first"})


class ScenarioError(ValueError):
    """A scenario that cannot be loaded, and why."""


@dataclass(frozen=True, slots=True)
class RequestDefinition:
    """One request of an action: what it ends with, and how long the device takes to run it."""

    kind: str = "http"
    code: int = 200
    duration: float = DEFAULT_DURATION
    enabled: bool = True

    def __post_init__(self) -> None:
        """Reject a request the device could not hold."""
        if self.kind not in REQUEST_KINDS:
            raise ValueError(
                f"request type must be one of {', '.join(REQUEST_KINDS)}, not {self.kind!r}"
            )
        if self.duration < 0:
            raise ValueError(f"request duration must not be negative, not {self.duration!r}")


@dataclass(frozen=True, slots=True)
class ActionDefinition:
    """An action: a named sequence of requests the device runs one after another."""

    id: str
    name: str
    requests: tuple[RequestDefinition, ...]
    enabled: bool = True

    def __post_init__(self) -> None:
        """Reject an action without an ID."""
        if not self.id:
            raise ValueError("action id must not be empty")

    @property
    def enabled_requests(self) -> tuple[RequestDefinition, ...]:
        """The requests a call of this action runs."""
        return tuple(request for request in self.requests if request.enabled)

    def as_json(self) -> dict[str, Any]:
        """The action as the device's action list shows it."""
        return {
            "id": self.id,
            "name": self.name,
            "enable": self.enabled,
            "requests": [
                {"type": request.kind, "enable": request.enabled} for request in self.requests
            ],
        }


@dataclass(frozen=True, slots=True)
class OtherClient:
    """Another client of the device (its web page, a script) that runs one action periodically.

    ``every`` is the seconds between its runs, ``first`` the seconds before its first run
    (None: ``every``).
    """

    action_id: str
    every: float
    first: float | None = None

    def __post_init__(self) -> None:
        """Reject a schedule that never runs, or runs without pause."""
        if not 0 < self.every < math.inf:
            raise ValueError(f"every must be a number of seconds above 0: {self.every!r}")
        if self.first is not None and not 0 <= self.first < math.inf:
            raise ValueError(f"first must be a number of seconds, not negative: {self.first!r}")

    @property
    def first_delay(self) -> float:
        """The seconds before the first run."""
        return self.every if self.first is None else self.first


@dataclass(frozen=True, slots=True)
class Scenario:
    """What a scenario sets up: the device's actions, and other clients that run some of them."""

    actions: tuple[ActionDefinition, ...]
    others: tuple[OtherClient, ...] = ()


def default_actions() -> list[ActionDefinition]:
    """The demo actions: every outcome the device can report, with realistic timings."""
    req = RequestDefinition
    return [
        ActionDefinition("1", "Fast HTTP request", (req("http", 200, 0.1),)),
        ActionDefinition("light_toggle", "Slow HTTP request", (req("http", 200, 3.0),)),
        ActionDefinition("http_not_found", "Failing HTTP request", (req("http", 404, 0.2),)),
        ActionDefinition("modbus_write", "Modbus write", (req("modbus", 1, 0.2),)),
        ActionDefinition("modbus_timeout", "Modbus timeout", (req("modbus", -3, 1.0),)),
        ActionDefinition(
            "modbus_slave_failure", "Modbus slave failure", (req("modbus", -104, 0.3),)
        ),
        ActionDefinition(
            "sequence",
            "Three requests",
            (req("http", 200, 0.2), req("modbus", 1, 0.2), req("http", 204, 0.2)),
        ),
        ActionDefinition(
            "disabled_action", "Disabled action", (req("http", 200, 0.1),), enabled=False
        ),
        ActionDefinition(
            "all_requests_disabled",
            "All requests disabled",
            (req("http", 200, 0.1, enabled=False), req("modbus", 1, 0.1, enabled=False)),
        ),
    ]


def load_scenario(path: Path) -> Scenario:
    """Read a JSON or YAML scenario file.

    Raises ScenarioError (a ValueError) saying what is wrong with a bad or unreadable file.
    """
    suffix = path.suffix.lower()
    if suffix not in {".json", ".yaml", ".yml"}:
        raise ScenarioError(f"{path}: a scenario file must end with .json, .yaml or .yml")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(f"{path}: cannot read the scenario: {err}") from err
    try:
        document = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as err:
        raise ScenarioError(
            f"{path}: not valid {'JSON' if suffix == '.json' else 'YAML'}: {err}"
        ) from err
    try:
        return parse_scenario(document)
    except ScenarioError as err:
        raise ScenarioError(f"{path}: {err}") from err


def parse_scenario(document: object) -> Scenario:
    """Build the scenario of an already parsed scenario document."""
    if not isinstance(document, dict) or not isinstance(document.get("actions"), list):
        raise ScenarioError('the scenario must be a mapping with an "actions" list')
    _check_keys("the scenario", document, _SCENARIO_KEYS)
    actions = tuple(_parse_action(index, item) for index, item in enumerate(document["actions"]))
    seen: set[str] = set()
    for action in actions:
        if action.id in seen:
            raise ScenarioError(f"action id {action.id!r} is defined twice")
        seen.add(action.id)
    others = document.get("others", [])
    if not isinstance(others, list):
        raise ScenarioError('"others" must be a list')
    return Scenario(
        actions, tuple(_parse_other(index, item, seen) for index, item in enumerate(others))
    )


def _parse_action(index: int, item: object) -> ActionDefinition:
    where = f"actions[{index}]"
    if not isinstance(item, dict):
        raise ScenarioError(f"{where} must be a mapping")
    _check_keys(where, item, _ACTION_KEYS)
    action_id = _action_id(item.get("id"))
    if action_id is None:
        raise ScenarioError(f"{where}.id must be a non-empty string")
    name = item.get("name", action_id)
    if not isinstance(name, str):
        raise ScenarioError(f"{where}.name must be a string")
    requests = item.get("requests", [])
    if not isinstance(requests, list):
        raise ScenarioError(f"{where}.requests must be a list")
    return ActionDefinition(
        id=action_id,
        name=name,
        requests=tuple(
            _parse_request(f"{where}.requests[{number}]", request)
            for number, request in enumerate(requests)
        ),
        enabled=_bool(where, item, "enable"),
    )


def _parse_request(where: str, item: object) -> RequestDefinition:
    if not isinstance(item, dict):
        raise ScenarioError(f"{where} must be a mapping")
    _check_keys(where, item, _REQUEST_KEYS)
    kind = item.get("type", "http")
    if kind not in REQUEST_KINDS:
        raise ScenarioError(f"{where}.type must be one of {', '.join(REQUEST_KINDS)}")
    code = item.get("code", DEFAULT_CODES[kind])
    if not isinstance(code, int) or isinstance(code, bool):
        raise ScenarioError(f"{where}.code must be an integer")
    duration = item.get("duration", DEFAULT_DURATION)
    if not isinstance(duration, int | float) or isinstance(duration, bool) or duration < 0:
        raise ScenarioError(f"{where}.duration must be a number of seconds, not negative")
    return RequestDefinition(
        kind=kind, code=code, duration=float(duration), enabled=_bool(where, item, "enable")
    )


def _parse_other(index: int, item: object, action_ids: set[str]) -> OtherClient:
    where = f"others[{index}]"
    if not isinstance(item, dict):
        raise ScenarioError(f"{where} must be a mapping")
    _check_keys(where, item, _OTHER_KEYS)
    action_id = _action_id(item.get("action"))
    if action_id is None:
        raise ScenarioError(f"{where}.action must be the ID of an action")
    if action_id not in action_ids:
        raise ScenarioError(f"{where}.action {action_id!r} is not an action of the scenario")
    every = item.get("every")
    if not _is_seconds(every) or every == 0:
        raise ScenarioError(f"{where}.every must be a number of seconds above 0")
    first = item.get("first")
    if first is not None and not _is_seconds(first):
        raise ScenarioError(f"{where}.first must be a number of seconds, not negative")
    return OtherClient(action_id, float(every), None if first is None else float(first))


def _action_id(value: object) -> str | None:
    """An action ID as written, a bare number included (None: not an ID)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None


def _is_seconds(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a finite number of seconds, not negative."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < math.inf


def _check_keys(where: str, item: dict[Any, Any], allowed: frozenset[str]) -> None:
    unknown = set(item) - allowed
    if unknown:
        names = ", ".join(sorted(map(str, unknown)))
        raise ScenarioError(
            f"{where} has unknown keys: {names} (allowed: {', '.join(sorted(allowed))})"
        )


def _bool(where: str, item: dict[Any, Any], key: str) -> bool:
    value = item.get(key, True)
    if not isinstance(value, bool):
        raise ScenarioError(f"{where}.{key} must be true or false")
    return value
