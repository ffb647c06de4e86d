"""The device's actions as Home Assistant follows them.

One listener of the coordinator hands each new action list to the run owner and to every platform,
which add and remove entities.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import WwGoCoordinator
from .device import unique_base
from .runs import WwGoRuns
from .wwgo import ActionDefinition


def entity_unique_id(entry: ConfigEntry, action_id: str, key: str) -> str:
    """The unique ID of the entity `key` of an action."""
    return f"{unique_base(entry)}_{action_id}_{key}"


@dataclass(frozen=True, slots=True)
class _Platform:
    domain: Platform
    # The keys of its entities of each action.
    keys: tuple[str, ...]
    # Adds its entities of these actions.
    add: Callable[[list[str]], None]


class ActionFollower:
    """Follows the coordinator's action list for the run owner and every platform of an entry."""

    def __init__(self, entry: ConfigEntry, coordinator: WwGoCoordinator, runs: WwGoRuns) -> None:
        """Hand the actions to `runs` now, and whenever they change."""
        self._entry = entry
        self._coordinator = coordinator
        self._runs = runs
        self._platforms: list[_Platform] = []
        self._actions: Mapping[str, ActionDefinition] = {}
        runs.async_set_actions(coordinator.data.actions)
        self._actions = coordinator.data.actions
        entry.async_on_unload(coordinator.async_add_listener(self._changed))

    @callback
    def async_add_platform[DescriptionT: EntityDescription](
        self,
        platform: Platform,
        add_entities: AddConfigEntryEntitiesCallback,
        descriptions: Iterable[DescriptionT],
        create: Callable[[str, DescriptionT], Entity],
    ) -> None:
        """Add the platform's entities of every action now, and of those that come later."""
        descriptions = tuple(descriptions)

        def add(action_ids: list[str]) -> None:
            if action_ids:
                add_entities(create(key, item) for key in action_ids for item in descriptions)

        self._platforms.append(_Platform(platform, tuple(item.key for item in descriptions), add))
        add(list(self._actions))
        self._remove_stale()

    @callback
    def _changed(self) -> None:
        actions = self._coordinator.data.actions
        if actions == self._actions:
            return  # the coordinator keeps the last actions through failed and empty lists
        new = [action_id for action_id in actions if action_id not in self._actions]
        self._actions = actions
        self._runs.async_set_actions(actions)
        for platform in self._platforms:
            platform.add(new)
        self._remove_stale()

    def _remove_stale(self) -> None:
        """Remove the entities of actions the device no longer has, from the registry too."""
        registry = er.async_get(self._coordinator.hass)
        domains = {platform.domain for platform in self._platforms}
        valid = {
            entity_unique_id(self._entry, action_id, key)
            for platform in self._platforms
            for key in platform.keys
            for action_id in self._actions
        }
        for entity in er.async_entries_for_config_entry(registry, self._entry.entry_id):
            if entity.domain in domains and entity.unique_id not in valid:
                registry.async_remove(entity.entity_id)
