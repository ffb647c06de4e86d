"""The base entity of an action: device info, availability and the unique ID scheme."""

from collections.abc import Callable, Iterable

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import WwGoConfigEntry, WwGoCoordinator
from .wwgo import RunResult


class WwGoEntity(CoordinatorEntity[WwGoCoordinator]):
    """An entity of one action of a WW Go device."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: WwGoCoordinator, action_id: str, description: EntityDescription
    ) -> None:
        """Name the entity after its action."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.entity_description = description
        self.action_id = action_id
        action = coordinator.data.actions[action_id]
        self._attr_unique_id = f"{entry.unique_id}_{action_id}_{description.key}"
        self._attr_translation_placeholders = {"action": action.name or action_id}
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, str(entry.unique_id))},
            name=entry.title,
            manufacturer="WW Go",
            model="WW Go",
            configuration_url=str(coordinator.client.base_url),
        )

    @property
    def available(self) -> bool:
        """Unavailable while the device cannot be reached or no longer has the action."""
        return super().available and self.action_id in self.coordinator.data.actions

    @property
    def run(self) -> RunResult | None:
        """The action's latest run, in any state."""
        return self.coordinator.data.runs.get(self.action_id)

    @property
    def result(self) -> RunResult | None:
        """The action's latest finished run."""
        return self.coordinator.data.results.get(self.action_id)


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
