"""The problem binary sensor of each action: on when its last run did not succeed."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import WwGoConfigEntry
from .entity import WwGoEntity, async_add_action_entities
from .wwgo import PROBLEM_STATES, RunResult

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class WwGoBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A binary sensor of an action, read from its latest finished run."""

    is_on_fn: Callable[[RunResult], bool]


BINARY_SENSORS = (
    WwGoBinarySensorEntityDescription(
        key="problem",
        translation_key="problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda result: result.state in PROBLEM_STATES,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WwGoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every action."""
    async_add_action_entities(entry, async_add_entities, BINARY_SENSORS, WwGoBinarySensorEntity)


class WwGoBinarySensorEntity(WwGoEntity, BinarySensorEntity):
    """A binary sensor of an action."""

    entity_description: WwGoBinarySensorEntityDescription

    @property
    @override
    def is_on(self) -> bool | None:
        result = self.runs.result
        return None if result is None else self.entity_description.is_on_fn(result)
