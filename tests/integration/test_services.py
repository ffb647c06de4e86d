"""The ww_go.call_action action: every path and error, by config entry and by device."""

from datetime import datetime
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import DOMAIN as HOMEASSISTANT_DOMAIN, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.ww_go.const import DOMAIN
from custom_components.ww_go.wwgo import STATUS_WINDOW
from simulator import Device, RequestDefinition

from .conftest import ACTIONS, action, advance, settle
from .helpers import call_action, event, states


@pytest.fixture(params=["config_entry_id", "device_id"])
def target(
    request: pytest.FixtureRequest, init_integration: MockConfigEntry, device_id: str
) -> dict[str, str]:
    """The device as a call names it: by its config entry (preferred) or by its device ID."""
    if request.param == "config_entry_id":
        return {"config_entry_id": init_integration.entry_id}
    return {"device_id": device_id}


@pytest.fixture
def entry_id(init_integration: MockConfigEntry) -> str:
    """The loaded config entry of the emulated device, as a call names it."""
    return init_integration.entry_id


async def _call_finishing(hass: HomeAssistant, device: Device, **data: Any) -> dict[str, Any]:
    """Call and wait, while the device finishes its runs and time passes for the reads."""
    task = hass.async_create_background_task(call_action(hass, **data), "call_action")
    while not task.done():
        await device.wait_idle()
        await advance(hass, 1)
    return task.result()


