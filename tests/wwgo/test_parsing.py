"""Tolerant parsing: the choices made where the device documentation is silent."""

import json
import math

import pytest

from custom_components.ww_go.wwgo import (
    STATUS_WINDOW,
    ActionDefinition,
    RequestStatus,
    WwGoInvalidResponseError,
    base_url,
    decode_body,
    parse_action_list,
    parse_status_ids,
    parse_statuses,
)
from custom_components.ww_go.wwgo.parse import (
    MAX_BODY_BYTES,
    MAX_EXECUTION_TIME,
    MAX_JSON_DEPTH,
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


# Values are checked where they enter: each status field, decided once here.


def _status(**values: object) -> dict[str, object]:
    return {"action_id": "1", "id": 5, "code": 200, "exe_time": 0.1} | values


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"id": 0}, RequestStatus("1", 0, 200, 0.1)),
        ({"id": 2**32 - 1}, RequestStatus("1", 2**32 - 1, 200, 0.1)),
        ({"id": "140"}, RequestStatus("1", 140, 200, 0.1)),
        ({"id": 140.0}, RequestStatus("1", 140, 200, 0.1)),
        ({"code": -(2**31)}, RequestStatus("1", 5, -(2**31), 0.1)),
        ({"code": 2**31 - 1}, RequestStatus("1", 5, 2**31 - 1, 0.1)),
        ({"code": "-104"}, RequestStatus("1", 5, -104, 0.1)),
        ({"code": 404.0}, RequestStatus("1", 5, 404, 0.1)),
        ({"exe_time": 0}, RequestStatus("1", 5, 200, 0.0)),
        ({"exe_time": -0.0}, RequestStatus("1", 5, 200, 0.0)),
        ({"exe_time": MAX_EXECUTION_TIME}, RequestStatus("1", 5, 200, MAX_EXECUTION_TIME)),
        ({"exe_time": "1.205"}, RequestStatus("1", 5, 200, 1.205)),
        ({"exe_time": "2e1"}, RequestStatus("1", 5, 200, 20.0)),
        ({"action_id": 7}, RequestStatus("7", 5, 200, 0.1)),
    ],
)
def test_status_values_accepted(values: dict[str, object], expected: RequestStatus) -> None:
    [status] = parse_statuses([_status(**values)]).values()
    assert status == expected
    assert str(status.exe_time) == str(expected.exe_time)  # never "-0.0"


@pytest.mark.parametrize(
    "values",
    [
        {"id": -1},
        {"id": 2**32},
        {"id": True},
        {"id": 5.5},
        {"id": " 5"},
        {"id": "5.0"},
        {"id": "\u0665"},
        {"id": None},
        {"code": 2**31},
        {"code": -(2**31) - 1},
        {"code": 2**70},
        {"code": False},
        {"code": 200.5},
        {"code": float("inf")},
        {"code": "2e2"},
        {"code": "0x10"},
        {"code": "1_000"},
        {"exe_time": -0.001},
        {"exe_time": MAX_EXECUTION_TIME + 0.001},
        {"exe_time": 1e308},
        {"exe_time": 2**1100},
        {"exe_time": float("inf")},
        {"exe_time": float("-inf")},
        {"exe_time": "inf"},
        {"exe_time": "NaN"},
        {"exe_time": "-1"},
        {"exe_time": True},
        {"exe_time": [0.1]},
        {"action_id": ""},
        {"action_id": True},
        {"action_id": 1.5},
        {"action_id": ["1"]},
    ],
)
def test_status_values_refused(values: dict[str, object]) -> None:
    with pytest.raises(WwGoInvalidResponseError):
        parse_statuses([_status(**values)])


def test_statuses_of_ids_not_asked_for_are_left_out_unread() -> None:
    body = [_status(), _status(id=6, code=2**70, exe_time=-1, action_id=None)]
    assert parse_statuses(body, asked={5}) == {5: RequestStatus("1", 5, 200, 0.1)}
    assert parse_statuses(body, asked={7}) == {}
    with pytest.raises(WwGoInvalidResponseError):
        parse_statuses(body)


def test_statuses_with_an_unreadable_id_are_refused_even_when_not_asked_for() -> None:
    with pytest.raises(WwGoInvalidResponseError):
        parse_statuses([_status(), _status(id="six")], asked={5})


def test_status_twice_the_same_is_one_status() -> None:
    assert parse_statuses([_status(), _status(), _status(code="200")]) == {
        5: RequestStatus("1", 5, 200, 0.1)
    }


@pytest.mark.parametrize(
    "other", [{"code": 404}, {"exe_time": 0.2}, {"action_id": "2"}, {"code": -1, "exe_time": 0}]
)
def test_status_twice_with_different_results_is_refused(other: dict[str, object]) -> None:
    """Nothing tells which of two different entries of one status ID is true."""
    with pytest.raises(WwGoInvalidResponseError, match="two different entries"):
        parse_statuses([_status(), _status(**other)])


