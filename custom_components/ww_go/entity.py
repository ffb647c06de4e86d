"""The base entity of an action: device info, availability, unique ID, and per-action updates."""

from collections.abc import Callable, Iterable
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import WwGoCoordinator
from .device import unique_base
from .runs import ActionRuns
from .runtime import WwGoConfigEntry
from .wwgo import ActionDefinition, Run


def entity_unique_id(entry: ConfigEntry, action_id: str, key: str) -> str:
    """The unique ID of the entity `key` of an action."""
    return f"{unique_base(entry)}_{action_id}_{key}"


class WwGoEntity(CoordinatorEntity[WwGoCoordinator]):
    """An entity of one action of a WW Go device.

    The coordinator tells it whether the device answers and holds the action; the run owner
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
        self._shown: Any = None

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
    def shown(self) -> ActionRuns:
        """The action's newest run and its last ended one."""
        return self.runs.view(self.action_id)

    def _value(self) -> Any:
        """What the entity shows of the action's runs: a run that changes it writes the state."""
        return self.state

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self._shown = self._value()
        self.async_on_remove(self.runs.async_add_listener(self.action_id, self._handle_run))

    @callback
    def _handle_run(self, run: Run) -> None:
        """A run of the action changed: write the state only if what it shows changed."""
        if (value := self._value()) != self._shown:
            self._shown = value
            self.async_write_ha_state()

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        self._shown = self._value()
        super()._handle_coordinator_update()


type EntityFactory[DescriptionT: EntityDescription] = Callable[
    [WwGoConfigEntry, str, DescriptionT], WwGoEntity
]


def async_add_action_entities[DescriptionT: EntityDescription](
    entry: WwGoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    platform: Platform,
    descriptions: Iterable[DescriptionT],
    factory: EntityFactory[DescriptionT],
) -> None:
    """Add the platform's entities of every action, and follow the device's action list.

    Entities of actions that appear later are added; those of actions it no longer has removed.
    """
    coordinator = entry.runtime_data.coordinator
    registry = er.async_get(coordinator.hass)
    known: set[str] = set()
    descriptions = tuple(descriptions)

    @callback
    def follow_actions() -> None:
        actions = coordinator.data.actions
        if not coordinator.last_update_success or not actions or actions.keys() == known:
            return  # the same actions, or none known: an unreachable or booting device
        new = [action_id for action_id in actions if action_id not in known]
        known.clear()
        known.update(actions)
        async_add_entities(
            factory(entry, action_id, description)
            for action_id in new
            for description in descriptions
        )
        valid = {
            entity_unique_id(entry, action_id, description.key)
            for action_id in actions
            for description in descriptions
        }
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
            if entity.domain == platform and entity.unique_id not in valid:
                registry.async_remove(entity.entity_id)

    follow_actions()
    entry.async_on_unload(coordinator.async_add_listener(follow_actions))
