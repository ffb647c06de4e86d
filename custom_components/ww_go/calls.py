"""Calls from Home Assistant: a press, `ww_go.call_action`, and each caller's wait for its run.

A caller waits for its run's end as the entities show it (saved first, then shown), and never
longer than it asked, counted from its call: a device slow to answer the call counts too.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .const import PRESS_WAIT
from .coordinator import WwGoCoordinator
from .errors import end_error, refusal_error
from .view import RunView
from .wwgo import (
    NOT_RUN,
    Outcome,
    Run,
    RunEngine,
    RunHandle,
    StartedBy,
    WwGoActionRunningError,
    WwGoAuthenticationError,
    WwGoError,
)


class RunCalls:
    """Calls a device's actions for Home Assistant, and tells each caller how its run ended."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        engine: RunEngine,
        coordinator: WwGoCoordinator,
        view: RunView,
        *,
        shown: Callable[[], Awaitable[None]],
    ) -> None:
        """`shown` returns once every run change reported so far is shown."""
        self._hass = hass
        self._entry = entry
        self._engine = engine
        self._coordinator = coordinator
        self._view = view
        self._shown = shown
        # The end of each run a caller may wait for, resolved once it is shown.
        self._ends: dict[RunHandle, asyncio.Future[Run]] = {}

    async def async_press(self, action_id: str) -> None:
        """Run an action as its button does: wait up to `PRESS_WAIT` from the press for its end.

        Raises when the device refused it, or when it ended without succeeding; returns when it
        succeeded, or when it still goes on (its entities follow it).
        """
        deadline = self._hass.loop.time() + PRESS_WAIT
        _, end = await self._call(action_id, PRESS_WAIT)
        run = await self._wait(end, deadline)
        if run is not None and (error := self._end_error(run)) is not None:
            raise error

    async def async_run(self, action_id: str, seconds: float) -> Run:
        """Run an action and wait up to `seconds` for its end, as `ww_go.call_action` does.

        A run the device has not accepted by then is given up: it never runs. Raises when it never
        ran or is not followed to its end; a run the device ran is answered, whatever its end.
        """
        deadline = self._hass.loop.time() + seconds
        handle, end = await self._call(action_id, seconds)
        run = await self._wait(end, deadline)
        if run is None:
            await self._engine.give_up(handle)
            run = await end if handle.run.ended else handle.run
        if run.outcome is not None and run.outcome.reason in NOT_RUN:
            raise self._end_error(run) or HomeAssistantError(run.outcome.description)
        return run

    async def async_start(self, action_id: str, seconds: float) -> Run:
        """Run an action without waiting for its end; the run as its entities show it now.

        The device's answer to the call is awaited for up to `seconds`; without one by then, the
        run is queued.
        """
        handle, _ = await self._call(action_id, seconds)
        await self._shown()
        return handle.run

    def ended(self, handle: RunHandle, run: Run) -> None:
        """A run's end is shown: whoever waits for it is told."""
        if (end := self._ends.pop(handle, None)) is not None and not end.done():
            end.set_result(run)

    def release(self, outcome: Outcome) -> None:
        """Nobody follows the runs any more: whoever waits for one is told `outcome`."""
        for handle in list(self._ends):
            self.ended(handle, replace(handle.run, outcome=outcome))

    async def _call(self, action_id: str, wait: float) -> tuple[RunHandle, asyncio.Future[Run]]:
        handle = RunHandle(action_id)
        end = self._ends[handle] = self._hass.loop.create_future()
        try:
            await self._engine.call(handle, wait=wait)
        except WwGoError as err:
            del self._ends[handle]
            raise self._refusal(err, action_id) from err
        return handle, end

    async def _wait(self, end: asyncio.Future[Run], deadline: float) -> Run | None:
        """The run once its end is shown, or None if that is not by `deadline` (loop time)."""
        timeout = max(0.0, deadline - self._hass.loop.time())
        done, _ = await asyncio.wait({end}, timeout=timeout)
        return end.result() if done else None

    def _refusal(self, err: WwGoError, action_id: str) -> HomeAssistantError:
        if isinstance(err, WwGoAuthenticationError):
            self._coordinator.async_refused_login()
        key = None
        if isinstance(err, WwGoActionRunningError):
            # The device still runs the one Home Assistant follows (from before a restart, say),
            # or one that another client started: that one is looked for now, to be shown.
            mine = self._view.started_by(action_id) is StartedBy.HOME_ASSISTANT
            key = "action_running" if mine else "action_running_elsewhere"
            if not mine:
                self._engine.read_soon()
        return refusal_error(
            err,
            action_id=action_id,
            host=self._coordinator.hostname,
            title=self._entry.title,
            key=key,
        )

    def _end_error(self, run: Run) -> HomeAssistantError | None:
        action = self._coordinator.data.actions.get(run.action_id)
        return end_error(
            run,
            action=(action.name if action else None) or run.action_id,
            host=self._coordinator.hostname,
            title=self._entry.title,
        )
