"""Any answer of a device is a typed result or a WwGoError, never another exception.

Property-based: hypothesis makes bodies of any shape (deep nesting, huge integers, inf, NaN,
1e308, negative numbers, bools, nulls, text, bytes that are no JSON, any Location header), feeds
them to the pure parse functions for volume and to the real `WwGoClient` over HTTP on 127.0.0.1,
and checks the typed results keep their invariants. The default-size tests run with the suite;
their `fuzz` variants (10,000 examples each) run with:

    scripts/run python -m pytest -m fuzz --no-cov -q --hypothesis-show-statistics
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
import json
import math
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, event, given, settings, strategies as st
import pytest

from custom_components.ww_go.wwgo import (
    STATUS_WINDOW,
    ActionList,
    RequestStatus,
    WwGoClient,
    WwGoError,
    base_url,
    decode_body,
    normalize_host,
    parse_action_list,
    parse_status_ids,
    parse_statuses,
)
from custom_components.ww_go.wwgo.codes import RESULT_CODES
from custom_components.ww_go.wwgo.parse import MAX_EXECUTION_TIME, STATUS_IDS

FUZZ_EXAMPLES = 10_000
_SETTINGS: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
}
QUICK = settings(max_examples=150, **_SETTINGS)
QUICK_HTTP = settings(max_examples=40, **_SETTINGS)
FUZZ = settings(max_examples=FUZZ_EXAMPLES, **_SETTINGS)

# Strategies: any JSON, and shapes near the real answers so that checks past the first one run.

KEYS = st.sampled_from(
    [
        *("action_id", "id", "code", "exe_time", "status_ids", "actions", "items", "name"),
        *("title", "requests", "enable", "enabled", "request_count", "error", "errors"),
        *("device_id", "serial", "mac", "device_name", "hostname", "message", "status"),
    ]
) | st.text(max_size=6)
EDGE_NUMBERS = st.sampled_from(
    [
        *(0, -0.0, 1, -1, 0.5, -0.5, 200, 404, -104, 86_400, 86_400.001, 1e308, -1e308, 5e-324),
        *(2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**32 - 1, 2**32, 2**63, 2**64, 2**70),
        *(10**300, math.inf, -math.inf, math.nan),
    ]
)
NUMBERS = st.integers() | st.integers(-(2**80), 2**80) | st.floats() | EDGE_NUMBERS
EDGE_TEXT = st.sampled_from(
    [
        *("", "0", "-1", "200", "1.5", "2e1", "1e400", "inf", "NaN", " 5", "5 ", "1_0", "\u0663"),
        *("false", "off", "null", "[]", "{}", "9" * 30),
    ]
)
SCALARS = st.none() | st.booleans() | NUMBERS | st.text(max_size=12) | EDGE_TEXT
ANY_JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(KEYS, inner, max_size=6),
    max_leaves=40,
)
SMALL_IDS = st.integers(0, 60)
ID_VALUES = SMALL_IDS | SMALL_IDS.map(str) | SCALARS
STATUS_ENTRY = st.fixed_dictionaries(
    {
        "action_id": st.sampled_from(["1", "light", 7]) | SCALARS,
        "id": ID_VALUES,
        "code": st.sampled_from([200, 404, -1, 0, 1, -104]) | SCALARS,
        "exe_time": st.floats(0, 10) | st.sampled_from([0, 1e308]) | SCALARS,
    },
    optional={"extra": ANY_JSON},
)
STATUS_BODIES = st.lists(STATUS_ENTRY | ANY_JSON, max_size=45) | ANY_JSON
ASKED = st.none() | st.frozensets(SMALL_IDS, max_size=40)
CALL_BODIES = (
    st.fixed_dictionaries(
        {"status_ids": st.lists(ID_VALUES, max_size=45)}, optional={"error": ANY_JSON}
    )
    | ANY_JSON
)
LOCATION_IDS = st.lists(SMALL_IDS.map(str) | st.text("0123456789-+ e.x%,", max_size=6), max_size=45)
LOCATIONS = (
    st.none()
    | st.text(max_size=40)
    | LOCATION_IDS.map(lambda ids: "/api/v1/actions/status?id=" + ",".join(ids))
    | LOCATION_IDS.map(lambda ids: "http://[::1]:80/x?" + "&".join(f"id={i}" for i in ids))
)
ACTION = st.fixed_dictionaries(
    {},
    optional={
        "id": ID_VALUES,
        "action_id": ID_VALUES,
        "name": SCALARS,
        "title": SCALARS,
        "requests": st.lists(st.fixed_dictionaries({}, optional={"enable": SCALARS}) | ANY_JSON),
        "enable": SCALARS,
        "enabled": SCALARS,
        "request_count": NUMBERS | SCALARS,
    },
)
ACTION_BODIES = (
    st.lists(ACTION | SCALARS, max_size=10)
    | st.dictionaries(KEYS, ACTION | ANY_JSON, max_size=6)
    | st.fixed_dictionaries(
        {"actions": st.lists(ACTION | SCALARS, max_size=10) | ANY_JSON},
        optional={"error": ANY_JSON, "device_id": SCALARS, "hostname": SCALARS},
    )
    | ANY_JSON
)


def _as_bytes(value: object) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


def raw_bodies(bodies: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Bodies as bytes: JSON of `bodies`, and what no JSON encoder makes."""
    deep = st.integers(1, 100_000)
    return st.one_of(
        bodies.map(_as_bytes),
        bodies.map(_as_bytes).map(lambda raw: raw.replace(b"1e+308", b"1e400")),
        st.binary(max_size=200),
        st.text(max_size=100).map(str.encode),
        deep.map(lambda n: b"[" * n + b"]" * n),
        deep.map(lambda n: b'{"a":' * n + b"0" + b"}" * n),
        deep.map(lambda n: b"[" * n),
        st.integers(300, 6000).map(lambda n: b"[" + b"9" * n + b"]"),
    )


