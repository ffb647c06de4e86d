"""Parsing what the device answers, with the choices made where its documentation is silent.

Pure functions: a body (and a call's Location header) in, a typed value or a
WwGoInvalidResponseError out. That the client hands each answer to them is in test_client.
"""

import json
import math

import pytest

from custom_components.ww_go.wwgo import (
    STATUS_WINDOW,
    ActionDefinition,
    ActionList,
    RequestStatus,
    WwGoInvalidResponseError,
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

LOCATION = "/api/v1/actions/status?id="
DEEP = 100_000


# Bodies


def _nested(depth: int) -> bytes:
    return b'{"actions": [], "x": ' + b"[" * depth + b"]" * depth + b"}"


def test_body_nested_to_the_limit() -> None:
    """The action list object is one level; its value 31 more."""
    assert decode_body(_nested(MAX_JSON_DEPTH - 1)) == json.loads(_nested(MAX_JSON_DEPTH - 1))


@pytest.mark.parametrize(
    "raw",
    [
        _nested(MAX_JSON_DEPTH),
        _nested(DEEP),
        b'{"a":' * DEEP + b"1" + b"}" * DEEP,
        b"[" * DEEP,
    ],
    ids=["one level too deep", "deep array", "deep object", "deep unclosed"],
)
def test_body_nested_deeper(raw: bytes) -> None:
    with pytest.raises(WwGoInvalidResponseError, match=r"nested|Recursion"):
        decode_body(raw)


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
        b"\xff\xfe[]",
        b"\xef\xbb\xbf[]",
        b"{not json",
        b'{"status_ids": [139]',
        b"1" * 5000,
        b"[" + b" " * MAX_BODY_BYTES + b"]",
    ],
    ids=[
        "NaN",
        "Infinity",
        "-Infinity",
        "not UTF-8",
        "UTF-16",
        "byte order mark",
        "not JSON",
        "unclosed",
        "huge integer",
        "too large",
    ],
)
def test_body_refused(raw: bytes) -> None:
    with pytest.raises(WwGoInvalidResponseError):
        decode_body(raw)


# A call's status IDs: its JSON body's `status_ids`, else its Location header


@pytest.mark.parametrize(
    ("body", "location", "expected"),
    [
        (None, f"{LOCATION}139", (139,)),
        (None, f"http://192.168.1.100{LOCATION}5,6", (5, 6)),
        (None, f"{LOCATION}5,,6", (5, 6)),
        (None, f"{LOCATION}8,%207,8", (8, 7)),
        ({"status_ids": [139]}, None, (139,)),
        ({"status_ids": ["12", 13]}, None, (12, 13)),
        ({"status_ids": [3, "4", 5.0]}, None, (3, 4, 5)),
        ({"status_ids": [0, 4294967295, 3.0]}, None, (0, 4294967295, 3)),
        ({"status_ids": list(range(STATUS_WINDOW))}, None, tuple(range(STATUS_WINDOW))),
        # Duplicates are one ID; the order stays.
        ({"status_ids": [7, 5, 7, "5"]}, None, (7, 5)),
        ({"status_ids": [3, 3, 4, 3]}, None, (3, 4)),
        (None, f"{LOCATION}9,9, 8", (9, 8)),
        # The JSON body comes first; a status_ids that is no list leaves the Location to say.
        ({"status_ids": [1]}, f"{LOCATION}2", (1,)),
        ({"status_ids": "3"}, f"{LOCATION}4", (4,)),
        ({"other": 1}, f"{LOCATION}8", (8,)),
        ([1], f"{LOCATION}8", (8,)),
    ],
)
def test_status_ids_accepted(body: object, location: str | None, expected: tuple[int, ...]) -> None:
    assert parse_status_ids(body, location) == expected


@pytest.mark.parametrize(
    ("body", "location"),
    [
        (None, None),
        (None, ""),
        (None, "/api/v1/actions/status"),
        (None, LOCATION),
        (None, f"{LOCATION}abc"),
        (None, f"{LOCATION}139,x"),
        (None, f"{LOCATION}5id=x"),
        (None, f"{LOCATION}1e3"),
        (None, f"{LOCATION}-1"),
        (None, f"{LOCATION}\u0663"),
        (None, f"{LOCATION}{2**70}"),
        (None, LOCATION + ",".join(map(str, range(STATUS_WINDOW + 1)))),
        (None, "http://[::1"),
        ({}, None),
        ([], None),
        ([139], None),
        ({"status_ids": []}, None),
        # An empty status_ids list is the answer: the Location is not read.
        ({"status_ids": []}, f"{LOCATION}8"),
        ({"status_ids": ["x"]}, None),
        ({"status_ids": [None]}, None),
        ({"status_ids": [[139]]}, None),
        ({"status_ids": [True]}, None),
        ({"status_ids": [-1]}, None),
        ({"status_ids": [2**32]}, None),
        ({"status_ids": [2**70]}, None),
        ({"status_ids": [1.5]}, None),
        ({"status_ids": [math.inf]}, None),
        ({"status_ids": ["1e3"]}, None),
        ({"status_ids": list(range(STATUS_WINDOW + 1))}, None),
    ],
)
def test_status_ids_refused(body: object, location: str | None) -> None:
    with pytest.raises(WwGoInvalidResponseError):
        parse_status_ids(body, location)


