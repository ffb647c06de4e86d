"""The emulated device over real loopback HTTP: every route, status code, header and fault."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
import pytest

from simulator import (
    ActionDefinition,
    Answer,
    Device,
    OtherClient,
    RequestDefinition,
    create_app,
    set_actions_list,
    set_credentials,
)
from simulator.app import OTHER_CLIENTS_KEY, _api_middleware
from simulator.device import Endpoint

from .conftest import (
    FIRST_ID,
    SEQUENCE_STEP,
    Client,
    ClientFactory,
    ClientOf,
    LoopClock,
    basic_auth,
    make_device,
)

CALL = "/api/v1/actions/call"
STATUS = "/api/v1/actions/status"
ACTIONS = "/api/v1/actions"
API_ROUTES = [("POST", f"{CALL}?id=1"), ("GET", f"{STATUS}?id=1"), ("GET", ACTIONS)]


# Calls the device refuses: unknown, disabled, no action ID.
REFUSED_CALLS = [
    ("?id=nonexistent", 404),
    ("?id=disabled_action", 400),
    ("?id=all_requests_disabled", 400),
    ("?id=", 400),
    ("", 400),
    ("?action=1", 400),
]


def entry(action_id: str, status_id: int, code: int, exe_time: float) -> dict[str, object]:
    return {"action_id": action_id, "id": status_id, "code": code, "exe_time": exe_time}


async def test_call_answers_with_location(client: Client) -> None:
    response = await client.post(CALL, params={"id": "1"})
    assert response.status == 202
    assert response.headers["Location"] == f"/api/v1/actions/status?id={FIRST_ID}"
    assert response.headers["Content-Length"] == "0"
    assert response.headers["Cache-Control"] == "no-store, no-cache"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Type" not in response.headers
    assert await response.read() == b""


async def test_call_location_lists_every_request(client: Client) -> None:
    response = await client.post(f"{CALL}?id=sequence")
    assert response.status == 202
    ids = ",".join(str(FIRST_ID + n) for n in range(3))
    assert response.headers["Location"] == f"/api/v1/actions/status?id={ids}"


@pytest.mark.parametrize(
    ("action_id", "status_ids"),
    [("1", [FIRST_ID]), ("sequence", [FIRST_ID, FIRST_ID + 1, FIRST_ID + 2])],
)
async def test_call_answers_with_json_status_ids(
    serve: ClientFactory, device: Device, action_id: str, status_ids: list[int]
) -> None:
    client = await serve(device, json_status_ids=True)
    response = await client.post(CALL, params={"id": action_id})
    assert response.status == 202
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "Location" not in response.headers
    assert await response.json() == {"status_ids": status_ids}


@pytest.mark.parametrize(("query", "status"), REFUSED_CALLS)
@pytest.mark.parametrize("json_status_ids", [False, True])
async def test_refused_calls(
    serve: ClientFactory, device: Device, query: str, status: int, json_status_ids: bool
) -> None:
    client = await serve(device, json_status_ids=json_status_ids)
    response = await client.post(f"{CALL}{query}")
    assert response.status == status
    assert "Location" not in response.headers
    assert device.status_ids == []


async def test_call_while_running_is_a_conflict(client: Client, device: Device) -> None:
    assert (await client.post(f"{CALL}?id=slow")).status == 202
    response = await client.post(f"{CALL}?id=slow")
    assert response.status == 409
    assert "already running" in await response.text()
    assert (await client.post(f"{CALL}?id=1")).status == 202
    assert device.stats()["call_rejected"]["409"] == 1


async def test_call_over_the_request_limit_is_busy(serve: ClientFactory, clock: LoopClock) -> None:
    device = make_device(max_executing=3)
    client = await serve(device)
    assert (await client.post(f"{CALL}?id=sequence")).status == 202
    response = await client.post(f"{CALL}?id=1")
    assert response.status == 429
    assert response.headers["Retry-After"] == "1"
    await clock.advance(3 * SEQUENCE_STEP)
    assert (await client.post(f"{CALL}?id=1")).status == 202


async def test_call_is_post_only(client: Client) -> None:
    assert (await client.get(f"{CALL}?id=1")).status == 405


@pytest.mark.parametrize("running_code", [-1, 0])
async def test_status_running_then_final(
    serve: ClientFactory, clock: LoopClock, running_code: int
) -> None:
    device = make_device(running_code=running_code)
    client = await serve(device)
    location = (await client.post(f"{CALL}?id=http_not_found")).headers["Location"]
    response = await client.get(location)
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert await response.json() == [entry("http_not_found", FIRST_ID, running_code, 0)]
    await clock.advance(0.02)
    response = await client.get(location)
    assert await response.json() == [entry("http_not_found", FIRST_ID, 404, 0.02)]


async def test_status_of_several_ids(client: Client, clock: LoopClock) -> None:
    await client.post(f"{CALL}?id=sequence")
    await client.post(f"{CALL}?id=modbus_slave_failure")
    await clock.advance(3 * SEQUENCE_STEP)
    response = await client.get(f"{STATUS}?id={FIRST_ID + 3},{FIRST_ID},99,{FIRST_ID + 2}")
    assert await response.json() == [
        entry("modbus_slave_failure", FIRST_ID + 3, -104, 0.013),
        entry("sequence", FIRST_ID, 200, 0.05),
        entry("sequence", FIRST_ID + 2, 204, 0.05),
    ]


async def test_status_of_unknown_ids_is_empty(client: Client) -> None:
    response = await client.get(f"{STATUS}?id=1,2,3")
    assert response.status == 200
    assert await response.json() == []


@pytest.mark.parametrize(
    "query", ["", "?id=", "?id=abc", "?id=1,", "?id=,1", "?id=1,,2", "?id=-1", "?id=1.5", "?id=1;2"]
)
async def test_status_with_malformed_ids(client: Client, device: Device, query: str) -> None:
    response = await client.get(f"{STATUS}{query}")
    assert response.status == 400
    assert device.stats()["requests"]["status"] == 0


async def test_status_polled_too_often(serve: ClientFactory, clock: LoopClock) -> None:
    # On the frozen clock: the three reads come within one second however slow the machine.
    device = make_device(status_rate=2, clock=clock)
    client = await serve(device)
    assert (await client.get(f"{STATUS}?id=1")).status == 200
    assert (await client.get(f"{STATUS}?id=1")).status == 200
    response = await client.get(f"{STATUS}?id=1")
    assert response.status == 429
    assert response.headers["Retry-After"] == "1"
    assert device.stats()["status_rejected"] == 1


async def test_ids_leave_the_window(client: Client) -> None:
    location = (await client.post(f"{CALL}?id=1")).headers["Location"]
    response = await client.post("/_sim/faults", json={"external_calls": 39})
    assert response.status == 200
    assert len(await (await client.get(location)).json()) == 1
    await client.post("/_sim/faults", json={"external_calls": 1})
    assert await (await client.get(location)).json() == []
    newest = FIRST_ID + 40
    assert await (await client.get(f"{STATUS}?id={newest}")).json() == [
        entry("external", newest, 200, 0.001)
    ]


async def test_forty_own_calls_evict_the_oldest(serve: ClientFactory) -> None:
    instant = ActionDefinition("now", "Instant", (RequestDefinition("http", 200, 0.0),))
    device = Device([instant], first_status_id=FIRST_ID, status_rate=0)
    client = await serve(device)
    first = (await client.post(f"{CALL}?id=now")).headers["Location"]
    for _ in range(40):
        await device.wait_idle()  # a run of no duration ends in loop turns
        assert (await client.post(f"{CALL}?id=now")).status == 202
    assert await (await client.get(first)).json() == []
    assert device.status_ids == list(range(FIRST_ID + 1, FIRST_ID + 41))


async def test_actions_list(client: Client) -> None:
    response = await client.get(ACTIONS)
    assert response.status == 200
    body = await response.json()
    actions = {action["id"]: action for action in body["actions"]}
    assert actions["sequence"] == {
        "id": "sequence",
        "name": "sequence",
        "enable": True,
        "requests": [
            {"type": "http", "enable": True},
            {"type": "modbus", "enable": True},
            {"type": "http", "enable": True},
        ],
    }
    assert actions["disabled_action"]["enable"] is False
    assert actions["all_requests_disabled"]["requests"] == [
        {"type": "http", "enable": False},
        {"type": "modbus", "enable": False},
    ]


async def test_actions_list_can_be_absent(serve: ClientFactory, device: Device) -> None:
    client = await serve(device, actions_list=False)
    assert (await client.get(ACTIONS)).status == 404
    assert device.stats()["requests"]["actions"] == 0


AUTH = ("admin", "s3cret")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": basic_auth("admin", "wrong")},
        {"Authorization": basic_auth("root", "s3cret")},
        {"Authorization": basic_auth("admin", "s3cret", encoding="utf-16")},
        {"Authorization": basic_auth("admin", "")},
        {"Authorization": basic_auth("admin")[:-2]},
        {"Authorization": "Bearer s3cret"},
        {"Authorization": "Basic !!!"},
        {"Authorization": "Basic"},
    ],
)
@pytest.mark.parametrize(("method", "path"), API_ROUTES)
async def test_unauthorized(
    serve: ClientFactory, device: Device, headers: dict[str, str], method: str, path: str
) -> None:
    client = await serve(device, auth=AUTH)
    response = await client.request(method, path, headers=headers)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="WW Go"'
    assert device.stats()["requests"] == {"call": 0, "status": 0, "actions": 0}


ROUTE_SUCCESS = [(*API_ROUTES[0], 202), (*API_ROUTES[1], 200), (*API_ROUTES[2], 200)]


@pytest.mark.parametrize("route", ROUTE_SUCCESS)
@pytest.mark.parametrize(
    ("auth", "header"),
    [
        (AUTH, basic_auth(*AUTH)),
        (AUTH, "basic " + basic_auth(*AUTH).split()[1]),
        (("José", "pässwörd:2"), basic_auth("José", "pässwörd:2")),
        (("admin", ""), basic_auth("admin", "")),
    ],
)
async def test_authorized(
    serve: ClientFactory,
    device: Device,
    route: tuple[str, str, int],
    auth: tuple[str, str],
    header: str,
) -> None:
    method, path, status = route
    client = await serve(device, auth=auth)
    response = await client.request(method, path, headers={"Authorization": header})
    assert response.status == status


async def test_emulator_control_needs_no_auth(serve: ClientFactory, device: Device) -> None:
    client = await serve(device, auth=AUTH)
    assert (await client.get("/_sim/stats")).status == 200
    assert (await client.get("/_sim/faults")).status == 200


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
async def test_offline_drops_the_connection(
    client: Client, device: Device, method: str, path: str
) -> None:
    device.faults.offline = True
    with pytest.raises(aiohttp.ClientConnectionError):
        await client.request(method, path)
    assert device.stats()["requests"] == {"call": 0, "status": 0, "actions": 0}
    assert (await client.get("/_sim/stats")).status == 200
    device.faults.offline = False
    assert (await client.request(method, path)).status in {200, 202}


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
async def test_delay(
    client: Client, device: Device, clock: LoopClock, method: str, path: str
) -> None:
    device.faults.delay = 0.05
    answer = asyncio.ensure_future(client.request(method, path))
    await clock.advance(0.04)
    assert not answer.done()
    assert device.stats()["requests"] == {"call": 0, "status": 0, "actions": 0}
    await clock.advance(0.01)
    assert (await clock.at_once(answer)).status in {200, 202}


async def test_delay_leaves_emulator_control_alone(
    client: Client, device: Device, clock: LoopClock
) -> None:
    device.faults.delay = 5
    assert (await clock.at_once(client.get("/_sim/stats"))).status == 200


@pytest.mark.parametrize(("method", "path"), API_ROUTES[1:])
async def test_malformed_json(client: Client, device: Device, method: str, path: str) -> None:
    device.faults.malformed_json = True
    response = await client.request(method, path)
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.read() == b"{not json"
    assert (await client.get("/_sim/stats")).status == 200
    assert (await client.get("/_sim/stats")).content_type == "application/json"


async def test_malformed_json_of_a_call(serve: ClientFactory, device: Device) -> None:
    device.faults.malformed_json = True
    client = await serve(device, json_status_ids=True)
    response = await client.post(f"{CALL}?id=1")
    assert response.status == 202
    assert await response.read() == b"{not json"
    assert device.is_running("1")


async def test_malformed_json_leaves_the_location_alone(client: Client, device: Device) -> None:
    device.faults.malformed_json = True
    response = await client.post(f"{CALL}?id=1")
    assert response.status == 202
    assert response.headers["Location"] == f"{STATUS}?id={FIRST_ID}"


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
async def test_server_error(client: Client, device: Device, method: str, path: str) -> None:
    device.faults.server_error = True
    assert (await client.request(method, path)).status == 500
    assert device.status_ids == []
    assert (await client.get("/_sim/stats")).status == 200


async def test_set_faults(client: Client, device: Device) -> None:
    response = await client.post(
        "/_sim/faults",
        json={"offline": True, "delay": 1, "malformed_json": True, "server_error": True},
    )
    assert response.status == 200
    expected = {
        "offline": True,
        "delay": 1.0,
        "malformed_json": True,
        "server_error": True,
        "answer": None,
    }
    assert await response.json() == expected
    assert device.faults.as_json() == expected
    assert isinstance(device.faults.delay, float)
    response = await client.post("/_sim/faults", json={"offline": False, "delay": 0})
    expected |= {"offline": False, "delay": 0.0}
    assert await response.json() == expected
    assert await (await client.get("/_sim/faults")).json() == expected


@pytest.mark.parametrize(
    ("endpoint", "method", "path"),
    [
        ("call", "POST", f"{CALL}?id=1"),
        ("status", "GET", f"{STATUS}?id=1"),
        ("actions", "GET", ACTIONS),
    ],
)
async def test_crafted_answer_of_one_endpoint(
    client: Client, device: Device, endpoint: Endpoint, method: str, path: str
) -> None:
    body = '{"error": {"code": 1}}\u00e4'
    answer = {"endpoint": endpoint, "status": 203, "body": body}
    response = await client.post("/_sim/faults", json={"answer": answer})
    assert response.status == 200
    assert (await response.json())["answer"] == answer | {"headers": {}}
    assert device.faults.answer == Answer(endpoint, 203, body)
    response = await client.request(method, path)
    assert (response.status, await response.text()) == (203, body)
    assert response.content_type == "application/json"
    # The device did nothing.
    assert device.stats()["requests"] == {"call": 0, "status": 0, "actions": 0}
    assert device.status_ids == []
    # Only that endpoint answers so.
    for other in API_ROUTES:
        if other != (method, path):
            assert (await client.request(*other)).status != 203
    response = await client.post("/_sim/faults", json={"answer": None})
    assert (await response.json())["answer"] is None
    assert device.faults.answer is None
    assert (await client.request(method, path)).status != 203


async def test_crafted_answer_with_headers(client: Client, device: Device) -> None:
    device.faults.answer = Answer(
        "call", 202, "", {"Location": f"{STATUS}?id=1e3", "Content-Type": "text/plain"}
    )
    response = await client.post(f"{CALL}?id=1")
    assert response.status == 202
    assert response.headers["Location"] == f"{STATUS}?id=1e3"
    assert response.content_type == "text/plain"
    assert await response.read() == b""
    assert device.status_ids == []


async def test_crafted_answer_behind_the_login(serve: ClientFactory, device: Device) -> None:
    """The device still asks for its login, and a server error still wins."""
    client = await serve(device, auth=("admin", "secret"))
    device.faults.answer = Answer("actions", 200, "[]")
    assert (await client.get(ACTIONS)).status == 401
    headers = {"Authorization": basic_auth("admin", "secret")}
    assert await (await client.get(ACTIONS, headers=headers)).text() == "[]"
    device.faults.server_error = True
    assert (await client.get(ACTIONS, headers=headers)).status == 500


@pytest.mark.parametrize(
    "answer",
    [
        {"endpoint": "callx"},
        {"endpoint": "status", "status": 101},
        {"endpoint": "status", "headers": {"Location": "a\nb"}},
        {"endpoint": "status", "headers": {"": "a"}},
    ],
)
def test_crafted_answer_that_cannot_be_sent(answer: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"endpoint|status|header"):
        Answer(**answer)


async def test_external_calls_allocate_ids(client: Client, device: Device) -> None:
    response = await client.post("/_sim/faults", json={"external_calls": 3})
    assert response.status == 200
    assert device.status_ids == [FIRST_ID, FIRST_ID + 1, FIRST_ID + 2]
    assert device.next_status_id == FIRST_ID + 3


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"offline": "yes"},
        {"server_error": 1},
        {"delay": -1},
        {"delay": "1"},
        {"delay": True},
        {"delay": float("inf")},
        {"external_calls": -1},
        {"external_calls": 1.5},
        {"external_calls": True},
        {"offline": True, "reboot": True},
        {"answer": "status"},
        {"answer": {}},
        {"answer": {"endpoint": "reboot"}},
        {"answer": {"endpoint": "status", "status": 199}},
        {"answer": {"endpoint": "status", "status": 600}},
        {"answer": {"endpoint": "status", "status": True}},
        {"answer": {"endpoint": "status", "status": "200"}},
        {"answer": {"endpoint": "status", "body": ["x"]}},
        {"answer": {"endpoint": "status", "headers": []}},
        {"answer": {"endpoint": "status", "headers": {"X-A": 1}}},
        {"answer": {"endpoint": "status", "headers": {"X-A": "a\r\nX-B: b"}}},
        {"answer": {"endpoint": "status", "headers": {"X A": "a"}}},
        {"answer": {"endpoint": "status", "location": "/"}},
        {"answer": None, "delay": -1},
    ],
)
async def test_bad_fault_requests(client: Client, device: Device, body: Any) -> None:
    response = await client.post("/_sim/faults", json=body)
    assert response.status == 400
    assert device.faults.as_json() == {
        "offline": False,
        "delay": 0.0,
        "malformed_json": False,
        "server_error": False,
        "answer": None,
    }


async def test_fault_request_not_json(client: Client) -> None:
    response = await client.post("/_sim/faults", data=b"offline")
    assert response.status == 400


async def test_stats_and_reset(client: Client, device: Device) -> None:
    await client.post(f"{CALL}?id=sequence")
    await client.post(f"{CALL}?id=nonexistent")
    await client.post(f"{CALL}?id=sequence")
    await client.get(f"{STATUS}?id={FIRST_ID},{FIRST_ID + 2}")
    await client.get(ACTIONS)
    response = await client.get("/_sim/stats")
    assert response.status == 200
    assert await response.json() == {
        "requests": {"call": 3, "status": 1, "actions": 1},
        "status_ids_per_request": [[FIRST_ID, FIRST_ID + 2]],
        "status_rejected": 0,
        "call_rejected": {"400": 0, "404": 1, "409": 1, "429": 0},
    }
    response = await client.delete("/_sim/stats")
    assert response.status == 204
    assert await (await client.get("/_sim/stats")).json() == device.stats()
    assert device.stats()["requests"] == {"call": 0, "status": 0, "actions": 0}


async def test_closing_the_app_cancels_runs(serve: ClientFactory) -> None:
    device = make_device()
    client = await serve(device)
    await client.post(f"{CALL}?id=slow")
    assert device.executing == 1
    await client.close()
    assert device.executing == 0
    assert not device.is_running("slow")


async def test_offline_with_the_connection_already_gone() -> None:
    device = make_device()
    device.faults.offline = True
    app = create_app(device)
    request = make_mocked_request("GET", ACTIONS, app=app)
    request.protocol.transport = None
    assert request.transport is None

    async def handler(request: web.Request) -> web.StreamResponse:
        raise AssertionError  # pragma: no cover - never reached

    with pytest.raises(web.HTTPException):
        await _api_middleware(request, handler)


async def test_owner_changes_the_login(serve: ClientFactory, device: Device) -> None:
    client = await serve(device, auth=("admin", "old"))
    headers = {"Authorization": basic_auth("admin", "old")}
    assert (await client.get("/api/v1/actions", headers=headers)).status == 200
    set_credentials(client.app, ("admin", "new"))
    assert (await client.get("/api/v1/actions", headers=headers)).status == 401
    set_credentials(client.app, None)
    assert (await client.get("/api/v1/actions")).status == 200


async def test_owner_replaces_the_actions(client: Client, device: Device) -> None:
    device.set_actions([ActionDefinition("new", "New action", (RequestDefinition(),))])
    body = await (await client.get("/api/v1/actions")).json()
    assert [action["id"] for action in body["actions"]] == ["new"]
    assert (await client.post("/api/v1/actions/call?id=1")).status == 404


async def test_action_list_switched_off_and_on(serve: ClientFactory, device: Device) -> None:
    client = await serve(device)
    set_actions_list(client.app, False)
    assert (await client.get("/api/v1/actions")).status == 404
    set_actions_list(client.app, True)
    assert (await client.get("/api/v1/actions")).status == 200


OTHER_CALL = "/_sim/call"


async def test_another_client_runs_an_action(
    client: Client, device: Device, clock: LoopClock
) -> None:
    await client.post(f"{CALL}?id=1")
    response = await client.post(OTHER_CALL, params={"id": "sequence"})
    assert response.status == 202
    assert response.content_type == "application/json"
    ids = [FIRST_ID + 1, FIRST_ID + 2, FIRST_ID + 3]
    assert await response.json() == {"status_ids": ids}
    assert device.is_running("sequence")
    await clock.advance(3 * SEQUENCE_STEP)
    entries = await (await client.get(f"{STATUS}?id={','.join(map(str, ids))}")).json()
    assert [(e["action_id"], e["code"]) for e in entries] == [
        ("sequence", 200),
        ("sequence", 1),
        ("sequence", 204),
    ]
    assert device.stats()["requests"]["call"] == 1


@pytest.mark.parametrize(("query", "status"), REFUSED_CALLS)
async def test_another_client_is_refused(
    client: Client, device: Device, query: str, status: int
) -> None:
    response = await client.post(f"{OTHER_CALL}{query}")
    assert response.status == status
    assert response.content_type == "text/plain"
    assert await response.text()
    assert device.status_ids == []
    assert device.stats()["call_rejected"] == {"400": 0, "404": 0, "409": 0, "429": 0}


async def test_another_client_finds_the_action_running(client: Client, device: Device) -> None:
    assert (await client.post(f"{CALL}?id=slow")).status == 202
    response = await client.post(f"{OTHER_CALL}?id=slow")
    assert response.status == 409
    assert "already running" in await response.text()
    assert device.stats()["call_rejected"]["409"] == 0
    assert (await client.post(f"{OTHER_CALL}?id=1")).status == 202
    # And the client under test finds the other client's run in the way.
    assert (await client.post(f"{CALL}?id=1")).status == 409


async def test_another_client_finds_the_device_busy(serve: ClientFactory) -> None:
    device = make_device(max_executing=3)
    device.busy_retry_after = 4
    client = await serve(device)
    assert (await client.post(f"{OTHER_CALL}?id=sequence")).status == 202
    response = await client.post(f"{OTHER_CALL}?id=1")
    assert response.status == 429
    assert response.headers["Retry-After"] == "4"
    assert device.stats()["call_rejected"]["429"] == 0


async def test_another_client_is_post_only(client: Client) -> None:
    assert (await client.get(f"{OTHER_CALL}?id=1")).status == 405


async def test_another_client_needs_no_login(serve: ClientFactory, device: Device) -> None:
    client = await serve(device, auth=AUTH)
    response = await client.post(f"{OTHER_CALL}?id=1")
    assert response.status == 202
    assert await response.json() == {"status_ids": [FIRST_ID]}


@pytest.mark.parametrize(
    "faults",
    [
        {"offline": True},
        {"delay": 5},
        {"malformed_json": True},
        {"server_error": True},
        {"answer": {"endpoint": "call", "status": 500}},
    ],
)
async def test_another_client_is_untouched_by_faults(
    client: Client, device: Device, clock: LoopClock, faults: dict[str, Any]
) -> None:
    assert (await client.post("/_sim/faults", json=faults)).status == 200
    response = await clock.at_once(client.post(f"{OTHER_CALL}?id=1"))
    assert response.status == 202
    assert await response.json() == {"status_ids": [FIRST_ID]}
    assert device.is_running("1")


async def test_no_other_clients_by_default(client: Client, device: Device) -> None:
    assert client.app[OTHER_CLIENTS_KEY].others == ()
    assert not client.app[OTHER_CLIENTS_KEY].running


async def test_other_clients_run_while_served(
    client_of: ClientOf, device: Device, clock: LoopClock
) -> None:
    others = [OtherClient("1", 0.005, first=0.0), OtherClient("http_not_found", 0.005)]
    app = create_app(device, others=others, auth=AUTH)
    client = await client_of(app)
    await clock.advance(0.1)
    assert len(device.status_ids) >= 6
    assert app[OTHER_CLIENTS_KEY].running
    await client.close()
    assert not app[OTHER_CLIENTS_KEY].running
    # Their runs ended with the device.
    assert device.executing == 0
    actions = {entry["action_id"] for entry in device.statuses(device.status_ids)}
    assert actions == {"1", "http_not_found"}
    assert device.stats()["requests"]["call"] == 0
