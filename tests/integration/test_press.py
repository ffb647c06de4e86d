"""A press tells the truth: it waits for its run, up to 10 s, and raises when the run did not work.

The frontend shows a press as failed exactly when `button.press` raises. Presses under way are
awaited by these tests themselves: Home Assistant's harness would wait for them whenever it lets
things settle.
"""

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    async_fire_time_changed_exact,
)

from custom_components.ww_go.const import PRESS_WAIT
from simulator import Device, RequestDefinition

from .conftest import ACTIONS, action, advance
from .helpers import event, press, states

pytestmark = pytest.mark.usefixtures("init_integration")

PUMP = action("pump", "Pump", RequestDefinition("modbus", -104, 0.05))
WATERING = action("watering", "Watering", RequestDefinition("http", 200, 0.8))
LONG = action("long", "Long run", RequestDefinition("http", 201, 14.0))
MIXER = action("mixer", "Mixer", RequestDefinition("http", 200, 0.6))
FEEDER = action("feeder", "Feeder", RequestDefinition("http", 200, 0.6))


@pytest.fixture
def actions() -> tuple[Any, ...]:
    """The usual actions, and some that run longer."""
    return (*ACTIONS, PUMP, WATERING, LONG, MIXER, FEEDER)


async def _when_running(hass: HomeAssistant, slug: str, press_task: asyncio.Task[None]) -> None:
    """Turn the loop until the run is shown running (or the press ended)."""
    await _until(lambda: press_task.done() or states(hass, slug)["run_state"] == "running")


async def _until(condition: Callable[[], bool]) -> None:
    """Turn the loop, without letting any time pass, until `condition` holds."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let `seconds` pass on the frozen clock, and run what came due."""
    freezer.tick(seconds)
    async_fire_time_changed_exact(hass)
    for _ in range(100):
        await asyncio.sleep(0)


@pytest.mark.parametrize(
    ("slug", "message", "code", "description"),
    [
        ("failing_http_request", "Failing HTTP request failed: 404 Not Found", 404, "Not Found"),
        ("pump", "Pump failed: -104 Slave device failure", -104, "Slave device failure"),
        (
            "three_requests",
            "Three requests failed: -104 Slave device failure",
            -104,
            "Slave device failure",
        ),
    ],
)
async def test_a_failing_run_fails_the_press(
    hass: HomeAssistant, slug: str, message: str, code: int, description: str
) -> None:
    with pytest.raises(HomeAssistantError) as err:
        await press(hass, slug)
    assert err.value.translation_key == "run_failed"
    assert str(err.value) == message
    # The entities said so before the press did.
    found = states(hass, slug)
    assert (found["run_state"], found["result_code"], found["problem"]) == (
        "failure",
        str(code),
        "on",
    )
    fired = event(hass, slug).attributes
    assert (fired["event_type"], fired["code"], fired["description"]) == (
        "failure",
        code,
        description,
    )


async def test_a_succeeding_run_returns_once_its_result_is_shown(
    hass: HomeAssistant, device: Device
) -> None:
    await press(hass, "watering")
    assert not device.is_running("watering")  # it waited for the device to run it
    found = states(hass, "watering")
    assert (found["run_state"], found["result_code"], found["problem"]) == (
        "success",
        "200",
        "off",
    )
    assert event(hass, "watering").attributes["event_type"] == "success"
    assert device.stats()["requests"]["call"] == 1


