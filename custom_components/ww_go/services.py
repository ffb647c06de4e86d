"""The `ww_go.call_action` action: run a device action and, if asked, wait for its result."""

from collections.abc import Collection, Mapping
from typing import Any, Final

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr, service
import voluptuous as vol

from .const import DOMAIN
from .runtime import WwGoConfigEntry, WwGoRuntimeData

SERVICE_CALL_ACTION: Final = "call_action"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_DEVICE_ID: Final = "device_id"
ATTR_ACTION_ID: Final = "action_id"
ATTR_WAIT: Final = "wait"
ATTR_TIMEOUT: Final = "timeout"

CALL_ACTION_SCHEMA: Final = vol.Schema(
    {
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_ACTION_ID): cv.string,
        vol.Optional(ATTR_WAIT, default=True): cv.boolean,
        vol.Optional(ATTR_TIMEOUT, default=60): vol.All(
            vol.Coerce(float), vol.Range(min=1, max=600)
        ),
    }
)


def _entry_id(hass: HomeAssistant, data: Mapping[str, Any]) -> str:
    """The config entry a call names: its `config_entry_id`, or that of its `device_id`."""
    if (ATTR_CONFIG_ENTRY_ID in data) == (ATTR_DEVICE_ID in data):
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="entry_or_device_required"
        )
    if ATTR_CONFIG_ENTRY_ID in data:
        return str(data[ATTR_CONFIG_ENTRY_ID])
    device_id = data[ATTR_DEVICE_ID]
    device = dr.async_get(hass).async_get(device_id)
    # One config entry a device (`config_entry_id`) from Home Assistant 2026.8 on, which
    # deprecates `config_entries` except for a device that had several before; a set before.
    entry_ids: Collection[str] = ()
    if device is not None:
        single = not getattr(device, "is_composite_device", True)
        entry_ids = (device.config_entry_id,) if single else device.config_entries
    entries = (hass.config_entries.async_get_entry(entry_id) for entry_id in entry_ids)
    entry = next((entry for entry in entries if entry is not None and entry.domain == DOMAIN), None)
    if entry is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_device",
            translation_placeholders={"device_id": device_id},
        )
    return entry.entry_id


def _runtime(hass: HomeAssistant, data: Mapping[str, Any]) -> WwGoRuntimeData:
    """The loaded entry's runtime data; Home Assistant's translated errors when there is none."""
    entry: WwGoConfigEntry = service.async_get_config_entry(hass, DOMAIN, _entry_id(hass, data))
    return entry.runtime_data


async def _async_call_action(call: ServiceCall) -> ServiceResponse:
    runtime = _runtime(call.hass, call.data)
    action_id: str = call.data[ATTR_ACTION_ID]
    if action_id not in runtime.coordinator.data.actions:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_action",
            translation_placeholders={
                "action_id": action_id,
                "title": runtime.coordinator.config_entry.title,
            },
        )
    calls = runtime.runs.calls
    if call.data[ATTR_WAIT]:
        run = await calls.async_run(action_id, call.data[ATTR_TIMEOUT])
    else:
        run = await calls.async_start(action_id, call.data[ATTR_TIMEOUT])
    # The run as its entities show it, in the one form every report of a run has.
    return run.as_dict() if call.return_response else None


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_CALL_ACTION,
        _async_call_action,
        schema=CALL_ACTION_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
