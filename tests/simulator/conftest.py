"""Fixtures of the emulated device's tests: short-running actions, a device and a client factory.

Every test runs on a frozen loop clock (`clock`): the device's runs, delays and other clients
move on only as far as the test advances it.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
import math
import selectors
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


# Loop turns a test waits at most for something that needs no time to pass: far more than an
# exchange over loopback takes, which needs turns only.
TURNS = 1000
# Real seconds the loop waits for I/O before it is found waiting for the frozen clock instead.
# Loopback delivers within the write: only a test awaiting time it never lets pass waits so long.
STALL_AFTER = 5.0


async def eventually(predicate: Callable[[], bool]) -> None:
    """Turn the loop until ``predicate()`` holds; fail after TURNS turns. No time passes."""
    for _ in range(TURNS):
        if predicate():
            return
        await asyncio.sleep(0)
    assert predicate(), "the condition did not come true within the loop turns allowed"


Select = Callable[[float | None], list[tuple[selectors.SelectorKey, int]]]


class LoopClock:
    """The running event loop's clock, frozen: time passes only when the test advances it.

    Timers fall due as on a real clock, each at its own time. A wait that only a timer could end
    is a stall: the clock moves on to the timer, and the test fails at its end.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._select: Select = loop._selector.select  # type: ignore[attr-defined]
        self.now = loop.time()
        self.stalls = 0

    def __call__(self) -> float:
        return self.now

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        """The loop's wait for I/O; a positive timeout is the wait for its next timer."""
        if timeout is None or timeout <= 0:
            return self._select(timeout)
        events = self._select(0 if self.stalls else STALL_AFTER)
        if not events:
            # Nothing but time would wake the loop, which on a frozen clock would wait forever:
            # the clock moves on to the timer it waits for.
            self.stalls += 1
            self.now = max(self.now, self._loop._scheduled[0].when())  # type: ignore[attr-defined]
        return events

    async def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass: each timer falls due in turn, and what it wakes runs to rest."""
        end = self.now + seconds
        await self._settle()
        while (due := self._next_due()) <= end:
            self.now = max(self.now, due)
            await self._settle()
        self.now = end
        await self._settle()

    async def _settle(self) -> None:
        """Turn the loop until nothing is left to run but what waits for the clock."""
        # A turn that finds nothing more to run may still leave a socket to poll: what ran before
        # it wrote to loopback, which the next turn reads. Two such turns in a row leave only the
        # timers (loopback delivers within the write).
        quiet = 0
        for _ in range(TURNS):
            await asyncio.sleep(0)
            quiet = 0 if self._loop._ready else quiet + 1  # type: ignore[attr-defined]
            if quiet == 2:
                return
        pytest.fail("the event loop never came to rest")

    async def at_once[T](self, awaitable: Awaitable[T]) -> T:
        """Await what needs no time to pass: fail, rather than wait forever, if it waits for it."""
        task = asyncio.ensure_future(awaitable)
        for _ in range(TURNS):
            if task.done():
                return task.result()
            await asyncio.sleep(0)
        task.cancel()
        pytest.fail("not there at once: it waits for time to pass")

    def _next_due(self) -> float:
        timers: list[asyncio.TimerHandle] = self._loop._scheduled  # type: ignore[attr-defined]
        return min((timer.when() for timer in timers if not timer.cancelled()), default=math.inf)


@pytest.fixture(autouse=True)
async def clock(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[LoopClock]:
    """Every test here on a frozen loop clock: its timers fall due when the test advances it."""
    loop = asyncio.get_running_loop()
    frozen = LoopClock(loop)
    monkeypatch.setattr(loop, "time", frozen)
    monkeypatch.setattr(loop._selector, "select", frozen.select)  # type: ignore[attr-defined]
    yield frozen
    if frozen.stalls:
        pytest.fail(f"the loop waited {frozen.stalls} time(s) for time the test never let pass")


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
