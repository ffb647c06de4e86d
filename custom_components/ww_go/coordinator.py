"""The coordinator: the device's health and action list, and the run engine's reports per action."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import DOMAIN, HEALTH_CHECK_INTERVAL, LOGGER
from .device import description, device_info
from .errors import translated_error
from .issues import forget_unreachable, track_unreachable
from .runs import RunBoard
from .scheduler import HassScheduler
from .store import Remembered, RunStore, remembered_of
from .wwgo import (
    ActionDefinition,
    ActionList,
    RunEngine,
    RunHandle,
    RunResult,
    WwGoActionRunningError,
    WwGoAuthenticationError,
    WwGoClient,
    WwGoError,
    WwGoNotSupportedError,
    follow_list,
)

type WwGoConfigEntry = ConfigEntry[WwGoCoordinator]


@dataclass(frozen=True, slots=True)
class WwGoData:
    """What concerns every entity of the device: the actions it holds."""

    actions: Mapping[str, ActionDefinition] = field(default_factory=dict)


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
        self._scheduler = HassScheduler(hass, entry)
        self.engine = RunEngine(client, self._scheduler, self._run_changed, self._read_done)
        self.requests = self.engine.requests
        self._store = store
        self.action_runs = RunBoard(lambda: store.async_save_later(self._remember))
        self.has_action_list = True
        # The last action list the device gave: what it says of itself, too.
        self.listing: ActionList | None = None
        # Actions missing from the last list: removed if the next one misses them too.
        self._missing: frozenset[str] = frozenset()
        # The actions that have entities from before this set-up.
        self.known_actions: set[str] = set()
        self._unexpected_logged = False
        self._configured = {action.id: action for action in configured_actions}
        # An entry without typed action IDs was made from the device's list: it has one.
        self._listed = not self._configured

    # -- what outlives a restart --

    def restore(self, remembered: Remembered) -> None:
        """Show what was shown before the restart, and follow the runs then in flight."""
        accepted = self._scheduler.from_wall
        self.engine.restore(
            (
                (run.action_id, run.status_ids, accepted(run.accepted_at))
                for run in remembered.in_flight
            ),
            newest_id=remembered.newest_id,
            durations=remembered.durations,
            ids_per_call=remembered.ids_per_call,
        )
        running = (self.engine.current(run.action_id) for run in remembered.in_flight)
        self.action_runs.restore(remembered.results, (run for run in running if run is not None))

    def _remember(self) -> Remembered:
        return remembered_of(self.engine.tracker, self.action_runs.results, self._scheduler.to_wall)

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
            raise self._update_failed(err) from err
        except Exception as err:
            # Whatever the device answered, the health check carries on: logged once.
            if not self._unexpected_logged:
                self._unexpected_logged = True
                LOGGER.exception("Unexpected error in the health check of %s", self.host)
            raise self._update_failed(err) from err
        self._unexpected_logged = False
        for gone in self.action_runs.forget(keep=actions):
            self.engine.forget(gone)
        return WwGoData(actions)

    def _update_failed(self, err: Exception) -> UpdateFailed:
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="update_failed",
            translation_placeholders={"host": self.host, "error": str(err)},
        )

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
                self._describe(listing)
                if not listing.actions and self._listed:
                    # A device that is still booting can answer an empty list: keep the actions.
                    return dict(self._previous())
                self._listed = bool(listing.actions)
                actions, self._missing = follow_list(
                    listing.actions, self._previous(), self._missing
                )
                return actions
        if not self.engine.tracker.in_flight:
            # Without a list, reading the newest status we know of proves the device reachable;
            # while runs are in flight, their reads do.
            self.requests["status"] += 1
            await self.client.statuses([self.engine.tracker.newest_id or 0])
        return dict(self._configured)

    def _previous(self) -> Mapping[str, ActionDefinition]:
        """The actions known before this list: the last refresh's, else those with entities."""
        # None until the first refresh succeeded, whatever its annotation says.
        data: WwGoData | None = self.data
        if data is not None:
            return data.actions
        return {action_id: ActionDefinition(action_id) for action_id in self.known_actions}

    # -- the device in the device registry --

    @property
    def device_info(self) -> DeviceInfo:
        """The device as the registry shows it, with what its action list says of it."""
        return device_info(self.config_entry, self.client, self.listing)

    def _describe(self, listing: ActionList) -> None:
        """Keep what the device says of itself; the registry follows a change (new firmware)."""
        previous, self.listing = self.listing, listing
        if previous is not None and description(previous) != description(listing):
            dr.async_get(self.hass).async_get_or_create(
                config_entry_id=self.config_entry.entry_id, **self.device_info
            )

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
        newer = self.engine.current(result.action_id) if result.finished else None
        if result.finished_at is not None:
            # Shown and kept as a time of day, not as a moment of the engine's clock.
            result = replace(result, finished_at=self._scheduler.to_wall(result.finished_at))
        self.action_runs.run_changed(result, newer)

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
        await self.engine.wait_closed()
        # The runs still in flight are followed again after the reload or restart.
        await self._store.async_save(self._remember())
        await super().async_shutdown()
