"""Every run reported on its own, in order, and only where it changed something."""

from collections.abc import Callable, Iterator
import contextlib
from typing import Any

from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, ServiceCall, callback
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service

from simulator import Answer, Device, RequestDefinition

from .conftest import ACTIONS, action, advance, finish_runs
from .helpers import entity_ids, event, start_run, states
from .test_readme_examples import example

FLAKY = "flaky"


def _flaky(code: int) -> tuple[Any, ...]:
    """The device's actions with a "Flaky" action that ends with `code`."""
    return (*ACTIONS, action(FLAKY, "Flaky", RequestDefinition("http", code, 0.01)))


@contextlib.contextmanager
def _history(hass: HomeAssistant, *entity_ids: str) -> Iterator[list[tuple[str, str]]]:
    """The states these entities pass through, in order: (entity ID, state)."""
    seen: list[tuple[str, str]] = []

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] in entity_ids and (new := event.data["new_state"]):
            seen.append((new.entity_id, new.state))

    remove = hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    try:
        yield seen
    finally:
        remove()


@contextlib.contextmanager
def _writes(hass: HomeAssistant) -> Iterator[list[str]]:
    """Every state written (changed or only reported again), by entity ID."""
    written: list[str] = []

    @callback
    def record(event: Event[Any]) -> None:
        written.append(event.data["entity_id"])

    @callback
    def every(_: object) -> bool:
        return True

    removers: list[Callable[[], None]] = [
        hass.bus.async_listen(kind, record, event_filter=every)
        for kind in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED)
    ]
    try:
        yield written
    finally:
        for remove in removers:
            remove()


@pytest.mark.parametrize("actions", [_flaky(500)])
@pytest.mark.usefixtures("init_integration")
async def test_two_runs_ending_in_one_read_are_both_reported(
    hass: HomeAssistant, device: Device
) -> None:
    """A run fails; pressed again, the next one succeeds; one read returns both."""
    ids = entity_ids(FLAKY)
    with _history(hass, ids["event"], ids["problem"], ids["run_state"]) as seen:
        await start_run(hass, FLAKY)
        # The device answers status reads with 429 for a while: results wait on it.
        device.faults.answer = Answer("status", 429, headers={"Retry-After": "3"})
        await device.wait_idle()
        device.set_actions(_flaky(200))
        await start_run(hass, FLAKY)
        await device.wait_idle()
        device.faults.answer = None
        await advance(hass, 4)

    events = [hass.states.get(ids["event"])]
    assert events[0] is not None
    problem = [state for entity_id, state in seen if entity_id == ids["problem"]]
    assert problem == ["on", "off"]  # the failure is in the problem sensor's history
    run_states = [state for entity_id, state in seen if entity_id == ids["run_state"]]
    assert run_states == ["running", "failure", "running", "success"]
    fired = [state for entity_id, state in seen if entity_id == ids["event"]]
    assert len(fired) == 2
    assert event(hass, "flaky").attributes["event_type"] == "success"


@pytest.mark.parametrize("actions", [_flaky(200)])
@pytest.mark.usefixtures("init_integration")
async def test_fifty_presses_each_right_after_the_last_run_ended(
    hass: HomeAssistant, device: Device
) -> None:
    """Pressed again the moment each run ends, alternating results: every run is an event."""
    fired: list[str] = []

    @callback
    def record(changed: Event[EventStateChangedData]) -> None:
        new = changed.data["new_state"]
        if changed.data["entity_id"] == entity_ids(FLAKY)["event"] and new is not None:
            fired.append(new.attributes["event_type"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    expected = []
    for number in range(50):
        code = 200 if number % 2 else 404
        device.set_actions(_flaky(code))
        expected.append("success" if code == 200 else "failure")
        await start_run(hass, FLAKY)
        await device.wait_idle()
    await finish_runs(hass, device)
    assert fired == expected


MANY = tuple(
    action(f"a{n}", f"Action {n}", RequestDefinition("http", 200, 0.01)) for n in range(50)
)


@pytest.mark.parametrize("actions", [MANY])
@pytest.mark.usefixtures("init_integration")
async def test_a_read_writes_only_the_entities_of_the_action_it_changed(
    hass: HomeAssistant, device: Device
) -> None:
    await start_run(hass, "action_7")
    await device.wait_idle()
    with _writes(hass) as written:
        await advance(hass, 2)
    assert states(hass, "action_7")["run_state"] == "success"
    assert written
    assert set(written) <= set(entity_ids("action_7").values())
    assert len(written) <= 6


@pytest.mark.parametrize("actions", [MANY])
@pytest.mark.usefixtures("init_integration")
async def test_a_health_check_that_changes_nothing_writes_nothing(
    hass: HomeAssistant, device: Device
) -> None:
    with _writes(hass) as written:
        for _ in range(5):
            await advance(hass, 61)
    assert device.stats()["requests"]["actions"] >= 5
    assert written == []


@pytest.fixture
def notifications(hass: HomeAssistant) -> list[ServiceCall]:
    """The notifications the README's examples send."""
    return async_mock_service(hass, "persistent_notification", "create")


@pytest.mark.usefixtures("init_integration")
async def test_a_failure_read_right_after_an_outage_is_caught_by_the_readme_automation(
    hass: HomeAssistant, device: Device, notifications: list[ServiceCall]
) -> None:
    assert await async_setup_component(
        hass, "automation", {"automation": [example("automation-event")]}
    )
    await start_run(hass, "modbus_timeout")
    device.faults.offline = True
    await advance(hass, 1)
    assert states(hass, "modbus_timeout")["run_state"] == "unavailable"
    await device.wait_idle()  # the run fails on the device while it cannot be reached
    device.faults.offline = False
    await advance(hass, 6)
    assert states(hass, "modbus_timeout")["run_state"] == "failure"
    assert [call.data["message"] for call in notifications] == [
        "Modbus timeout failed: Response receive timeout (code -3)."
    ]
