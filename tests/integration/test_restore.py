"""Result code and execution time survive a restart."""

from typing import Any

from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import restore_state
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_load_restore_state_from_storage,
)

from simulator import Device

from .conftest import finish_runs
from .helpers import press, states


@pytest.fixture(autouse=True)
async def restored(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    """What Home Assistant saved of the last run before the restart, loaded as at its start."""
    saved = (
        (
            State("sensor.ww_go_fast_http_request_result_code", "404"),
            {"native_value": 404, "native_unit_of_measurement": None},
        ),
        (
            State("sensor.ww_go_fast_http_request_execution_time", "1.25"),
            {"native_value": 1.25, "native_unit_of_measurement": "s"},
        ),
        (
            State("sensor.ww_go_fast_http_request_run_state", "failure"),
            {"native_value": "failure", "native_unit_of_measurement": None},
        ),
    )
    last_seen = dt_util.utcnow().isoformat()
    hass_storage[restore_state.STORAGE_KEY] = {
        "version": restore_state.STORAGE_VERSION,
        "key": restore_state.STORAGE_KEY,
        "data": [
            {"state": state.as_dict(), "extra_data": extra_data, "last_seen": last_seen}
            for state, extra_data in saved
        ],
    }
    await async_mock_load_restore_state_from_storage(hass)


async def test_restored_until_the_next_run(
    hass: HomeAssistant, device: Device, init_integration: MockConfigEntry
) -> None:
    found = states(hass, "fast_http_request")
    assert (found["result_code"], found["execution_time"]) == ("404", "1.25")
    assert found["run_state"] == "unknown"  # no run is known to be in flight after a restart

    await press(hass, "fast_http_request")
    await finish_runs(hass, device)
    found = states(hass, "fast_http_request")
    assert (found["result_code"], found["execution_time"]) == ("200", "0.01")
