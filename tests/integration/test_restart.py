"""Nothing forgotten across a restart: runs in flight followed, entities show what they showed."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ww_go.const import DOMAIN
from simulator import Device, RequestDefinition

from .conftest import ACTIONS, action, advance, finish_runs
from .helpers import call_action, event, event_types, press, run_events, start_run, states
from .restart import restarted

SLUG = "pump"


def _pump(code: int, duration: float) -> tuple[Any, ...]:
    """The device's actions with a "Pump" action ending with `code` after `duration` seconds."""
    return (*ACTIONS, action("pump", "Pump", RequestDefinition("http", code, duration)))


def _store_key(entry: MockConfigEntry) -> str:
    return f"{DOMAIN}.{entry.entry_id}"


@pytest.fixture
def actions() -> tuple[Any, ...]:
    """A pump that fails with 404 at once; tests make it run longer."""
    return _pump(404, 0.01)


async def _failed_then_long_run(hass: HomeAssistant, device: Device, code: int = 201) -> None:
    """A first run fails with 404; the next one, pressed now, runs 1 s and ends with `code`."""
    await start_run(hass, SLUG)
    await finish_runs(hass, device)
    assert states(hass, SLUG)["result_code"] == "404"
    device.set_actions(_pump(code, 1.0))
    await start_run(hass, SLUG)
    assert states(hass, SLUG)["run_state"] == "running"


async def test_a_run_in_flight_is_followed_after_a_restart(
    hass: HomeAssistant, device: Device, init_integration: MockConfigEntry
) -> None:
    await _failed_then_long_run(hass, device)
    async with restarted(hass, init_integration) as new:
        # Before any read: what was shown before the restart.
        found = states(new, SLUG)
        assert (found["run_state"], found["result_code"], found["problem"]) == (
            "running",
            "404",
            "on",
        )
        assert float(found["execution_time"]) == pytest.approx(0.01)
        assert event(new, SLUG).attributes["event_type"] == "failure"
        fired = run_events(new, SLUG)
        await finish_runs(new, device)
        found = states(new, SLUG)
        assert (found["run_state"], found["result_code"], found["problem"]) == (
            "success",
            "201",
            "off",
        )
        assert event_types(fired) == ["success"]


async def test_runs_in_flight_are_read_at_once_after_the_restart(
    hass: HomeAssistant, device: Device, init_integration: MockConfigEntry
) -> None:
    await _failed_then_long_run(hass, device)
    device.reset_stats()
    async with restarted(hass, init_integration):
        # No time has passed for Home Assistant's timers: the read came with the set-up, with the
        # run in flight, the IDs after it (other clients' runs meanwhile), and some where IDs
        # start (did the device restart meanwhile?).
        [batch] = device.stats()["status_ids_per_request"]
        assert 101 in batch
        assert set(range(102, 122)) <= set(batch)
        assert {1, 41} <= set(batch)


async def test_two_restarts_in_a_row_report_the_run_once(
    hass: HomeAssistant, device: Device, init_integration: MockConfigEntry
) -> None:
    await _failed_then_long_run(hass, device)
    async with restarted(hass, init_integration) as second:
        fired = run_events(second, SLUG)
        await finish_runs(second, device)
        assert event_types(fired) == ["success"]
        async with restarted(second, init_integration) as third:
            fired = run_events(third, SLUG)
            await finish_runs(third, device)
            assert event_types(fired) == []
            assert states(third, SLUG)["result_code"] == "201"
            assert event(third, SLUG).attributes["event_type"] == "success"


async def test_a_reload_follows_the_run(
    hass: HomeAssistant, device: Device, init_integration: MockConfigEntry
) -> None:
    await _failed_then_long_run(hass, device)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert states(hass, SLUG)["run_state"] == "running"
    await finish_runs(hass, device)
    assert states(hass, SLUG)["result_code"] == "201"


LOST = "The device no longer holds this result: it was lost while Home Assistant was not running"


async def _evict(device: Device) -> None:
    device.advance_external(40)


async def _reboot(device: Device) -> None:
    await device.reboot(first_status_id=1)


@pytest.mark.parametrize("while_down", [_evict, _reboot], ids=["evicted", "rebooted"])
async def test_a_result_lost_while_home_assistant_was_down_expires(
    hass: HomeAssistant,
    device: Device,
    init_integration: MockConfigEntry,
    while_down: Callable[[Device], Awaitable[None]],
) -> None:
    await _failed_then_long_run(hass, device)
    async with restarted(hass, init_integration, lambda: while_down(device)) as new:
        await advance(new, 1)
        found = states(new, SLUG)
        assert (found["run_state"], found["problem"]) == ("expired", "on")
        assert event(new, SLUG).attributes["description"] == LOST


