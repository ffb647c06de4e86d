import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from simulator import ActionDefinition, Device, RequestDefinition
from .conftest import advance, settle
from .helpers import press, states

ACTS = tuple(ActionDefinition(f"a{n}", f"Action {n}", (RequestDefinition("http", 200, 0.5),)) for n in range(45))

@pytest.mark.parametrize("actions", [ACTS])
async def test_probe(hass: HomeAssistant, device: Device, config_entry: MockConfigEntry) -> None:
    device.max_executing = 100
    device.status_rate = 10
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    device.reset_stats()
    for n in range(45):
        await press(hass, f"action_{n}")
    await settle(hass)
    s = device.stats()
    print("after presses:", s["requests"], "rejected", s["status_rejected"], "batches", [len(b) for b in s["status_ids_per_request"]])
    for _ in range(10):
        await advance(hass, 1)
        await settle(hass)
    s = device.stats()
    print("end:", s["requests"], "rejected", s["status_rejected"], "batches", [len(b) for b in s["status_ids_per_request"]])
    print({states(hass, f"action_{n}")["run_state"] for n in range(45)})
