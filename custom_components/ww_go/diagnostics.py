"""Diagnostics of a config entry: settings (credentials redacted), actions, runs and load."""

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .coordinator import WwGoConfigEntry
from .issues import unreachable_since

TO_REDACT = {CONF_PASSWORD, CONF_USERNAME}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: WwGoConfigEntry
) -> dict[str, Any]:
    """What support needs to see, without the login."""
    coordinator = entry.runtime_data
    tracker = coordinator.engine.tracker
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
        "newest_status_id": tracker.newest_id,
        "in_flight": [
            {
                "action_id": run.action_id,
                "status_ids": list(run.status_ids),
                "pending": run.pending(),
                "statuses": [asdict(status) for status in run.statuses.values()],
            }
            for run in tracker.in_flight.values()
        ],
        "queued": sorted(coordinator.engine.queued),
        "durations": dict(tracker.durations),
        "action_runs": {key: asdict(runs) for key, runs in coordinator.action_runs.items()},
        "requests": dict(coordinator.requests),
    }
