"""Runs other clients start (the device's web page, scripts, other systems): shown and reported.

Home Assistant has called the device once in each test (a press, as a user does): from then on it
knows where the device's status IDs stand, and reads the ones after them.
"""

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Device, RequestDefinition

from .conftest import ACTIONS, action, advance, finish_runs
from .helpers import (
    attributes,
    event,
    event_types,
    press,
    run_events,
    start_run,
    states,
    store_writes,
)
from .restart import crashed, restarted

GARAGE = action("garage", "Garage", RequestDefinition("http", 201, 20.0))


@pytest.fixture
def actions() -> tuple[Any, ...]:
    """The usual actions, and one that runs for 20 s."""
    return (*ACTIONS, GARAGE)


@pytest.fixture
async def known(hass: HomeAssistant, device: Device, init_integration: MockConfigEntry) -> None:
    """Home Assistant has run an action: it knows where the device's status IDs stand."""
    await start_run(hass, "fast_http_request")
    await finish_runs(hass, device)


async def _other_runs(hass: HomeAssistant, device: Device, *action_ids: str) -> list[list[int]]:
    """Other clients run these actions, one after another; their status IDs."""
    ids = []
    for action_id in action_ids:
        ids.append(device.call_as_other(action_id))
        await device.wait_idle()
    return ids


@pytest.mark.usefixtures("known")
async def test_another_clients_failing_run_is_shown_and_reported_once(
    hass: HomeAssistant, device: Device
) -> None:
    fired = run_events(hass, "failing_http_request")
    [ids] = await _other_runs(hass, device, "http_not_found")
    await advance(hass, 61)  # the minute's look for other clients' runs
    found = states(hass, "failing_http_request")
    assert (found["run_state"], found["result_code"], found["problem"]) == ("failure", "404", "on")
    assert event_types(fired) == ["failure"]
    assert attributes(fired[0], "started_by", "reason", "code", "description", "status_ids") == {
        "started_by": "other",
        "reason": "failed",
        "code": 404,
        "description": "Not Found",
        "status_ids": ids,
    }
    for _ in range(10):
        await advance(hass, 61)
    assert len(fired) == 1


@pytest.mark.usefixtures("known")
async def test_another_clients_long_run_shows_running_then_its_result(
    hass: HomeAssistant, device: Device, freezer: FrozenDateTimeFactory
) -> None:
    fired = run_events(hass, "garage")
    device.call_as_other("garage")
    freezer.tick(61)
    await advance(hass, 0)
    assert states(hass, "garage")["run_state"] == "running"
    for _ in range(5):  # followed as Home Assistant's own runs are, to its end 20 s on
        freezer.tick(5)
        await advance(hass, 0)
    found = states(hass, "garage")
    assert (found["run_state"], found["result_code"], found["problem"]) == ("success", "201", "off")
    assert event_types(fired) == ["success"]
    assert fired[0].attributes["started_by"] == "other"


@pytest.mark.usefixtures("known")
async def test_six_runs_of_three_actions_between_two_looks_give_two_events_each(
    hass: HomeAssistant, device: Device
) -> None:
    slugs = {"1": "fast_http_request", "http_not_found": "failing_http_request"}
    slugs |= {"modbus_write": "modbus_write"}
    fired = {slug: run_events(hass, slug) for slug in slugs.values()}
    await _other_runs(hass, device, *slugs, *slugs)
    await advance(hass, 61)
    assert {slug: event_types(events) for slug, events in fired.items()} == {
        "fast_http_request": ["success", "success"],
        "failing_http_request": ["failure", "failure"],
        "modbus_write": ["success", "success"],
    }


@pytest.mark.usefixtures("known")
async def test_own_and_others_runs_interleaved_keep_their_origin(
    hass: HomeAssistant, device: Device
) -> None:
    fired = run_events(hass)
    await start_run(hass, "modbus_write")
    await _other_runs(hass, device, "http_not_found")
    await start_run(hass, "modbus_timeout")
    await _other_runs(hass, device, "modbus_write")
    await finish_runs(hass, device)
    await advance(hass, 61)
    origins = [(state.entity_id, state.attributes["started_by"]) for state in fired]
    assert sorted(origins) == [
        ("event.ww_go_failing_http_request_run", "other"),
        ("event.ww_go_modbus_timeout_run", "home_assistant"),
        ("event.ww_go_modbus_write_run", "home_assistant"),
        ("event.ww_go_modbus_write_run", "other"),
    ]


