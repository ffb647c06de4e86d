"""The run owner: every run of a device's actions, from its call to its one outcome.

One per config entry, beside the coordinator. It owns the run engine, what each action's entities
show of its runs, and what is kept across a restart. Entities listen to the actions they show.
"""

import asyncio
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError

from .const import LOGGER, PRESS_WAIT
from .coordinator import WwGoCoordinator
from .errors import outcome_error, press_error, translated_error
from .scheduler import HassScheduler
from .store import Kept, RunStore
from .wwgo import (
    ActionDefinition,
    EndReason,
    Outcome,
    Run,
    RunEngine,
    RunHandle,
    RunState,
    WwGoActionRunningError,
    WwGoAuthenticationError,
    WwGoClient,
    WwGoError,
)

type ActionListener = Callable[[Run], None]

# Successive runs of an action end at least this many seconds apart, as shown.
END_STEP: Final = 0.001


@dataclass(frozen=True, slots=True)
class ActionRuns:
    """What an action's entities show: its newest run, and its last ended one."""

    newest: Run | None = None
    ended: Run | None = None

    @property
    def outcome(self) -> Outcome | None:
        """How the last ended run ended."""
        return None if self.ended is None else self.ended.outcome


NO_RUNS = ActionRuns()


@dataclass(frozen=True, slots=True)
class RunCall:
    """A call of an action: its run as it stands, and the run once its entities show its end."""

    handle: RunHandle
    shown: asyncio.Future[Run]

    @property
    def run(self) -> Run:
        """The run as it stands."""
        return self.handle.run


