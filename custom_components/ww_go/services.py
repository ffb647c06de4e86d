"""The `ww_go.call_action` action: run a device action and, if asked, wait for its result."""

import asyncio
from collections.abc import Mapping
from typing import Any, Final, cast

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr, service
from homeassistant.util.json import JsonValueType
import voluptuous as vol

from .const import DOMAIN
from .coordinator import WwGoConfigEntry, WwGoCoordinator
from .wwgo import RunResult, RunState, WwGoError

SERVICE_CALL_ACTION: Final = "call_action"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_DEVICE_ID: Final = "device_id"
ATTR_ACTION_ID: Final = "action_id"
ATTR_WAIT: Final = "wait"
ATTR_TIMEOUT: Final = "timeout"
GIVEN_UP_DESCRIPTION: Final = "The device stayed busy until the action call's timeout; not run"

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
    # `config_entries`, not `config_entry_id` (Home Assistant 2026.8 and newer only).
    entries = (
        hass.config_entries.async_get_entry(entry_id)
        for entry_id in (device.config_entries if device is not None else ())
    )
    entry = next((entry for entry in entries if entry is not None and entry.domain == DOMAIN), None)
    if entry is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_device",
            translation_placeholders={"device_id": device_id},
        )
    return entry.entry_id


def _coordinator(hass: HomeAssistant, data: Mapping[str, Any]) -> WwGoCoordinator:
    """The loaded entry's coordinator; Home Assistant's translated errors when there is none."""
    entry: WwGoConfigEntry = service.async_get_config_entry(hass, DOMAIN, _entry_id(hass, data))
    return entry.runtime_data


def run_response(result: RunResult) -> dict[str, JsonValueType]:
    """The action's response: the run and each of its requests."""
    return {
        "action_id": result.action_id,
        "status_ids": list(result.status_ids),
        # Not yet finished (queued or running) is reported as running.
        "state": result.state.value if result.finished else RunState.RUNNING.value,
        "code": result.code,
        "exe_time": result.exe_time,
        "description": result.description,
        "requests": [
            {
                "id": request.id,
                "code": request.code,
                "exe_time": request.exe_time,
                "state": request.state.value,
                "description": request.description,
            }
            for request in result.requests
        ],
    }


async def _async_call_action(call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(call.hass, call.data)
    action_id: str = call.data[ATTR_ACTION_ID]
    if action_id not in coordinator.data.actions:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_action",
            translation_placeholders={
                "action_id": action_id,
                "title": coordinator.config_entry.title,
            },
        )
    handle = await coordinator.async_run(action_id)
    result = handle.result
    if call.data[ATTR_WAIT]:
        # asyncio.wait leaves the run's future alone when the timeout passes first.
        await asyncio.wait({handle.done}, timeout=call.data[ATTR_TIMEOUT])
        if not handle.done.done():
            # Still queued when the caller stops waiting: it must not run behind their back.
            await coordinator.async_cancel_queued(handle, GIVEN_UP_DESCRIPTION)
        if handle.done.done() and (error := handle.done.exception()) is not None:
            raise coordinator.translated(cast("WwGoError", error), action_id)
        if handle.error is not None:
            raise coordinator.translated(handle.error, action_id)
        result = handle.result
        if result.finished and not result.status_ids:
            # Never accepted: the device stayed busy.
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="device_busy",
                translation_placeholders={"action_id": action_id, "host": coordinator.host},
            )
    return run_response(result) if call.return_response else None


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