async def test_waits_for_the_result(
    hass: HomeAssistant, device: Device, target: dict[str, str]
) -> None:
    response = await _call_finishing(hass, device, **target, action_id="sequence")
    accepted_at = datetime.fromisoformat(response.pop("accepted_at"))
    ended_at = datetime.fromisoformat(response.pop("ended_at"))
    assert accepted_at < ended_at <= dt_util.utcnow()
    assert response == {
        "action_id": "sequence",
        "started_by": "home_assistant",
        "status_ids": [100, 101, 102],
        "state": "failure",
        "reason": "failed",
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


async def test_without_waiting(hass: HomeAssistant, target: dict[str, str]) -> None:
    response = await call_action(hass, **target, action_id="1", wait=False)
    assert (response["state"], response["status_ids"], response["code"]) == ("running", [100], None)
    assert states(hass, "fast_http_request")["run_state"] == "running"


async def test_without_waiting_on_a_busy_device_answers_the_state_its_entities_show(
    hass: HomeAssistant, device: Device, target: dict[str, str]
) -> None:
    """The device refuses the call as busy: the run waits queued, and the answer says so."""
    device.max_executing = 0
    response = await call_action(hass, **target, action_id="1", wait=False)
    assert (response["state"], response["status_ids"], response["reason"]) == ("queued", [], None)
    assert states(hass, "fast_http_request")["run_state"] == "queued"
    device.max_executing = 20
    await advance(hass, 5)  # retried: the device takes it now
    assert states(hass, "fast_http_request")["run_state"] in {"running", "success"}


async def test_timeout_passes_first(hass: HomeAssistant, entry_id: str) -> None:
    response = await call_action(
        hass, config_entry_id=entry_id, action_id="light_toggle", timeout=1
    )
    assert response["state"] == "running"


async def test_without_response(hass: HomeAssistant, entry_id: str) -> None:
    result = await hass.services.async_call(
        DOMAIN,
        "call_action",
        {"config_entry_id": entry_id, "action_id": "1", "wait": False},
        blocking=True,
    )
    assert result is None


async def test_busy_past_the_timeout_does_not_run_later(
    hass: HomeAssistant, device: Device, entry_id: str
) -> None:
    device.max_executing = 0
    with pytest.raises(HomeAssistantError) as err:
        await call_action(hass, config_entry_id=entry_id, action_id="1", timeout=1)
    assert err.value.translation_key == "run_busy"
    assert states(hass, "fast_http_request")["run_state"] == "failure"

    device.max_executing = 20
    device.reset_stats()
    for _ in range(3):
        await advance(hass, 10)
    assert device.stats()["requests"]["call"] == 0  # the caller gave up: it never runs


WINDOW_FILLERS = tuple(
    action(f"w{number}", f"Window {number}", RequestDefinition("http", 200, 600.0))
    for number in range(STATUS_WINDOW)
)


@pytest.mark.parametrize("actions", [(*ACTIONS, *WINDOW_FILLERS)])
@pytest.mark.parametrize("device_options", [{"status_rate": 0, "max_executing": 100}])
async def test_held_for_the_window_past_the_timeout_says_so(
    hass: HomeAssistant, device: Device, entry_id: str
) -> None:
    """The device's 40 statuses hold unread runs: the call waits for them, and says so."""
    for filler in WINDOW_FILLERS:
        await call_action(hass, config_entry_id=entry_id, action_id=filler.id, wait=False)
    with pytest.raises(HomeAssistantError) as err:
        await call_action(hass, config_entry_id=entry_id, action_id="1", timeout=1)
    assert err.value.translation_key == "run_window_full"
    assert "40 newest" in str(err.value)
    assert device.stats()["requests"]["call"] == STATUS_WINDOW  # it never ran
    found = states(hass, "fast_http_request")
    assert (found["run_state"], found["problem"]) == ("failure", "on")
    assert event(hass, "fast_http_request").attributes["reason"] == "window_full"


async def test_a_run_whose_action_leaves_the_device_says_so(
    hass: HomeAssistant, device: Device, entry_id: str
) -> None:
    task = hass.async_create_background_task(
        call_action(hass, config_entry_id=entry_id, action_id="light_toggle", timeout=600),
        "call_action",
    )
    await settle(hass)
    device.set_actions([a for a in ACTIONS if a.id != "light_toggle"])
    for _ in range(2):  # one list missing an action is not enough to remove it
        await advance(hass, 61)
    with pytest.raises(HomeAssistantError) as err:
        await task
    assert err.value.translation_key == "run_action_removed"
    assert hass.states.get("button.ww_go_slow_http_request") is None


async def test_queued_run_refused_for_good_says_why(
    hass: HomeAssistant, device: Device, entry_id: str
) -> None:
    device.max_executing = 0
    task = hass.async_create_background_task(
        call_action(hass, config_entry_id=entry_id, action_id="1", timeout=30), "call_action"
    )
    await settle(hass)
    device.max_executing = 20
    device.set_actions([])
    await advance(hass, 2)
    with pytest.raises(HomeAssistantError) as err:
        await task
    assert err.value.translation_key == "action_not_found"


async def test_busy_for_the_whole_retry_minute(
    hass: HomeAssistant, device: Device, entry_id: str, freezer: FrozenDateTimeFactory
) -> None:
    device.max_executing = 0
    task = hass.async_create_background_task(
        call_action(hass, config_entry_id=entry_id, action_id="1", timeout=600), "call_action"
    )
    await settle(hass)
    assert states(hass, "fast_http_request")["run_state"] == "queued"
    for _ in range(8):
        freezer.tick(10)
        await advance(hass, 10)
    with pytest.raises(HomeAssistantError) as err:
        await task
    assert err.value.translation_key == "run_busy"


@pytest.mark.parametrize(
    ("action_id", "fault", "error", "key"),
    [
        ("nope", None, ServiceValidationError, "unknown_action"),
        ("disabled_action", None, HomeAssistantError, "action_disabled"),
        ("1", "offline", HomeAssistantError, "cannot_connect"),
    ],
)
async def test_errors(
    hass: HomeAssistant,
    device: Device,
    target: dict[str, str],
    action_id: str,
    fault: str | None,
    error: type[HomeAssistantError],
    key: str,
) -> None:
    if fault:
        setattr(device.faults, fault, True)
    with pytest.raises(error) as err:
        await call_action(hass, **target, action_id=action_id)
    assert type(err.value) is error
    assert (err.value.translation_domain, err.value.translation_key) == (DOMAIN, key)


async def test_already_running(hass: HomeAssistant, entry_id: str) -> None:
    await call_action(hass, config_entry_id=entry_id, action_id="light_toggle", wait=False)
    with pytest.raises(HomeAssistantError) as err:
        await call_action(hass, config_entry_id=entry_id, action_id="light_toggle", wait=False)
    assert err.value.translation_key == "action_running"


def _without_ids(response: dict[str, Any]) -> dict[str, Any]:
    """The response but for what differs from run to run: status IDs and times."""
    return {
        **{
            key: value
            for key, value in response.items()
            if key not in {"status_ids", "accepted_at", "ended_at"}
        },
        "requests": [
            {key: value for key, value in request.items() if key != "id"}
            for request in response["requests"]
        ],
    }


async def test_by_config_entry_as_by_device(
    hass: HomeAssistant, device: Device, entry_id: str, device_id: str
) -> None:
    """Both ways of naming the device run the action and answer alike."""
    by_entry = await _call_finishing(hass, device, config_entry_id=entry_id, action_id="1")
    by_device = await _call_finishing(hass, device, device_id=device_id, action_id="1")
    assert device.stats()["requests"]["call"] == 2
    assert (by_entry["status_ids"], by_device["status_ids"]) == ([100], [101])
    # The same answer but for the status IDs of each run.
    assert by_entry["state"] == "success"
    assert _without_ids(by_entry) == _without_ids(by_device)


@pytest.mark.parametrize("by", ["neither", "both"])
async def test_config_entry_or_device_required(
    hass: HomeAssistant, device: Device, entry_id: str, device_id: str, by: str
) -> None:
    data = {"config_entry_id": entry_id, "device_id": device_id} if by == "both" else {}
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, **data, action_id="1")
    assert (err.value.translation_domain, err.value.translation_key) == (
        DOMAIN,
        "entry_or_device_required",
    )
    assert device.stats()["requests"]["call"] == 0


