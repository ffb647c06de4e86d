"""The run event of each action: fires when a run ends."""

from typing import override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import WwGoEntity, async_add_action_entities
from .runtime import WwGoConfigEntry
from .wwgo import FINAL_STATES, Outcome, Run

PARALLEL_UPDATES = 0

EVENTS = (
    EventEntityDescription(
        key="run",
        translation_key="run",
        event_types=sorted(state.value for state in FINAL_STATES),
    ),
)


def event_data(run: Run, outcome: Outcome) -> dict[str, object]:
    """What an automation gets with the event of a run that ended with `outcome`."""
    return {
        "action_id": run.action_id,
        "reason": outcome.reason.value,
        "code": outcome.code,
        "exe_time": outcome.exe_time,
        "description": outcome.description,
        "status_ids": list(run.status_ids),
    }


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WwGoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the run event of every action."""
    async_add_action_entities(entry, async_add_entities, Platform.EVENT, EVENTS, WwGoEventEntity)


class WwGoEventEntity(WwGoEntity, EventEntity):
    """Fires once for every finished run of an action."""

    @callback
    @override
    def _handle_run(self, run: Run) -> None:
        if (outcome := run.outcome) is not None:
            self._trigger_event(outcome.state.value, event_data(run, outcome))
            self.async_write_ha_state()
