"""The button of each action: press to run it."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import WwGoConfigEntry, WwGoCoordinator
from .entity import WwGoEntity, async_add_action_entities
from .wwgo import RunHandle

# One press at a time reaches the device.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class WwGoButtonEntityDescription(ButtonEntityDescription):
    """A button of an action."""

    press_fn: Callable[[WwGoCoordinator, str], Awaitable[RunHandle]]


BUTTONS = (
    WwGoButtonEntityDescription(
        key="run",
        translation_key="run",
        press_fn=lambda coordinator, action_id: coordinator.async_run(action_id),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WwGoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a button for every action."""
    async_add_action_entities(entry, async_add_entities, BUTTONS, WwGoButtonEntity)


class WwGoButtonEntity(WwGoEntity, ButtonEntity):
    """Runs an action when pressed."""

    entity_description: WwGoButtonEntityDescription

    @property
    @override
    def available(self) -> bool:
        """Unavailable while the device has the action disabled (or all its requests)."""
        action = self.action
        return super().available and action is not None and action.runnable

    @override
    async def async_press(self) -> None:
        await self.entity_description.press_fn(self.coordinator, self.action_id)
