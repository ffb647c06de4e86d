"""The WW Go integration: runs WW Go device actions from Home Assistant."""

from homeassistant.const import CONF_HOST, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .action_ids import parse_action_ids
from .actions import ActionFollower
from .const import CONF_ACTION_IDS, DOMAIN
from .coordinator import WwGoCoordinator
from .device import async_follow_device, create_client
from .issues import forget_unreachable
from .migrate import async_migrate_entry
from .runs import WwGoRuns
from .runtime import WwGoConfigEntry, WwGoRuntimeData
from .services import async_setup_services
from .store import RunStore

PLATFORMS = [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.EVENT, Platform.SENSOR]
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
    store = RunStore(hass, entry)
    kept = await store.async_load()
    typed = entry.options.get(CONF_ACTION_IDS)
    coordinator = WwGoCoordinator(
        hass, entry, client, kept.actions, parse_action_ids(typed) if typed else ()
    )
    runs = WwGoRuns(hass, entry, client, coordinator, store)
    runs.restore(kept)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = WwGoRuntimeData(
        coordinator,
        runs,
        ActionFollower(entry, coordinator, runs),
        async_follow_device(hass, entry, coordinator),
    )
    runs.async_start()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: WwGoConfigEntry) -> bool:
    """Unload a config entry."""
    forget_unreachable(hass, entry.entry_id)
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: WwGoConfigEntry) -> None:
    """Forget what was kept of a removed entry's device (an entry never loaded included)."""
    forget_unreachable(hass, entry.entry_id)
    await RunStore(hass, entry).async_remove()