async def test_a_press_during_the_run_from_before_the_restart(
    hass: HomeAssistant, device: Device, init_integration: MockConfigEntry
) -> None:
    await _failed_then_long_run(hass, device)
    async with restarted(hass, init_integration) as new:
        with pytest.raises(HomeAssistantError) as err:
            await press(new, SLUG)
        assert err.value.translation_key == "action_running"
        assert "from before Home Assistant restarted" in str(err.value)
        assert states(new, SLUG)["run_state"] == "running"


async def test_a_call_waiting_when_home_assistant_stops_ends_with_a_clear_error(
    hass: HomeAssistant, device: Device, device_id: str
) -> None:
    device.set_actions(_pump(200, 1.0))
    # A task Home Assistant waits for when it stops, as it waits for a running script.
    waiting = hass.async_create_task(call_action(hass, device_id=device_id, action_id="pump"))
    # Loop turns, not time: the call goes to the device over loopback. Its run is shown running
    # once the device has accepted it; a few turns more and the call waits for the run's end.
    for _ in range(1000):
        if states(hass, SLUG)["run_state"] == "running":
            break
        await asyncio.sleep(0)
    else:
        pytest.fail("the device did not accept the call")
    for _ in range(100):
        await asyncio.sleep(0)
    await hass.async_stop()
    assert device.is_running("pump")
    with pytest.raises(HomeAssistantError) as err:
        await waiting
    assert err.value.translation_key == "run_not_followed"


@pytest.mark.parametrize(
    "stored",
    [
        {"version": 1, "minor_version": 1, "key": "x", "data": {"in_flight": "garbage"}},
        {"version": 1, "minor_version": 1, "key": "x", "data": ["not", "an", "object"]},
        {"version": 99, "minor_version": 1, "key": "x", "data": {}},
        {"version": 0, "minor_version": 1, "key": "x", "data": {}},
    ],
    ids=["corrupt", "wrong-shape", "newer-version", "older-version"],
)
async def test_an_unreadable_store_starts_empty_with_one_warning(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    config_entry: MockConfigEntry,
    stored: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    hass_storage[_store_key(config_entry)] = stored
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert states(hass, SLUG)["run_state"] == "unknown"
    warnings = [r for r in caplog.records if "starting afresh" in r.getMessage()]
    assert len(warnings) == 1


async def test_what_the_first_store_version_kept_is_taken_up(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    device: Device,
    init_integration: MockConfigEntry,
) -> None:
    """An update from the version that kept results by state: nothing is forgotten."""
    await _failed_then_long_run(hass, device)
    now = dt_util.utcnow().timestamp()
    first_version = {
        "in_flight": [{"action_id": SLUG, "status_ids": [101], "accepted_at": now}],
        "newest_id": 101,
        "durations": {SLUG: [0.01]},
        "ids_per_call": {SLUG: 1},
        "results": {
            SLUG: {
                "action_id": SLUG,
                "state": "failure",
                "status_ids": [100],
                "code": 404,
                "exe_time": 0.01,
                "description": "Not Found",
                "requests": [{"action_id": SLUG, "id": 100, "code": 404, "exe_time": 0.01}],
                "finished_at": now,
            }
        },
    }

    async def written_by_the_first_version() -> None:
        key = _store_key(init_integration)
        hass_storage[key] = {"version": 1, "minor_version": 1, "key": key, "data": first_version}

    async with restarted(hass, init_integration, written_by_the_first_version) as new:
        found = states(new, SLUG)
        assert (found["run_state"], found["result_code"], found["problem"]) == (
            "running",
            "404",
            "on",
        )
        fired = run_events(new, SLUG)
        await finish_runs(new, device)
        assert states(new, SLUG)["result_code"] == "201"
        assert event_types(fired) == ["success"]


async def test_the_store_goes_with_the_entry(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    device: Device,
    init_integration: MockConfigEntry,
) -> None:
    await _failed_then_long_run(hass, device)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert _store_key(init_integration) in hass_storage
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert _store_key(init_integration) not in hass_storage


async def test_a_run_keeps_its_age_across_the_restart(
    hass: HomeAssistant,
    device: Device,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Down for six minutes: the run from before is past its five, and ends as a timeout."""
    device.set_actions(_pump(200, 3600.0))
    await start_run(hass, SLUG)

    async def six_minutes() -> None:
        freezer.tick(360)

    async with restarted(hass, init_integration, six_minutes) as new:
        await advance(new, 1)
        found = states(new, SLUG)
        assert (found["run_state"], found["problem"]) == ("timeout", "on")


async def test_a_busy_home_still_saves_within_seconds(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    device: Device,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Runs ending every few seconds do not keep putting the save off."""
    key = _store_key(init_integration)
    for _ in range(4):
        await start_run(hass, "fast_http_request")
        freezer.tick(4)  # the device's clock too: its run ends
        await advance(hass, 0.5)
        await device.wait_idle()
    assert key in hass_storage  # saved within 10 s of the first change, though changes went on
    assert [run["action_id"] for run in hass_storage[key]["data"]["last_runs"]] == ["1"]
