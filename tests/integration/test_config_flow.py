"""The config flow, the options flow, reauthentication and reconfiguration, branch by branch.

Every error is followed, in the same flow, by what the user (or the device's owner) does about it,
and the flow then ends well. The emulated device produces every condition but one: an exception
the device library never raises, for which its client is patched. Entries are set up for real only
where their set-up is what a test is about; elsewhere `mock_setup_entry` stands in for it.
"""

from typing import Any
from unittest.mock import AsyncMock, patch

from aiohttp.test_utils import TestServer
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ww_go.const import DOMAIN
from custom_components.ww_go.wwgo import WwGoClient
from simulator import Answer, Device, Faults, set_credentials

from .conftest import advance

AUTH = ("admin", "secret")
PUMP_HOUSE = {"device_id": "wwgo-0042", "device_name": "Pump house"}
OTHER_DEVICE = {"device_id": "wwgo-0099", "device_name": "Other"}
# An address where no device answers: an entry's old address.
UNREACHABLE = "127.0.0.1:1"
NOTHING_ASKED = {"call": 0, "status": 0, "actions": 0}

# Every way the device can fail to answer that the flow reports as cannot_connect.
FAULTS: dict[str, dict[str, Any]] = {
    "offline": {"offline": True},
    "server error": {"server_error": True},
    "malformed JSON": {"malformed_json": True},
    "busy": {"answer": Answer("actions", 429, "Too Many Requests", {"Retry-After": "1"})},
    "unavailable": {"answer": Answer("actions", 503, "Service Unavailable")},
    "error object": {"answer": Answer("actions", 200, '{"error": "internal"}')},
}
# Outlasts the client's 10 s timeout (aiohttp rounds it up to the next second): tried once only.
SLOW = {"no answer in time": {"delay": 12}}

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
    "a path": "http://127.0.0.1:{port}/api",
    "credentials": "http://admin:secret@127.0.0.1:{port}",
    "ftp": "ftp://127.0.0.1:{port}",
    "file": "file:///etc/passwd",
    "javascript": "javascript:alert(1)",
}
# Typed action IDs the actions step and the options refuse, with the error they show.
BAD_ACTION_IDS = {
    "nothing": (" , \n", "no_action_ids"),
    "duplicate": ("1, 1=Again", "duplicate_action_ids"),
    "name only": ("=Name only", "invalid_action_ids"),
    "too many": (",".join(str(n) for n in range(201)), "too_many_action_ids"),
}


def _break(device: Device, fault: dict[str, Any]) -> None:
    for name, value in fault.items():
        setattr(device.faults, name, value)


def _repair(device: Device) -> None:
    device.faults = Faults()


def _port(host: str) -> str:
    return host.rpartition(":")[2]


def _entry(**kwargs: Any) -> MockConfigEntry:
    """A config entry of the current version, not set up."""
    return MockConfigEntry(domain=DOMAIN, title="WW Go", version=2, **kwargs)


async def _start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return result["flow_id"]


async def _submit(
    hass: HomeAssistant, flow_id: str, user_input: dict[str, Any]
) -> ConfigFlowResult:
    return await hass.config_entries.flow.async_configure(flow_id, user_input)


async def _submit_host(hass: HomeAssistant, flow_id: str, host: str) -> ConfigFlowResult:
    return await _submit(hass, flow_id, {"host": host, "verify_ssl": True})


# The user step