# Statuses


def _status(**values: object) -> dict[str, object]:
    return {"action_id": "1", "id": 5, "code": 200, "exe_time": 0.1} | values


def test_parse_statuses() -> None:
    body = [
        {"action_id": "1", "id": 139, "code": 200, "exe_time": 0.133},
        {"action_id": 2, "id": "140", "code": "404", "exe_time": "1.205"},
        {"action_id": "1", "id": 141, "code": -1, "exe_time": 0, "extra": True},
    ]
    assert list(parse_statuses(body).values()) == [
        RequestStatus("1", 139, 200, 0.133),
        RequestStatus("2", 140, 404, 1.205),
        RequestStatus("1", 141, -1, 0.0),
    ]
    assert list(parse_statuses(body)) == [139, 140, 141]
    assert parse_statuses([]) == {}


@pytest.mark.parametrize(
    "body",
    [
        None,
        {},
        {"id": 5},
        "[]",
        "5",
        ["entry"],
        [None],
        [5],
        [[1, 139, 200, 0.1]],
        [{"id": 5}],
        [{"action_id": "1", "id": 139, "code": 200}],
        [{"id": 139, "code": 200, "exe_time": 0.1}],
        [{"action_id": "1", "id": 139, "code": 200, "exe_time": 0.1}, {"id": 140}],
    ],
)
def test_parse_statuses_of_the_wrong_shape(body: object) -> None:
    with pytest.raises(WwGoInvalidResponseError):
        parse_statuses(body)


# Values are checked where they enter: each status field, decided once here.


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
        {"id": float("inf")},
        {"id": " 5"},
        {"id": "5.0"},
        {"id": "x"},
        {"id": "\u0665"},
        {"id": None},
        {"code": 2**31},
        {"code": -(2**31) - 1},
        {"code": 2**70},
        {"code": False},
        {"code": True},
        {"code": None},
        {"code": 200.5},
        {"code": 2.5j},
        {"code": float("inf")},
        {"code": float("-inf")},
        {"code": "2e2"},
        {"code": "0x10"},
        {"code": "1_000"},
        {"exe_time": -0.001},
        {"exe_time": MAX_EXECUTION_TIME + 0.001},
        {"exe_time": 1e308},
        {"exe_time": 2**1100},
        {"exe_time": float("inf")},
        {"exe_time": float("-inf")},
        {"exe_time": float("nan")},
        {"exe_time": "inf"},
        {"exe_time": "NaN"},
        {"exe_time": "-1"},
        {"exe_time": True},
        {"exe_time": None},
        {"exe_time": [0.1]},
        {"action_id": ""},
        {"action_id": None},
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


# The action list