# Invariants of the typed results


def check_statuses(result: dict[int, RequestStatus], asked: frozenset[int] | None) -> None:
    """Status IDs only of those asked; codes int32; execution times finite, 0..a day."""
    for status_id, status in result.items():
        assert type(status.id) is int
        assert status.id == status_id
        assert status_id in STATUS_IDS
        assert asked is None or status_id in asked
        assert type(status.code) is int
        assert status.code in RESULT_CODES
        assert type(status.exe_time) is float
        assert math.isfinite(status.exe_time)
        assert 0 <= status.exe_time <= MAX_EXECUTION_TIME
        assert math.copysign(1, status.exe_time) == 1  # never -0.0
        assert isinstance(status.action_id, str)
        assert status.action_id
        assert status.description
        # What Home Assistant stores and shows must be JSON.
        json.dumps([status.action_id, status.id, status.code, status.exe_time], allow_nan=False)
    run_time = sum(status.exe_time for status in result.values()) * STATUS_WINDOW
    assert math.isfinite(run_time)


def check_status_ids(ids: tuple[int, ...]) -> None:
    """One to 40 distinct status IDs in range."""
    assert 1 <= len(ids) <= STATUS_WINDOW
    assert len(set(ids)) == len(ids)
    assert all(type(status_id) is int and status_id in STATUS_IDS for status_id in ids)


def check_action_list(listed: ActionList) -> None:
    """Distinct non-empty IDs, names, flags and counts of sane types."""
    ids = [action.id for action in listed.actions]
    assert len(set(ids)) == len(ids)
    for action in listed.actions:
        assert isinstance(action.id, str)
        assert action.id
        assert action.name is None or (isinstance(action.name, str) and action.name)
        assert type(action.enabled) is bool
        count = action.request_count
        assert count is None or (type(count) is int and 0 <= count <= STATUS_WINDOW)
    for text in (listed.device_id, listed.device_name):
        assert text is None or (isinstance(text, str) and text)


def outcome[T](parse: Callable[..., T], *args: Any) -> T | None:
    """The typed result, or None for a WwGoError; any other exception fails the test."""
    try:
        result = parse(*args)
    except WwGoError as err:
        event(f"{parse.__name__}: {type(err).__name__}")
        return None
    event(f"{parse.__name__}: typed result")
    return result


