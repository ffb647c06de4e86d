"""What was kept loads in every later release: each store format ever written, and a later one.

Each file in fixtures/ is a whole Home Assistant storage file, all of one moment: "Fast HTTP
request" succeeded (200), "Failing HTTP request" failed (404), and a run of "Pump" (two requests,
status IDs 102 and 103) was accepted at 15:00:12 and still running when Home Assistant stopped.
Versions 1, 2 and 3 are what the releases that wrote them saved at that stop; 3.2 is version 3
with keys a later minor version might add, at every level this release reads.

The pump's run is taken up two ways: the device still runs it (started on the emulated device
before set-up, it gets the same status IDs, as IDs count from 100), so that it is followed to its
end; or the device restarted while Home Assistant was down and holds none of its IDs, so that it
ends expired, lost while stopped.
"""

import asyncio
from datetime import UTC, datetime
import json
import logging
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ww_go.const import DOMAIN
from simulator import ActionDefinition, Device, RequestDefinition

from .conftest import ACTIONS, action, advance, finish_runs
from .helpers import event, event_types, run_events, states
from .restart import restarted

FIXTURES = Path(__file__).parent / "fixtures"
FORMATS = ["store_v1.json", "store_v2.json", "store_v3.json", "store_v3_2.json"]
# What store_v3_2.json adds to version 3.
LATER_KEYS = {"schedules", "paused_until", "status_window", "retries", "kind", "icon"}
# Home Assistant starts again a few seconds after the stop that wrote the files.
RESTART = datetime(2026, 12, 3, 15, 0, 20, tzinfo=UTC)
REQUEST_TIME = 30.0
PUMP = action(
    "pump",
    "Pump",
    RequestDefinition("http", 200, REQUEST_TIME),
    RequestDefinition("http", 201, REQUEST_TIME),
)
# Each action's last run before the restart, as its entities show it.
SHOWN = {
    "fast_http_request": {
        "result_code": "200",
        "execution_time": "0.01",
        "run_state": "success",
        "problem": "off",
        "event": "2026-12-03T15:00:01.000+00:00",
    },
    "failing_http_request": {
        "result_code": "404",
        "execution_time": "0.01",
        "run_state": "failure",
        "problem": "on",
        "event": "2026-12-03T15:00:07.000+00:00",
    },
}
EVENTS = {
    "fast_http_request": {
        "event_type": "success",
        "reason": "succeeded",
        "code": 200,
        "description": "OK",
        "status_ids": [100],
        "requests": [
            {"id": 100, "code": 200, "exe_time": 0.01, "state": "success", "description": "OK"}
        ],
    },
    "failing_http_request": {
        "event_type": "failure",
        "reason": "failed",
        "code": 404,
        "description": "Not Found",
        "status_ids": [101],
        "requests": [
            {
                "id": 101,
                "code": 404,
                "exe_time": 0.01,
                "state": "failure",
                "description": "Not Found",
            }
        ],
    },
}
# When the device accepted the pump's run: its age goes on from there.
PUMP_ACCEPTED = "2026-12-03T15:00:12+00:00"
LOST = "The device no longer holds this result: it was lost while Home Assistant was not running"


@pytest.fixture
def actions() -> tuple[ActionDefinition, ...]:
    """The device's actions when the files were written."""
    return (*ACTIONS, PUMP)


@pytest.fixture
def restart_time(freezer: FrozenDateTimeFactory) -> None:
    """Home Assistant's clock just after the files were written: the pump's run is seconds old."""
    freezer.move_to(RESTART)


def _file(name: str) -> dict[str, Any]:
    stored: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return stored


def _key(entry: MockConfigEntry) -> str:
    return f"{DOMAIN}.{entry.entry_id}"


async def _set_up(
    hass: HomeAssistant, storage: dict[str, Any], entry: MockConfigEntry, stored: dict[str, Any]
) -> None:
    """Home Assistant starts with `stored` on disk as the entry's store."""
    assert stored["key"] == _key(entry)
    storage[_key(entry)] = stored
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _device_as_left(device: Device, freezer: FrozenDateTimeFactory) -> None:
    """The device as Home Assistant left it when it wrote the files: the pump still runs.

    The same calls in the same order: the status IDs are those kept.
    """
    assert device.call("1") == [100]
    assert device.call("http_not_found") == [101]
    await asyncio.sleep(0)  # their requests start, on a clock that moves only when told
    freezer.tick(1)
    await device.wait_idle()
    assert device.call("pump") == [102, 103]
    device.reset_stats()


async def _pump_ends(hass: HomeAssistant, device: Device, freezer: FrozenDateTimeFactory) -> None:
    """Let the pump's two requests run, one after the other, and the integration read them.

    A second at a time: a jump would time out the health check under way.
    """
    for _ in range(round(2 * REQUEST_TIME) + 1):
        freezer.tick(1)
        await advance(hass, 0)
    await finish_runs(hass, device)


def _assert_shown_as_before(hass: HomeAssistant) -> None:
    for slug, shown in SHOWN.items():
        found = states(hass, slug)
        assert {key: found[key] for key in shown} == shown, slug
        attributes = event(hass, slug).attributes
        assert {key: attributes.get(key) for key in EVENTS[slug]} == EVENTS[slug], slug


