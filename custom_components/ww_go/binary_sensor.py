"""The problem binary sensor of each action: on when its last run did not succeed."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import WwGoEntity, async_add_action_entities
from .runtime import WwGoConfigEntry
from .wwgo import PROBLEM_STATES, Outcome

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class WwGoBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A binary sensor of an action, read from how its last run ended."""

    is_on_fn: Callable[[Outcome], bool]


BINARY_SENSORS = (
    WwGoBinarySensorEntityDescription(
        key="problem",
        translation_key="problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda outcome: outcome.state in PROBLEM_STATES,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WwGoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every action."""
    async_add_action_entities(
        entry, async_add_entities, Platform.BINARY_SENSOR, BINARY_SENSORS, WwGoBinarySensorEntity
    )


class WwGoBinarySensorEntity(WwGoEntity, BinarySensorEntity):
    """A binary sensor of an action."""

    entity_description: WwGoBinarySensorEntityDescription

    @property
    @override
    def is_on(self) -> bool | None:
        outcome = self.action_runs.outcome
        return None if outcome is None else self.entity_description.is_on_fn(outcome)