def check_status_answer(body: object, asked: frozenset[int] | None) -> None:
    """The status parser on any body."""
    if (result := outcome(parse_statuses, body, asked)) is not None:
        check_statuses(result, asked)


def check_call_answer(body: object, location: str | None) -> None:
    """The call parser on any body and Location header."""
    if (ids := outcome(parse_status_ids, body, location)) is not None:
        check_status_ids(ids)


def check_action_list_answer(body: object) -> None:
    """The action-list parser on any body."""
    if (listed := outcome(parse_action_list, body)) is not None:
        check_action_list(listed)


def check_raw_answer(raw: bytes, asked: frozenset[int] | None, location: str | None) -> None:
    """Any bytes, decoded, then read by each parser."""
    body = outcome(decode_body, raw)
    check_status_answer(body, asked)
    check_call_answer(body, location)
    check_action_list_answer(body)


def check_host(text: str) -> None:
    """Any text is a canonical host or a ValueError; a canonical host is its own canonical host."""
    try:
        host = normalize_host(text)
    except ValueError:
        return
    assert normalize_host(host) == host
    assert base_url(host) == base_url(text)
    assert host == host.strip()
    assert host.isprintable()
    assert " " not in host


HOSTS = st.text(max_size=40) | st.builds(
    "{}{}{}{}{}".format,
    st.sampled_from(["", " ", "\t", "http://", "https://", "HTTP://", "file://", "ftp://"]),
    st.sampled_from(["wwgo.local", "WWGO.Local", "127.0.0.1", "[::1]", "[FE80::1]", "", "a b"])
    | st.text(max_size=10),
    st.sampled_from(["", ":"]) | st.integers(-1, 70_000).map(":{}".format),
    st.sampled_from(["", "/", "/api", "?id=1", "#x", "\n", " "]),
    st.sampled_from(["", " ", "\n", "\x00"]),
)


# The parse functions directly, for volume


@QUICK
@given(body=STATUS_BODIES, asked=ASKED)
def test_status_answers(body: object, asked: frozenset[int] | None) -> None:
    check_status_answer(body, asked)


@QUICK
@given(body=CALL_BODIES, location=LOCATIONS)
def test_call_answers(body: object, location: str | None) -> None:
    check_call_answer(body, location)


@QUICK
@given(body=ACTION_BODIES)
def test_action_list_answers(body: object) -> None:
    check_action_list_answer(body)


@QUICK
@given(raw=raw_bodies(STATUS_BODIES | CALL_BODIES | ACTION_BODIES), asked=ASKED, location=LOCATIONS)
def test_raw_answers(raw: bytes, asked: frozenset[int] | None, location: str | None) -> None:
    check_raw_answer(raw, asked, location)


@QUICK
@given(text=HOSTS)
def test_hosts(text: str) -> None:
    check_host(text)


@pytest.mark.fuzz
@FUZZ
@given(body=STATUS_BODIES, asked=ASKED)
def test_status_answers_fuzz(body: object, asked: frozenset[int] | None) -> None:
    check_status_answer(body, asked)


@pytest.mark.fuzz
@FUZZ
@given(body=CALL_BODIES, location=LOCATIONS)
def test_call_answers_fuzz(body: object, location: str | None) -> None:
    check_call_answer(body, location)


@pytest.mark.fuzz
@FUZZ
@given(body=ACTION_BODIES)
def test_action_list_answers_fuzz(body: object) -> None:
    check_action_list_answer(body)


@pytest.mark.fuzz
@FUZZ
@given(raw=raw_bodies(STATUS_BODIES | CALL_BODIES | ACTION_BODIES), asked=ASKED, location=LOCATIONS)
def test_raw_answers_fuzz(raw: bytes, asked: frozenset[int] | None, location: str | None) -> None:
    check_raw_answer(raw, asked, location)


@pytest.mark.fuzz
@FUZZ
@given(text=HOSTS)
def test_hosts_fuzz(text: str) -> None:
    check_host(text)


# The real client over HTTP on 127.0.0.1