async def test_user_flow(
    hass: HomeAssistant, host: str, device: Device, mock_setup_entry: AsyncMock
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["description_placeholders"] == {
        "example_host": "192.168.1.100:8080",
        "https_scheme": "https://",
    }

    result = await _submit(
        hass, result["flow_id"], {"host": f"http://{host}/", "verify_ssl": True, "username": ""}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "WW Go"
    assert result["data"] == {"host": host, "verify_ssl": True}
    assert result["options"] == {}
    # The device reports no identity of its own; an address is none.
    assert result["result"].unique_id is None
    # It was asked its action list, and nothing else.
    assert device.stats()["requests"] == {"call": 0, "status": 0, "actions": 1}
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


async def test_a_created_entry_is_set_up(hass: HomeAssistant, host: str) -> None:
    result = await _submit_host(hass, await _start(hass), host)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    assert hass.states.get("button.ww_go_fast_http_request") is not None


@pytest.mark.parametrize(
    ("app_options", "title", "unique_id"),
    [
        ({}, "WW Go", None),
        ({"description": {"device_name": "Pump house"}}, "Pump house", None),
        ({"description": {"device_id": "wwgo-0042"}}, "WW Go", "wwgo-0042"),
        ({"description": PUMP_HOUSE}, "Pump house", "wwgo-0042"),
    ],
    ids=["nothing", "name only", "ID only", "ID and name"],
)
@pytest.mark.usefixtures("mock_setup_entry")
async def test_device_identity_decides_the_unique_id_and_title(
    hass: HomeAssistant, host: str, title: str, unique_id: str | None
) -> None:
    """A device that gives its ID in its action list is known by it; its name is the title."""
    result = await _submit_host(hass, await _start(hass), host)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert (result["title"], result["result"].unique_id) == (title, unique_id)


@pytest.mark.parametrize("app_options", [{"auth": AUTH}])
@pytest.mark.parametrize(
    "credentials",
    [{}, {"username": "admin", "password": "wrong"}, {"username": "root", "password": "secret"}],
    ids=["none", "wrong password", "wrong username"],
)
async def test_user_invalid_auth_then_recovers(
    hass: HomeAssistant, host: str, mock_setup_entry: AsyncMock, credentials: dict[str, str]
) -> None:
    flow_id = await _start(hass)
    result = await _submit(hass, flow_id, {"host": host, "verify_ssl": True, **credentials})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    result = await _submit(
        hass, flow_id, {"host": host, "verify_ssl": True, "username": "admin", "password": "secret"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        "host": host,
        "verify_ssl": True,
        "username": "admin",
        "password": "secret",
    }
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.parametrize("fault", [*FAULTS.values(), *SLOW.values()], ids=[*FAULTS, *SLOW])
async def test_user_cannot_connect_then_recovers(
    hass: HomeAssistant,
    host: str,
    device: Device,
    mock_setup_entry: AsyncMock,
    fault: dict[str, Any],
) -> None:
    flow_id = await _start(hass)
    _break(device, fault)
    result = await _submit_host(hass, flow_id, host)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}

    _repair(device)
    result = await _submit_host(hass, flow_id, host)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"host": host, "verify_ssl": True}
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.parametrize("app_options", [{"actions_list": False}])
@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_cannot_connect_to_a_device_without_action_list_then_recovers(
    hass: HomeAssistant, host: str, device: Device
) -> None:
    """Such a device is probed with a status read; a failing one is reported too."""
    flow_id = await _start(hass)
    device.faults.answer = Answer("status", 500, "Internal Server Error")
    result = await _submit_host(hass, flow_id, host)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}

    _repair(device)
    result = await _submit_host(hass, flow_id, host)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "actions"


@pytest.mark.parametrize("bad_host", BAD_HOSTS.values(), ids=BAD_HOSTS.keys())
async def test_user_invalid_host_then_recovers(
    hass: HomeAssistant, host: str, device: Device, mock_setup_entry: AsyncMock, bad_host: str
) -> None:
    flow_id = await _start(hass)
    result = await _submit_host(hass, flow_id, bad_host.format(port=_port(host)))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"host": "invalid_host"}
    assert device.stats()["requests"] == NOTHING_ASKED

    result = await _submit_host(hass, flow_id, host)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["host"] == host
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


async def test_user_unknown_error_then_recovers(
    hass: HomeAssistant, host: str, mock_setup_entry: AsyncMock, caplog: pytest.LogCaptureFixture
) -> None:
    """An exception the device library never raises: no device can cause it, so it is patched."""
    flow_id = await _start(hass)
    with patch.object(WwGoClient, "actions", side_effect=RuntimeError("boom")):
        result = await _submit_host(hass, flow_id, host)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}
    assert f"Unexpected error talking to {host}" in caplog.text

    result = await _submit_host(hass, flow_id, host)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.parametrize("typed", ["  {host} ", "http://{host}", "HTTP://{host}/", "{host}\n"])
