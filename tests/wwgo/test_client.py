"""The device client's HTTP: what it sends, what each answer status means, and its limits.

Against the emulated WW Go device on 127.0.0.1, and, for answers the emulated device never gives
(other firmware, odd shapes), a tiny web app that answers every request with one crafted response.
What an answer's body says is test_parse's; here only that the client hands it over.
"""

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
import json
import socket
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest
from yarl import URL

from custom_components.ww_go.wwgo import (
    STATUS_WINDOW,
    ActionDefinition,
    RequestStatus,
    RunState,
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


# The device's address


@pytest.mark.parametrize(
    ("host", "url"),
    [(" HTTP://WWGO.local:80/ ", "http://wwgo.local"), ("[::1]:8443", "http://[::1]:8443")],
)
def test_client_of_an_address(session: aiohttp.ClientSession, host: str, url: str) -> None:
    """What an address may be and what it becomes is test_address's."""
    assert WwGoClient(session, host).base_url == URL(url)


@pytest.mark.parametrize("host", ["", "ftp://wwgo.local", "http://admin:secret@wwgo.local"])
def test_client_of_no_device_address(session: aiohttp.ClientSession, host: str) -> None:
    with pytest.raises(ValueError, match="not a device address"):
        WwGoClient(session, host)


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
    assert all(status.state is not RunState.RUNNING for status in statuses.values())
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
    ("body", "headers"),
    [
        ("", {"Location": f"{LOCATION}139,140,141"}),
        ('{"status_ids": [139, 140, 141]}', JSON),
    ],
    ids=["location", "json"],
)
async def test_call_reads_the_status_ids(craft: Craft, body: str, headers: dict[str, str]) -> None:
    """Either form of a 202 answer; every other case of it is test_parse's."""
    client, _ = await craft(202, body, headers)
    assert await client.call("1") == (139, 140, 141)


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
    assert (first.code, first.exe_time, first.state) == (-1, 0.0, RunState.RUNNING)
    assert [running[i].state for i in ids[1:]] == [RunState.RUNNING] * 2
    await device.wait_idle()
    final = await client.statuses(ids)
    assert [(final[i].code, final[i].state) for i in ids] == [
        (200, RunState.SUCCESS),
        (1, RunState.SUCCESS),
        (204, RunState.SUCCESS),
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
    assert status.state is RunState.RUNNING
    assert status.description == "Running"
    await device.wait_idle()
    status = (await client.statuses([status_id]))[status_id]
    assert (status.code, status.exe_time, status.state) == (-104, STEP, RunState.FAILURE)
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


def _entry(status_id: int = FIRST_ID, code: object = 200, exe_time: object = 0.1) -> str:
    return json.dumps({"action_id": "1", "id": status_id, "code": code, "exe_time": exe_time})


async def test_statuses_only_of_the_ids_asked(craft: Craft) -> None:
    """What an answer says of IDs not asked for is not read: not even whether it makes sense."""
    body = f"[{_entry()}, {_entry(FIRST_ID + 1, code=2**70, exe_time=-1)}, {_entry()}]"
    client, _ = await craft(200, body, JSON)
    assert await client.statuses([FIRST_ID]) == {FIRST_ID: RequestStatus("1", FIRST_ID, 200, 0.1)}


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


# Body size: refused beyond MAX_BODY_BYTES, by its Content-Length or while it is read

STATUS_OF = {"call": 202, "statuses": 200, "actions": 200}


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


# Answers a parser refuses: a WwGoInvalidResponseError naming the request and carrying its status


@pytest.mark.parametrize(
    ("endpoint", "status", "body", "headers", "sent_as"),
    [
        pytest.param("call", 202, "", {}, "POST /api/v1/actions/call", id="call without IDs"),
        # The body is read even when the Location names status IDs.
        pytest.param(
            "call",
            202,
            "Accepted",
            {"Location": f"{LOCATION}139"},
            "POST /api/v1/actions/call",
            id="call answered with text",
        ),
        pytest.param(
            "statuses",
            200,
            f'[{{"action_id": "1", "id": {FIRST_ID}, "code": 200}}]',
            JSON,
            "GET /api/v1/actions/status",
            id="status without a time",
        ),
        pytest.param(
            "actions",
            200,
            '{"error": {"code": 503, "message": "booting"}}',
            JSON,
            "GET /api/v1/actions",
            id="error object",
        ),
    ],
)
async def test_answer_its_parser_refuses(
    craft: Craft,
    endpoint: str,
    status: int,
    body: str,
    headers: dict[str, str],
    sent_as: str,
) -> None:
    client, _ = await craft(status, body, headers)
    with pytest.raises(WwGoInvalidResponseError) as info:
        await _request(client, endpoint)
    _check_error(info.value, WwGoInvalidResponseError, status)
    assert str(info.value).startswith(f"{sent_as} answered {status}: ")


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


async def test_actions_sends_get(craft: Craft) -> None:
    client, answer = await craft(200, '{"actions": [{"id": "1"}]}', JSON)
    assert (await client.actions()).actions == (ActionDefinition("1"),)
    assert [(seen.method, seen.path, seen.query) for seen in answer.seen] == [
        ("GET", "/api/v1/actions", {})
    ]


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


@pytest.mark.parametrize("endpoint", ["call", "statuses", "actions"])
async def test_a_redirect_is_not_followed(craft: Craft, endpoint: str) -> None:
    """Sent elsewhere, even to a URL naming status IDs: no answer of the device's."""
    client, answer = await craft(302, headers={"Location": "/api/v1/actions/status?id=7"})
    with pytest.raises(WwGoDeviceError) as info:
        await _request(client, endpoint)
    _check_error(info.value, WwGoDeviceError, 302)
    assert len(answer.seen) == 1


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


# Requests sent


async def test_sent_counts_the_requests_per_endpoint(craft: Craft) -> None:
    """Every request sent, whatever its answer: none for no status IDs, one per 40 of them."""
    client, answer = await craft(200, "[]", JSON)
    assert client.sent == Counter()
    await client.statuses([])
    await client.statuses(range(STATUS_WINDOW + 1))
    await client.actions()
    with pytest.raises(WwGoInvalidResponseError):
        await client.call("1")
    assert client.sent == Counter(call=1, status=2, actions=1)
    assert len(answer.seen) == 4