class WwGoRuns:
    """One per device: calls its actions, follows every run, shows each on its action's entities."""

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
        self._engine = RunEngine(
            client, HassScheduler(hass, entry), self._on_run, coordinator.async_status_read
        )
        self._actions: Mapping[str, ActionDefinition] = {}
        # Each action's last ended run, as kept (ahead of what is shown while it is saved).
        self._last: dict[str, Run] = {}
        # What each action's entities show, and the runs under way they show, oldest first.
        self._shown: dict[str, ActionRuns] = {}
        self._under_way: defaultdict[str, dict[RunHandle, Run]] = defaultdict(dict)
        self._listeners: defaultdict[str, list[ActionListener]] = defaultdict(list)
        # The calls whose callers may wait for their run's end to be shown.
        self._calls: dict[RunHandle, asyncio.Future[Run]] = {}
        # Transitions reported, in order, not shown yet; whether one must be on disk first.
        self._unshown: list[tuple[RunHandle, Run]] = []
        self._save_first = False
        self._showing: asyncio.Task[None] | None = None

    # -- what outlives a restart --

    def restore(self, kept: Kept) -> None:
        """Show what was shown before the restart, and follow the runs then in flight."""
        self._actions = kept.actions
        self._last.update(kept.last_runs)
        self._shown.update({key: ActionRuns(run, run) for key, run in kept.last_runs.items()})
        for handle in self._engine.restore(kept.engine):
            action_id = handle.action_id
            self._under_way[action_id][handle] = handle.run
            self._shown[action_id] = ActionRuns(handle.run, self._last.get(action_id))

    def _kept(self) -> Kept:
        return Kept(self._engine.snapshot(), dict(self._last), dict(self._actions))

    @callback
    def async_start(self) -> None:
        """Follow the device's action list, and read the runs in flight from before."""
        entry = self._entry
        self._actions_changed()
        entry.async_on_unload(self._coordinator.async_add_listener(self._actions_changed))
        entry.async_on_unload(self._hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._stop))
        entry.async_on_unload(self._async_shutdown)
        self._engine.read_soon()

    @callback
    def _stop(self, _event: Event) -> None:
        """Home Assistant stops: no more calls or reads; whoever waits on a run is told.

        What is kept is written when Home Assistant writes its last data.
        """
        self._engine.close()
        self._release_callers()
        self._store.async_save_later(self._kept)

    async def _async_shutdown(self) -> None:
        """The entry unloads: the runs still in flight are taken up again when it loads."""
        self._engine.close()
        self._release_callers()
        await self._engine.wait_closed()
        if self._showing is not None:
            await self._showing
        await self._store.async_save(self._kept())

    # -- what entities show --

    def view(self, action_id: str) -> ActionRuns:
        """What the action's entities show."""
        return self._shown.get(action_id, NO_RUNS)

    @callback
    def async_add_listener(self, action_id: str, listener: ActionListener) -> CALLBACK_TYPE:
        """Hear of every change of the action's runs, in order."""
        self._listeners[action_id].append(listener)

        @callback
        def remove() -> None:
            self._listeners[action_id].remove(listener)

        return remove

    @callback
    def _on_run(self, handle: RunHandle, run: Run) -> None:
        """The engine reports a run's new state: it is kept, then shown, in the order reported.

        A run the device accepted, and a run's end, are on disk before anything shows them: a
        crash then can neither lose the run nor report its end twice. A run queued is not.
        """
        if run.outcome is not None:
            if run.outcome.reason is EndReason.ACTION_REMOVED:
                self._resolve(handle, run)  # its entities are removed with the action
                return
            run = self._after_last(run)
            self._last[run.action_id] = run
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

    def _after_last(self, run: Run) -> Run:
        """The run, ended at least a millisecond after its action's last run.

        Runs that end together (a reboot's expiry) then each show their own time, which is what
        the run event's state is, to the millisecond: a state trigger sees every one.
        """
        last = self._last.get(run.action_id)
        if run.outcome is None or last is None or last.outcome is None:
            return run
        earliest = last.outcome.ended_at + END_STEP
        if run.outcome.ended_at >= earliest:
            return run
        return replace(run, outcome=replace(run.outcome, ended_at=earliest))

    async def _show_unshown(self) -> None:
        while self._unshown:
            shown, self._unshown = self._unshown, []
            if self._save_first:
                self._save_first = False
                # What the engine knows now: at least every transition about to be shown.
                try:
                    await self._store.async_save(self._kept())
                except Exception:  # noqa: BLE001 - logged with its traceback
                    # A write that fails is the store's to log; anything else is a fault of ours.
                    # Either way the runs are shown.
                    LOGGER.exception("Error saving the runs of %s", self._entry.title)
            for handle, run in shown:
                self._show_run(handle, run)

    def _show_run(self, handle: RunHandle, run: Run) -> None:
        """Show the run; once it ended, the action shows its newest run under way again."""
        action_id = run.action_id
        under_way = self._under_way[action_id]
        if run.outcome is None:
            under_way[handle] = run
            self._show(action_id, ActionRuns(run, self.view(action_id).ended), run)
            return
        under_way.pop(handle, None)
        self._show(action_id, ActionRuns(run, run), run)
        if under_way:
            newest = next(reversed(under_way.values()))
            self._show(action_id, ActionRuns(newest, run), newest)
        self._resolve(handle, run)

    def _show(self, action_id: str, runs: ActionRuns, run: Run) -> None:
        self._shown[action_id] = runs
        for listener in list(self._listeners[action_id]):
            try:
                listener(run)
            except Exception:  # noqa: BLE001 - logged with its traceback
                # One entity's fault must not cost the others, or the next runs, their reports.
                LOGGER.exception("Error showing a run of action %s", action_id)

    # -- the device's actions --

    @callback
    def _actions_changed(self) -> None:
        actions = self._coordinator.data.actions
        if actions == self._actions:
            return
        known = {*self._actions, *self._shown, *self._under_way}
        for action_id in known.difference(actions):
            self._engine.forget(action_id)
            self._last.pop(action_id, None)
            self._shown.pop(action_id, None)
            self._under_way.pop(action_id, None)
        self._actions = actions
        self._store.async_save_later(self._kept)

    # -- calls --

    async def async_call(self, action_id: str) -> RunCall:
        """Call an action. Refusals the user must know now raise; a busy device queues the run."""
        action = self._actions.get(action_id)
        try:
            handle = await self._engine.call(action_id, action.request_count if action else None)
        except WwGoActionRunningError as err:
            # The device still runs the one Home Assistant follows (from before a restart, say),
            # or one that another client started.
            key = "action_running" if self._under_way.get(action_id) else "action_running_elsewhere"
            raise self.translated(err, action_id, key) from err
        except WwGoError as err:
            raise self.translated(err, action_id) from err
        shown = self._calls[handle] = self._hass.loop.create_future()
        if handle.done.done():
            self._resolve(handle, handle.done.result())  # stopped while the call was under way
        return RunCall(handle, shown)

    async def async_press(self, action_id: str) -> None:
        """Run an action as its button does: wait up to `PRESS_WAIT` for the run to end.

        Raises when the device refused it, or when it ended without succeeding; returns when it
        succeeded, or when it still goes on (its entities follow it).
        """
        call = await self.async_call(action_id)
        run = await self.async_wait(call, PRESS_WAIT)
        if run is None:
            return
        action = self._actions.get(action_id)
        error = press_error(
            run,
            action=action.name or action_id if action else action_id,
            host=self._coordinator.hostname,
            title=self._entry.title,
            reauth=self._reauth,
        )
        if error is not None:
            raise error

    async def async_wait(self, call: RunCall, seconds: float) -> Run | None:
        """The run once its end is shown, or None if it is still under way after `seconds`."""
        done, _ = await asyncio.wait({call.shown}, timeout=seconds)
        return call.shown.result() if done else None

    async def async_give_up(self, call: RunCall) -> Run:
        """Give up the run if the device has not accepted it yet; the run as it then stands."""
        await self._engine.give_up(call.handle)
        if call.handle.run.ended:
            return await call.shown
        return call.run

    def _resolve(self, handle: RunHandle, run: Run) -> None:
        if (shown := self._calls.pop(handle, None)) is not None and not shown.done():
            shown.set_result(run)

    def _release_callers(self) -> None:
        """Nobody follows the runs any more: whoever waits on one is told."""
        for handle in list(self._calls):
            if handle.done.done():
                self._resolve(handle, handle.done.result())

    def outcome_error(self, run: Run) -> HomeAssistantError | None:
        """What a caller of `ww_go.call_action` is told of a run that never ran, or None."""
        return outcome_error(
            run, host=self._coordinator.hostname, title=self._entry.title, reauth=self._reauth
        )

    def translated(
        self, err: WwGoError, action_id: str, key: str | None = None
    ) -> HomeAssistantError:
        """The error to show for a refusal of an action's call (reauth starts if it is that)."""
        if isinstance(err, WwGoAuthenticationError):
            self._reauth()
        return translated_error(
            err,
            action_id=action_id,
            host=self._coordinator.hostname,
            title=self._entry.title,
            key=key,
        )

    def _reauth(self) -> None:
        self._entry.async_start_reauth(self._hass)

    # -- support --

    def diagnostics(self) -> dict[str, Any]:
        """What support needs to see of the runs."""
        return {
            "kept": self._kept().as_json(),
            "in_flight": [run.as_json() for run in self._engine.in_flight],
            "queued": sorted(self._engine.queued),
            # The run state each action shows.
            "shown": {
                key: runs.newest.state.value
                for key, runs in self._shown.items()
                if runs.newest is not None
            },
            "sent": dict(self._client.sent),
        }
