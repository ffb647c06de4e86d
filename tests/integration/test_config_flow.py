"""Every branch of the config flow, the options flow, reauthentication and reconfiguration."""

from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ww_go.const import DOMAIN
from simulator import Device

AUTH = ("admin", "secret")


async def _start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return str(result["flow_id"])


async def test_user_creates_entry(hass: HomeAssistant, host: str) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": f"http://{host}/", "verify_ssl": True, "username": ""}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "WW Go"
    assert result["data"] == {"host": host, "verify_ssl": True}
    # The device reports no identity of its own; an address is none.
    assert result["result"].unique_id is None
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


@pytest.mark.parametrize("app_options", [{"auth": AUTH}])
async def test_user_with_credentials(hass: HomeAssistant, host: str) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": host, "verify_ssl": True, "username": "admin", "password": "wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": host, "verify_ssl": True, "username": "admin", "password": "secret"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["username"] == "admin"


@pytest.mark.parametrize(
    ("user_input", "fault", "errors"),
    [
        ({"host": "http://{host}/api"}, None, {"host": "invalid_host"}),
        ({"host": "ftp://{host}"}, None, {"host": "invalid_host"}),
        ({"host": "{host}"}, "offline", {"base": "cannot_connect"}),
        ({"host": "{host}"}, "server_error", {"base": "cannot_connect"}),
        ({"host": "{host}"}, "malformed_json", {"base": "cannot_connect"}),
    ],
)
async def test_user_errors_then_recovers(
    hass: HomeAssistant,
    host: str,
    device: Device,
    user_input: dict[str, str],
    fault: str | None,
    errors: dict[str, str],
) -> None:
    flow_id = await _start(hass)
    if fault:
        setattr(device.faults, fault, True)
    data = {key: value.format(host=host) for key, value in user_input.items()}
    result = await hass.config_entries.flow.async_configure(flow_id, data | {"verify_ssl": True})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    if fault:
        setattr(device.faults, fault, False)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": host, "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


# Every kind of text that is no device address; {port} is the emulated device's port.
BAD_HOSTS = {
    "empty": "",
    "only spaces": "   ",
    "newline inside": "127.0.\n0.1:{port}",
    "tab": "127.0.0.1\t:{port}",
    "space before the port": "127.0.0.1 :{port}",
    "space after the colon": "127.0.0.1: {port}",
    "port 0": "127.0.0.1:0",
    "port 65536": "127.0.0.1:65536",
    "credentials": "http://admin:secret@127.0.0.1:{port}",
    "file": "file:///etc/passwd",
    "javascript": "javascript:alert(1)",
}
NOTHING_ASKED = {"call": 0, "status": 0, "actions": 0}


@pytest.mark.parametrize("bad_host", BAD_HOSTS.values(), ids=BAD_HOSTS.keys())
async def test_user_invalid_host_then_recovers(
    hass: HomeAssistant, host: str, device: Device, bad_host: str
) -> None:
    flow_id = await _start(hass)
    port = host.rpartition(":")[2]
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": bad_host.format(port=port), "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"host": "invalid_host"}
    assert device.stats()["requests"] == NOTHING_ASKED
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": host, "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["host"] == host


@pytest.mark.parametrize("bad_host", BAD_HOSTS.values(), ids=BAD_HOSTS.keys())
async def test_reconfigure_invalid_host_then_recovers(
    hass: HomeAssistant, init_integration: MockConfigEntry, host: str, bad_host: str
) -> None:
    result = await init_integration.start_reconfigure_flow(hass)
    port = host.rpartition(":")[2]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": bad_host.format(port=port), "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"host": "invalid_host"}
    assert init_integration.data["host"] == host
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": f"  HTTP://{host}/ ", "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.data["host"] == host


@pytest.mark.parametrize("typed", ["  {host} ", "http://{host}", "HTTP://{host}/", "{host}\n"])
async def test_user_host_is_stored_normalized(hass: HomeAssistant, host: str, typed: str) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": typed.format(host=host), "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["host"] == host


async def test_user_beside_an_entry_stored_before_hosts_were_checked(
    hass: HomeAssistant, host: str
) -> None:
    MockConfigEntry(domain=DOMAIN, unique_id="legacy", data={"host": "127.0.0.1\t:1"}).add_to_hass(
        hass
    )
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": host, "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_reauth_of_an_entry_stored_before_hosts_were_checked(
    hass: HomeAssistant, host: str
) -> None:
    """Its host can no longer be used: the form says so instead of failing."""
    entry = MockConfigEntry(domain=DOMAIN, data={"host": host.replace(":", "\t:")})
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": "admin", "password": "secret"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"host": "invalid_host"}


async def test_user_unexpected_error(hass: HomeAssistant, host: str) -> None:
    flow_id = await _start(hass)
    with patch("custom_components.ww_go.wwgo.WwGoClient.actions", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {"host": host, "verify_ssl": True}
        )
    assert result["errors"] == {"base": "unknown"}


