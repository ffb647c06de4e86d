"""Fixtures of the integration's tests: an emulated WW Go device on 127.0.0.1 and a config entry."""

import asyncio
from collections.abc import AsyncIterator, Generator
from datetime import timedelta
from typing import Any
from unittest.mock import AsyncMock, patch

from aiohttp.test_utils import TestServer
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, frame
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ww_go.const import DOMAIN
from custom_components.ww_go.device import unique_base
from simulator import ActionDefinition, Device, RequestDefinition, create_app

FIRST_STATUS_ID = 100


def action(
    action_id: str, name: str, *requests: RequestDefinition, enabled: bool = True
) -> ActionDefinition:
    """An action of the emulated device."""
    return ActionDefinition(action_id, name, requests, enabled=enabled)


# Quick versions of the demo actions, so that runs finish within a test.
ACTIONS = (
    action("1", "Fast HTTP request", RequestDefinition("http", 200, 0.01)),
    action("light_toggle", "Slow HTTP request", RequestDefinition("http", 200, 600.0)),
    action("http_not_found", "Failing HTTP request", RequestDefinition("http", 404, 0.01)),
    action("modbus_write", "Modbus write", RequestDefinition("modbus", 1, 0.01)),
    action("modbus_timeout", "Modbus timeout", RequestDefinition("modbus", -3, 0.01)),
    action(
        "sequence",
        "Three requests",
        RequestDefinition("http", 200, 0.01),
        RequestDefinition("modbus", -104, 0.01),
        RequestDefinition("http", 204, 0.01),
    ),
    action(
        "disabled_action", "Disabled action", RequestDefinition("http", 200, 0.01), enabled=False
    ),
)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/ in every test."""


@pytest.fixture(autouse=True)
def no_deprecated_use(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Home Assistant reports no use of anything it deprecated, in any test.

    It reports each use once a process; every test starts with none reported yet.
    """
    with patch.object(frame, "_REPORTED_INTEGRATIONS", set()):
        yield
    reported = [
        record.getMessage()
        for when in ("setup", "call")
        for record in caplog.get_records(when)
        if record.name == frame.__name__ and DOMAIN in record.getMessage()
    ]
    assert not reported


@pytest.fixture
def actions() -> tuple[ActionDefinition, ...]:
    """The device's actions; override to change them."""
    return ACTIONS


@pytest.fixture
def app_options() -> dict[str, Any]:
    """Options of the emulated device's web app (auth, json_status_ids, actions_list)."""
    return {}


@pytest.fixture
def device_options() -> dict[str, Any]:
    """Options of the emulated device; by default no limit on status reads."""
    return {"status_rate": 0}


@pytest.fixture
async def device(
    actions: tuple[ActionDefinition, ...], device_options: dict[str, Any]
) -> AsyncIterator[Device]:
    """The emulated device's state."""
    device = Device(actions, first_status_id=FIRST_STATUS_ID, **device_options)
    yield device
    await device.aclose()


@pytest.fixture
async def server(
    device: Device, app_options: dict[str, Any], socket_enabled: None
) -> AsyncIterator[TestServer]:
    """The emulated device, serving HTTP on 127.0.0.1 (the only address tests may use)."""
    server = TestServer(create_app(device, **app_options), host="127.0.0.1")
    # No access log: its time zone lookup fails under a frozen clock once a half hour passes.
    await server.start_server(access_log=None)
    yield server
    await server.close()


@pytest.fixture
def host(server: TestServer) -> str:
    """host:port of the emulated device."""
    return f"127.0.0.1:{server.port}"


@pytest.fixture
def config_entry(host: str, app_options: dict[str, Any]) -> MockConfigEntry:
    """A config entry of the emulated device."""
    data: dict[str, Any] = {"host": host, "verify_ssl": True}
    if auth := app_options.get("auth"):
        data |= {"username": auth[0], "password": auth[1]}
    # A fixed entry ID: unique IDs are made of it, and snapshots show them.
    return MockConfigEntry(
        domain=DOMAIN, title="WW Go", version=2, entry_id="01JWWGOENTRY00000000000000", data=data
    )


@pytest.fixture
async def init_integration(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    """The integration, set up with the emulated device."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Config entries set up as a no-op: for flows, where their set-up is not what is tested."""
    with patch("custom_components.ww_go.async_setup_entry", return_value=True) as setup_entry:
        yield setup_entry


@pytest.fixture
def device_id(hass: HomeAssistant, init_integration: MockConfigEntry) -> str:
    """The Home Assistant device of the WW Go device."""
    # By the entry's devices: the look-ups by identifier differ from release to release.
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), init_integration.entry_id)
    identifier = (DOMAIN, unique_base(init_integration))
    [entry] = [device for device in devices if identifier in device.identifiers]
    return entry.id


async def advance(hass: HomeAssistant, seconds: float) -> None:
    """Let `seconds` pass for Home Assistant's timers, then let everything settle."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await settle(hass)


async def settle(hass: HomeAssistant) -> None:
    """Let background work (status reads, queued calls, HTTP on loopback) run to rest.

    Loop turns, not time: under a frozen clock the loop's timers never fire.
    """
    for _ in range(10):
        for _ in range(10):
            await asyncio.sleep(0)
        await hass.async_block_till_done()


async def finish_runs(hass: HomeAssistant, device: Device) -> None:
    """Let the device finish its runs, and the integration read their results."""
    await device.wait_idle()
    await advance(hass, 6)
