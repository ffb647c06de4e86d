"""Diagnostics of a config entry: settings (credentials redacted), actions, runs and load."""

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .issues import unreachable_since
from .runtime import WwGoConfigEntry

TO_REDACT = {CONF_PASSWORD, CONF_USERNAME}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: WwGoConfigEntry
) -> dict[str, Any]:
    """What support needs to see, without the login."""
    coordinator = entry.runtime_data.coordinator
    return {
        "entry": {
            "data": async_redact_data(entry.data, TO_REDACT),
            "options": dict(entry.options),
        },
        "device": {
            "base_url": str(coordinator.client.base_url),
            "has_action_list": coordinator.has_action_list,
            "reachable": coordinator.last_update_success,
            "unreachable_since": unreachable_since(hass, entry.entry_id),
        },
        "actions": [asdict(action) for action in coordinator.data.actions.values()],
        "runs": entry.runtime_data.runs.diagnostics(),
    }