@pytest.mark.usefixtures("known")
async def test_ten_idle_minutes_cost_ten_status_requests_and_no_write(
    hass: HomeAssistant,
    device: Device,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    device.reset_stats()
    changes: list[str] = []

    @callback
    def changed(event: Event[Any]) -> None:
        changes.append(event.data["entity_id"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, changed)
    with store_writes(init_integration) as written:
        for _ in range(60):  # ten minutes, in steps shorter than a minute
            freezer.tick(10)
            await advance(hass, 0)
    assert 9 <= device.stats()["requests"]["status"] <= 10  # one a minute
    assert (changes, written) == ([], [])


async def test_with_the_option_off_nothing_is_read_while_nothing_runs(
    hass: HomeAssistant, device: Device, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={"follow_others": False})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await start_run(hass, "fast_http_request")
    await finish_runs(hass, device)
    fired = run_events(hass, "failing_http_request")
    device.reset_stats()
    await _other_runs(hass, device, "http_not_found")
    for _ in range(10):
        await advance(hass, 60)
    assert device.stats()["requests"]["status"] == 0
    assert event_types(fired) == []


@pytest.mark.usefixtures("known")
async def test_pressing_an_action_another_client_runs_fails_at_once_and_shows_that_run(
    hass: HomeAssistant, device: Device, freezer: FrozenDateTimeFactory
) -> None:
    fired = run_events(hass, "garage")
    device.call_as_other("garage")
    with pytest.raises(HomeAssistantError) as err:
        await press(hass, "garage")
    assert err.value.translation_key == "action_running_elsewhere"
    await advance(hass, 1)  # looked for at once, not at the next minute
    assert states(hass, "garage")["run_state"] == "running"
    for _ in range(5):
        freezer.tick(5)
        await advance(hass, 0)
    assert event_types(fired) == ["success"]
    assert fired[0].attributes["started_by"] == "other"


@pytest.mark.usefixtures("known")
async def test_runs_others_started_while_home_assistant_was_stopped_are_reported_once(
    hass: HomeAssistant, device: Device, init_integration: MockConfigEntry
) -> None:
    ran: list[list[int]] = []

    async def others_meanwhile() -> None:
        ran.extend(await _other_runs(hass, device, "http_not_found", "modbus_write"))

    async with restarted(hass, init_integration, others_meanwhile) as new:
        # Read as Home Assistant starts: each run's event shows it, as another client's.
        for slug, ids in zip(("failing_http_request", "modbus_write"), ran, strict=True):
            shown = event(new, slug)
            assert attributes(shown, "started_by", "status_ids") == {
                "started_by": "other",
                "status_ids": ids,
            }
        assert states(new, "failing_http_request")["result_code"] == "404"
        again = run_events(new)
        for _ in range(3):
            await advance(new, 61)
        assert event_types(again) == []  # not at the looks that follow either
        shown_at = {
            slug: event(new, slug).state for slug in ("failing_http_request", "modbus_write")
        }
        async with restarted(new, init_integration) as third:
            fired = run_events(third)
            for _ in range(3):
                await advance(third, 61)
            assert event_types(fired) == []
            assert {slug: event(third, slug).state for slug in shown_at} == shown_at


@pytest.mark.usefixtures("known")
async def test_a_crash_neither_loses_nor_repeats_another_clients_run(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    device: Device,
    init_integration: MockConfigEntry,
) -> None:
    await _other_runs(hass, device, "http_not_found")
    await advance(hass, 61)
    reported = event(hass, "failing_http_request").state
    # Killed after it was reported; another run meanwhile is reported as Home Assistant starts.
    [ids] = await _other_runs(hass, device, "modbus_write")
    async with crashed(hass, init_integration, hass_storage) as new:
        assert event(new, "failing_http_request").state == reported  # not again
        assert attributes(event(new, "modbus_write"), "started_by", "status_ids") == {
            "started_by": "other",
            "status_ids": ids,
        }
        fired = run_events(new)
        for _ in range(3):
            await advance(new, 61)
        assert event_types(fired) == []