@dataclass
class Answering:
    """A device that gives whatever answer it is told to, to every request."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    async def answer(self, request: web.Request) -> web.Response:
        """The answer it was told."""
        return web.Response(status=self.status, body=self.body, headers=self.headers)


@pytest.fixture
async def answering(socket_enabled: None) -> AsyncIterator[tuple[Answering, WwGoClient]]:
    """A device answering as told on 127.0.0.1, and a client of it."""
    device = Answering()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", device.answer)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        yield device, WwGoClient(session, f"127.0.0.1:{server.port}", timeout=5)
    await server.close()


HTTP_STATUSES = st.sampled_from([200, 200, 200, 202, 202, 203, 299, 400, 404, 409, 429, 500, 503])
# Header text the test server can send: no control characters (it drops the connection on them).
SENDABLE = st.characters(exclude_categories=["Cc", "Cs"])
HEADER_TEXT = st.text(SENDABLE, max_size=60)
HEADER_LOCATIONS = (
    st.none()
    | st.text(SENDABLE, max_size=40)
    | LOCATION_IDS.map(lambda ids: "/api/v1/actions/status?id=" + ",".join(ids))
)


async def _status_answer(answering: tuple[Answering, WwGoClient], data: st.DataObject) -> None:
    device, client = answering
    device.status, device.body = data.draw(HTTP_STATUSES), data.draw(raw_bodies(STATUS_BODIES))
    device.headers = {"Retry-After": data.draw(HEADER_TEXT)} if data.draw(st.booleans()) else {}
    asked = data.draw(st.lists(SMALL_IDS, max_size=45))
    if (result := await _outcome(client.statuses(asked))) is not None:
        check_statuses(result, frozenset(asked))


async def _call_answer(answering: tuple[Answering, WwGoClient], data: st.DataObject) -> None:
    device, client = answering
    device.status, device.body = data.draw(HTTP_STATUSES), data.draw(raw_bodies(CALL_BODIES))
    location = data.draw(HEADER_LOCATIONS)
    device.headers = {} if location is None else {"Location": location}
    if (ids := await _outcome(client.call(data.draw(st.text(max_size=10))))) is not None:
        check_status_ids(ids)


async def _action_list_answer(answering: tuple[Answering, WwGoClient], data: st.DataObject) -> None:
    device, client = answering
    device.status, device.body = data.draw(HTTP_STATUSES), data.draw(raw_bodies(ACTION_BODIES))
    if (listed := await _outcome(client.actions())) is not None:
        check_action_list(listed)


async def _outcome[T](request: Awaitable[T]) -> T | None:
    try:
        result = await request
    except WwGoError as err:
        event(f"client: {type(err).__name__}")
        return None
    event("client: typed result")
    return result


@QUICK_HTTP
@given(data=st.data())
async def test_status_answers_over_http(
    answering: tuple[Answering, WwGoClient], data: st.DataObject
) -> None:
    await _status_answer(answering, data)


@QUICK_HTTP
@given(data=st.data())
async def test_call_answers_over_http(
    answering: tuple[Answering, WwGoClient], data: st.DataObject
) -> None:
    await _call_answer(answering, data)


@QUICK_HTTP
@given(data=st.data())
async def test_action_list_answers_over_http(
    answering: tuple[Answering, WwGoClient], data: st.DataObject
) -> None:
    await _action_list_answer(answering, data)


@pytest.mark.fuzz
@FUZZ
@given(data=st.data())
async def test_status_answers_over_http_fuzz(
    answering: tuple[Answering, WwGoClient], data: st.DataObject
) -> None:
    await _status_answer(answering, data)


@pytest.mark.fuzz
@FUZZ
@given(data=st.data())
async def test_call_answers_over_http_fuzz(
    answering: tuple[Answering, WwGoClient], data: st.DataObject
) -> None:
    await _call_answer(answering, data)


@pytest.mark.fuzz
@FUZZ
@given(data=st.data())
async def test_action_list_answers_over_http_fuzz(
    answering: tuple[Answering, WwGoClient], data: st.DataObject
) -> None:
    await _action_list_answer(answering, data)
