"""The coordinator: the device's health and action list, and the run engine's reports per action."""

from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import CALLBACK_TYPE, Event, HassJob, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import DOMAIN, HEALTH_CHECK_INTERVAL, LOGGER, REQUEST_TIMEOUT
from .errors import translated_error
from .issues import forget_unreachable, track_unreachable
from .store import Remembered, RunStore, remembered_of
from .wwgo import (
    ActionDefinition,
    RunEngine,
    RunHandle,
    RunResult,
    WwGoActionRunningError,
    WwGoAuthenticationError,
    WwGoClient,
    WwGoError,
    WwGoInvalidResponseError,
    WwGoNotSupportedError,
)

type WwGoConfigEntry = ConfigEntry[WwGoCoordinator]
type RunListener = Callable[[RunResult], None]


@dataclass(frozen=True, slots=True)
class WwGoData:
    """What concerns every entity of the device: the actions it holds."""

    actions: Mapping[str, ActionDefinition] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActionRuns:
    """What an action's entities show: its newest run and its last finished one."""

    run: RunResult | None = None
    result: RunResult | None = None


NO_RUNS = ActionRuns()


def create_client(hass: HomeAssistant, data: Mapping[str, Any]) -> WwGoClient:
    """A client of the device that config entry data (or a config flow's input) describes."""
    verify_ssl = data.get(CONF_VERIFY_SSL, True)
    return WwGoClient(
        async_get_clientsession(hass, verify_ssl=verify_ssl),
        data[CONF_HOST],
        username=data.get(CONF_USERNAME),
        password=data.get(CONF_PASSWORD),
        verify_ssl=verify_ssl,
        timeout=REQUEST_TIMEOUT,
    )


class HassScheduler:
    """The run engine's clock, timers and tasks, as Home Assistant runs them."""

    def __init__(self, hass: HomeAssistant, entry: WwGoConfigEntry) -> None:
        """Time the engine of `entry`; its tasks end with the entry."""
        self._hass = hass
        self._entry = entry

    def now(self) -> float:
        """Seconds since the epoch: runs remembered across a restart keep their age."""
        return dt_util.utcnow().timestamp()

    def call_later(self, delay: float, action: Callable[[], None]) -> CALLBACK_TYPE:
        """A Home Assistant timer, cancelled when Home Assistant stops."""
        job = HassJob(callback(lambda _now: action()), cancel_on_shutdown=True)
        return async_call_later(self._hass, delay, job)

    def create_task(self, coro: Coroutine[Any, Any, None], name: str) -> Any:
        """A background task of the entry: unloading it cancels the task."""
        return self._entry.async_create_background_task(self._hass, coro, f"{DOMAIN} {name}")


