"""A crash loses no run and reports none twice: what a power cut leaves on disk is enough.

A run the device accepted is on disk before it is shown running, and a run's end before it is
shown ended; status reads write nothing.
"""

from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Device, RequestDefinition

from .conftest import ACTIONS, action, advance, finish_runs
from .helpers import (
    attributes,
    event,
    event_types,
    run_events,
    start_run,
    states,
    store_writes,
)
from .restart import crashed

EVENT_DATA = ("event_type", "reason", "code", "description", "status_ids")


@pytest.fixture
def actions() -> tuple[Any, ...]:
    """A pump that runs a second, and a quick action."""
    return (
        *ACTIONS,
        action("pump", "Pump", RequestDefinition("http", 201, 1.0)),
        action("quick", "Quick", RequestDefinition("http", 200, 0.05)),
    )


async def _shown(hass: HomeAssistant, slug: str, state: str) -> None:
    """Let the loop turn until the action's run state shows `state`."""
    for _ in range(10):
        if states(hass, slug)["run_state"] == state:
            return
        await advance(hass, 0)
    assert states(hass, slug)["run_state"] == state


async def test_killed_right_after_a_run_was_accepted(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    device: Device,
    init_integration: MockConfigEntry,
) -> None:
    await start_run(hass, "pump")
    await _shown(hass, "pump", "running")
    async with crashed(hass, init_integration, hass_storage) as new:
        assert states(new, "pump")["run_state"] == "running"
        fired = run_events(new, "pump")
        await finish_runs(new, device)
        found = states(new, "pump")
        assert (found["run_state"], found["result_code"], found["problem"]) == (
            "success",
            "201",
            "off",
        )
        assert event_types(fired) == ["success"]


async def test_killed_right_after_a_result_was_reported(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    device: Device,
    init_integration: MockConfigEntry,
) -> None:
    await start_run(hass, "quick")
    await finish_runs(hass, device)
    before = states(hass, "quick")
    shown = attributes(event(hass, "quick"), *EVENT_DATA)
    assert shown["event_type"] == "success"
    async with crashed(hass, init_integration, hass_storage) as new:
        # Every entity shows what it showed, the run event included, from what was kept.
        after = states(new, "quick")
        for key in ("run_state", "result_code", "execution_time", "problem"):
            assert after[key] == before[key], key
        assert attributes(event(new, "quick"), *EVENT_DATA) == shown
        # The event's time is the run's end as kept, before and after.
        assert after["event"] == before["event"]
        fired = run_events(new, "quick")
        await finish_runs(new, device)
        assert event_types(fired) == []


async def test_killed_between_two_results(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    device: Device,
    init_integration: MockConfigEntry,
) -> None:
    """A quick run ended and was reported; the pump still runs: each is reported once."""
    await start_run(hass, "pump")
    await start_run(hass, "quick")
    for _ in range(5):
        await advance(hass, 0.3)
        if states(hass, "quick")["run_state"] == "success":
            break
    assert (states(hass, "quick")["run_state"], states(hass, "pump")["run_state"]) == (
        "success",
        "running",
    )
    async with crashed(hass, init_integration, hass_storage) as new:
        quick, pump = run_events(new, "quick"), run_events(new, "pump")
        await finish_runs(new, device)
        assert (event_types(quick), event_types(pump)) == ([], ["success"])
        assert states(new, "quick")["result_code"] == "200"
        assert states(new, "pump")["result_code"] == "201"


async def test_a_run_is_saved_twice_and_status_reads_never(
    hass: HomeAssistant, device: Device, init_integration: MockConfigEntry
) -> None:
    with store_writes(init_integration) as written:
        await start_run(hass, "quick")
        await finish_runs(hass, device)
        assert len(written) == 2  # the run accepted, the run ended
        await start_run(hass, "slow_http_request")
        await _shown(hass, "slow_http_request", "running")
        written.clear()
        reads = device.stats()["requests"]["status"]
        for _ in range(20):
            await advance(hass, 1)
        assert device.stats()["requests"]["status"] > reads + 10
        assert written == []


async def test_a_failing_save_loses_no_report_and_is_logged(
    hass: HomeAssistant,
    device: Device,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with store_writes(init_integration, fail=True) as written:
        for _ in range(3):
            await start_run(hass, "quick")
            await finish_runs(hass, device)
        assert len(written) >= 6
    found = states(hass, "quick")
    assert (found["run_state"], found["result_code"]) == ("success", "200")
    # Home Assistant's store says what failed, without a traceback.
    failures = [r for r in caplog.records if "Error writing config for ww_go." in r.getMessage()]
    assert failures
    assert all("No space left on device" in record.getMessage() for record in failures)
    assert "Traceback" not in caplog.text