@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_host_is_stored_normalized(hass: HomeAssistant, host: str, typed: str) -> None:
    result = await _submit_host(hass, await _start(hass), typed.format(host=host))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["host"] == host


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_beside_an_entry_stored_before_hosts_were_checked(
    hass: HomeAssistant, host: str
) -> None:
    _entry(unique_id="legacy", data={"host": "127.0.0.1\t:1"}).add_to_hass(hass)
    result = await _submit_host(hass, await _start(hass), host)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize("same", ["{host}", "http://{host}", " HTTP://{host}/"])
async def test_user_already_configured(
    hass: HomeAssistant,
    host: str,
    config_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
    same: str,
) -> None:
    """A device without an identity of its own is known by its normalized address."""
    config_entry.add_to_hass(hass)
    result = await _submit_host(hass, await _start(hass), same.format(host=host))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert hass.config_entries.async_entries(DOMAIN) == [config_entry]
    assert mock_setup_entry.mock_calls == []


@pytest.mark.parametrize("app_options", [{"description": PUMP_HOUSE}])
async def test_user_already_configured_at_the_address_before_it_reported_an_identity(
    hass: HomeAssistant, host: str, mock_setup_entry: AsyncMock
) -> None:
    entry = _entry(data={"host": host})
    entry.add_to_hass(hass)
    result = await _submit_host(hass, await _start(hass), host)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert hass.config_entries.async_entries(DOMAIN) == [entry]
    assert entry.unique_id is None
    assert mock_setup_entry.mock_calls == []


@pytest.mark.parametrize("app_options", [{"description": PUMP_HOUSE}])
async def test_the_same_device_at_a_new_address_updates_its_entry(
    hass: HomeAssistant, host: str, mock_setup_entry: AsyncMock
) -> None:
    entry = _entry(unique_id="wwgo-0042", data={"host": UNREACHABLE})
    entry.add_to_hass(hass)
    result = await _submit_host(hass, await _start(hass), host)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data["host"] == host
    assert hass.config_entries.async_entries(DOMAIN) == [entry]
    assert mock_setup_entry.mock_calls == []


@pytest.mark.parametrize("app_options", [{"description": OTHER_DEVICE}])
@pytest.mark.usefixtures("mock_setup_entry")
async def test_another_device_beside_a_device_with_an_identity(
    hass: HomeAssistant, host: str
) -> None:
    entry = _entry(unique_id="wwgo-0042", data={"host": UNREACHABLE})
    entry.add_to_hass(hass)
    result = await _submit_host(hass, await _start(hass), host)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == "wwgo-0099"
    assert entry.data["host"] == UNREACHABLE


@pytest.mark.usefixtures("mock_setup_entry")
async def test_a_new_device_at_an_address_freed_by_reconfigure(
    hass: HomeAssistant, host: str
) -> None:
    """The old address was never the entry's identity: another device may take it."""
    _entry(data={"host": UNREACHABLE}).add_to_hass(hass)
    result = await _submit_host(hass, await _start(hass), host)
    assert result["type"] is FlowResultType.CREATE_ENTRY


# The actions step: a device that does not list its actions