@pytest.mark.parametrize("busy", [False, True], ids=["running", "queued"])
async def test_a_run_still_going_after_ten_seconds_leaves_the_press_and_is_followed(
    hass: HomeAssistant, device: Device, freezer: FrozenDateTimeFactory, busy: bool
) -> None:
    if busy:
        device.max_executing = 0  # the device refuses the call as busy: the run waits queued
    pressing = hass.async_create_task(press(hass, "long_run"))
    for _ in range(1000):
        if pressing.done() or states(hass, "long_run")["run_state"] != "unknown":
            break
        await asyncio.sleep(0)
    shown = "queued" if busy else "running"
    assert states(hass, "long_run")["run_state"] == shown
    assert not pressing.done()
    # The harness fires what is due up to half a second later than asked.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=PRESS_WAIT - 1))
    for _ in range(100):
        await asyncio.sleep(0)
    assert not pressing.done()  # still waiting at 9.5 s
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=PRESS_WAIT))
    for _ in range(100):
        await asyncio.sleep(0)
    assert pressing.done()
    await pressing  # returned, without an error
    assert states(hass, "long_run")["run_state"] == shown

    device.max_executing = 20
    for _ in range(5):
        freezer.tick(5)
        await advance(hass, 5)
    found = states(hass, "long_run")
    assert (found["run_state"], found["result_code"]) == ("success", "201")
    assert event(hass, "long_run").attributes["event_type"] == "success"


async def test_a_press_comes_back_ten_seconds_after_it_was_pressed_however_slow_the_device(
    hass: HomeAssistant, device: Device, freezer: FrozenDateTimeFactory
) -> None:
    """The ten seconds count from the press: a device slow to answer the call counts too."""
    device.faults.delay = 8.0  # the device answers every request 8 s after it was sent
    pressing = hass.async_create_task(press(hass, "long_run"))
    for _ in range(17):  # the device accepts the run 8 to 8.5 s after the press
        await _tick(hass, freezer, 0.5)
    assert states(hass, "long_run")["run_state"] == "running"
    await _tick(hass, freezer, 1.0)
    assert not pressing.done()
    await _tick(hass, freezer, 1.0)  # 10.5 s after the press
    assert pressing.done()
    await pressing  # without an error: the run goes on, and its entities follow it
    assert states(hass, "long_run")["run_state"] == "running"
    device.faults.delay = 0.0
    for _ in range(4):
        await _tick(hass, freezer, 5)
        await advance(hass, 0)
    found = states(hass, "long_run")
    assert (found["run_state"], found["result_code"]) == ("success", "201")


async def test_presses_of_two_actions_wait_side_by_side(
    hass: HomeAssistant, device: Device
) -> None:
    both_running = False

    async def watch() -> None:
        nonlocal both_running
        while not both_running:
            both_running = device.is_running("mixer") and device.is_running("feeder")
            await asyncio.sleep(0.01)

    watching = asyncio.create_task(watch())
    await asyncio.gather(press(hass, "mixer"), press(hass, "feeder"))
    watching.cancel()
    assert both_running  # the second was called while the first ran, not after it
    assert (states(hass, "mixer")["run_state"], states(hass, "feeder")["run_state"]) == (
        "success",
        "success",
    )


async def test_a_result_pushed_out_of_the_window_fails_the_press(
    hass: HomeAssistant, device: Device
) -> None:
    pressing = hass.async_create_task(press(hass, "watering"))
    await _when_running(hass, "watering", pressing)
    device.advance_external(40)  # other clients' runs push its status out before it is read
    with pytest.raises(HomeAssistantError) as err:
        await asyncio.wait_for(pressing, 5)
    assert err.value.translation_key == "run_evicted"
    assert "Watering" in str(err.value)
    found = states(hass, "watering")
    assert (found["run_state"], found["problem"]) == ("expired", "on")


@pytest.mark.parametrize(
    ("prepare", "key"),
    [("offline", "cannot_connect"), ("running", "action_running")],
)
async def test_a_refusal_fails_the_press_at_once(
    hass: HomeAssistant, device: Device, prepare: str, key: str
) -> None:
    pressing: asyncio.Task[None] | None = None
    if prepare == "offline":
        device.faults.offline = True
    else:
        pressing = hass.async_create_task(press(hass, "long_run"))
        await _when_running(hass, "long_run", pressing)
    refused = hass.async_create_task(press(hass, "long_run"))
    await _until(refused.done)  # at once: without any time passing
    with pytest.raises(HomeAssistantError) as err:
        await refused
    assert err.value.translation_key == key
    if pressing is not None:
        pressing.cancel()  # the first press would wait its 10 s
