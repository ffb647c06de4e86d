"""The run event of each action: fires when a run finishes."""

from typing import override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import WwGoConfigEntry, WwGoCoordinator
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

    def __init__(
        self, coordinator: WwGoCoordinator, action_id: str, description: EventEntityDescription
    ) -> None:
        """Start from the run already finished, so that it does not fire again."""
        super().__init__(coordinator, action_id, description)
        self._fired: RunResult | None = self.result

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        result = self.result
        if result is not None and result is not self._fired:
            self._fired = result
            self._trigger_event(result.state.value, event_data(result))
        super()._handle_coordinator_update()
