"""The WW Go integration: runs WW Go device actions from Home Assistant."""

from collections.abc import Iterable
from typing import Final

from homeassistant.const import CONF_HOST, EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.typing import ConfigType

from .action_ids import parse_action_ids
from .binary_sensor import BINARY_SENSORS
from .button import BUTTONS
from .const import CONF_ACTION_IDS, DOMAIN
from .coordinator import WwGoConfigEntry, WwGoCoordinator
from .device import create_client
from .entity import action_ids_of, entity_unique_id
from .event import EVENTS
from .issues import forget_unreachable
from .migrate import async_migrate_entry
from .sensor import SENSORS
from .services import async_setup_services
from .store import RunStore

# Each platform and the entities it makes of every action.
ENTITIES: Final[dict[Platform, Iterable[EntityDescription]]] = {
    Platform.BINARY_SENSOR: BINARY_SENSORS,
    Platform.BUTTON: BUTTONS,
    Platform.EVENT: EVENTS,
    Platform.SENSOR: SENSORS,
}
PLATFORMS = list(ENTITIES)
__all__ = ["async_migrate_entry"]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: WwGoConfigEntry) -> bool:
    """Set up a WW Go device from a config entry."""
    try:
        client = create_client(hass, entry.data)
    except ValueError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="invalid_host",
            translation_placeholders={"host": str(entry.data[CONF_HOST])},
        ) from err
    typed = entry.options.get(CONF_ACTION_IDS)
    store = RunStore(hass, entry.entry_id)
    coordinator = WwGoCoordinator(
        hass, entry, client, store, parse_action_ids(typed) if typed else ()
    )
    coordinator.restore(await store.async_load())
    # Actions with entities from before: one odd first action list does not delete them.
    registered = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    coordinator.known_actions = action_ids_of(
        entry,
        (entity.unique_id for entity in registered),
        {description.key for descriptions in ENTITIES.values() for description in descriptions},
    )
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    entry.async_on_unload(hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, coordinator.async_stop))
    _remove_stale_entities(hass, entry)
    actions = set(coordinator.data.actions)

    @callback
    def actions_changed() -> None:
        # Stale entities are looked for only when the action list changed.
        nonlocal actions
        if actions != (actions := set(coordinator.data.actions)):
            _remove_stale_entities(hass, entry)

    entry.async_on_unload(coordinator.async_add_listener(actions_changed))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # The runs in flight before a restart: their results may be waiting.
    coordinator.engine.read_soon()
    return True


async def async_unload_entry(hass: HomeAssistant, entry: WwGoConfigEntry) -> bool:
    """Unload a config entry."""
    forget_unreachable(hass, entry.entry_id)
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: WwGoConfigEntry) -> None:
    """Forget what was kept of a removed entry's device (an entry never loaded included)."""
    forget_unreachable(hass, entry.entry_id)
    await RunStore(hass, entry.entry_id).async_remove()


@callback
def _remove_stale_entities(hass: HomeAssistant, entry: WwGoConfigEntry) -> None:
    """Remove the entities of actions the device no longer has."""
    actions = entry.runtime_data.data.actions
    if not entry.runtime_data.last_update_success or not actions:
        return
    registry = er.async_get(hass)
    valid = {
        (platform.value, entity_unique_id(entry, action_id, description.key))
        for platform, descriptions in ENTITIES.items()
        for description in descriptions
        for action_id in actions
    }
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if (entity.domain, entity.unique_id) not in valid:
            registry.async_remove(entity.entity_id)
