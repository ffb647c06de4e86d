"""Fixtures of the emulated device's tests: short-running actions, a device and a client factory."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
import pytest

from simulator import ActionDefinition, Device, RequestDefinition, create_app

FIRST_ID = 100
SEQUENCE_STEP = 0.05

Client = TestClient[web.Request, web.Application]


def basic_auth(login: str, password: str = "", encoding: str = "utf-8") -> str:
    """An Authorization header value, by hand: aiohttp encodes one only from 3.14.1 (HA 2026.7)."""
    return "Basic " + base64.b64encode(f"{login}:{password}".encode(encoding)).decode("ascii")


def _action(action_id: str, *requests: RequestDefinition, enabled: bool = True) -> ActionDefinition:
    return ActionDefinition(action_id, action_id.replace("_", " "), requests, enabled=enabled)


FAST_ACTIONS = (
    _action("1", RequestDefinition("http", 200, 0.01)),
    _action("slow", RequestDefinition("http", 200, 5.0)),
    _action("http_not_found", RequestDefinition("http", 404, 0.02)),
    _action("modbus_write", RequestDefinition("modbus", 1, 0.015)),
    _action("modbus_timeout", RequestDefinition("modbus", -3, 0.03)),
    _action("modbus_slave_failure", RequestDefinition("modbus", -104, 0.0125)),
    _action(
        "sequence",
        RequestDefinition("http", 200, SEQUENCE_STEP),
        RequestDefinition("modbus", 1, SEQUENCE_STEP),
        RequestDefinition("http", 204, SEQUENCE_STEP),
    ),
    _action(
        "partly_disabled",
        RequestDefinition("http", 200, 0.01),
        RequestDefinition("http", 500, 0.01, enabled=False),
        RequestDefinition("modbus", 1, 0.01),
    ),
    _action("disabled_action", RequestDefinition("http", 200, 0.01), enabled=False),
    _action(
        "all_requests_disabled",
        RequestDefinition("http", 200, 0.01, enabled=False),
        RequestDefinition("modbus", 1, 0.01, enabled=False),
    ),
)


async def eventually(predicate: Callable[[], bool]) -> None:
    """Wait until ``predicate()`` holds, polling every few milliseconds; fail after 2 s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 2.0
    while not predicate():
        assert loop.time() < deadline, "the condition did not come true in time"
        await asyncio.sleep(0.002)


def make_device(**options: Any) -> Device:
    """A device with the short-running actions, IDs from FIRST_ID and no status rate limit."""
    options.setdefault("first_status_id", FIRST_ID)
    options.setdefault("status_rate", 0)
    return Device(FAST_ACTIONS, **options)


@pytest.fixture
async def device() -> AsyncIterator[Device]:
    """A device of make_device; its runs are cancelled at the end of the test."""
    dev = make_device()
    yield dev
    await dev.aclose()


class ClientFactory(Protocol):
    """Serves a device on the loopback interface and returns a client of it."""

    async def __call__(
        self,
        device: Device,
        *,
        auth: tuple[str, str] | None = None,
        json_status_ids: bool = False,
        actions_list: bool = True,
    ) -> Client: ...


ClientOf = Callable[[web.Application], Awaitable[Client]]


@pytest.fixture
async def client_of(socket_enabled: None) -> AsyncIterator[ClientOf]:
    """Serve an app on 127.0.0.1 and return a client of it; both close at the end of the test.

    On the test's own loop, which the 2026.3 harness's aiohttp_client does not always use.
    """
    clients: list[Client] = []

    async def factory(app: web.Application) -> Client:
        client = TestClient(TestServer(app, host="127.0.0.1"))
        clients.append(client)
        await client.start_server()
        return client

    yield factory
    for client in clients:
        await client.close()


@pytest.fixture
def serve(client_of: ClientOf) -> ClientFactory:
    """Serve a device with create_app's options on 127.0.0.1 and return a client of it."""

    async def factory(
        device: Device,
        *,
        auth: tuple[str, str] | None = None,
        json_status_ids: bool = False,
        actions_list: bool = True,
    ) -> Client:
        app = create_app(
            device, auth=auth, json_status_ids=json_status_ids, actions_list=actions_list
        )
        return await client_of(app)

    return factory


@pytest.fixture
async def client(serve: ClientFactory, device: Device) -> Client:
    """A client of the `device` fixture, served with the default options."""
    return await serve(device)
