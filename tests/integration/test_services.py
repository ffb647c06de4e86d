"""The ww_go.call_action action: every path and error."""

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ww_go.const import DOMAIN
from simulator import Device

from .conftest import advance, settle
from .helpers import call_action, states


async def _call_finishing(hass: HomeAssistant, device: Device, **data: Any) -> dict[str, Any]:
    """Call and wait, while the device finishes its runs and time passes for the reads."""
    task = hass.async_create_background_task(call_action(hass, **data), "call_action")
    while not task.done():
        await device.wait_idle()
        await advance(hass, 1)
    return task.result()


async def test_waits_for_the_result(hass: HomeAssistant, device: Device, device_id: str) -> None:
    response = await _call_finishing(hass, device, device_id=device_id, action_id="sequence")
    assert response == {
        "action_id": "sequence",
        "status_ids": [100, 101, 102],
        "state": "failure",
        "code": -104,
        "exe_time": 0.03,
        "description": "Slave device failure",
        "requests": [
            {"id": 100, "code": 200, "exe_time": 0.01, "state": "success", "description": "OK"},
            {
                "id": 101,
                "code": -104,
                "exe_time": 0.01,
                "state": "failure",
                "description": "Slave device failure",
            },
            {
                "id": 102,
                "code": 204,
                "exe_time": 0.01,
                "state": "success",
                "description": "No Content",
            },
        ],
    }
    # The run shows in the action's entities exactly like a button press.
    found = states(hass, "three_requests")
    assert (found["run_state"], found["result_code"], found["problem"]) == ("failure", "-104", "on")


async def test_without_waiting(hass: HomeAssistant, device_id: str) -> None:
    response = await call_action(hass, device_id=device_id, action_id="1", wait=False)
    assert (response["state"], response["status_ids"], response["code"]) == ("running", [100], None)
    assert states(hass, "fast_http_request")["run_state"] == "running"


async def test_timeout_passes_first(hass: HomeAssistant, device_id: str) -> None:
    response = await call_action(hass, device_id=device_id, action_id="light_toggle", timeout=1)
    assert response["state"] == "running"


async def test_without_response(hass: HomeAssistant, device_id: str) -> None:
    result = await hass.services.async_call(
        DOMAIN,
        "call_action",
        {"device_id": device_id, "action_id": "1", "wait": False},
        blocking=True,
    )
    assert result is None


async def test_busy_past_the_timeout_does_not_run_later(
    hass: HomeAssistant, device: Device, device_id: str
) -> None:
    device.max_executing = 0
    with pytest.raises(HomeAssistantError) as err:
        await call_action(hass, device_id=device_id, action_id="1", timeout=1)
    assert err.value.translation_key == "device_busy"
    assert states(hass, "fast_http_request")["run_state"] == "failure"

    device.max_executing = 20
    device.reset_stats()
    for _ in range(3):
        await advance(hass, 10)
    assert device.stats()["requests"]["call"] == 0  # the caller gave up: it never runs


async def test_queued_run_refused_for_good_says_why(
    hass: HomeAssistant, device: Device, device_id: str
) -> None:
    device.max_executing = 0
    task = hass.async_create_background_task(
        call_action(hass, device_id=device_id, action_id="1", timeout=30), "call_action"
    )
    await settle(hass)
    device.max_executing = 20
    device.set_actions([])
    await advance(hass, 2)
    with pytest.raises(HomeAssistantError) as err:
        await task
    assert err.value.translation_key == "action_not_found"


async def test_busy_for_the_whole_retry_minute(
    hass: HomeAssistant, device: Device, device_id: str, freezer: FrozenDateTimeFactory
) -> None:
    device.max_executing = 0
    task = hass.async_create_background_task(
        call_action(hass, device_id=device_id, action_id="1", timeout=600), "call_action"
    )
    await settle(hass)
    assert states(hass, "fast_http_request")["run_state"] == "queued"
    for _ in range(8):
        freezer.tick(10)
        await advance(hass, 10)
    with pytest.raises(HomeAssistantError) as err:
        await task
    assert err.value.translation_key == "device_busy"


@pytest.mark.parametrize(
    ("data", "fault", "error", "key"),
    [
        ({"device_id": "nope", "action_id": "1"}, None, ServiceValidationError, "unknown_device"),
        ({"action_id": "nope"}, None, ServiceValidationError, "unknown_action"),
        ({"action_id": "disabled_action"}, None, HomeAssistantError, "action_disabled"),
        ({"action_id": "1"}, "offline", HomeAssistantError, "cannot_connect"),
    ],
)
async def test_errors(
    hass: HomeAssistant,
    device: Device,
    device_id: str,
    data: dict[str, str],
    fault: str | None,
    error: type[Exception],
    key: str,
) -> None:
    if fault:
        setattr(device.faults, fault, True)
    with pytest.raises(error) as err:
        await call_action(hass, **({"device_id": device_id} | data))
    assert getattr(err.value, "translation_key", None) == key


async def test_already_running(hass: HomeAssistant, device_id: str) -> None:
    await call_action(hass, device_id=device_id, action_id="light_toggle", wait=False)
    with pytest.raises(HomeAssistantError) as err:
        await call_action(hass, device_id=device_id, action_id="light_toggle", wait=False)
    assert err.value.translation_key == "action_running"


async def test_device_not_loaded(
    hass: HomeAssistant, device_id: str, init_integration: MockConfigEntry
) -> None:
    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, device_id=device_id, action_id="1")
    assert err.value.translation_key == "service_config_entry_not_loaded"


@pytest.mark.parametrize("seconds", [0, 601])
async def test_timeout_out_of_range(hass: HomeAssistant, device_id: str, seconds: int) -> None:
    with pytest.raises(Exception, match="timeout"):
        await call_action(hass, device_id=device_id, action_id="1", timeout=seconds)
