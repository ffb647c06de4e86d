"""The base entity of an action: device info, availability, unique ID, and per-action updates."""

from collections.abc import Callable, Iterable
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import callback
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import WwGoConfigEntry, WwGoCoordinator
from .device import unique_base
from .runs import ActionRuns
from .wwgo import ActionDefinition, RunResult


def entity_unique_id(entry: ConfigEntry, action_id: str, key: str) -> str:
    """The unique ID of the entity `key` of an action."""
    return f"{unique_base(entry)}_{action_id}_{key}"


def action_ids_of(entry: ConfigEntry, unique_ids: Iterable[str], keys: Iterable[str]) -> set[str]:
    """The actions that the entities of these unique IDs (`keys`: their descriptions') are of."""
    prefix = f"{unique_base(entry)}_"
    suffixes = tuple(f"_{key}" for key in keys)
    return {
        unique_id[len(prefix) : -len(suffix)]
        for unique_id in unique_ids
        if unique_id.startswith(prefix)
        for suffix in suffixes
        if unique_id.endswith(suffix) and len(unique_id) > len(prefix) + len(suffix)
    }


class WwGoEntity(CoordinatorEntity[WwGoCoordinator]):
    """An entity of one action of a WW Go device."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: WwGoCoordinator, action_id: str, description: EntityDescription
    ) -> None:
        """Name the entity after its action."""
        super().__init__(coordinator)
        self.entity_description = description
        self.action_id = action_id
        action = coordinator.data.actions[action_id]
        self._attr_unique_id = entity_unique_id(
            coordinator.config_entry, action_id, description.key
        )
        self._attr_translation_placeholders = {"action": action.name or action_id}
        self._attr_device_info = coordinator.device_info
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
    def runs(self) -> ActionRuns:
        """The action's newest run and its last finished one."""
        return self.coordinator.action_runs.get(self.action_id)

    def _value(self) -> Any:
        """What the entity shows of the action's runs: a run that changes it writes the state."""
        return self.state

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self._shown = self._value()
        self.async_on_remove(
            self.coordinator.action_runs.add_listener(self.action_id, self._handle_run)
        )

    @callback
    def _handle_run(self, result: RunResult) -> None:
        """A run of the action changed: write the state only if what it shows changed."""
        if (value := self._value()) != self._shown:
            self._shown = value
            self.async_write_ha_state()

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        self._shown = self._value()
        super()._handle_coordinator_update()


def async_add_action_entities[DescriptionT: EntityDescription](
    entry: WwGoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Iterable[DescriptionT],
    factory: Callable[[WwGoCoordinator, str, DescriptionT], WwGoEntity],
) -> None:
    """Add entities for every action, and for each action that appears later."""
    coordinator = entry.runtime_data
    known: set[str] = set()
    descriptions = tuple(descriptions)

    @callback
    def add_new_actions() -> None:
        actions = coordinator.data.actions
        known.intersection_update(actions)
        new = [action_id for action_id in actions if action_id not in known]
        known.update(new)
        async_add_entities(
            factory(coordinator, action_id, description)
            for action_id in new
            for description in descriptions
        )

    add_new_actions()
    entry.async_on_unload(coordinator.async_add_listener(add_new_actions))