@pytest.mark.parametrize("app_options", [{"actions_list": False}])
@pytest.mark.parametrize(("text", "error"), BAD_ACTION_IDS.values(), ids=BAD_ACTION_IDS.keys())
async def test_actions_step_errors_then_recovers(
    hass: HomeAssistant,
    host: str,
    device: Device,
    mock_setup_entry: AsyncMock,
    text: str,
    error: str,
) -> None:
    flow_id = await _start(hass)
    result = await _submit_host(hass, flow_id, host)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "actions"
    assert result["errors"] == {}
    # Asked for its action list (which it does not serve), then probed with a status read.
    assert device.stats()["requests"]["status"] == 1

    result = await _submit(hass, flow_id, {"action_ids": text})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "actions"
    assert result["errors"] == {"action_ids": error}

    result = await _submit(hass, flow_id, {"action_ids": "1=Fast HTTP request\nmodbus_write"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "WW Go"
    assert result["data"] == {"host": host, "verify_ssl": True}
    assert result["options"] == {"action_ids": "1=Fast HTTP request\nmodbus_write"}
    assert result["result"].unique_id is None
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.parametrize("app_options", [{"actions_list": False}])
async def test_typed_action_ids_become_the_actions(hass: HomeAssistant, host: str) -> None:
    flow_id = await _start(hass)
    await _submit_host(hass, flow_id, host)
    result = await _submit(hass, flow_id, {"action_ids": "1=Fast HTTP request\nmodbus_write"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert hass.states.get("button.ww_go_fast_http_request") is not None
    assert hass.states.get("button.ww_go_modbus_write") is not None
    assert hass.states.get("button.ww_go_slow_http_request") is None


# Options: the typed action IDs


@pytest.mark.parametrize("app_options", [{"actions_list": False}])
@pytest.mark.parametrize(("text", "error"), BAD_ACTION_IDS.values(), ids=BAD_ACTION_IDS.keys())
async def test_options_flow_edits_action_ids(
    hass: HomeAssistant, host: str, text: str, error: str
) -> None:
    config_entry = _entry(data={"host": host}, options={"action_ids": "1"})
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("button.ww_go_1") is not None

    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"follow_others": True, "action_ids": text}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"action_ids": error}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"follow_others": True, "action_ids": "modbus_write=Modbus write"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options == {
        "follow_others": True,
        "action_ids": "modbus_write=Modbus write",
    }
    await hass.async_block_till_done()
    assert hass.states.get("button.ww_go_modbus_write") is not None
    assert hass.states.get("button.ww_go_1") is None


async def test_options_flow_turns_following_other_clients_off(
    hass: HomeAssistant, init_integration: MockConfigEntry, device: Device
) -> None:
    """A device that lists its actions has one option: whether to follow other clients' runs."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    schema = result["data_schema"]
    assert schema is not None
    assert [str(key) for key in schema.schema] == ["follow_others"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"follow_others": False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {"follow_others": False}
    await hass.async_block_till_done()  # reloaded with it
    device.reset_stats()
    await advance(hass, 10 * 60)
    assert device.stats()["requests"]["status"] == 0  # nothing read while nothing runs


# Reauthentication


def _stale_login(host: str) -> MockConfigEntry:
    """An entry whose password the device no longer takes; its other settings must stay."""
    return _entry(data={"host": host, "verify_ssl": False, "username": "admin", "password": "old"})


@pytest.mark.parametrize("app_options", [{"auth": AUTH}])
@pytest.mark.parametrize(
    "credentials",
    [{}, {"username": "admin", "password": "wrong"}, {"username": "root", "password": "secret"}],
    ids=["none", "wrong password", "wrong username"],
)
async def test_reauth_invalid_auth_then_recovers(
    hass: HomeAssistant, host: str, mock_setup_entry: AsyncMock, credentials: dict[str, str]
) -> None:
    entry = _stale_login(host)
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"] == {"host": host, "name": "WW Go"}

    result = await _submit(hass, result["flow_id"], credentials)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert entry.data["password"] == "old"

    result = await _submit(hass, result["flow_id"], {"username": "admin", "password": "secret"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data == {
        "host": host,
        "verify_ssl": False,
        "username": "admin",
        "password": "secret",
    }
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.parametrize("app_options", [{"auth": AUTH}])
@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
async def test_reauth_cannot_connect_then_recovers(
    hass: HomeAssistant,
    host: str,
    device: Device,
    mock_setup_entry: AsyncMock,
    fault: dict[str, Any],
) -> None:
    entry = _stale_login(host)
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    _break(device, fault)
    result = await _submit(hass, result["flow_id"], {"username": "admin", "password": "secret"})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert entry.data["password"] == "old"

    _repair(device)
    result = await _submit(hass, result["flow_id"], {"username": "admin", "password": "secret"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["password"] == "secret"
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.parametrize("app_options", [{"auth": AUTH}])
async def test_reauth_unknown_error_then_recovers(
    hass: HomeAssistant, host: str, mock_setup_entry: AsyncMock
) -> None:
    entry = _stale_login(host)
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    with patch.object(WwGoClient, "actions", side_effect=RuntimeError("boom")):
        result = await _submit(hass, result["flow_id"], {"username": "admin", "password": "secret"})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}

    result = await _submit(hass, result["flow_id"], {"username": "admin", "password": "secret"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


async def test_reauth_to_a_device_that_no_longer_asks_for_a_login(
    hass: HomeAssistant, host: str, mock_setup_entry: AsyncMock
) -> None:
    entry = _stale_login(host)
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await _submit(hass, result["flow_id"], {"username": "", "password": ""})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data == {"host": host, "verify_ssl": False}
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


async def test_reauth_of_an_entry_stored_before_hosts_were_checked(
    hass: HomeAssistant, host: str, device: Device
) -> None:
    """Its host can no longer be used: the form says so instead of failing."""
    entry = _entry(data={"host": host.replace(":", "\t:")})
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await _submit(hass, result["flow_id"], {"username": "admin", "password": "secret"})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"host": "invalid_host"}
    assert device.stats()["requests"] == NOTHING_ASKED


@pytest.mark.parametrize("app_options", [{"description": PUMP_HOUSE}])
async def test_reauth_of_the_same_device(
    hass: HomeAssistant, host: str, mock_setup_entry: AsyncMock
) -> None:
    entry = _entry(unique_id="wwgo-0042", data={"host": host})
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await _submit(hass, result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.unique_id == "wwgo-0042"
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


# Reconfiguration


async def test_reconfigure_flow(
    hass: HomeAssistant, host: str, config_entry: MockConfigEntry, mock_setup_entry: AsyncMock
) -> None:
    config_entry.add_to_hass(hass)
    result = await config_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {}

    result = await _submit(
        hass, result["flow_id"], {"host": f"  HTTP://{host}/ ", "verify_ssl": False}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert config_entry.data == {"host": host, "verify_ssl": False}
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
async def test_reconfigure_cannot_connect_then_recovers(
    hass: HomeAssistant,
    host: str,
    device: Device,
    mock_setup_entry: AsyncMock,
    fault: dict[str, Any],
) -> None:
    entry = _entry(data={"host": UNREACHABLE})
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    _break(device, fault)
    result = await _submit(hass, result["flow_id"], {"host": host, "verify_ssl": False})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert entry.data["host"] == UNREACHABLE

    _repair(device)
    result = await _submit(hass, result["flow_id"], {"host": host, "verify_ssl": False})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {"host": host, "verify_ssl": False}
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.parametrize("bad_host", BAD_HOSTS.values(), ids=BAD_HOSTS.keys())
async def test_reconfigure_invalid_host_then_recovers(
    hass: HomeAssistant,
    host: str,
    device: Device,
    config_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
    bad_host: str,
) -> None:
    config_entry.add_to_hass(hass)
    result = await config_entry.start_reconfigure_flow(hass)
    result = await _submit(
        hass, result["flow_id"], {"host": bad_host.format(port=_port(host)), "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"host": "invalid_host"}
    assert config_entry.data["host"] == host
    assert device.stats()["requests"] == NOTHING_ASKED

    result = await _submit(hass, result["flow_id"], {"host": f"http://{host}", "verify_ssl": True})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert config_entry.data["host"] == host
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.parametrize("app_options", [{"auth": AUTH}])
async def test_reconfigure_invalid_auth_then_recovers(
    hass: HomeAssistant, host: str, server: TestServer, mock_setup_entry: AsyncMock
) -> None:
    """The stored login is refused; the device's owner puts it back (the form keeps it)."""
    entry = _stale_login(UNREACHABLE)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    # The form suggests the stored username; an empty password keeps the stored one.
    kept_login = {"host": host, "verify_ssl": False, "username": "admin"}
    result = await _submit(hass, result["flow_id"], kept_login)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert entry.data["host"] == UNREACHABLE

    set_credentials(server.app, ("admin", "old"))
    result = await _submit(hass, result["flow_id"], kept_login)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {"host": host, "verify_ssl": False, "username": "admin", "password": "old"}
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


async def test_reconfigure_unknown_error_then_recovers(
    hass: HomeAssistant, host: str, mock_setup_entry: AsyncMock
) -> None:
    entry = _entry(data={"host": UNREACHABLE})
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    with patch.object(WwGoClient, "actions", side_effect=RuntimeError("boom")):
        result = await _submit(hass, result["flow_id"], {"host": host, "verify_ssl": True})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}

    result = await _submit(hass, result["flow_id"], {"host": host, "verify_ssl": True})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


async def test_reconfigure_to_another_configured_device(
    hass: HomeAssistant, host: str, config_entry: MockConfigEntry, mock_setup_entry: AsyncMock
) -> None:
    config_entry.add_to_hass(hass)
    other = _entry(data={"host": UNREACHABLE})
    other.add_to_hass(hass)
    result = await other.start_reconfigure_flow(hass)
    result = await _submit(hass, result["flow_id"], {"host": host, "verify_ssl": True})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert other.data["host"] == UNREACHABLE
    assert mock_setup_entry.mock_calls == []


@pytest.mark.parametrize("app_options", [{"description": PUMP_HOUSE}])
async def test_reconfigure_follows_the_same_device_to_its_new_address(
    hass: HomeAssistant, host: str, mock_setup_entry: AsyncMock
) -> None:
    entry = _entry(unique_id="wwgo-0042", data={"host": UNREACHABLE})
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await _submit(hass, result["flow_id"], {"host": host, "verify_ssl": True})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert (entry.unique_id, entry.data["host"]) == ("wwgo-0042", host)
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.parametrize("app_options", [{"description": PUMP_HOUSE}])
@pytest.mark.usefixtures("mock_setup_entry")
async def test_an_entry_without_identity_can_move_to_a_device_that_reports_one(
    hass: HomeAssistant, host: str
) -> None:
    """Firmware that starts reporting an ID does not lock its entry out of reconfiguring."""
    entry = _entry(data={"host": UNREACHABLE})
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await _submit(hass, result["flow_id"], {"host": host, "verify_ssl": True})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["host"] == host


# Reauthentication and reconfiguration check the device's identity


@pytest.mark.parametrize("app_options", [{"description": OTHER_DEVICE}])
@pytest.mark.parametrize("flow", ["reconfigure", "reauth"])
async def test_another_device_at_the_address_is_refused(
    hass: HomeAssistant, host: str, mock_setup_entry: AsyncMock, flow: str
) -> None:
    entry = _entry(unique_id="wwgo-0042", data={"host": UNREACHABLE})
    entry.add_to_hass(hass)
    if flow == "reconfigure":
        result = await entry.start_reconfigure_flow(hass)
        user_input = {"host": host, "verify_ssl": True}
    else:
        hass.config_entries.async_update_entry(entry, data={"host": host})
        result = await entry.start_reauth_flow(hass)
        user_input = {"username": "admin", "password": "secret"}
    data = dict(entry.data)
    result = await _submit(hass, result["flow_id"], user_input)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
    assert entry.data == data
    assert entry.unique_id == "wwgo-0042"
    await hass.async_block_till_done()
    assert mock_setup_entry.mock_calls == []


@pytest.mark.parametrize("app_options", [{"auth": AUTH}])
async def test_reconfigure_changes_the_login_too(
    hass: HomeAssistant, init_integration: MockConfigEntry, server: TestServer, host: str
) -> None:
    """The device's login changed with its address: both are fixed in one go."""
    set_credentials(server.app, ("owner", "n3w"))
    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": host, "verify_ssl": True, "username": "admin"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": host, "verify_ssl": True, "username": "owner", "password": "n3w"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert (init_integration.data["username"], init_integration.data["password"]) == (
        "owner",
        "n3w",
    )


@pytest.mark.parametrize("app_options", [{"auth": AUTH}])
async def test_reconfigure_keeps_the_password_of_the_same_username(
    hass: HomeAssistant, init_integration: MockConfigEntry, host: str
) -> None:
    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": f"http://{host}", "verify_ssl": False, "username": "admin"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.data["password"] == "secret"
    assert init_integration.data["verify_ssl"] is False
