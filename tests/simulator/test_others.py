"""Other clients of the device, each running one action on its schedule."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Protocol

import pytest

from simulator import (
    ActionDefinition,
    Device,
    OtherClient,
    OtherClients,
    RequestDefinition,
)

from .conftest import FIRST_ID, SEQUENCE_STEP, LoopClock, eventually, make_device


class Turns:
    """A sleep the test ends by hand: other clients wait in it until the test gives them a turn."""

    def __init__(self) -> None:
        self.asked: list[float] = []
        self._waiting: list[asyncio.Future[None]] = []

    async def __call__(self, delay: float) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self.asked.append(delay)
        self._waiting.append(waiter)
        await waiter

    @property
    def waiting(self) -> int:
        """The clients waiting for their turn."""
        return len(self._waiting)

    async def next(self) -> None:
        """End every sleep going on, and let each client go on until it sleeps again."""
        waiting, self._waiting = self._waiting, []
        for waiter in waiting:
            waiter.set_result(None)
        await eventually(lambda: self.waiting == len(waiting))


@pytest.fixture
def turns() -> Turns:
    return Turns()


class Start(Protocol):
    """Starts other clients on a device, the turns their sleep, and waits until each sleeps."""

    async def __call__(self, device: Device, *others: OtherClient) -> OtherClients: ...


@pytest.fixture
async def start(turns: Turns) -> AsyncIterator[Start]:
    """Start other clients stepped by the turns; they are closed at the end of the test."""
    made: list[OtherClients] = []

    async def starter(device: Device, *others: OtherClient) -> OtherClients:
        clients = OtherClients(device, others, sleep=turns)
        made.append(clients)
        clients.start()
        await eventually(lambda: turns.waiting == len(others))
        return clients

    yield starter
    for clients in made:
        await clients.aclose()


def actions_of(device: Device) -> list[str]:
    return [str(entry["action_id"]) for entry in device.statuses(device.status_ids)]


async def test_a_client_waits_then_runs_its_action_every_turn(
    device: Device, clock: LoopClock, turns: Turns, start: Start
) -> None:
    await start(device, OtherClient("http_not_found", 5.0, first=2.0))
    assert turns.asked == [2.0]
    assert device.status_ids == []
    await turns.next()
    assert device.status_ids == [FIRST_ID]
    assert device.is_running("http_not_found")
    assert turns.asked == [2.0, 5.0]
    await clock.advance(0.02)
    await turns.next()
    assert device.status_ids == [FIRST_ID, FIRST_ID + 1]
    await clock.advance(0.02)
    assert [entry["code"] for entry in device.statuses(device.status_ids)] == [404, 404]
    assert turns.asked == [2.0, 5.0, 5.0]
    assert device.stats()["requests"]["call"] == 0


async def test_first_run_after_one_interval_by_default(
    device: Device, turns: Turns, start: Start
) -> None:
    await start(device, OtherClient("1", 45.0))
    assert turns.asked == [45.0]


async def test_each_client_on_its_own_schedule(device: Device, turns: Turns, start: Start) -> None:
    await start(
        device,
        OtherClient("1", 60.0, first=20.0),
        OtherClient("modbus_write", 90.0, first=40.0),
    )
    assert sorted(turns.asked) == [20.0, 40.0]
    await turns.next()
    assert sorted(actions_of(device)) == ["1", "modbus_write"]
    assert sorted(turns.asked[2:]) == [60.0, 90.0]


async def test_a_run_refused_as_still_running_is_skipped(
    device: Device, turns: Turns, start: Start
) -> None:
    clients = await start(device, OtherClient("slow", 1.0, first=0.0))
    await turns.next()
    assert device.status_ids == [FIRST_ID]
    await turns.next()  # the run of "slow" goes on: refused with 409
    assert device.status_ids == [FIRST_ID]
    assert clients.running
    await device.aclose()  # the run ends
    await turns.next()
    assert device.status_ids == [FIRST_ID, FIRST_ID + 1]
    assert device.stats()["call_rejected"]["409"] == 0


async def test_a_run_refused_as_busy_is_skipped(
    clock: LoopClock, turns: Turns, start: Start
) -> None:
    device = make_device(max_executing=3)
    await start(device, OtherClient("1", 1.0))
    ids = device.call("sequence")
    await turns.next()  # three requests in progress: refused with 429
    assert device.status_ids == ids
    await clock.advance(3 * SEQUENCE_STEP)
    await turns.next()
    assert device.status_ids == [*ids, ids[-1] + 1]
    await device.aclose()


async def test_a_removed_action_is_skipped_until_it_is_back(
    device: Device, turns: Turns, start: Start
) -> None:
    await start(device, OtherClient("now", 1.0))
    await turns.next()  # no action "now" yet: refused with 404
    assert device.status_ids == []
    device.set_actions([ActionDefinition("now", "Now", (RequestDefinition("http", 200, 0.0),))])
    await turns.next()
    assert actions_of(device) == ["now"]


async def test_closing_stops_the_clients_not_their_runs(
    device: Device, turns: Turns, start: Start
) -> None:
    clients = await start(device, OtherClient("slow", 1.0, first=0.0))
    await turns.next()
    assert clients.running
    await clients.aclose()
    assert not clients.running
    assert device.is_running("slow")
    await clients.aclose()  # closing twice is harmless


async def test_closing_before_the_start_is_harmless(device: Device) -> None:
    clients = OtherClients(device, [OtherClient("1", 1.0)])
    assert clients.others == (OtherClient("1", 1.0),)
    assert not clients.running
    await clients.aclose()
    assert device.status_ids == []


async def test_clients_on_the_event_loops_clock(device: Device, clock: LoopClock) -> None:
    clients = OtherClients(device, [OtherClient("1", 0.5, first=0.25)])
    clients.start()
    # A run when the first wait is over, then one each time the interval is, and none between.
    for step, ran in ((0.2, 0), (0.05, 1), (0.45, 1), (0.05, 2), (0.5, 3)):
        await clock.advance(step)
        assert len(device.status_ids) == ran
    await clients.aclose()
    assert set(actions_of(device)) == {"1"}
    assert device.stats()["requests"]["call"] == 0