def test_a_run_of_40_requests_of_the_longest_time_adds_up_to_a_finite_time() -> None:
    body = [_status(id=i, exe_time=MAX_EXECUTION_TIME) for i in range(40)]
    statuses = parse_statuses(body).values()
    assert math.isfinite(sum(status.exe_time for status in statuses))


# The call's status IDs


@pytest.mark.parametrize(
    ("body", "location", "expected"),
    [
        ({"status_ids": [3, "4", 5.0]}, None, (3, 4, 5)),
        ({"status_ids": [3, 3, 4, 3]}, None, (3, 4)),
        (None, "/api/v1/actions/status?id=8,%207,8", (8, 7)),
        ({"other": 1}, "/api/v1/actions/status?id=8", (8,)),
        ([1], "/api/v1/actions/status?id=8", (8,)),
    ],
)
def test_status_ids_accepted(body: object, location: str | None, expected: tuple[int, ...]) -> None:
    assert parse_status_ids(body, location) == expected


@pytest.mark.parametrize(
    ("body", "location"),
    [
        (None, None),
        ({"status_ids": []}, "/api/v1/actions/status?id=8"),
        ({"status_ids": [True]}, None),
        ({"status_ids": [2**32]}, None),
        ({"status_ids": [-1]}, None),
        ({"status_ids": list(range(41))}, None),
        (None, "/api/v1/actions/status?id=" + ",".join(map(str, range(41)))),
        (None, "/api/v1/actions/status?id=1e3"),
        (None, "/api/v1/actions/status?id=5&id=6"[:-5] + "id=x"),
        (None, "http://[::1"),
        (None, ""),
    ],
)
def test_status_ids_refused(body: object, location: str | None) -> None:
    with pytest.raises(WwGoInvalidResponseError):
        parse_status_ids(body, location)


# Bodies


def _nested(depth: int) -> bytes:
    return b'{"actions": [], "x": ' + b"[" * depth + b"]" * depth + b"}"


def test_body_nested_to_the_limit() -> None:
    """The action list object is one level; its value 31 more."""
    assert decode_body(_nested(MAX_JSON_DEPTH - 1)) == json.loads(_nested(MAX_JSON_DEPTH - 1))


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, 100_000])
def test_body_nested_deeper(depth: int) -> None:
    with pytest.raises(WwGoInvalidResponseError, match=r"nested|Recursion"):
        decode_body(_nested(depth))


@pytest.mark.parametrize(
    "raw", [b"", b" \r\n\t", b"[]", b"{}", b'"text"', b"1e400", b"-0", b'[{"a": null}]']
)
def test_body_decoded(raw: bytes) -> None:
    assert decode_body(raw) == (json.loads(raw) if raw.strip() else None)


@pytest.mark.parametrize(
    "raw",
    [
        b"NaN",
        b"[Infinity]",
        b"[-Infinity]",
        b"\xff",
        b"{not json",
        b"1" * 5000,
        b"[" + b" " * MAX_BODY_BYTES + b"]",
    ],
)
def test_body_refused(raw: bytes) -> None:
    with pytest.raises(WwGoInvalidResponseError):
        decode_body(raw)


# The action list: an answer that holds none is no answer


@pytest.mark.parametrize(
    "body",
    [
        {"error": {"code": 503, "message": "booting"}},
        {"error": None},
        {"errors": []},
        {"errors": ["x"], "items": [{"id": "1"}]},
        {"message": "Service unavailable"},
        {"status": "booting"},
        {"device_id": "WWGO-1", "status": "booting"},
        {"info": {"version": "1.2"}},
        {"actions": "none"},
    ],
)
def test_action_list_without_actions_is_refused(body: object) -> None:
    with pytest.raises(WwGoInvalidResponseError):
        parse_action_list(body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([], ()),
        ({"actions": []}, ()),
        ({"errors": ["x"], "actions": [{"id": "1"}]}, ("1",)),
        ({"1": {"name": "One"}, "info": {"version": "1.2"}, "status": "ok"}, ("1",)),
        ({"7": {"enable": False}, "8": {"request_count": 1}}, ("7", "8")),
        ({"": {"name": "No ID"}, "9": {"name": "Nine"}}, ("9",)),
    ],
)
def test_action_list_recognised(body: object, expected: tuple[str, ...]) -> None:
    assert tuple(action.id for action in parse_action_list(body).actions) == expected


@pytest.mark.parametrize(
    ("definition", "count"),
    [
        ({"request_count": 0}, 0),
        ({"request_count": STATUS_WINDOW}, STATUS_WINDOW),
        ({"request_count": STATUS_WINDOW + 1}, None),
        ({"request_count": -1}, None),
        ({"request_count": 2**70}, None),
        ({"request_count": True}, None),
        ({"request_count": 2.0}, None),
        ({"requests": [{}] * (STATUS_WINDOW + 1)}, None),
    ],
)
def test_request_count_within_what_a_call_can_answer(
    definition: dict[str, object], count: int | None
) -> None:
    [action] = parse_action_list([{"id": "1"} | definition]).actions
    assert action.request_count == count


def test_enable_of_any_shape() -> None:
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    [action] = parse_action_list([{"id": "1", "enable": deep}]).actions
    assert action.enabled
