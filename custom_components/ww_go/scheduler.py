"""The run engine's clocks, timers and tasks, as Home Assistant runs them."""

from collections.abc import Callable, Coroutine
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .const import DOMAIN


class HassScheduler:
    """The loop's clock, timers Home Assistant cancels when it stops, and the entry's tasks."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Time the engine of `entry`; its tasks end with the entry."""
        self._hass = hass
        self._entry = entry

    def now(self) -> float:
        """The event loop's clock: it only moves forward, whatever the wall clock does."""
        return self._hass.loop.time()

    def wall(self) -> float:
        """Home Assistant's time of day, in seconds since the epoch."""
        return dt_util.utcnow().timestamp()

    def call_later(self, delay: float, action: Callable[[], None]) -> CALLBACK_TYPE:
        """A Home Assistant timer, cancelled when Home Assistant stops."""
        job = HassJob(callback(lambda _now: action()), cancel_on_shutdown=True)
        return async_call_later(self._hass, delay, job)

    def create_task(self, coro: Coroutine[Any, Any, None], name: str) -> Any:
        """A background task of the entry: unloading it cancels the task."""
        return self._entry.async_create_background_task(self._hass, coro, f"{DOMAIN} {name}")