def _actions(*actions: ActionDefinition, **device: str | None) -> ActionList:
    return ActionList(tuple(actions), **device)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            [
                {"id": "1", "name": "Fast", "enable": True, "requests": [{}, {}]},
                {"action_id": 7, "title": "Seven"},
            ],
            _actions(
                ActionDefinition("1", "Fast", True, 2),
                ActionDefinition("7", "Seven"),
            ),
            id="list of objects",
        ),
        pytest.param(
            [1, "light_toggle", 2],
            _actions(
                ActionDefinition("1"), ActionDefinition("light_toggle"), ActionDefinition("2")
            ),
            id="list of bare ids",
        ),
        pytest.param(
            {"device_id": "WWGO-1", "device_name": "Hall", "items": [{"id": "a"}, "b"]},
            _actions(
                ActionDefinition("a"), ActionDefinition("b"), device_id="WWGO-1", device_name="Hall"
            ),
            id="object holding a list",
        ),
        pytest.param(
            {"errors": [], "actions": [{"id": "1"}]},
            _actions(ActionDefinition("1")),
            id="the actions key wins over other lists",
        ),
        pytest.param(
            {"actions": [{"id": "a"}], "serial": 12345, "hostname": "wwgo"},
            _actions(ActionDefinition("a"), device_id="12345", device_name="wwgo", serial="12345"),
            id="serial and hostname",
        ),
        pytest.param(
            {
                "actions": [],
                "device_id": "wwgo-7",
                "model": "WW Go Mini",
                "fw_version": "WW_Go_1.2.7",
                "serial_number": "SN-7",
            },
            _actions(device_id="wwgo-7", model="WW Go Mini", firmware="WW_Go_1.2.7", serial="SN-7"),
            id="model, firmware and serial number",
        ),
        pytest.param(
            {"mac": "aa:bb:cc:dd:ee:ff", "device_name": "", "actions": []},
            _actions(device_id="aa:bb:cc:dd:ee:ff"),
            id="mac, empty name",
        ),
        pytest.param(
            {
                "device_id": "WWGO-1",
                "1": {"name": "Fast", "requests": [{}]},
                "light_toggle": {"title": "Light", "enabled": False},
                "moved": {"id": "real", "name": "Moved"},
            },
            _actions(
                ActionDefinition("1", "Fast", True, 1),
                ActionDefinition("light_toggle", "Light", enabled=False),
                ActionDefinition("real", "Moved"),
                device_id="WWGO-1",
            ),
            id="object keyed by id",
        ),
        pytest.param(
            [{"id": "1"}, {"id": "2", "name": None}, {"id": "3", "name": ""}],
            _actions(ActionDefinition("1"), ActionDefinition("2"), ActionDefinition("3")),
            id="missing names",
        ),
        pytest.param(
            [
                {"id": "1", "enable": False},
                {"id": "2", "enabled": False},
                {"id": "3", "enable": True},
                {"id": "4", "enable": None},
            ],
            _actions(
                ActionDefinition("1", enabled=False),
                ActionDefinition("2", enabled=False),
                ActionDefinition("3"),
                ActionDefinition("4"),
            ),
            id="enable and enabled",
        ),
        pytest.param(
            [
                {"id": "1", "requests": [{}, {}, {}]},
                {"id": "2", "request_count": 4},
                {"id": "3", "request_count": "4"},
                {"id": "4", "requests": "3", "request_count": 5},
                {"id": "5", "requests": []},
            ],
            _actions(
                ActionDefinition("1", request_count=3),
                ActionDefinition("2", request_count=4),
                ActionDefinition("3"),
                ActionDefinition("4", request_count=5),
                ActionDefinition("5", request_count=0),
            ),
            id="request count",
        ),
        pytest.param(
            [{"id": "1", "name": "first"}, {"id": "2"}, {"id": "1", "name": "second"}, "2", 1],
            _actions(ActionDefinition("1"), ActionDefinition("2")),
            id="duplicates collapsed",
        ),
        pytest.param(
            [{"id": "1", "name": "first"}, {"id": "2"}, {"id": "1", "name": "x"}],
            _actions(ActionDefinition("1", "x"), ActionDefinition("2")),
            id="of duplicates the last definition wins",
        ),
        pytest.param(
            [{"name": "no id"}, {"id": None}, {"id": ""}, {"id": 1.5}, None, 1.5, [], {}],
            _actions(),
            id="entries without an id left out",
        ),
        pytest.param([""], _actions(), id="empty bare id"),
        pytest.param([True], _actions(), id="true as a bare id"),
        pytest.param([{"id": True}], _actions(), id="true as an id"),
        pytest.param([], _actions(), id="empty list"),
        pytest.param({}, _actions(), id="empty object"),
        pytest.param({"device_id": "WWGO-1"}, _actions(device_id="WWGO-1"), id="no actions"),
    ],
)
def test_parse_action_list(body: object, expected: ActionList) -> None:
    assert parse_action_list(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
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
    "body",
    [
        # Neither a list nor an object.
        None,
        "actions",
        42,
        4.2,
        True,
        # An answer that holds no action list is no answer.
        {"error": {"code": 503, "message": "booting"}},
        {"error": None},
        {"errors": []},
        {"errors": ["not ready"]},
        {"errors": ["x"], "items": [{"id": "1"}]},
        {"message": "Service unavailable"},
        {"status": "booting"},
        {"device_id": "WWGO-1", "status": "booting"},
        {"info": {"version": "1.2"}},
        {"actions": "none"},
    ],
)
def test_parse_action_list_refused(body: object) -> None:
    with pytest.raises(WwGoInvalidResponseError):
        parse_action_list(body)


@pytest.mark.parametrize("value", [0, "false", "0", "no", "off", "OFF"])
def test_disabled_in_any_common_spelling(value: object) -> None:
    """`False` itself: "enable and enabled" in test_parse_action_list."""
    [action] = parse_action_list([{"id": "1", "enable": value}]).actions
    assert not action.enabled


def test_request_count_counts_enabled_requests_only() -> None:
    """A call takes one status ID per enabled request."""
    body = [{"id": "1", "requests": [{"type": "http"}, {"enable": False}, {"type": "modbus"}]}]
    [action] = parse_action_list(body).actions
    assert action.request_count == 2


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
