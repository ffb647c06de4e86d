"""Tolerant parsing: the choices made where the device documentation is silent."""

import pytest

from custom_components.ww_go.wwgo import (
    ActionDefinition,
    WwGoInvalidResponseError,
    base_url,
    parse_action_list,
    parse_statuses,
)


def test_the_actions_key_wins_over_other_lists() -> None:
    body = {"errors": [], "actions": [{"id": "1"}]}
    assert parse_action_list(body).actions == (ActionDefinition("1"),)


@pytest.mark.parametrize("value", [False, 0, "false", "0", "no", "off", "OFF"])
def test_disabled_in_any_common_spelling(value: object) -> None:
    [action] = parse_action_list([{"id": "1", "enable": value}]).actions
    assert not action.enabled


def test_request_count_counts_enabled_requests_only() -> None:
    """A call takes one status ID per enabled request."""
    body = [{"id": "1", "requests": [{"type": "http"}, {"enable": False}, {"type": "modbus"}]}]
    [action] = parse_action_list(body).actions
    assert action.request_count == 2


@pytest.mark.parametrize(
    "entry",
    [
        {"action_id": None, "id": 1, "code": 200, "exe_time": 0.1},
        {"action_id": "1", "id": 1, "code": 200, "exe_time": float("nan")},
    ],
)
def test_status_entries_without_an_action_or_a_real_time(entry: dict[str, object]) -> None:
    with pytest.raises(WwGoInvalidResponseError):
        parse_statuses([entry])


@pytest.mark.parametrize("host", ["my host", "wwgo.local:0"])
def test_addresses_no_device_has(host: str) -> None:
    with pytest.raises(ValueError, match="not a device address"):
        base_url(host)
