"""Each entity through a run: press, running, and how it ends."""

from dataclasses import replace

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Device

from .conftest import ACTIONS, advance, finish_runs
from .helpers import attributes, event, press, start_run, states

pytestmark = pytest.mark.usefixtures("init_integration")

EVENT_DATA = ("event_type", "action_id", "code", "exe_time", "description", "status_ids")


async def test_before_any_run(hass: HomeAssistant) -> None:
    assert states(hass, "fast_http_request") == {
        "button": "unknown",
        "result_code": "unknown",
        "execution_time": "unknown",
        "run_state": "unknown",
        "problem": "unknown",
        "event": "unknown",
    }


async def test_success(hass: HomeAssistant, device: Device) -> None:
    await start_run(hass, "fast_http_request")
    assert states(hass, "fast_http_request")["run_state"] == "running"

    await finish_runs(hass, device)
    found = states(hass, "fast_http_request")
    assert found["run_state"] == "success"
    assert found["result_code"] == "200"
    assert float(found["execution_time"]) == pytest.approx(0.01)
    assert found["problem"] == "off"
    assert attributes(event(hass, "fast_http_request"), *EVENT_DATA) == {
        "event_type": "success",
        "action_id": "1",
        "code": 200,
        "exe_time": 0.01,
        "description": "OK",
        "status_ids": [100],
    }


@pytest.mark.parametrize(
    ("slug", "code", "description"),
    [
        ("failing_http_request", 404, "Not Found"),
        ("modbus_timeout", -3, "Response receive timeout"),
    ],
)
async def test_failure(
    hass: HomeAssistant, device: Device, slug: str, code: int, description: str
) -> None:
    await start_run(hass, slug)
    await finish_runs(hass, device)
    found = states(hass, slug)
    assert (found["run_state"], found["result_code"], found["problem"]) == (
        "failure",
        str(code),
        "on",
    )
    data = attributes(event(hass, slug), "event_type", "code", "description")
    assert data == {"event_type": "failure", "code": code, "description": description}


async def test_modbus_success(hass: HomeAssistant, device: Device) -> None:
    await start_run(hass, "modbus_write")
    await finish_runs(hass, device)
    found = states(hass, "modbus_write")
    assert (found["run_state"], found["result_code"], found["problem"]) == ("success", "1", "off")


async def test_multi_request_run(hass: HomeAssistant, device: Device) -> None:
    """Three requests: the run fails with its first failing request's code, times add up."""
    await start_run(hass, "three_requests")
    await finish_runs(hass, device)
    found = states(hass, "three_requests")
    assert (found["run_state"], found["result_code"]) == ("failure", "-104")
    assert float(found["execution_time"]) == pytest.approx(0.03)
    assert attributes(event(hass, "three_requests"), "description", "status_ids") == {
        "description": "Slave device failure",
        "status_ids": [100, 101, 102],
    }


async def test_expired_when_other_traffic_evicts_the_result(
    hass: HomeAssistant, device: Device
) -> None:
    await start_run(hass, "slow_http_request")
    device.advance_external(40)
    await advance(hass, 2)
    found = states(hass, "slow_http_request")
    assert (found["run_state"], found["result_code"], found["problem"]) == (
        "expired",
        "unknown",
        "on",
    )
    assert event(hass, "slow_http_request").attributes["event_type"] == "expired"


async def test_timeout_after_five_minutes(
    hass: HomeAssistant, device: Device, freezer: FrozenDateTimeFactory
) -> None:
    await start_run(hass, "slow_http_request")
    await advance(hass, 2)
    assert states(hass, "slow_http_request")["run_state"] == "running"
    freezer.tick(301)
    await advance(hass, 2)
    found = states(hass, "slow_http_request")
    assert (found["run_state"], found["problem"]) == ("timeout", "on")
    assert event(hass, "slow_http_request").attributes["event_type"] == "timeout"


async def test_repeated_runs_fire_one_event_each(hass: HomeAssistant, device: Device) -> None:
    fired: list[str] = []
    for _ in range(2):
        await start_run(hass, "fast_http_request")
        await finish_runs(hass, device)
        fired.append(event(hass, "fast_http_request").state)
    assert fired[0] != fired[1]  # each event is stamped with the time it fired

    await start_run(hass, "modbus_write")  # another action's run updates the coordinator
    await finish_runs(hass, device)
    assert event(hass, "fast_http_request").state == fired[1]