@pytest.mark.parametrize("same", ["{host}", "http://{host}"])
async def test_user_already_configured(
    hass: HomeAssistant, host: str, init_integration: MockConfigEntry, same: str
) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": same.format(host=host), "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize("app_options", [{"actions_list": False}])
async def test_device_without_action_list_asks_for_action_ids(
    hass: HomeAssistant, host: str
) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": host, "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "actions"
    for text, error in [
        (" , \n", "no_action_ids"),
        ("1, 1=Again", "duplicate_action_ids"),
        ("=Name only", "invalid_action_ids"),
        (",".join(str(n) for n in range(201)), "too_many_action_ids"),
    ]:
        result = await hass.config_entries.flow.async_configure(flow_id, {"action_ids": text})
        assert result["errors"] == {"action_ids": error}, text
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"action_ids": "1=Fast HTTP request\nmodbus_write"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"] == {"action_ids": "1=Fast HTTP request\nmodbus_write"}
    await hass.async_block_till_done()
    assert hass.states.get("button.ww_go_fast_http_request") is not None
    assert hass.states.get("button.ww_go_modbus_write") is not None
    assert hass.states.get("button.ww_go_slow_http_request") is None


@pytest.mark.parametrize("app_options", [{"actions_list": False}])
async def test_options_flow_edits_action_ids(hass: HomeAssistant, host: str) -> None:
    config_entry = MockConfigEntry(
        domain=DOMAIN, title="WW Go", version=2, data={"host": host}, options={"action_ids": "1"}
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("button.ww_go_1") is not None

    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"action_ids": "1, 1"}
    )
    assert result["errors"] == {"action_ids": "duplicate_action_ids"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"action_ids": "modbus_write=Modbus write"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert hass.states.get("button.ww_go_modbus_write") is not None
    assert hass.states.get("button.ww_go_1") is None


async def test_no_options_for_a_device_that_lists_its_actions(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert init_integration.supports_options is False


@pytest.mark.parametrize("app_options", [{"auth": AUTH}])
async def test_reauth(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    hass.config_entries.async_update_entry(
        init_integration, data={**init_integration.data, "verify_ssl": False}
    )
    result = await init_integration.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": "admin", "password": "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": "admin", "password": "secret"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert init_integration.data["password"] == "secret"
    assert init_integration.data["verify_ssl"] is False  # the other settings stay


async def test_reconfigure(
    hass: HomeAssistant, init_integration: MockConfigEntry, host: str, device: Device
) -> None:
    result = await init_integration.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    device.faults.offline = True
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": f"http://{host}", "verify_ssl": False}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    device.faults.offline = False
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": f"http://{host}", "verify_ssl": False}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.data["host"] == host
    assert init_integration.data["verify_ssl"] is False
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED


async def test_reconfigure_to_another_configured_device(
    hass: HomeAssistant, init_integration: MockConfigEntry, host: str
) -> None:
    other = MockConfigEntry(domain=DOMAIN, version=2, data={"host": "127.0.0.1:1"})
    other.add_to_hass(hass)
    result = await other.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": host, "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


PUMP_HOUSE = {"device_id": "wwgo-0042", "device_name": "Pump house"}


@pytest.mark.parametrize("app_options", [{"description": PUMP_HOUSE}])
async def test_device_identity_decides_the_unique_id_and_title(
    hass: HomeAssistant, host: str
) -> None:
    """A device that names itself in its action list is recognised by its ID at any address."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": host, "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert (result["title"], result["result"].unique_id) == ("Pump house", "wwgo-0042")


@pytest.mark.parametrize("app_options", [{"description": PUMP_HOUSE}])
async def test_the_same_device_at_a_new_address_updates_its_entry(
    hass: HomeAssistant, host: str
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, version=2, unique_id="wwgo-0042", data={"host": "127.0.0.1:1"}
    )
    entry.add_to_hass(hass)
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": host, "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data["host"] == host


@pytest.mark.parametrize(
    "app_options", [{"description": {"device_id": "wwgo-0099", "device_name": "Other"}}]
)
@pytest.mark.parametrize("flow", ["reconfigure", "reauth"])
async def test_another_device_at_the_address_is_refused(
    hass: HomeAssistant, host: str, flow: str
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, version=2, unique_id="wwgo-0042", data={"host": host})
    entry.add_to_hass(hass)
    if flow == "reconfigure":
        result = await entry.start_reconfigure_flow(hass)
        user_input = {"host": host, "verify_ssl": True}
    else:
        result = await entry.start_reauth_flow(hass)
        user_input = {"username": "admin", "password": "secret"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"


@pytest.mark.parametrize("app_options", [{"description": PUMP_HOUSE}])
async def test_an_entry_without_identity_can_move_to_a_device_that_reports_one(
    hass: HomeAssistant, host: str
) -> None:
    """Firmware that starts reporting an ID does not lock its entry out of reconfiguring."""
    entry = MockConfigEntry(domain=DOMAIN, version=2, data={"host": "127.0.0.1:1"})
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": host, "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["host"] == host


async def test_a_new_device_at_an_address_freed_by_reconfigure(
    hass: HomeAssistant, host: str
) -> None:
    """The old address was never the entry's identity: another device may take it."""
    moved = MockConfigEntry(domain=DOMAIN, version=2, data={"host": "127.0.0.1:1"})
    moved.add_to_hass(hass)
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": host, "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
