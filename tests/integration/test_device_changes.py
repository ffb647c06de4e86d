"""The device changes under Home Assistant: actions come and go, the login changes, it goes away."""

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import slugify
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ww_go.const import DOMAIN
from simulator import (
    ActionDefinition,
    Device,
    RequestDefinition,
    set_actions_list,
    set_credentials,
)

from .conftest import ACTIONS, advance, finish_runs, settle
from .helpers import call_action, entity_ids, press, start_run, states

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
    # One list without it could be an odd answer: the action goes when the next misses it too.
    assert all(entity_registry.async_get(entity_id) for entity_id in fast.values())
    assert states(hass, "pump_on")["button"] == "unknown"
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
    await start_run(hass, "slow_http_request")
    set_credentials(server.app, ("admin", "changed"))
    await advance(hass, 2)
    assert _reauth_flows(hass) == ["reauth"]
    assert states(hass, "slow_http_request")["run_state"] == "unavailable"


async def test_status_read_fails_then_recovers(
    hass: HomeAssistant, device: Device, init_integration: MockConfigEntry
) -> None:
    """A run in flight while the device drops off: unavailable, then its result once back."""
    await start_run(hass, "slow_http_request")
    device.faults.offline = True
    await advance(hass, 2)
    assert states(hass, "slow_http_request")["run_state"] == "unavailable"
    device.faults.offline = False
    await advance(hass, 6)
    assert states(hass, "slow_http_request")["run_state"] == "running"


async def test_status_read_busy_stays_available(
    hass: HomeAssistant, device: Device, init_integration: MockConfigEntry
) -> None:
    await start_run(hass, "slow_http_request")
    device.status_rate = 0.001  # the device now answers status reads with 429
    await advance(hass, 2)
    await advance(hass, 2)
    assert states(hass, "slow_http_request")["run_state"] == "running"  # still available
    assert device.stats()["status_rejected"] >= 1


async def test_failed_read_waits_before_the_next(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    device: Device,
    init_integration: MockConfigEntry,
) -> None:
    """A device that does not answer is asked again after 5 s, not every second."""

    async def status_reads() -> int:
        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
        runs = diagnostics["runs"]
        assert isinstance(runs, dict)
        counts = runs["sent"]
        assert isinstance(counts, dict)
        return int(str(counts["status"]))

    await start_run(hass, "slow_http_request")
    await advance(hass, 1)
    device.faults.offline = True
    await advance(hass, 1)
    failed = await status_reads()
    for _ in range(3):
        await advance(hass, 1)  # each fires what is due within a second and a half
    assert await status_reads() == failed
    await advance(hass, 6)
    assert await status_reads() == failed + 1


@pytest.mark.parametrize(
    ("action_id", "call_delay"),
    [
        ("light_toggle", 0.0),  # the device accepted the run; it is being read
        ("1", 0.5),  # the device is slow to answer the call itself
    ],
)
async def test_unload_stops_reading_and_releases_waiters(
    hass: HomeAssistant, device: Device, device_id: str, action_id: str, call_delay: float
) -> None:
    device.faults.delay = call_delay
    waiting = hass.async_create_background_task(
        call_action(hass, device_id=device_id, action_id=action_id), "call_action"
    )
    await hass.async_block_till_done()
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(HomeAssistantError) as err:
        await waiting
    assert err.value.translation_key == "run_not_followed"
    device.faults.delay = 0
    device.reset_stats()
    for _ in range(5):
        await advance(hass, 2)
    assert device.stats()["requests"]["status"] == 0


async def test_action_list_fault_keeps_the_entities(
    hass: HomeAssistant,
    device: Device,
    server: TestServer,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A device answering 404 or an empty list for a while (a reboot) keeps its actions."""
    before = len(er.async_entries_for_config_entry(entity_registry, init_integration.entry_id))
    device.set_actions([])
    await advance(hass, 61)
    assert states(hass, "fast_http_request")["button"] == "unknown"
    device.faults.server_error = True
    await advance(hass, 61)
    assert states(hass, "fast_http_request")["button"] == "unavailable"
    device.faults.server_error = False
    device.set_actions(ACTIONS)
    await advance(hass, 61)
    assert states(hass, "fast_http_request")["button"] == "unknown"
    after = len(er.async_entries_for_config_entry(entity_registry, init_integration.entry_id))
    assert after == before


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


async def test_repair_issue_for_a_device_down_since_startup(
    hass: HomeAssistant,
    device: Device,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Setup is retried with a new coordinator each time; the 30 minutes still add up."""
    issue_id = f"device_unreachable_{config_entry.entry_id}"
    device.faults.offline = True
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    for _ in range(32):
        freezer.tick(60)
        await advance(hass, 60)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

    await hass.config_entries.async_remove(config_entry.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_device_reboot_expires_the_runs_in_flight(
    hass: HomeAssistant, device: Device, init_integration: MockConfigEntry
) -> None:
    """Its status IDs start again low: old runs are gone, new runs are read as usual."""
    await start_run(hass, "slow_http_request")
    await advance(hass, 1)
    await device.reboot(first_status_id=1)
    await start_run(hass, "fast_http_request")
    assert states(hass, "slow_http_request")["run_state"] == "expired"
    await finish_runs(hass, device)
    assert states(hass, "fast_http_request")["run_state"] == "success"


@pytest.mark.parametrize(
    ("booting", "state"),
    [
        # An empty list: the device answers, its actions (known from their entities) stay.
        ("empty_list", ConfigEntryState.LOADED),
        ("list_404", ConfigEntryState.SETUP_RETRY),
        ("error", ConfigEntryState.SETUP_RETRY),
    ],
)
async def test_restart_while_the_device_boots_keeps_the_entities(
    hass: HomeAssistant,
    device: Device,
    server: TestServer,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    booting: str,
    state: ConfigEntryState,
) -> None:
    before = len(er.async_entries_for_config_entry(entity_registry, init_integration.entry_id))
    if booting == "empty_list":
        device.set_actions([])
    elif booting == "list_404":
        set_actions_list(server.app, False)
    else:
        device.faults.server_error = True
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is state
    kept = len(er.async_entries_for_config_entry(entity_registry, init_integration.entry_id))
    assert kept == before

    device.set_actions(ACTIONS)
    set_actions_list(server.app, True)
    device.faults.server_error = False
    await settle(hass)  # the status read of the start answered, before time moves on
    await advance(hass, 30)
    assert init_integration.state is ConfigEntryState.LOADED
    assert states(hass, "fast_http_request")["button"] == "unknown"


async def test_repair_issue_gone_when_reloaded_with_the_device_back(
    hass: HomeAssistant,
    device: Device,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    issue_id = f"device_unreachable_{init_integration.entry_id}"
    device.faults.offline = True
    for _ in range(31):
        freezer.tick(60)
        await advance(hass, 60)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    device.faults.offline = False
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_an_odd_first_list_after_a_restart_deletes_nothing(
    hass: HomeAssistant,
    device: Device,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Set up again while the device lists only some actions: the others go only if it persists."""
    before = {
        e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    }
    device.set_actions(ACTIONS[:2])
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    after = {
        e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    }
    assert after == before
    await advance(hass, 61)  # the next list misses them too: now they go
    gone = before - {
        e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    }
    assert gone == {
        entity_id
        for action in ACTIONS[2:]
        for entity_id in entity_ids(slugify(action.name)).values()
    }
