"""The run event of each action: fires when a run ends."""

from datetime import datetime
from typing import Final, override

from homeassistant.components.event import (
    EventEntity,
    EventEntityDescription,
    EventExtraStoredData,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, State, callback
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

# Where Home Assistant's event entity keeps the time of its last event (name-mangled: no API
# sets it). A run's event shows the run's end as kept, so that it is the same after a crash; this
# is the one place that writes it; tests/integration/test_event.py fails when it moves.
LAST_EVENT_TIME: Final = "_EventEntity__last_event_triggered"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WwGoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the run event of every action."""
    async_add_action_entities(entry, async_add_entities, Platform.EVENT, EVENTS, WwGoEventEntity)


def _ended_at(run: Run | None) -> tuple[Run, Outcome, datetime] | None:
    """The run with its outcome and end, if it has a time kept (versions before 0.1 kept none)."""
    if run is None or (outcome := run.outcome) is None or outcome.ended_at <= 0:
        return None
    return run, outcome, dt_util.utc_from_timestamp(outcome.ended_at)


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
    async def async_get_last_state(self) -> State | None:
        """The last event as the integration keeps it.

        Home Assistant's own saved state can be minutes older after a crash.
        """
        if (ended := _ended_at(self.action_runs.ended)) is None:
            return await super().async_get_last_state()
        return State(self.entity_id, ended[2].isoformat())

    @override
    async def async_get_last_event_data(self) -> EventExtraStoredData | None:
        """The last event's type and attributes, from the run the integration keeps."""
        if (ended := _ended_at(self.action_runs.ended)) is None:
            return await super().async_get_last_event_data()
        run, outcome, _ = ended
        return EventExtraStoredData(outcome.state.value, run.as_dict())

    @callback
    @override
    def _handle_run(self, run: Run) -> None:
        if (ended := _ended_at(run)) is None:
            return
        _, outcome, ended_at = ended
        self._trigger_event(outcome.state.value, run.as_dict())
        # Timed by the run's end as kept: a restart, or a crash, then shows the same state.
        setattr(self, LAST_EVENT_TIME, ended_at)
        self.async_write_ha_state()
