"""Config entries of earlier versions, brought to the current one."""

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import DOMAIN, LOGGER
from .device import unique_base
from .wwgo import normalize_host

# Version 1 kept the device's URL as the unique ID when the device reported no ID of its own.
URL_SCHEMES = ("http://", "https://")


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Bring an entry to version 2: entity IDs, customizations and history stay as they are."""
    if entry.version > 2:
        return False  # made by a newer version of the integration
    if entry.version == 1:
        old_base = unique_base(entry)
        unique_id = entry.unique_id
        if unique_id is not None and unique_id.startswith(URL_SCHEMES):
            unique_id = None
        new_base = unique_id or entry.entry_id
        if new_base != old_base:
            _rekey(hass, entry, old_base, new_base)
        data = {**entry.data, CONF_HOST: _salvaged(str(entry.data[CONF_HOST]))}
        hass.config_entries.async_update_entry(entry, data=data, unique_id=unique_id, version=2)
    return True


def _salvaged(host: str) -> str:
    """The stored address, normalized; version 1 kept spaces, tabs or newlines typed inside it."""
    for text in (host, "".join(host.split())):
        try:
            return normalize_host(text)
        except ValueError:
            continue
    LOGGER.warning("The stored address %r is no device address: reconfigure the entry", host)
    return host


@callback
def _rekey(hass: HomeAssistant, entry: ConfigEntry, old_base: str, new_base: str) -> None:
    """Move the device's and its entities' unique IDs from `old_base` to `new_base`."""
    entities = er.async_get(hass)
    prefix = f"{old_base}_"
    for entity in er.async_entries_for_config_entry(entities, entry.entry_id):
        if entity.unique_id.startswith(prefix):
            entities.async_update_entity(
                entity.entity_id, new_unique_id=f"{new_base}_{entity.unique_id[len(prefix) :]}"
            )
    devices = dr.async_get(hass)
    # By the entry's devices: the look-up by identifier changes its signature across releases.
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        if (DOMAIN, old_base) in device.identifiers:
            devices.async_update_device(device.id, new_identifiers={(DOMAIN, new_base)})
