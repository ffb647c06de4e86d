"""The device client over HTTP on 127.0.0.1, against the emulated WW Go device, and its parsers.

Answers the emulated device never gives (other firmware, odd shapes) come from a tiny web app that
answers every request with one crafted response.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
import json
import socket
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.ww_go.wwgo import (
    STATUS_WINDOW,
    ActionDefinition,
    ActionList,
    RequestState,
    RequestStatus,
    WwGoActionDisabledError,
    WwGoActionNotFoundError,
    WwGoActionRunningError,
    WwGoAuthenticationError,
    WwGoClient,
    WwGoConnectionError,
    WwGoDeviceBusyError,
    WwGoDeviceError,
    WwGoError,
    WwGoInvalidResponseError,
    WwGoNotSupportedError,
    WwGoTimeoutError,
    base_url,
    normalize_host,
    parse_action_list,
    parse_statuses,
)
from custom_components.ww_go.wwgo.client import MAX_RETRY_AFTER
from custom_components.ww_go.wwgo.parse import MAX_BODY_BYTES
import simulator
from simulator import Device, RequestDefinition, create_app

FIRST_ID = 100
STEP = 0.1
# Action IDs that only arrive intact when the query string is encoded.
AWKWARD_IDS = ("light toggle/1", "a+b", "x&y=z", "100%", "ä ö", "#top", "a,b", "%20")
USER = "admin"
PASSWORD = "pässwort 1:2"
LOCATION = "/api/v1/actions/status?id="
ACTIONS_PATH = "/api/v1/actions"


def _action(
    action_id: str, *requests: RequestDefinition, enabled: bool = True
) -> simulator.ActionDefinition:
    return simulator.ActionDefinition(action_id, f"{action_id} name", requests, enabled=enabled)


ACTIONS = (
    _action("1", RequestDefinition("http", 200, 0.01)),
    _action("slow", RequestDefinition("http", 200, 600.0)),
    _action("steady", RequestDefinition("modbus", -104, STEP)),
    _action(
        "sequence",
        RequestDefinition("http", 200, STEP),
        RequestDefinition("modbus", 1, STEP),
        RequestDefinition("http", 204, STEP),
    ),
    _action("disabled_action", RequestDefinition("http", 200, 0.01), enabled=False),
    _action(
        "all_requests_disabled",
        RequestDefinition("http", 200, 0.01, enabled=False),
        RequestDefinition("modbus", 1, 0.01, enabled=False),
    ),
    *(_action(action_id, RequestDefinition("http", 200, 0.01)) for action_id in AWKWARD_IDS),
)

type MakeDevice = Callable[..., Device]
type Serve = Callable[[web.Application], Awaitable[str]]


@dataclass
class Seen:
    """One request a crafted answer received."""

    method: str
    path: str
    query: dict[str, str]
    authorization: str | None


@dataclass
class Crafted:
    """Another firmware: the same crafted response to every request, and what it received."""

    status: int
    body: str | bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def app(self) -> web.Application:
        """A web app answering every path with the crafted response."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._answer)
        return app

    async def _answer(self, request: web.Request) -> web.Response:
        self.seen.append(
            Seen(
                request.method,
                request.path,
                dict(request.query),
                request.headers.get("Authorization"),
            )
        )
        body = self.body.encode() if isinstance(self.body, str) else self.body
        return web.Response(status=self.status, body=body or None, headers=dict(self.headers))


JSON = {"Content-Type": "application/json"}

type Craft = Callable[..., Awaitable[tuple[WwGoClient, Crafted]]]


@pytest.fixture
async def make_device() -> AsyncIterator[MakeDevice]:
    """Make emulated devices: the test actions, IDs from FIRST_ID, no status rate limit."""
    devices: list[Device] = []

    def factory(**options: Any) -> Device:
        options.setdefault("first_status_id", FIRST_ID)
        options.setdefault("status_rate", 0)
        device = Device(ACTIONS, **options)
        devices.append(device)
        return device

    yield factory
    for device in devices:
        await device.aclose()


@pytest.fixture
def device(make_device: MakeDevice) -> Device:
    """The emulated device."""
    return make_device()


