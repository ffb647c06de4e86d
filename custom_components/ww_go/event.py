"""The run event of each action: fires when a run ends."""

from typing import override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

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
    """Fires once for every ended run of an action."""

    @property
    @override
    def available(self) -> bool:
        """Available while the device holds the action, whether it answers now or not.

        A run can end while the device cannot be reached (a timeout, a result lost in a reboot):
        its event is news all the same, and an unavailable entity would swallow it.
        """
        return self.action is not None

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        run = self.shown.ended
        # A run kept by a version that did not keep its end's time (0) is shown as Home Assistant
        # restored it.
        if run is not None and (outcome := run.outcome) is not None and outcome.ended_at > 0:
            self._show_kept(run, outcome)

    def _show_kept(self, run: Run, outcome: Outcome) -> None:
        """Show the action's last run as the last event, from what the integration keeps.

        Home Assistant's own saved state can be minutes older after a crash. The event entity
        keeps its last event to itself: set here as its own restore sets it.
        """
        self._stamp(outcome)
        self._EventEntity__last_event_type = outcome.state.value
        self._EventEntity__last_event_attributes = event_data(run, outcome)

    def _stamp(self, outcome: Outcome) -> None:
        """Time the last event by the run's end as kept: a restart then shows the same state.

        Successive runs of an action end a millisecond apart at least (the run owner sees to it):
        each event gets its own state, which is what state triggers see.
        """
        self._EventEntity__last_event_triggered = dt_util.utc_from_timestamp(outcome.ended_at)

    @callback
    @override
    def _handle_run(self, run: Run) -> None:
        if (outcome := run.outcome) is not None:
            self._trigger_event(outcome.state.value, event_data(run, outcome))
            self._stamp(outcome)
            self.async_write_ha_state()
