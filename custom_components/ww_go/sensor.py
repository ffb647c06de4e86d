"""The sensors of each action: last result code, last execution time and run state."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, Platform, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .entity import WwGoEntity, async_add_action_entities
from .runtime import WwGoConfigEntry
from .view import ActionRuns
from .wwgo import RunState

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class WwGoSensorEntityDescription(SensorEntityDescription):
    """A sensor of an action, read from its newest run and its last ended one."""

    value_fn: Callable[[ActionRuns], StateType]


SENSORS = (
    WwGoSensorEntityDescription(
        key="result_code",
        translation_key="result_code",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda runs: runs.outcome.code if runs.outcome else None,
    ),
    WwGoSensorEntityDescription(
        key="execution_time",
        translation_key="execution_time",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=3,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda runs: runs.outcome.exe_time if runs.outcome else None,
    ),
    WwGoSensorEntityDescription(
        key="run_state",
        translation_key="run_state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in RunState],
        value_fn=lambda runs: runs.newest.state.value if runs.newest else None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WwGoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every action."""
    async_add_action_entities(entry, async_add_entities, Platform.SENSOR, SENSORS, WwGoSensorEntity)


class WwGoSensorEntity(WwGoEntity, SensorEntity):
    """A sensor of an action."""

    entity_description: WwGoSensorEntityDescription

    @property
    @override
    def native_value(self) -> StateType:
        return self.entity_description.value_fn(self.action_runs)
