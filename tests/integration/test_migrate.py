"""Entries made by earlier versions: the device's URL no longer an identity, nothing lost."""

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ww_go.const import DOMAIN

from .helpers import entity_ids

# What version 1 registered for an action, by the platform and key of each entity.
KEYS = {
    "button": "run",
    "result_code": "result_code",
    "execution_time": "execution_time",
    "run_state": "run_state",
    "problem": "problem",
    "event": "run",
}


def _version_1(
    hass: HomeAssistant, host: str, unique_id: str, entity_registry: er.EntityRegistry
) -> tuple[MockConfigEntry, dict[str, str]]:
    """An entry as version 1 made it, with the entities of action 1 it registered."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=1,
        title="127.0.0.1",
        unique_id=unique_id,
        data={"host": f"HTTP://{host}/", "verify_ssl": True},
    )
    entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, unique_id)}, name="127.0.0.1"
    )
    registered = {}
    for name, entity_id in entity_ids("fast_http_request").items():
        domain, _, object_id = entity_id.partition(".")
        old_object_id = object_id.replace("ww_go_", "127_0_0_1_", 1)
        entry_of = entity_registry.async_get_or_create(
            domain,
            DOMAIN,
            f"{unique_id}_1_{KEYS[name]}",
            suggested_object_id=old_object_id,
            config_entry=entry,
            device_id=device.id,
        )
        registered[name] = entry_of.entity_id
    return entry, registered


async def test_an_entry_keyed_by_url_moves_to_the_entry_id(
    hass: HomeAssistant,
    host: str,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    entry, registered = _version_1(hass, host, f"http://{host}", entity_registry)
    # A user's customization, kept through the migration.
    entity_registry.async_update_entity(registered["button"], name="Garage door")

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.unique_id, entry.data["host"]) == (2, None, host)
    for name, entity_id in registered.items():
        migrated = entity_registry.async_get(entity_id)
        assert migrated is not None, entity_id
        assert migrated.unique_id == f"{entry.entry_id}_1_{KEYS[name]}"
        assert hass.states.get(entity_id) is not None  # the same entity, still at its ID
    assert entity_registry.async_get(registered["button"]).name == "Garage door"  # type: ignore[union-attr]
    [device] = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert device.identifiers == {(DOMAIN, entry.entry_id)}
    # No second set of entities appeared beside the migrated ones.
    assert not [
        e
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if e.unique_id.startswith("http")
    ]


async def test_an_entry_keyed_by_the_devices_id_keeps_it(
    hass: HomeAssistant, host: str, entity_registry: er.EntityRegistry
) -> None:
    entry, registered = _version_1(hass, host, "wwgo-0042", entity_registry)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert (entry.version, entry.unique_id) == (2, "wwgo-0042")
    migrated = entity_registry.async_get(registered["button"])
    assert migrated is not None
    assert migrated.unique_id == "wwgo-0042_1_run"


async def test_an_entry_of_a_newer_version_is_left_alone(hass: HomeAssistant, host: str) -> None:
    entry = MockConfigEntry(domain=DOMAIN, version=3, data={"host": host})
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR


@pytest.mark.parametrize(
    "typed", ["{address}\t:{port}", "{address}:\n{port} ", "{address}: {port}"]
)
async def test_an_address_typed_with_spaces_is_mended(
    hass: HomeAssistant, host: str, typed: str
) -> None:
    """Version 1 stored what was typed: spaces, tabs and newlines inside go."""
    address, _, port = host.rpartition(":")
    entry = MockConfigEntry(
        domain=DOMAIN, version=1, data={"host": typed.format(address=address, port=port)}
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.data["host"] == host


async def test_a_stored_address_that_is_none_says_to_reconfigure(
    hass: HomeAssistant, host: str
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, version=2, data={"host": host.replace(":", "\t:")})
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert "Reconfigure the integration" in str(entry.reason)
