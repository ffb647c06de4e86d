"""The run event of each action: fires when a run finishes."""

from typing import override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import WwGoConfigEntry
from .entity import WwGoEntity, async_add_action_entities
from .wwgo import FINAL_STATES, RunResult

PARALLEL_UPDATES = 0

EVENTS = (
    EventEntityDescription(
        key="run",
        translation_key="run",
        event_types=sorted(state.value for state in FINAL_STATES),
    ),
)


def event_data(result: RunResult) -> dict[str, object]:
    """What an automation gets with the event."""
    return {
        "action_id": result.action_id,
        "code": result.code,
        "exe_time": result.exe_time,
        "description": result.description,
        "status_ids": list(result.status_ids),
    }


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WwGoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the run event of every action."""
    async_add_action_entities(entry, async_add_entities, EVENTS, WwGoEventEntity)


class WwGoEventEntity(WwGoEntity, EventEntity):
    """Fires once for every finished run of an action."""

    @callback
    @override
    def _handle_run(self, result: RunResult) -> None:
        if result.finished:
            self._trigger_event(result.state.value, event_data(result))
            self.async_write_ha_state()
