"""A device without an action list: the typed action IDs, and its health check."""

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ww_go.const import DOMAIN
from simulator import Device

from .conftest import advance, finish_runs
from .helpers import press, start_run, states

pytestmark = pytest.mark.parametrize("app_options", [{"actions_list": False}])


@pytest.fixture
async def typed_entry(hass: HomeAssistant, host: str) -> MockConfigEntry:
    """An entry whose actions were typed by the user, one of them unknown to the device."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="WW Go",
        unique_id=f"http://{host}",
        data={"host": host},
        options={"action_ids": "1=Fast HTTP request\ngone=Removed action"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.mark.usefixtures("typed_entry")
async def test_typed_actions_run(hass: HomeAssistant, device: Device) -> None:
    await start_run(hass, "fast_http_request")
    await finish_runs(hass, device)
    assert states(hass, "fast_http_request")["run_state"] == "success"


@pytest.mark.usefixtures("typed_entry")
async def test_unknown_typed_action(hass: HomeAssistant) -> None:
    with pytest.raises(HomeAssistantError) as err:
        await press(hass, "removed_action")
    assert err.value.translation_key == "action_not_found"


@pytest.mark.usefixtures("typed_entry")
async def test_health_check_is_one_status_read_a_minute(
    hass: HomeAssistant, device: Device
) -> None:
    """Without an action list, the only proof of life is a status read: one a minute, no more.

    The minute's read of other clients' IDs is that proof: the health check reads nothing more.
    """
    device.reset_stats()
    for _ in range(5):
        await advance(hass, 60)
    assert 4 <= device.stats()["requests"]["status"] <= 5
    device.faults.offline = True
    await advance(hass, 60)
    assert states(hass, "fast_http_request")["button"] == "unavailable"
