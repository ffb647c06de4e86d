"""The base entity of an action: device info, availability, unique ID, and per-action updates."""

from collections.abc import Callable, Iterable
from typing import Any, override

from homeassistant.const import Platform
from homeassistant.core import callback
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .actions import entity_unique_id
from .coordinator import WwGoCoordinator
from .runtime import WwGoConfigEntry
from .view import ActionRuns
from .wwgo import ActionDefinition, Run


class WwGoEntity(CoordinatorEntity[WwGoCoordinator]):
    """An entity of one action of a WW Go device.

    The coordinator tells it whether the device answers and holds the action; the run view
    tells it of the action's runs, and of no other action's.
    """

    _attr_has_entity_name = True

    def __init__(
        self, entry: WwGoConfigEntry, action_id: str, description: EntityDescription
    ) -> None:
        """Name the entity after its action."""
        coordinator = entry.runtime_data.coordinator
        super().__init__(coordinator)
        self.runs = entry.runtime_data.runs
        self.entity_description = description
        self.action_id = action_id
        action = coordinator.data.actions[action_id]
        self._attr_unique_id = entity_unique_id(entry, action_id, description.key)
        self._attr_translation_placeholders = {"action": action.name or action_id}
        self._attr_device_info = entry.runtime_data.device
        # What the state last written showed of the action's runs.
        self._written: Any = None

    @property
    @override
    def available(self) -> bool:
        """Unavailable while the device cannot be reached or no longer has the action."""
        return super().available and self.action is not None

    @property
    def action(self) -> ActionDefinition | None:
        """The action as the device lists it (None once it left the device)."""
        return self.coordinator.data.actions.get(self.action_id)

    @property
    def action_runs(self) -> ActionRuns:
        """The action's newest run and its last ended one."""
        return self.runs.view.get(self.action_id)

    def _value(self) -> Any:
        """What the entity shows of the action's runs: a run that changes it writes the state."""
        return self.state

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self._written = self._value()
        self.async_on_remove(self.runs.view.async_add_listener(self.action_id, self._handle_run))

    @callback
    def _handle_run(self, run: Run) -> None:
        """A run of the action changed: write the state only if what it shows changed."""
        if (value := self._value()) != self._written:
            self._written = value
            self.async_write_ha_state()

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        self._written = self._value()
        super()._handle_coordinator_update()


def async_add_action_entities[DescriptionT: EntityDescription](
    entry: WwGoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    platform: Platform,
    descriptions: Iterable[DescriptionT],
    entity: Callable[[WwGoConfigEntry, str, DescriptionT], WwGoEntity],
) -> None:
    """Add the platform's entities of every action, now and as the device's actions change."""
    entry.runtime_data.actions.async_add_platform(
        platform,
        async_add_entities,
        descriptions,
        lambda action_id, description: entity(entry, action_id, description),
    )
