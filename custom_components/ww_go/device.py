"""The WW Go device in Home Assistant: how to reach it, its identity, its registry entry."""

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo

from .const import DEFAULT_NAME, DOMAIN, MANUFACTURER
from .coordinator import WwGoCoordinator
from .wwgo import ActionList, WwGoClient


def create_client(hass: HomeAssistant, data: Mapping[str, Any]) -> WwGoClient:
    """A client of the device that config entry data (or a config flow's input) describes.

    Raises ValueError when the host is no device address.
    """
    verify_ssl = data.get(CONF_VERIFY_SSL, True)
    return WwGoClient(
        async_get_clientsession(hass, verify_ssl=verify_ssl),
        data[CONF_HOST],
        username=data.get(CONF_USERNAME),
        password=data.get(CONF_PASSWORD),
        verify_ssl=verify_ssl,
    )


def unique_base(entry: ConfigEntry) -> str:
    """What the device and entity unique IDs start with: the device's own ID, else the entry's."""
    return entry.unique_id or entry.entry_id


def device_info(entry: ConfigEntry, client: WwGoClient, listing: ActionList | None) -> DeviceInfo:
    """The device as the registry shows it: what its action list says of it, if anything."""
    listing = listing or ActionList(())
    return DeviceInfo(
        identifiers={(DOMAIN, unique_base(entry))},
        name=listing.device_name or DEFAULT_NAME,
        manufacturer=MANUFACTURER,
        model=listing.model,
        sw_version=listing.firmware,
        serial_number=listing.serial,
        configuration_url=str(client.base_url),
    )


def _about(listing: ActionList | None) -> tuple[str | None, ...]:
    """What an action list says of the device itself."""
    listing = listing or ActionList(())
    return (listing.device_name, listing.model, listing.firmware, listing.serial)


@callback
def async_follow_device(
    hass: HomeAssistant, entry: ConfigEntry, coordinator: WwGoCoordinator
) -> DeviceInfo:
    """Register the device, and keep the registry in step with what it says of itself.

    What its entities name as their device: the registry holds the rest, written once here and
    again when the device describes itself anew (new firmware), not once per entity.
    """
    registry = dr.async_get(hass)

    def register() -> None:
        info = device_info(entry, coordinator.client, coordinator.data.listing)
        registry.async_get_or_create(config_entry_id=entry.entry_id, **info)

    register()
    described = _about(coordinator.data.listing)

    @callback
    def listing_changed() -> None:
        nonlocal described
        if described != (described := _about(coordinator.data.listing)):
            register()

    entry.async_on_unload(coordinator.async_add_listener(listing_changed))
    return DeviceInfo(identifiers={(DOMAIN, unique_base(entry))})
