"""The button of each action: press to run it."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .calls import RunCalls
from .entity import WwGoEntity, async_add_action_entities
from .runtime import WwGoConfigEntry

# Presses of different actions never wait for each other: each waits for its own run, and the
# run engine sends the device one call at a time.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class WwGoButtonEntityDescription(ButtonEntityDescription):
    """A button of an action."""

    press_fn: Callable[[RunCalls, str], Awaitable[None]]


BUTTONS = (
    WwGoButtonEntityDescription(
        key="run",
        translation_key="run",
        press_fn=lambda calls, action_id: calls.async_press(action_id),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WwGoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a button for every action."""
    async_add_action_entities(entry, async_add_entities, Platform.BUTTON, BUTTONS, WwGoButtonEntity)


class WwGoButtonEntity(WwGoEntity, ButtonEntity):
    """Runs an action when pressed, and says whether it worked (within `PRESS_WAIT`)."""

    entity_description: WwGoButtonEntityDescription

    @property
    @override
    def available(self) -> bool:
        """Unavailable while the device has the action disabled (or all its requests)."""
        action = self.action
        return super().available and action is not None and action.runnable

    @override
    async def async_press(self) -> None:
        await self.entity_description.press_fn(self.runs.calls, self.action_id)