def _store_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What the integration and Home Assistant's storage logged at WARNING or above."""
    sources = (f"custom_components.{DOMAIN}", "homeassistant.helpers.storage")
    return [
        record
        for record in caplog.records
        if record.levelno >= logging.WARNING and record.name.startswith(sources)
    ]


def _keys(data: object) -> set[str]:
    """Every key of every object in `data`, however deep."""
    if isinstance(data, dict):
        return {str(key) for key in data}.union(*(_keys(value) for value in data.values()))
    if isinstance(data, list):
        return set().union(*(_keys(item) for item in data))
    return set()


def _assert_saved_by_this_release(storage: dict[str, Any], entry: MockConfigEntry) -> None:
    saved = storage[_key(entry)]
    assert (saved["version"], saved["minor_version"]) == (3, 1)
    # This release wrote it whole: nothing a later one added is left behind under its version.
    assert not _keys(saved["data"]) & LATER_KEYS
    assert {run["action_id"] for run in saved["data"]["last_runs"]} == {
        "1",
        "http_not_found",
        "pump",
    }


async def _nothing_reported_again(
    hass: HomeAssistant, entry: MockConfigEntry, device: Device, shown: dict[str, str]
) -> None:
    """A further restart, from the file this release wrote: the same shown, no event again."""
    async with restarted(hass, entry) as new:
        fired = run_events(new)
        await finish_runs(new, device)
        assert event_types(fired) == []
        _assert_shown_as_before(new)
        assert states(new, "pump") == shown


@pytest.mark.usefixtures("restart_time")
@pytest.mark.parametrize("name", FORMATS)
async def test_the_run_in_flight_is_taken_up_and_reported_once(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    config_entry: MockConfigEntry,
    device: Device,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:
    """The device still runs the pump (the same status IDs): it is followed to its end."""
    await _device_as_left(device, freezer)
    fired = run_events(hass)
    await _set_up(hass, hass_storage, config_entry, _file(name))

    _assert_shown_as_before(hass)
    assert states(hass, "pump")["run_state"] == "running"
    # No time has passed for Home Assistant's timers: the read came with the set-up, the run in
    # flight first (then the IDs after the newest known: other clients' runs meanwhile).
    [batch] = device.stats()["status_ids_per_request"]
    assert batch[:2] == [102, 103]
    assert _store_warnings(caplog) == []

    await _pump_ends(hass, device, freezer)
    found = states(hass, "pump")
    assert (found["run_state"], found["result_code"], found["problem"]) == ("success", "201", "off")
    assert float(found["execution_time"]) == pytest.approx(2 * REQUEST_TIME)
    assert [state.entity_id for state in fired] == ["event.ww_go_pump_run"]
    assert event_types(fired) == ["success"]
    assert event(hass, "pump").attributes["accepted_at"] == PUMP_ACCEPTED
    _assert_shown_as_before(hass)
    _assert_saved_by_this_release(hass_storage, config_entry)

    await _nothing_reported_again(hass, config_entry, device, found)
    assert _store_warnings(caplog) == []


@pytest.mark.usefixtures("restart_time")
@pytest.mark.parametrize("name", FORMATS)
async def test_a_run_lost_while_home_assistant_was_down_is_reported_once(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    config_entry: MockConfigEntry,
    device: Device,
    caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:
    """The device restarted while Home Assistant was down: it holds none of the pump's IDs."""
    fired = run_events(hass)
    await _set_up(hass, hass_storage, config_entry, _file(name))
    await advance(hass, 1)

    _assert_shown_as_before(hass)
    [batch] = device.stats()["status_ids_per_request"]
    assert batch[:2] == [102, 103]
    found = states(hass, "pump")
    assert (found["run_state"], found["result_code"], found["problem"]) == (
        "expired",
        "unknown",
        "on",
    )
    pump = event(hass, "pump").attributes
    assert (pump["reason"], pump["description"]) == ("lost_while_stopped", LOST)
    assert pump["accepted_at"] == PUMP_ACCEPTED
    assert [state.entity_id for state in fired] == ["event.ww_go_pump_run"]
    assert event_types(fired) == ["expired"]
    _assert_saved_by_this_release(hass_storage, config_entry)

    await _nothing_reported_again(hass, config_entry, device, found)
    assert _store_warnings(caplog) == []


@pytest.mark.usefixtures("restart_time")
async def test_a_later_major_version_starts_afresh_with_one_warning(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    config_entry: MockConfigEntry,
    device: Device,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A downgrade past a change this release would read wrongly: nothing of it is shown."""
    stored = {**_file("store_v3.json"), "version": 4}
    await _set_up(hass, hass_storage, config_entry, stored)

    [warning] = _store_warnings(caplog)
    assert "starting afresh" in warning.getMessage()
    assert warning.exc_info is None
    assert "Traceback" not in caplog.text
    for slug in ("fast_http_request", "failing_http_request", "pump"):
        assert states(hass, slug)["run_state"] == "unknown", slug
    # Nothing kept: where the device's IDs stand is looked for (IDs 40 apart), nothing more.
    assert device.stats()["status_ids_per_request"] == [list(range(1, 1601, 40))]
