"""Every entity of every action, platform by platform; the device; disabled actions."""

from dataclasses import replace
from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.ww_go.device import unique_base
from simulator import Device

from .conftest import ACTIONS, advance, finish_runs
from .helpers import press, start_run, states


@pytest.mark.parametrize(
    "platform", [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.EVENT, Platform.SENSOR]
)
async def test_platform(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    config_entry.add_to_hass(hass)
    with patch("custom_components.ww_go.PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)


@pytest.mark.parametrize(
    "app_options",
    [
        {
            "description": {
                "device_id": "wwgo-0042",
                "device_name": "Pump house",
                "model": "WW Go Mini",
                "firmware": "WW_Go_1.2.7",
                "serial": "SN-0042",
            }
        }
    ],
)
async def test_the_device_says_who_it_is(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    host: str,
) -> None:
    entry = MockConfigEntry(
        domain=config_entry.domain, version=2, unique_id="wwgo-0042", data=dict(config_entry.data)
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    [device] = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert device.identifiers == {("ww_go", "wwgo-0042")}
    assert (device.name, device.manufacturer, device.model) == ("Pump house", "WW Go", "WW Go Mini")
    assert (device.sw_version, device.serial_number) == ("WW_Go_1.2.7", "SN-0042")
    assert device.configuration_url == f"http://{host}"
    assert hass.states.get("button.pump_house_fast_http_request") is not None


async def test_a_device_without_a_name_is_called_ww_go(
    hass: HomeAssistant, init_integration: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    [device] = dr.async_entries_for_config_entry(device_registry, init_integration.entry_id)
    assert device.identifiers == {("ww_go", unique_base(init_integration))}
    assert (device.name, device.model, device.sw_version) == ("WW Go", None, None)


@pytest.mark.usefixtures("init_integration")
async def test_execution_time_is_enabled_as_shipped(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    entry = entity_registry.async_get("sensor.ww_go_fast_http_request_execution_time")
    assert entry is not None
    assert entry.disabled_by is None
    assert hass.states.get("sensor.ww_go_fast_http_request_execution_time") is not None


@pytest.mark.usefixtures("init_integration")
async def test_a_disabled_action_cannot_be_pressed_and_keeps_its_results(
    hass: HomeAssistant, device: Device
) -> None:
    """Disabled on the device: its button is unavailable until it is enabled again."""
    assert states(hass, "disabled_action")["button"] == "unavailable"
    assert states(hass, "disabled_action")["run_state"] == "unknown"

    await start_run(hass, "modbus_timeout")
    await finish_runs(hass, device)
    device.set_actions(
        [replace(a, enabled=False) if a.id == "modbus_timeout" else a for a in ACTIONS]
    )
    await advance(hass, 61)
    found = states(hass, "modbus_timeout")
    assert found["button"] == "unavailable"
    assert (found["run_state"], found["result_code"], found["problem"]) == ("failure", "-3", "on")
    calls = device.stats()["requests"]["call"]
    await press(hass, "modbus_timeout")  # an unavailable button is not pressed
    assert device.stats()["requests"]["call"] == calls

    device.set_actions(ACTIONS)
    await advance(hass, 61)
    assert states(hass, "modbus_timeout")["button"] != "unavailable"