@pytest.mark.parametrize(
    ("slug", "prepare", "key"),
    [
        ("slow_http_request", "press_first", "action_running"),
        ("slow_http_request", "run_elsewhere", "action_running_elsewhere"),
        ("fast_http_request", "disabled_meanwhile", "action_disabled"),
        ("fast_http_request", "offline", "cannot_connect"),
        ("fast_http_request", "server_error", "device_error"),
    ],
)
async def test_press_errors(
    hass: HomeAssistant, device: Device, slug: str, prepare: str | None, key: str
) -> None:
    if prepare == "press_first":
        await start_run(hass, slug)
    elif prepare == "disabled_meanwhile":
        # Disabled on the device since the last health check: the device refuses it.
        device.set_actions([replace(a, enabled=False) if a.id == "1" else a for a in ACTIONS])
    elif prepare == "run_elsewhere":
        device.call("light_toggle")  # another client of the device runs it
    elif prepare:
        setattr(device.faults, prepare, True)
    with pytest.raises(HomeAssistantError) as err:
        await press(hass, slug)
    assert err.value.translation_key == key
    assert str(err.value)  # translated, not empty


async def test_busy_device_queues_and_retries(hass: HomeAssistant, device: Device) -> None:
    device.max_executing = 0
    await start_run(hass, "fast_http_request")
    assert states(hass, "fast_http_request")["run_state"] == "queued"
    with pytest.raises(HomeAssistantError) as err:
        await press(hass, "fast_http_request")
    assert err.value.translation_key == "action_queued"

    device.max_executing = 20
    await advance(hass, 2)
    assert states(hass, "fast_http_request")["run_state"] in ("running", "success")
    await finish_runs(hass, device)
    assert states(hass, "fast_http_request")["run_state"] == "success"


async def test_busy_for_a_minute_fails(
    hass: HomeAssistant, device: Device, freezer: FrozenDateTimeFactory
) -> None:
    device.max_executing = 0
    await start_run(hass, "fast_http_request")
    for _ in range(8):
        freezer.tick(10)
        await advance(hass, 10)
    found = states(hass, "fast_http_request")
    assert (found["run_state"], found["problem"]) == ("failure", "on")
    description = event(hass, "fast_http_request").attributes["description"]
    assert description == "The device stayed busy for 60 seconds; the action was not run"
    # Retried as the device asks (Retry-After: 1 s), never faster: at most one a second.
    assert 5 <= device.stats()["call_rejected"]["429"] <= 62


async def test_unavailable_and_back(
    hass: HomeAssistant,
    device: Device,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    device.faults.offline = True
    await advance(hass, 61)
    shown = states(hass, "fast_http_request")
    # The run event stays available: a run that ends in the outage must still fire.
    assert shown.pop("event") == "unknown"
    assert set(shown.values()) == {"unavailable"}
    await advance(hass, 61)
    device.faults.offline = False
    await advance(hass, 61)
    assert states(hass, "fast_http_request")["run_state"] == "unknown"
    # Lost, then back: each said once, by the health check or by the look for other clients'
    # runs, whichever reached the device first.
    lost = [
        r
        for r in caplog.records
        if "Error fetching" in r.getMessage() or "Error requesting" in r.getMessage()
    ]
    back = [
        r
        for r in caplog.records
        if "recovered" in r.getMessage() or "is reachable again" in r.getMessage()
    ]
    assert (len(lost), len(back)) == (1, 1)


async def test_queued_run_refused_when_retried(hass: HomeAssistant, device: Device) -> None:
    """Queued while the device is busy, then the action is disabled: the run fails and says why."""
    device.max_executing = 0
    await start_run(hass, "fast_http_request")
    device.max_executing = 20
    device.set_actions([])
    await advance(hass, 2)
    found = states(hass, "fast_http_request")
    assert (found["run_state"], found["problem"]) == ("failure", "on")
    description = event(hass, "fast_http_request").attributes["description"]
    assert description == "The device has no action 1; the action was not run"


async def test_a_long_retry_after_does_not_stretch_the_minute(
    hass: HomeAssistant, device: Device, freezer: FrozenDateTimeFactory
) -> None:
    """The device asks for 5 minutes' patience: the run still fails after 60 s, as promised."""
    device.max_executing = 0
    device.busy_retry_after = 300
    await start_run(hass, "fast_http_request")
    for _ in range(7):
        freezer.tick(10)
        await advance(hass, 10)
    assert states(hass, "fast_http_request")["run_state"] == "failure"
