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


async def test_setup_with_refused_login_starts_reauth(
    hass: HomeAssistant, device: Device, socket_enabled: None
) -> None:
    from aiohttp.test_utils import TestServer

    from simulator import create_app

    server = TestServer(create_app(device, auth=("admin", "secret")), host="127.0.0.1")
    await server.start_server()
    host = f"127.0.0.1:{server.port}"
    entry = MockConfigEntry(
        domain="ww_go",
        unique_id=f"http://{host}",
        data={"host": host, "username": "admin", "password": "old"},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler("ww_go")
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    await server.close()
