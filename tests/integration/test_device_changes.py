"""The device changes under Home Assistant: actions come and go, the login changes, it goes away."""

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ww_go.const import DOMAIN
from simulator import ActionDefinition, Device, RequestDefinition, set_credentials

from .conftest import ACTIONS, advance
from .helpers import entity_ids, press, states

AUTH = ("admin", "secret")


def _reauth_flows(hass: HomeAssistant) -> list[str]:
    return [
        flow["context"]["source"]
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_REAUTH
    ]


async def test_new_and_removed_actions_follow_the_device(
    hass: HomeAssistant,
    device: Device,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    fast = entity_ids("fast_http_request")
    assert all(entity_registry.async_get(entity_id) for entity_id in fast.values())

    added = ActionDefinition("pump", "Pump on", (RequestDefinition("modbus", 1, 0.01),))
    device.set_actions([*ACTIONS[1:], added])
    await advance(hass, 61)

    assert not any(entity_registry.async_get(entity_id) for entity_id in fast.values())
    assert all(hass.states.get(entity_id) is None for entity_id in fast.values())
    assert states(hass, "pump_on")["button"] == "unknown"
    entries = er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    assert len(entries) == 6 * len(ACTIONS)


@pytest.mark.parametrize("app_options", [{"auth": AUTH}])
async def test_changed_login_found_by_the_health_check(
    hass: HomeAssistant, server: TestServer, init_integration: MockConfigEntry
) -> None:
    set_credentials(server.app, ("admin", "changed"))
    await advance(hass, 61)
    assert _reauth_flows(hass) == ["reauth"]


@pytest.mark.parametrize("app_options", [{"auth": AUTH}])
async def test_changed_login_found_by_a_press(
    hass: HomeAssistant, server: TestServer, init_integration: MockConfigEntry
) -> None:
    set_credentials(server.app, ("admin", "changed"))
    with pytest.raises(HomeAssistantError) as err:
        await press(hass, "fast_http_request")
    assert err.value.translation_key == "invalid_auth"
    await hass.async_block_till_done()
    assert _reauth_flows(hass) == ["reauth"]


@pytest.mark.parametrize("app_options", [{"auth": AUTH}])
async def test_changed_login_found_by_a_status_read(
    hass: HomeAssistant, server: TestServer, init_integration: MockConfigEntry
) -> None:
    await press(hass, "slow_http_request")
    set_credentials(server.app, ("admin", "changed"))
    await advance(hass, 2)
    assert _reauth_flows(hass) == ["reauth"]
    assert states(hass, "slow_http_request")["run_state"] == "unavailable"


async def test_status_read_fails_then_recovers(
    hass: HomeAssistant, device: Device, init_integration: MockConfigEntry
) -> None:
    """A run in flight while the device drops off: unavailable, then its result once back."""
    await press(hass, "slow_http_request")
    device.faults.offline = True
    await advance(hass, 2)
    assert states(hass, "slow_http_request")["run_state"] == "unavailable"
    device.faults.offline = False
    await advance(hass, 6)
    assert states(hass, "slow_http_request")["run_state"] == "running"


async def test_status_read_busy_backs_off(
    hass: HomeAssistant, device: Device, init_integration: MockConfigEntry
) -> None:
    await press(hass, "slow_http_request")
    device.status_rate = 0.001  # the device now answers status reads with 429
    await advance(hass, 2)
    await advance(hass, 2)
    assert states(hass, "slow_http_request")["run_state"] == "running"  # still available
    assert device.stats()["status_rejected"] >= 1


async def test_repair_issue_after_thirty_minutes_unreachable(
    hass: HomeAssistant,
    device: Device,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    issue_id = f"device_unreachable_{init_integration.entry_id}"
    device.faults.offline = True
    for _ in range(29):
        freezer.tick(60)
        await advance(hass, 60)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    for _ in range(3):
        freezer.tick(60)
        await advance(hass, 60)
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "device_unreachable"

    device.faults.offline = False
    freezer.tick(60)
    await advance(hass, 60)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