@pytest.fixture
async def serve(socket_enabled: None) -> AsyncIterator[Serve]:
    """Serve web apps on 127.0.0.1; return each one's host:port."""
    servers: list[TestServer] = []

    async def factory(app: web.Application) -> str:
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return f"127.0.0.1:{server.port}"

    yield factory
    for server in servers:
        await server.close()


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """A real HTTP client session."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def host(serve: Serve, device: Device) -> str:
    """host:port of the emulated device, served with the default options."""
    return await serve(create_app(device))


@pytest.fixture
def client(session: aiohttp.ClientSession, host: str) -> WwGoClient:
    """A client of the emulated device."""
    return WwGoClient(session, host)


@pytest.fixture
def craft(serve: Serve, session: aiohttp.ClientSession) -> Craft:
    """Serve a crafted answer; return a client of it and the answer (with what it received)."""

    async def factory(
        status: int,
        body: str | bytes = b"",
        headers: Mapping[str, str] | None = None,
        **client_options: Any,
    ) -> tuple[WwGoClient, Crafted]:
        answer = Crafted(status, body, headers or {})
        host = await serve(answer.app())
        return WwGoClient(session, host, **client_options), answer

    return factory


async def _request(client: WwGoClient, endpoint: str) -> object:
    """Use one endpoint of the client."""
    if endpoint == "call":
        return await client.call("1")
    if endpoint == "statuses":
        return await client.statuses([FIRST_ID])
    return await client.actions()


def _check_error(error: WwGoError, expected: type[WwGoError], status: int | None) -> None:
    assert type(error) is expected
    assert error.status == status


# Addresses


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("192.168.1.100", "http://192.168.1.100"),
        ("wwgo.local", "http://wwgo.local"),
        ("192.168.1.100:8080", "http://192.168.1.100:8080"),
        ("http://192.168.1.100", "http://192.168.1.100"),
        ("http://wwgo.local:8080", "http://wwgo.local:8080"),
        ("https://wwgo.local", "https://wwgo.local"),
        ("https://wwgo.local:8443", "https://wwgo.local:8443"),
        ("http://wwgo.local/", "http://wwgo.local"),
        ("wwgo.local:8080/", "http://wwgo.local:8080"),
        ("  wwgo.local  ", "http://wwgo.local"),
        ("HTTP://WWGO.local", "http://wwgo.local"),
        ("[::1]:8080", "http://[::1]:8080"),
        ("[::1]", "http://[::1]"),
        ("https://[fe80::1]:8443/", "https://[fe80::1]:8443"),
    ],
)
def test_base_url_accepts(host: str, expected: str) -> None:
    url = base_url(host)
    assert str(url) == expected
    assert url.path in {"", "/"}
    assert not url.query_string
    assert url.user is None


def test_base_url_of_an_ipv6_host() -> None:
    url = base_url("[::1]:8080")
    assert (url.scheme, url.host, url.port) == ("http", "::1", 8080)


@pytest.mark.parametrize(
    "host",
    [
        "",
        "   ",
        "/",
        "//wwgo.local",
        "ftp://wwgo.local",
        "ws://wwgo.local:8080",
        "wwgo.local/api",
        "http://wwgo.local/api/v1/actions",
        "wwgo.local?id=1",
        "http://wwgo.local/?debug=1",
        "wwgo.local#top",
        "admin@wwgo.local",
        "http://admin:secret@wwgo.local",
        "wwgo.local:99999",
        "wwgo.local:http",
        "wwgo.local:0",
        "wwgo.local:65536",
        "127.0.\n0.1:8080",
        "127.0.0.1\t:8080",
        "127.0.0.1 :8080",
        "127.0.0.1: 8080",
        "wwgo\u200b.local",
        # Its international name normalizes to a space and a combining macron.
        "\u00af",
        "wwgo.local\x00",
        "http://wwgo local",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "file:/etc/passwd",
    ],
)
def test_base_url_rejects(host: str, session: aiohttp.ClientSession) -> None:
    with pytest.raises(ValueError, match=r"address|[Pp]ort"):
        base_url(host)
    with pytest.raises(ValueError, match=r"address|[Pp]ort"):
        WwGoClient(session, host)


@pytest.mark.parametrize(
    "host",
    [
        # A scheme without a host becomes a host named after the scheme (http://http).
        "http://",
        "https://",
        # User info with an empty user name keeps the password in the URL.
        ":secret@wwgo.local",
        "http://:secret@wwgo.local",
    ],
)
def test_base_url_rejects_no_host_and_password_only(host: str) -> None:
    with pytest.raises(ValueError, match="address"):
        base_url(host)


@pytest.mark.parametrize(
    ("host", "normalized"),
    [
        ("192.168.1.100", "192.168.1.100"),
        ("192.168.1.100:80", "192.168.1.100"),
        ("  127.0.0.1:8123 \n", "127.0.0.1:8123"),
        ("http://WWGO.Local:8080/", "wwgo.local:8080"),
        ("wwgo.local:1", "wwgo.local:1"),
        ("wwgo.local:65535", "wwgo.local:65535"),
        ("https://wwgo.local", "https://wwgo.local"),
        ("https://wwgo.local:443/", "https://wwgo.local"),
        ("HTTPS://WWGO.local:80", "https://wwgo.local:80"),
        ("https://wwgo.local:8443", "https://wwgo.local:8443"),
        ("[::1]:8080", "[::1]:8080"),
        ("http://[FE80::1]:80", "[fe80::1]"),
        ("https://[::1]", "https://[::1]"),
    ],
)
def test_normalize_host(host: str, normalized: str) -> None:
    assert normalize_host(host) == normalized
    assert normalize_host(normalized) == normalized
    assert base_url(normalized) == base_url(host)


@pytest.mark.parametrize(
    "host", ["", " \t ", "127.0.0.1: 8080", "wwgo.local:0", "http://admin:secret@wwgo.local"]
)
def test_normalize_host_rejects(host: str) -> None:
    with pytest.raises(ValueError, match="not a device address"):
        normalize_host(host)


# Calls


@pytest.mark.parametrize("json_status_ids", [False, True], ids=["location", "json"])
@pytest.mark.parametrize(
    ("action_id", "expected"),
    [
        ("1", [RequestStatus("1", FIRST_ID, 200, 0.01)]),
        (
            "sequence",
            [
                RequestStatus("sequence", FIRST_ID, 200, STEP),
                RequestStatus("sequence", FIRST_ID + 1, 1, STEP),
                RequestStatus("sequence", FIRST_ID + 2, 204, STEP),
            ],
        ),
    ],
)
async def test_call_then_read_the_results(
    serve: Serve,
    session: aiohttp.ClientSession,
    device: Device,
    json_status_ids: bool,
    action_id: str,
    expected: list[RequestStatus],
) -> None:
    client = WwGoClient(session, await serve(create_app(device, json_status_ids=json_status_ids)))
    ids = await client.call(action_id)
    assert ids == tuple(status.id for status in expected)
    await device.wait_idle()
    statuses = await client.statuses(ids)
    assert statuses == {status.id: status for status in expected}
    assert all(status.state is not RequestState.RUNNING for status in statuses.values())
    stats = device.stats()
    assert stats["requests"] == {"call": 1, "status": 1, "actions": 0}
    assert stats["status_ids_per_request"] == [list(ids)]


@pytest.mark.parametrize("action_id", AWKWARD_IDS)
async def test_call_encodes_the_action_id(
    client: WwGoClient, device: Device, action_id: str
) -> None:
    ids = await client.call(action_id)
    await device.wait_idle()
    statuses = await client.statuses(ids)
    assert [status.action_id for status in statuses.values()] == [action_id]
    assert statuses[ids[0]].code == 200
    assert device.stats()["call_rejected"]["404"] == 0


async def test_call_sends_post_with_the_id_in_the_query(craft: Craft) -> None:
    client, answer = await craft(202, headers={"Location": f"{LOCATION}7"})
    assert await client.call("light toggle/1") == (7,)
    [seen] = answer.seen
    assert (seen.method, seen.path, seen.query) == (
        "POST",
        "/api/v1/actions/call",
        {"id": "light toggle/1"},
    )


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        ("", {"Location": f"{LOCATION}139"}, (139,)),
        ("", {"Location": f"{LOCATION}139,140,141"}, (139, 140, 141)),
        ("", {"Location": f"http://192.168.1.100{LOCATION}5,6"}, (5, 6)),
        ("", {"Location": f"{LOCATION}5,,6"}, (5, 6)),
        ('{"status_ids": [139]}', JSON, (139,)),
        ('{"status_ids": [139, 140, 141]}', JSON, (139, 140, 141)),
        ('{"status_ids": ["12", 13]}', JSON, (12, 13)),
        # The JSON body comes first; a status_ids that is no list leaves the Location to say.
        ('{"status_ids": [1]}', {**JSON, "Location": f"{LOCATION}2"}, (1,)),
        ('{"status_ids": "3"}', {**JSON, "Location": f"{LOCATION}4"}, (4,)),
        # Duplicates are one ID; the order stays.
        ('{"status_ids": [7, 5, 7, "5"]}', JSON, (7, 5)),
        ("", {"Location": f"{LOCATION}9,9, 8"}, (9, 8)),
        ('{"status_ids": [0, 4294967295, 3.0]}', JSON, (0, 4294967295, 3)),
        (json.dumps({"status_ids": list(range(40))}), JSON, tuple(range(40))),
    ],
)
async def test_call_reads_the_status_ids(
    craft: Craft, body: str, headers: dict[str, str], expected: tuple[int, ...]
) -> None:
    client, _ = await craft(202, body, headers)
    assert await client.call("1") == expected


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ("", {}),
        ("", {"Location": "/api/v1/actions/status"}),
        ("", {"Location": LOCATION}),
        ("", {"Location": f"{LOCATION}abc"}),
        ("", {"Location": f"{LOCATION}139,x"}),
        ("", {"Location": "http://[::1"}),
        ('{"status_ids": []}', JSON),
        ('{"status_ids": ["x"]}', JSON),
        ('{"status_ids": [null]}', JSON),
        ('{"status_ids": [[139]]}', JSON),
        ("{}", JSON),
        ("[]", JSON),
        ("[139]", JSON),
        ('{"status_ids": [139]', JSON),
        ("Accepted", {"Location": f"{LOCATION}139"}),
        ('{"status_ids": [true]}', JSON),
        ('{"status_ids": [-1]}', JSON),
        ('{"status_ids": [4294967296]}', JSON),
        ('{"status_ids": [1.5]}', JSON),
        ('{"status_ids": ["1e3"]}', JSON),
        (f'{{"status_ids": [{2**70}]}}', JSON),
        (json.dumps({"status_ids": list(range(41))}), JSON),
        ("", {"Location": f"{LOCATION}-1"}),
        ("", {"Location": f"{LOCATION}\u0663"}),
        ("", {"Location": f"{LOCATION}{2**70}"}),
        ("", {"Location": LOCATION + ",".join(map(str, range(41)))}),
    ],
)
async def test_call_without_usable_status_ids(
    craft: Craft, body: str, headers: dict[str, str]
) -> None:
    client, _ = await craft(202, body, headers)
    with pytest.raises(WwGoInvalidResponseError) as info:
        await client.call("1")
    _check_error(info.value, WwGoInvalidResponseError, 202)


async def test_call_with_an_infinite_status_id(craft: Craft) -> None:
    client, _ = await craft(202, '{"status_ids": [1e400]}', JSON)
    with pytest.raises(WwGoInvalidResponseError):
        await client.call("1")


async def test_call_with_malformed_json_still_runs(
    serve: Serve, session: aiohttp.ClientSession, device: Device
) -> None:
    client = WwGoClient(session, await serve(create_app(device, json_status_ids=True)))
    device.faults.malformed_json = True
    with pytest.raises(WwGoInvalidResponseError) as info:
        await client.call("1")
    _check_error(info.value, WwGoInvalidResponseError, 202)
    assert device.stats()["requests"]["call"] == 1
    assert device.next_status_id == FIRST_ID + 1


@pytest.mark.parametrize(
    ("action_id", "expected", "status"),
    [
        ("no_such_action", WwGoActionNotFoundError, 404),
        ("disabled_action", WwGoActionDisabledError, 400),
        ("all_requests_disabled", WwGoActionDisabledError, 400),
    ],
)
async def test_call_refused_by_the_device(
    client: WwGoClient,
    device: Device,
    action_id: str,
    expected: type[WwGoError],
    status: int,
) -> None:
    with pytest.raises(expected) as info:
        await client.call(action_id)
    _check_error(info.value, expected, status)
    assert device.stats()["call_rejected"][str(status)] == 1


async def test_call_of_a_running_action(client: WwGoClient, device: Device) -> None:
    [status_id] = await client.call("slow")
    with pytest.raises(WwGoActionRunningError) as info:
        await client.call("slow")
    _check_error(info.value, WwGoActionRunningError, 409)
    assert device.stats()["call_rejected"]["409"] == 1
    assert device.next_status_id == status_id + 1


async def test_call_over_the_device_limit(client: WwGoClient, device: Device) -> None:
    device.max_executing = 2
    await client.call("slow")
    with pytest.raises(WwGoDeviceBusyError) as info:
        await client.call("sequence")
    _check_error(info.value, WwGoDeviceBusyError, 429)
    assert info.value.retry_after == 1.0
    assert device.stats()["call_rejected"]["429"] == 1


# Statuses


async def test_statuses_running_then_final(client: WwGoClient, device: Device) -> None:
    ids = await client.call("sequence")
    running = await client.statuses(ids)
    assert list(running) == list(ids)
    first = running[ids[0]]
    assert (first.code, first.exe_time, first.state) == (-1, 0.0, RequestState.RUNNING)
    assert [running[i].state for i in ids[1:]] == [RequestState.RUNNING] * 2
    await device.wait_idle()
    final = await client.statuses(ids)
    assert [(final[i].code, final[i].state) for i in ids] == [
        (200, RequestState.SUCCESS),
        (1, RequestState.SUCCESS),
        (204, RequestState.SUCCESS),
    ]
    assert [final[i].exe_time for i in ids] == [STEP] * 3


@pytest.mark.parametrize("running_code", [-1, 0])
async def test_statuses_of_a_running_request(
    client: WwGoClient, device: Device, running_code: int
) -> None:
    device.running_code = running_code
    [status_id] = await client.call("steady")
    status = (await client.statuses([status_id]))[status_id]
    assert (status.code, status.exe_time) == (running_code, 0.0)
    assert status.state is RequestState.RUNNING
    assert status.description == "Running"
    await device.wait_idle()
    status = (await client.statuses([status_id]))[status_id]
    assert (status.code, status.exe_time, status.state) == (-104, STEP, RequestState.FAILURE)
    assert status.description == "Slave device failure"


async def test_statuses_of_many_ids_are_read_40_at_a_time(
    serve: Serve, session: aiohttp.ClientSession, make_device: MakeDevice
) -> None:
    device = make_device(status_window=100)
    client = WwGoClient(session, await serve(create_app(device)))
    ids = device.advance_external(95)
    statuses = await client.statuses([*reversed(ids), *ids])
    assert sorted(statuses) == ids
    assert statuses[ids[0]] == RequestStatus("external", ids[0], 200, 0.001)
    per_request = device.stats()["status_ids_per_request"]
    assert per_request == [ids[:40], ids[40:80], ids[80:]]
    assert all(len(asked) <= STATUS_WINDOW for asked in per_request)


async def test_statuses_leave_out_ids_the_device_no_longer_holds(
    client: WwGoClient, device: Device
) -> None:
    [status_id] = await client.call("1")
    await device.wait_idle()
    assert list(await client.statuses([status_id])) == [status_id]
    newest = device.advance_external(40)
    assert await client.statuses([status_id]) == {}
    assert list(await client.statuses([status_id, newest[-1]])) == [newest[-1]]
    assert await client.statuses([status_id - 1, 99999]) == {}


async def test_statuses_of_many_ids_only_the_newest_40_held(
    client: WwGoClient, device: Device
) -> None:
    ids = device.advance_external(95)
    statuses = await client.statuses(ids)
    assert sorted(statuses) == ids[-40:]
    assert [len(asked) for asked in device.stats()["status_ids_per_request"]] == [40, 40, 15]


async def test_statuses_of_no_ids_asks_nothing(client: WwGoClient, device: Device) -> None:
    assert await client.statuses([]) == {}
    assert device.stats()["requests"]["status"] == 0


async def test_statuses_sends_get_with_the_ids(craft: Craft) -> None:
    body = '[{"action_id": "1", "id": 5, "code": 200, "exe_time": 0.1}]'
    client, answer = await craft(200, body, JSON)
    assert await client.statuses([7, 5, 6]) == {5: RequestStatus("1", 5, 200, 0.1)}
    [seen] = answer.seen
    assert (seen.method, seen.path, seen.query) == (
        "GET",
        "/api/v1/actions/status",
        {"id": "5,6,7"},
    )


async def test_statuses_ignore_entries_not_asked_for(craft: Craft) -> None:
    body = (
        '[{"action_id": "1", "id": 5, "code": 200, "exe_time": 0.1},'
        ' {"action_id": "2", "id": 6, "code": -3, "exe_time": 1.0}]'
    )
    client, _ = await craft(200, body, JSON)
    assert await client.statuses([5]) == {5: RequestStatus("1", 5, 200, 0.1)}


@pytest.mark.parametrize(
    "body",
    [
        "",
        "null",
        '{"id": 5}',
        '"5"',
        "[5]",
        '[{"id": 5}]',
        '[{"action_id": "1", "id": "five", "code": 200, "exe_time": 0.1}]',
        '[{"action_id": "1", "id": 5, "code": null, "exe_time": 0.1}]',
        '[{"action_id": "1", "id": 5, "code": 200}]',
        "[{not json",
    ],
)
async def test_statuses_of_the_wrong_shape(craft: Craft, body: str) -> None:
    client, _ = await craft(200, body, JSON)
    with pytest.raises(WwGoInvalidResponseError):
        await client.statuses([5])


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "2.5"}, 2.5),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, None),
        ({}, None),
        ({"Retry-After": "99999"}, MAX_RETRY_AFTER),
        ({"Retry-After": "1e400"}, None),
        ({"Retry-After": "inf"}, None),
        ({"Retry-After": "nan"}, None),
    ],
)
async def test_statuses_busy(
    craft: Craft, headers: dict[str, str], retry_after: float | None
) -> None:
    client, _ = await craft(429, "Too Many Requests", headers)
    with pytest.raises(WwGoDeviceBusyError) as info:
        await client.statuses([5])
    _check_error(info.value, WwGoDeviceBusyError, 429)
    assert info.value.retry_after == retry_after


async def test_statuses_polled_too_often(client: WwGoClient, device: Device) -> None:
    [status_id] = await client.call("1")
    device.status_rate = 1
    await client.statuses([status_id])
    with pytest.raises(WwGoDeviceBusyError) as info:
        await client.statuses([status_id])
    _check_error(info.value, WwGoDeviceBusyError, 429)
    assert info.value.retry_after == 1.0
    assert device.stats()["status_rejected"] == 1


# Hostile answers: each is a WwGoInvalidResponseError carrying the HTTP status, nothing else

STATUS_OF = {"call": 202, "statuses": 200, "actions": 200}
DEEP = 100_000


def _entry(status_id: int = FIRST_ID, code: object = 200, exe_time: object = 0.1) -> str:
    return json.dumps({"action_id": "1", "id": status_id, "code": code, "exe_time": exe_time})


@pytest.mark.parametrize("endpoint", ["call", "statuses", "actions"])
@pytest.mark.parametrize(
    "body",
    [
        "[" * DEEP + "]" * DEEP,
        '{"a":' * DEEP + "1" + "}" * DEEP,
        "[" * DEEP,
        '{"status_ids": [1], "actions": []}'[:-1] + ', "x": ' + "[" * 40 + "]" * 40 + "}",
        "1" * 5000,
        '{"status_ids": [1], "actions": [], "x": NaN}',
        "\ufeff[]",
        b"\xff\xfe[]",
    ],
    ids=[
        "deep array",
        "deep object",
        "deep unclosed",
        "too deep",
        "huge int",
        "NaN",
        "BOM",
        "utf16",
    ],
)
async def test_answer_that_is_no_usable_json(craft: Craft, endpoint: str, body: str) -> None:
    client, _ = await craft(STATUS_OF[endpoint], body, JSON)
    with pytest.raises(WwGoInvalidResponseError) as info:
        await _request(client, endpoint)
    _check_error(info.value, WwGoInvalidResponseError, STATUS_OF[endpoint])


@pytest.mark.parametrize("endpoint", ["call", "statuses", "actions"])
async def test_answer_larger_than_the_limit(craft: Craft, endpoint: str) -> None:
    client, _ = await craft(STATUS_OF[endpoint], "[" + " " * MAX_BODY_BYTES + "]", JSON)
    with pytest.raises(WwGoInvalidResponseError, match="larger than") as info:
        await _request(client, endpoint)
    _check_error(info.value, WwGoInvalidResponseError, STATUS_OF[endpoint])


async def test_answer_larger_than_the_limit_without_a_length(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(MAX_BODY_BYTES // 4096 + 1):
            await response.write(b" " * 4096)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get(ACTIONS_PATH, stream)
    client = WwGoClient(session, await serve(app))
    with pytest.raises(WwGoInvalidResponseError, match="larger than") as info:
        await client.actions()
    _check_error(info.value, WwGoInvalidResponseError, 200)


async def test_answer_of_exactly_the_limit(craft: Craft) -> None:
    client, _ = await craft(200, "[" + " " * (MAX_BODY_BYTES - 2) + "]", JSON)
    assert await client.statuses([5]) == {}


@pytest.mark.parametrize(
    "entries",
    [
        [_entry(code=2**70)],
        [_entry(code=2**31)],
        [_entry(code=True)],
        [_entry(code=200.5)],
        [_entry(exe_time=-0.1)],
        [_entry(exe_time=1e308), _entry(FIRST_ID + 1, exe_time=1e308)],
        ['{"action_id": "1", "id": 100, "code": 200, "exe_time": 1e400}'],
        [_entry(status_id=-FIRST_ID)],
        [_entry(), _entry(code=404)],
    ],
    ids=[
        "code 2**70",
        "code 2**31",
        "code true",
        "code 200.5",
        "negative time",
        "1e308 twice",
        "infinite time",
        "negative id",
        "conflicting duplicates",
    ],
)
async def test_statuses_out_of_range(craft: Craft, entries: list[str]) -> None:
    client, _ = await craft(200, f"[{', '.join(entries)}]", JSON)
    with pytest.raises(WwGoInvalidResponseError) as info:
        await client.statuses([FIRST_ID, FIRST_ID + 1])
    _check_error(info.value, WwGoInvalidResponseError, 200)


async def test_statuses_only_of_the_ids_asked(craft: Craft) -> None:
    """What an answer says of IDs not asked for is not read: not even whether it makes sense."""
    body = f"[{_entry()}, {_entry(FIRST_ID + 1, code=2**70, exe_time=-1)}, {_entry()}]"
    client, _ = await craft(200, body, JSON)
    assert await client.statuses([FIRST_ID]) == {FIRST_ID: RequestStatus("1", FIRST_ID, 200, 0.1)}


@pytest.mark.parametrize(
    "body",
    [
        '{"error": {"code": 503, "message": "booting"}}',
        '{"errors": ["not ready"]}',
        '{"message": "Service unavailable"}',
        '{"status": "booting"}',
        '{"info": {"version": "1.2"}}',
    ],
)
async def test_actions_answered_with_an_error_object(craft: Craft, body: str) -> None:
    client, _ = await craft(200, body, JSON)
    with pytest.raises(WwGoInvalidResponseError) as info:
        await client.actions()
    _check_error(info.value, WwGoInvalidResponseError, 200)


@pytest.mark.parametrize("body", ["[]", '{"actions": []}'])
async def test_actions_answered_with_an_empty_list(craft: Craft, body: str) -> None:
    client, _ = await craft(200, body, JSON)
    assert (await client.actions()).actions == ()


# Action list


async def test_actions_of_the_device(client: WwGoClient, device: Device) -> None:
    listed = await client.actions()
    assert [action.id for action in listed.actions] == [action.id for action in ACTIONS]
    by_id = {action.id: action for action in listed.actions}
    assert by_id["1"] == ActionDefinition("1", "1 name", enabled=True, request_count=1)
    assert by_id["sequence"].request_count == 3
    assert by_id["disabled_action"].enabled is False
    assert by_id["light toggle/1"].name == "light toggle/1 name"
    assert (listed.device_id, listed.device_name) == (None, None)
    assert device.stats()["requests"]["actions"] == 1


async def test_actions_not_offered(
    serve: Serve, session: aiohttp.ClientSession, device: Device
) -> None:
    client = WwGoClient(session, await serve(create_app(device, actions_list=False)))
    with pytest.raises(WwGoNotSupportedError) as info:
        await client.actions()
    _check_error(info.value, WwGoNotSupportedError, 404)


@pytest.mark.parametrize("body", ["", "null", '"actions"', "42", "{not json"])
async def test_actions_of_the_wrong_shape(craft: Craft, body: str) -> None:
    client, answer = await craft(200, body, JSON)
    with pytest.raises(WwGoInvalidResponseError):
        await client.actions()
    assert [(seen.method, seen.path) for seen in answer.seen] == [("GET", "/api/v1/actions")]


# What each HTTP status means, per endpoint


@pytest.mark.parametrize(
    ("status", "call", "statuses", "actions"),
    [
        (400, WwGoActionDisabledError, WwGoDeviceError, WwGoDeviceError),
        (401, WwGoAuthenticationError, WwGoAuthenticationError, WwGoAuthenticationError),
        (403, WwGoAuthenticationError, WwGoAuthenticationError, WwGoAuthenticationError),
        (404, WwGoActionNotFoundError, WwGoDeviceError, WwGoNotSupportedError),
        (405, WwGoDeviceError, WwGoDeviceError, WwGoDeviceError),
        (409, WwGoActionRunningError, WwGoDeviceError, WwGoDeviceError),
        (418, WwGoDeviceError, WwGoDeviceError, WwGoDeviceError),
        (429, WwGoDeviceBusyError, WwGoDeviceBusyError, WwGoDeviceBusyError),
        (500, WwGoDeviceError, WwGoDeviceError, WwGoDeviceError),
        (502, WwGoDeviceError, WwGoDeviceError, WwGoDeviceError),
        (503, WwGoDeviceError, WwGoDeviceError, WwGoDeviceError),
    ],
)
async def test_error_of_each_http_status(
    craft: Craft,
    status: int,
    call: type[WwGoError],
    statuses: type[WwGoError],
    actions: type[WwGoError],
) -> None:
    client, _ = await craft(status, "refused")
    for endpoint, expected in (("call", call), ("statuses", statuses), ("actions", actions)):
        with pytest.raises(WwGoError) as info:
            await _request(client, endpoint)
        _check_error(info.value, expected, status)


@pytest.mark.parametrize("endpoint", ["call", "statuses", "actions"])
async def test_server_error_of_the_device(
    client: WwGoClient, device: Device, endpoint: str
) -> None:
    device.faults.server_error = True
    with pytest.raises(WwGoDeviceError) as info:
        await _request(client, endpoint)
    _check_error(info.value, WwGoDeviceError, 500)


@pytest.mark.parametrize("endpoint", ["statuses", "actions"])
async def test_malformed_json_of_the_device(
    client: WwGoClient, device: Device, endpoint: str
) -> None:
    device.faults.malformed_json = True
    with pytest.raises(WwGoInvalidResponseError) as info:
        await _request(client, endpoint)
    _check_error(info.value, WwGoInvalidResponseError, 200)


async def test_body_that_is_not_utf8(craft: Craft) -> None:
    client, _ = await craft(200, b'[{"action_id": "\xff"}]', JSON)
    with pytest.raises(WwGoInvalidResponseError):
        await client.statuses([5])


# Connection


@pytest.mark.parametrize("endpoint", ["call", "statuses", "actions"])
async def test_device_offline(client: WwGoClient, device: Device, endpoint: str) -> None:
    device.faults.offline = True
    with pytest.raises(WwGoConnectionError) as info:
        await _request(client, endpoint)
    _check_error(info.value, WwGoConnectionError, None)


async def test_nothing_listening(session: aiohttp.ClientSession) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = WwGoClient(session, f"127.0.0.1:{port}")
    for endpoint in ("call", "statuses", "actions"):
        with pytest.raises(WwGoConnectionError) as info:
            await _request(client, endpoint)
        _check_error(info.value, WwGoConnectionError, None)
        assert isinstance(info.value.__cause__, aiohttp.ClientError)


@pytest.mark.parametrize("endpoint", ["call", "statuses", "actions"])
async def test_device_too_slow(
    session: aiohttp.ClientSession, host: str, device: Device, endpoint: str
) -> None:
    client = WwGoClient(session, host, timeout=0.05)
    device.faults.delay = 0.3
    with pytest.raises(WwGoTimeoutError) as info:
        await _request(client, endpoint)
    _check_error(info.value, WwGoTimeoutError, None)
    assert isinstance(info.value, WwGoConnectionError)
    assert "127.0.0.1" in str(info.value)


# Credentials


@pytest.mark.parametrize(("user", "password"), [(USER, PASSWORD), (USER, "")])
async def test_basic_credentials_accepted(
    serve: Serve,
    session: aiohttp.ClientSession,
    device: Device,
    user: str,
    password: str,
) -> None:
    host = await serve(create_app(device, auth=(user, password)))
    client = WwGoClient(session, host, username=user, password=password or None)
    ids = await client.call("1")
    await device.wait_idle()
    assert list(await client.statuses(ids)) == list(ids)
    assert (await client.actions()).actions
    assert device.stats()["requests"] == {"call": 1, "status": 1, "actions": 1}


@pytest.mark.parametrize(
    ("user", "password"),
    [(None, None), (None, PASSWORD), (USER, None), (USER, "wrong"), ("other", PASSWORD)],
)
@pytest.mark.parametrize("endpoint", ["call", "statuses", "actions"])
async def test_basic_credentials_refused(
    serve: Serve,
    session: aiohttp.ClientSession,
    device: Device,
    user: str | None,
    password: str | None,
    endpoint: str,
) -> None:
    host = await serve(create_app(device, auth=(USER, PASSWORD)))
    client = WwGoClient(session, host, username=user, password=password)
    with pytest.raises(WwGoAuthenticationError) as info:
        await _request(client, endpoint)
    _check_error(info.value, WwGoAuthenticationError, 401)
    assert device.stats()["requests"] == {"call": 0, "status": 0, "actions": 0}


@pytest.mark.parametrize(
    ("credentials", "authorization"),
    [
        ({}, None),
        ({"password": "secret"}, None),
        ({"username": "admin"}, "Basic YWRtaW46"),
        ({"username": "admin", "password": "secret"}, "Basic YWRtaW46c2VjcmV0"),
        ({"username": "jürgen", "password": "ü"}, "Basic asO8cmdlbjrDvA=="),
    ],
)
async def test_authorization_header(
    craft: Craft, credentials: dict[str, str], authorization: str | None
) -> None:
    client, answer = await craft(200, "[]", JSON, **credentials)
    await client.statuses([5])
    assert [seen.authorization for seen in answer.seen] == [authorization]


@pytest.mark.parametrize("verify_ssl", [True, False])
async def test_verify_ssl_is_harmless_over_http(
    session: aiohttp.ClientSession, host: str, device: Device, verify_ssl: bool
) -> None:
    client = WwGoClient(session, host, verify_ssl=verify_ssl)
    assert await client.call("1") == (FIRST_ID,)


# Parsing the action list


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
            [{"name": "no id"}, {"id": None}, {"id": ""}, {"id": 1.5}, None, 1.5, [], {}],
            _actions(),
            id="entries without an id left out",
        ),
        pytest.param([], _actions(), id="empty list"),
        pytest.param({}, _actions(), id="empty object"),
        pytest.param({"device_id": "WWGO-1"}, _actions(device_id="WWGO-1"), id="no actions"),
    ],
)
def test_parse_action_list(body: object, expected: ActionList) -> None:
    assert parse_action_list(body) == expected


def test_parse_action_list_duplicate_takes_the_last_definition() -> None:
    listed = parse_action_list(
        [{"id": "1", "name": "first"}, {"id": "2"}, {"id": "1", "name": "x"}]
    )
    assert [(action.id, action.name) for action in listed.actions] == [("1", "x"), ("2", None)]


@pytest.mark.parametrize("body", [None, "actions", 42, 4.2, True])
def test_parse_action_list_of_neither_list_nor_object(body: object) -> None:
    with pytest.raises(WwGoInvalidResponseError):
        parse_action_list(body)


# Parsing statuses


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
        "[]",
        ["entry"],
        [None],
        [[1, 139, 200, 0.1]],
        [{"action_id": "1", "id": 139, "code": 200}],
        [{"id": 139, "code": 200, "exe_time": 0.1}],
        [{"action_id": "1", "id": "x", "code": 200, "exe_time": 0.1}],
        [{"action_id": "1", "id": 139, "code": 2.5j, "exe_time": 0.1}],
        [{"action_id": "1", "id": 139, "code": 200, "exe_time": None}],
        [{"action_id": "1", "id": 139, "code": 200, "exe_time": 0.1}, {"id": 140}],
    ],
)
def test_parse_statuses_of_the_wrong_shape(body: object) -> None:
    with pytest.raises(WwGoInvalidResponseError):
        parse_statuses(body)


@pytest.mark.parametrize(
    "entry",
    [
        {"action_id": "1", "id": float("inf"), "code": 200, "exe_time": 0.1},
        {"action_id": "1", "id": 139, "code": float("-inf"), "exe_time": 0.1},
    ],
)
def test_parse_statuses_of_an_infinite_number(entry: dict[str, Any]) -> None:
    with pytest.raises(WwGoInvalidResponseError):
        parse_statuses([entry])


@pytest.mark.parametrize("body", [[""], [True], [{"id": True}]], ids=["empty", "true", "id true"])
def test_parse_action_list_of_bare_ids_that_are_no_ids(body: list[object]) -> None:
    assert parse_action_list(body).actions == ()


@pytest.mark.parametrize("endpoint", ["call", "statuses", "actions"])
async def test_a_redirect_is_not_followed(craft: Craft, endpoint: str) -> None:
    """Sent elsewhere, even to a URL naming status IDs: no answer of the device's."""
    client, answer = await craft(302, headers={"Location": "/api/v1/actions/status?id=7"})
    with pytest.raises(WwGoDeviceError) as info:
        await _request(client, endpoint)
    _check_error(info.value, WwGoDeviceError, 302)
    assert len(answer.seen) == 1