@pytest.mark.usefixtures("init_integration")
async def test_unknown_config_entry(hass: HomeAssistant) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, config_entry_id="nope", action_id="1")
    assert (err.value.translation_domain, err.value.translation_key) == (
        HOMEASSISTANT_DOMAIN,
        "service_config_entry_not_found",
    )
    assert err.value.translation_placeholders == {"domain": DOMAIN, "entry_id": "nope"}


@pytest.mark.usefixtures("init_integration")
async def test_config_entry_of_another_integration(hass: HomeAssistant) -> None:
    other = MockConfigEntry(domain="other_integration", title="Other")
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, config_entry_id=other.entry_id, action_id="1")
    assert (err.value.translation_domain, err.value.translation_key) == (
        HOMEASSISTANT_DOMAIN,
        "service_config_entry_wrong_domain",
    )
    assert err.value.translation_placeholders == {"domain": DOMAIN, "entry_title": "Other"}


async def test_device_not_loaded(
    hass: HomeAssistant, target: dict[str, str], init_integration: MockConfigEntry
) -> None:
    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, **target, action_id="1")
    assert (err.value.translation_domain, err.value.translation_key) == (
        HOMEASSISTANT_DOMAIN,
        "service_config_entry_not_loaded",
    )
    assert err.value.translation_placeholders == {"domain": DOMAIN, "entry_title": "WW Go"}


@pytest.mark.parametrize("whose", ["nobody's", "another integration's"])
@pytest.mark.usefixtures("init_integration")
async def test_unknown_device(hass: HomeAssistant, whose: str) -> None:
    unknown = "nope"
    if whose == "another integration's":
        other = MockConfigEntry(domain="other_integration", title="Other")
        other.add_to_hass(hass)
        unknown = (
            dr.async_get(hass)
            .async_get_or_create(
                config_entry_id=other.entry_id, identifiers={("other_integration", "lamp")}
            )
            .id
        )
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, device_id=unknown, action_id="1")
    assert (err.value.translation_domain, err.value.translation_key) == (DOMAIN, "unknown_device")
    assert err.value.translation_placeholders == {"device_id": unknown}


@pytest.mark.parametrize(("seconds", "bound"), [(0, "at least 1"), (601, "at most 600")])
async def test_timeout_out_of_range(
    hass: HomeAssistant, device: Device, entry_id: str, seconds: int, bound: str
) -> None:
    """Home Assistant checks the call against the action's schema before it runs."""
    with pytest.raises(vol.MultipleInvalid) as err:
        await call_action(hass, config_entry_id=entry_id, action_id="1", timeout=seconds)
    assert [(type(error), error.path) for error in err.value.errors] == [
        (vol.RangeInvalid, ["timeout"])
    ]
    assert bound in str(err.value)
    assert device.stats()["requests"]["call"] == 0
