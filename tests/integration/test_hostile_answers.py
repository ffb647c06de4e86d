"""Answers no firmware should send, in a status read, a call and a health check.

Whatever the device answers: no run stuck past its timeout, no entity in a state Home Assistant
cannot keep, no traceback in the log, and no entity deleted on the strength of one odd answer.
"""

import json
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Answer, Device

from .conftest import advance
from .helpers import press, start_run, states

DEPTH = 100_000

# Each kind of answer, as the body of a 200 (or 202 for a call).
BODIES = {
    "nested": "[" * DEPTH + "]" * DEPTH,
    "huge numbers": json.dumps(
        [{"action_id": "light_toggle", "id": 100, "code": 200, "exe_time": 1e308}] * 2
    ),
    "code beyond 64 bits": json.dumps(
        [{"action_id": "light_toggle", "id": 100, "code": 2**70, "exe_time": 0.5}]
    ),
    "negative time": json.dumps(
        [{"action_id": "light_toggle", "id": 100, "code": 200, "exe_time": -3.0}]
    ),
    "error object": json.dumps({"error": {"code": 5, "message": "busy booting"}}),
    "not JSON": "{not json",
    "empty object": "{}",
}


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Nothing above debug level carries a traceback (debug logging may show the full error)."""
    assert not [r for r in caplog.records if r.levelno > logging.DEBUG and r.exc_info]


def _entities_are_sound(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Every entity's state can be kept and sent: a string, numbers within reason."""
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        state = hass.states.get(entity.entity_id)
        assert state is not None, entity.entity_id
        json.dumps(state.as_dict(), allow_nan=False)
        if entity.entity_id.endswith(("_result_code", "_execution_time")) and state.state not in (
            "unknown",
            "unavailable",
        ):
            assert abs(float(state.state)) < 2**31, entity.entity_id


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
async def test_in_a_status_read(
    hass: HomeAssistant,
    device: Device,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    body: str,
) -> None:
    await start_run(hass, "slow_http_request")
    device.faults.answer = Answer("status", 200, body)
    for _ in range(3):
        await advance(hass, 6)
    # The run keeps its last good state; the device is not believed.
    assert states(hass, "slow_http_request")["run_state"] in ("running", "unavailable")
    _entities_are_sound(hass, init_integration)
    # Every read fails, yet the run ends when its five minutes are over.
    freezer.tick(301)
    await advance(hass, 6)
    device.faults.answer = None
    await advance(hass, 61)
    await advance(hass, 6)
    found = states(hass, "slow_http_request")
    assert (found["run_state"], found["problem"]) == ("timeout", "on")
    _entities_are_sound(hass, init_integration)
    _no_traceback(caplog)


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
async def test_in_a_call(
    hass: HomeAssistant,
    device: Device,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    body: str,
) -> None:
    device.faults.answer = Answer("call", 202, body)
    with pytest.raises(HomeAssistantError) as err:
        await press(hass, "fast_http_request")
    assert err.value.translation_key == "device_error"
    assert states(hass, "fast_http_request")["run_state"] == "unknown"
    device.faults.answer = None
    await start_run(hass, "fast_http_request")  # the next answer is good: it runs
    assert states(hass, "fast_http_request")["run_state"] == "running"
    _entities_are_sound(hass, init_integration)
    _no_traceback(caplog)


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
async def test_in_a_health_check(
    hass: HomeAssistant,
    device: Device,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
    body: str,
) -> None:
    before = {
        e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    }
    device.faults.answer = Answer("actions", 200, body)
    await advance(hass, 61)
    after = {
        e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    }
    assert after >= before  # one odd answer deletes nothing
    _entities_are_sound(hass, init_integration)
    device.faults.answer = None
    await advance(hass, 61)
    assert states(hass, "fast_http_request")["button"] == "unknown"  # available again
    _no_traceback(caplog)


NO_LIST = ("nested", "error object", "not JSON", "empty object")


@pytest.mark.parametrize("body", [BODIES[name] for name in NO_LIST], ids=NO_LIST)
async def test_answers_that_are_no_list_never_delete_actions(
    hass: HomeAssistant,
    device: Device,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    body: str,
) -> None:
    """However long the device answers so, its actions keep their entities."""
    before = er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    device.faults.answer = Answer("actions", 200, body)
    for _ in range(5):
        await advance(hass, 61)
    after = er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    assert {e.entity_id for e in after} == {e.entity_id for e in before}
