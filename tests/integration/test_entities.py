"""Every entity of an action: names, unique IDs, device, categories, classes, icons and states."""

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion


async def test_entities(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    host: str,
    snapshot: SnapshotAssertion,
) -> None:
    entries = er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    fast = sorted(
        (
            entry
            for entry in entries
            if entry.unique_id.endswith(
                tuple(
                    f"_1_{key}"
                    for key in ("run", "result_code", "execution_time", "run_state", "problem")
                )
            )
        ),
        key=lambda entry: entry.entity_id,
    )
    described = {}
    for entry in fast:
        state = hass.states.get(entry.entity_id)
        assert state is not None
        described[entry.entity_id] = {
            "unique_id": entry.unique_id.replace(host, "127.0.0.1:PORT"),
            "translation_key": entry.translation_key,
            "original_name": entry.original_name,
            "device_class": entry.original_device_class,
            "entity_category": entry.entity_category,
            "unit": entry.unit_of_measurement,
            "capabilities": entry.capabilities,
            "state": state.state,
            "attributes": dict(state.attributes),
        }
    assert described == snapshot

    devices = dr.async_entries_for_config_entry(device_registry, init_integration.entry_id)
    assert [(d.name, d.manufacturer, d.model) for d in devices] == [("WW Go", "WW Go", "WW Go")]
    assert {entry.device_id for entry in entries} == {devices[0].id}


@pytest.mark.entities_as_shipped
async def test_execution_time_disabled_by_default(
    hass: HomeAssistant, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    entry = entity_registry.async_get("sensor.ww_go_fast_http_request_execution_time")
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get("sensor.ww_go_fast_http_request_execution_time") is None
    assert hass.states.get("sensor.ww_go_fast_http_request_result_code") is not None
