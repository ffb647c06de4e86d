"""The run owner: every run of a device's actions, from its call to its one outcome.

One per config entry, beside the coordinator. It runs the run engine, and takes every change of
every run through the same steps, in the order reported: kept (on disk first when a crash must not
lose it), then shown on its action's entities (`view.py`), then told to whoever waits (`calls.py`).
"""

import asyncio
from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback

from .calls import RunCalls
from .const import CONF_FOLLOW_OTHERS, DEFAULT_FOLLOW_OTHERS, LOGGER
from .coordinator import WwGoCoordinator
from .scheduler import HassScheduler
from .store import Kept, RunStore
from .view import RunView, after
from .wwgo import (
    ActionDefinition,
    EndReason,
    Outcome,
    Run,
    RunEngine,
    RunHandle,
    RunState,
    StartedBy,
    WwGoAuthenticationError,
    WwGoClient,
    WwGoError,
)


class WwGoRuns:
    """One per device: follows every run of its actions, and keeps and shows each change."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: WwGoClient,
        coordinator: WwGoCoordinator,
        store: RunStore,
    ) -> None:
        """Nothing is called or read until `async_start`."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._coordinator = coordinator
        self._store = store
        self._scheduler = HassScheduler(hass, entry)
        self._engine = RunEngine(
            client,
            self._scheduler,
            self._on_run,
            self._on_read,
            follow=entry.options.get(CONF_FOLLOW_OTHERS, DEFAULT_FOLLOW_OTHERS),
        )
        self.view = RunView()
        self.calls = RunCalls(
            hass, entry, self._engine, coordinator, self.view, shown=self.async_shown
        )
        self._actions: Mapping[str, ActionDefinition] = {}
        # Each action's last ended run, as kept (ahead of what is shown while it is saved).
        self._last: dict[str, Run] = {}
        # Changes reported, in order, not shown yet; whether one must be on disk first.
        self._unshown: list[tuple[RunHandle, Run]] = []
        self._save_first = False
        self._showing: asyncio.Task[None] | None = None

    # -- what outlives a restart --

    def restore(self, kept: Kept) -> None:
        """Show what was shown before the restart, and follow the runs then in flight."""
        self._actions = kept.actions
        self._last.update(kept.last_runs)
        self.view.restore(kept.last_runs, self._engine.restore(kept.engine))
        self._engine.set_actions(_request_counts(kept.actions))

    def _kept(self) -> Kept:
        return Kept(self._engine.snapshot(), dict(self._last), dict(self._actions))

    @callback
    def async_start(self) -> None:
        """Read the runs in flight from before, and stop with Home Assistant or the entry."""
        entry = self._entry
        entry.async_on_unload(self._hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._stop))
        entry.async_on_unload(self._async_shutdown)
        self._engine.read_soon()

    @callback
    def _stop(self, _event: Event) -> None:
        """Home Assistant stops: no more calls or reads; whoever waits on a run is told.

        What is kept is written when Home Assistant writes its last data.
        """
        self._engine.close()
        self.calls.release(self._not_followed())
        self._store.async_save_later(self._kept)

    async def _async_shutdown(self) -> None:
        """The entry unloads: the runs still in flight are taken up again when it loads."""
        self._engine.close()
        self.calls.release(self._not_followed())
        await self._engine.wait_closed()
        await self.async_shown()
        await self._store.async_save(self._kept())

    def _not_followed(self) -> Outcome:
        return Outcome.of(EndReason.NOT_FOLLOWED, self._scheduler.wall())

    # -- the device's actions --

    @callback
    def async_set_actions(self, actions: Mapping[str, ActionDefinition]) -> None:
        """The device's actions now: runs of those it no longer has are followed no more."""
        if actions == self._actions:
            return
        for action_id in set(self._last).union(self._actions).difference(actions):
            self._last.pop(action_id, None)
            self.view.forget(action_id)
        self._engine.set_actions(_request_counts(actions))
        self._actions = actions
        self._store.async_save_later(self._kept)

    # -- what the engine reports --

    @callback
    def _on_read(self, error: WwGoError | None) -> None:
        self._coordinator.async_status_read(error)

    @callback
    def _on_run(self, handle: RunHandle, run: Run) -> None:
        """A run's new state: kept, then shown, in the order reported.

        A run the device accepted, and a run's end, are on disk before anything shows them: a
        crash then can neither lose the run nor report its end twice. A run queued is not.
        """
        if run.started_by is StartedBy.OTHER:
            LOGGER.debug(
                "%s: another client's run of %s, %s (status IDs %s)",
                self._entry.title,
                run.action_id,
                run.state,
                run.status_ids,
            )
        if (outcome := run.outcome) is not None:
            if isinstance(outcome.error, WwGoAuthenticationError):
                self._coordinator.async_refused_login()
            if outcome.reason is EndReason.ACTION_REMOVED:
                self.calls.ended(handle, run)  # its entities are removed with the action
                return
            run = self._last[run.action_id] = after(self._last.get(run.action_id), run)
        self._unshown.append((handle, run))
        if run.state is RunState.QUEUED:
            self._store.async_save_later(self._kept)
        else:
            self._save_first = True
        if self._showing is None or self._showing.done():
            # Started eagerly: with nothing to save first, shown before this returns.
            self._showing = self._entry.async_create_task(
                self._hass, self._show_unshown(), "ww_go show runs"
            )

    async def _show_unshown(self) -> None:
        while self._unshown:
            changes, self._unshown = self._unshown, []
            if self._save_first:
                self._save_first = False
                # What the engine knows now: at least every change about to be shown.
                try:
                    await self._store.async_save(self._kept())
                except Exception:  # noqa: BLE001 - logged with its traceback
                    # A failing write is the store's to log: this is a fault of ours. Either way
                    # the runs are shown.
                    LOGGER.exception("Error saving the runs of %s", self._entry.title)
            for handle, run in changes:
                self.view.show(handle, run)
                if run.ended:
                    self.calls.ended(handle, run)

    async def async_shown(self) -> None:
        """Return once every change reported so far is shown."""
        while self._showing is not None and not self._showing.done():
            await asyncio.shield(self._showing)

    # -- support --

    def diagnostics(self) -> dict[str, Any]:
        """What support needs to see of the runs."""
        return {
            # The runs in flight are the kept engine's.
            "kept": self._kept().as_dict(),
            "queued": sorted(self._engine.queued),
            "shown": self.view.states(),
            "sent": dict(self._client.sent),
        }


def _request_counts(actions: Mapping[str, ActionDefinition]) -> dict[str, int | None]:
    return {key: action.request_count for key, action in actions.items()}