class WwGoCoordinator(DataUpdateCoordinator[WwGoData]):
    """One per device: its health check and action list, and every run, per action."""

    config_entry: WwGoConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: WwGoConfigEntry,
        client: WwGoClient,
        store: RunStore,
        configured_actions: Iterable[ActionDefinition] = (),
    ) -> None:
        """Set up the coordinator; nothing is read until the first refresh."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {client.base_url.host}",
            update_interval=HEALTH_CHECK_INTERVAL,
            # A health check that changes nothing writes nothing.
            always_update=False,
        )
        self.client = client
        self.host = client.base_url.host or str(client.base_url)
        self.engine = RunEngine(
            client, HassScheduler(hass, entry), self._run_changed, self._read_done
        )
        self.requests = self.engine.requests
        self.runs: dict[str, ActionRuns] = {}
        self._store = store
        self.has_action_list = True
        self._configured = {action.id: action for action in configured_actions}
        # An entry without typed action IDs was made from the device's list: it has one.
        self._listed = not self._configured
        self._run_listeners: defaultdict[str, list[RunListener]] = defaultdict(list)

    # -- what outlives a restart --

    def restore(self, remembered: Remembered) -> None:
        """Show what was shown before the restart, and follow the runs then in flight."""
        for action_id, result in remembered.results.items():
            self.runs[action_id] = ActionRuns(result, result)
        self.engine.restore(
            ((run.action_id, run.status_ids, run.accepted_at) for run in remembered.in_flight),
            newest_id=remembered.newest_id,
            durations=remembered.durations,
            ids_per_call=remembered.ids_per_call,
        )
        for run in remembered.in_flight:
            self.runs[run.action_id] = ActionRuns(
                self.engine.current(run.action_id), self.runs.get(run.action_id, NO_RUNS).result
            )

    def _remember(self) -> Remembered:
        results = {key: runs.result for key, runs in self.runs.items() if runs.result}
        return remembered_of(self.engine.tracker, results)

    # -- health check and action list (the coordinator's own refresh, once a minute) --

    @override
    async def _async_update_data(self) -> WwGoData:
        try:
            actions = await self._fetch_actions()
        except WwGoAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"host": self.host},
            ) from err
        except WwGoError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"host": self.host, "error": str(err)},
            ) from err
        for gone in set(self.runs) - set(actions):
            self.engine.forget(gone)
            del self.runs[gone]
        return WwGoData(actions)

    async def _fetch_actions(self) -> dict[str, ActionDefinition]:
        if self.has_action_list:
            try:
                self.requests["actions"] += 1
                listing = await self.client.actions()
            except WwGoNotSupportedError:
                if self._listed:
                    raise  # the device listed its actions before: a passing fault, not a change
                self.has_action_list = False
            else:
                if not listing.actions and self._listed:
                    # A device that is still booting can answer an empty list: keep the actions.
                    if self.data is None:
                        raise WwGoInvalidResponseError("the device lists no actions yet")
                    return dict(self.data.actions)
                self._listed = bool(listing.actions)
                return {action.id: action for action in listing.actions}
        if not self.engine.tracker.in_flight:
            # Without a list, reading the newest status we know of proves the device reachable;
            # while runs are in flight, their reads do.
            self.requests["status"] += 1
            await self.client.statuses([self.engine.tracker.newest_id or 0])
        return dict(self._configured)

    @override
    def _async_refresh_finished(self) -> None:
        entry = self.config_entry
        if self.last_update_success:
            forget_unreachable(self.hass, entry.entry_id)
        else:
            track_unreachable(self.hass, entry.entry_id, self.host, entry.title)

    # -- what the run engine reports --

    @callback
    def _read_done(self, error: WwGoError | None) -> None:
        """A status read's outcome; heard before the transitions the read caused."""
        if error is None:
            if not self.last_update_success:
                LOGGER.info("%s is reachable again", self.host)
                # Entities are available again before any result read now is reported.
                self.async_set_updated_data(self.data)
            return
        if isinstance(error, WwGoAuthenticationError):
            self.config_entry.async_start_reauth(self.hass)
        self.async_set_update_error(error)
        self._async_refresh_finished()

    @callback
    def _run_changed(self, result: RunResult) -> None:
        """Show a run's new state on its action's entities, and only on those."""
        action_id = result.action_id
        runs = self.runs.get(action_id, NO_RUNS)
        runs = ActionRuns(result, result if result.finished else runs.result)
        self._publish(action_id, runs, result)
        if result.finished and (newer := self.engine.current(action_id)) is not None:
            # A newer run of the action is under way: the run state follows it again.
            self._publish(action_id, ActionRuns(newer, runs.result), newer)

    def _publish(self, action_id: str, runs: ActionRuns, result: RunResult) -> None:
        self.runs[action_id] = runs
        self._store.async_save_later(self._remember)
        for listener in list(self._run_listeners[action_id]):
            listener(result)

    @callback
    def async_add_run_listener(self, action_id: str, listener: RunListener) -> CALLBACK_TYPE:
        """Hear of every transition of the action's runs, in order."""
        self._run_listeners[action_id].append(listener)

        @callback
        def remove() -> None:
            self._run_listeners[action_id].remove(listener)

        return remove

    # -- calls --

    async def async_run(self, action_id: str) -> RunHandle:
        """Run an action. Errors the user must know now raise; a busy device queues the run."""
        action = self.data.actions.get(action_id)
        try:
            return await self.engine.call(action_id, action.request_count if action else None)
        except WwGoActionRunningError as err:
            if self.engine.current(action_id) is not None:
                # The device still runs the one Home Assistant follows (from before a restart, say).
                raise self.translated(err, action_id) from err
            raise translated_error(
                err,
                action_id=action_id,
                host=self.host,
                title=self.config_entry.title,
                key="action_running_elsewhere",
            ) from err
        except WwGoError as err:
            raise self.translated(err, action_id) from err

    async def async_cancel_queued(self, handle: RunHandle, description: str) -> None:
        """Give up a run the device has not accepted yet, so that it will not run."""
        await self.engine.cancel(handle, description)

    def translated(self, err: WwGoError, action_id: str) -> HomeAssistantError:
        """The error to show for a library error about an action (reauth starts if it is that)."""
        if isinstance(err, WwGoAuthenticationError):
            self.config_entry.async_start_reauth(self.hass)
        return translated_error(
            err, action_id=action_id, host=self.host, title=self.config_entry.title
        )

    @callback
    def async_stop(self, _event: Event | None = None) -> None:
        """Home Assistant stops: no more reads or retries; whoever waits on a run is told.

        What was kept is written when Home Assistant writes its last data.
        """
        self.engine.close()
        self._store.async_save_later(self._remember)

    @override
    async def async_shutdown(self) -> None:
        self.engine.close()
        # The runs still in flight are followed again after the reload or restart.
        await self._store.async_save(self._remember())
        await super().async_shutdown()
