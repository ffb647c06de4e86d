"""The WW Go integration: runs WW Go device actions from Home Assistant."""

from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.typing import ConfigType

from .action_ids import parse_action_ids
from .const import CONF_ACTION_IDS, DOMAIN, ENTITY_KEYS
from .coordinator import WwGoConfigEntry, WwGoCoordinator, create_client
from .issues import forget_unreachable
from .services import async_setup_services
from .store import RunStore

PLATFORMS = [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.EVENT, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: WwGoConfigEntry) -> bool:
    """Set up a WW Go device from a config entry."""
    client = create_client(hass, entry.data)
    typed = entry.options.get(CONF_ACTION_IDS)
    store = RunStore(hass, entry.entry_id)
    coordinator = WwGoCoordinator(
        hass, entry, client, store, parse_action_ids(typed) if typed else ()
    )
    coordinator.restore(await store.async_load())
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
        (domain, f"{entry.unique_id}_{action_id}_{key}")
        for domain, keys in ENTITY_KEYS.items()
        for key in keys
        for action_id in actions
    }
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if (entity.domain, entity.unique_id) not in valid:
            registry.async_remove(entity.entity_id)
