"""The coordinator: calls actions, batch-reads statuses of runs in flight, watches the device."""

import asyncio
from collections import Counter
from collections.abc import Iterable, Mapping
import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import (
    BUSY_BACKOFF_MAX,
    BUSY_RETRY_LIMIT,
    CONF_VERIFY_SSL,
    DOMAIN,
    HEALTH_CHECK_INTERVAL,
    LOGGER,
    READ_BACKOFF_MAX,
    READ_RETRY_DELAY,
    REQUEST_TIMEOUT,
    UNREACHABLE_REPAIR_AFTER,
)
from .wwgo import (
    ActionDefinition,
    RunResult,
    RunState,
    RunTracker,
    WwGoActionDisabledError,
    WwGoActionNotFoundError,
    WwGoActionRunningError,
    WwGoAuthenticationError,
    WwGoClient,
    WwGoConnectionError,
    WwGoDeviceBusyError,
    WwGoError,
    WwGoInvalidResponseError,
    WwGoNotSupportedError,
)

type WwGoConfigEntry = ConfigEntry[WwGoCoordinator]

# The translation key of the error raised for each library error, most specific first.
CALL_ERRORS: Final[tuple[tuple[type[WwGoError], str], ...]] = (
    (WwGoActionRunningError, "action_running"),
    (WwGoActionNotFoundError, "action_not_found"),
    (WwGoActionDisabledError, "action_disabled"),
    (WwGoAuthenticationError, "invalid_auth"),
    (WwGoConnectionError, "cannot_connect"),
    (WwGoError, "device_error"),
)
BUSY_DESCRIPTION: Final = "The device stayed busy for {seconds:.0f} seconds; the action was not run"
UNREACHABLE_ISSUE: Final = "device_unreachable"
# Since when each entry's device has not answered; outlives the coordinators of setup retries.
UNREACHABLE_SINCE: HassKey[dict[str, datetime]] = HassKey(f"{DOMAIN}_unreachable_since")


def unreachable_issue_id(entry_id: str) -> str:
    """The repair issue of an entry's unreachable device."""
    return f"{UNREACHABLE_ISSUE}_{entry_id}"


def forget_unreachable(hass: HomeAssistant, entry_id: str) -> None:
    """The device answers, or its entry is unloaded: no count of minutes, no repair issue."""
    hass.data.get(UNREACHABLE_SINCE, {}).pop(entry_id, None)
    ir.async_delete_issue(hass, DOMAIN, unreachable_issue_id(entry_id))


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


def translated_error(err: WwGoError, action_id: str, host: str) -> HomeAssistantError:
    """The translated Home Assistant error for a library error."""
    key = next(key for kind, key in CALL_ERRORS if isinstance(err, kind))
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"action_id": action_id, "host": host, "error": str(err)},
    )


@dataclass(slots=True)
class WwGoData:
    """What the entities show: the actions, each one's latest run and latest finished run."""

    actions: dict[str, ActionDefinition]
    runs: dict[str, RunResult] = field(default_factory=dict)
    results: dict[str, RunResult] = field(default_factory=dict)


class RunHandle:
    """One requested run, from queued to finished; what `ww_go.call_action` waits on."""

    def __init__(self, hass: HomeAssistant, action_id: str) -> None:
        """Start queued."""
        self.action_id = action_id
        self.result = RunResult(action_id, RunState.QUEUED)
        self.finished: asyncio.Future[RunResult] = hass.loop.create_future()
        # Why it is queued: the device answered 429 (with Retry-After, if sent), or the window.
        self.retry_after: float | None = None
        self.waits_for_window = False
        # Why a queued run was never accepted, when the device refused it for good.
        self.error: HomeAssistantError | None = None
        self.retry: asyncio.Task[None] | None = None

    def update(self, result: RunResult) -> None:
        """Take the run's latest result."""
        self.result = result
        if result.finished and not self.finished.done():
            self.finished.set_result(result)

    def abandon(self, error: HomeAssistantError) -> None:
        """Nobody follows the run any more (the entry was unloaded)."""
        if not self.finished.done():
            self.finished.set_exception(error)
            # Retrieved or not, this is no error to log.
            self.finished.exception()


class WwGoCoordinator(DataUpdateCoordinator[WwGoData]):
    """One per device: the action list, availability, calls and the status-read schedule."""

    config_entry: WwGoConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: WwGoConfigEntry,
        client: WwGoClient,
        configured_actions: Iterable[ActionDefinition] = (),
    ) -> None:
        """Set up the coordinator; nothing is read until the first refresh."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {client.base_url.host}",
            update_interval=HEALTH_CHECK_INTERVAL,
        )
        self.client = client
        self.host = client.base_url.host or str(client.base_url)
        self.tracker = RunTracker()
        self.has_action_list = True
        self.request_counts: Counter[str] = Counter()
        self._configured = {action.id: action for action in configured_actions}
        # An entry without typed action IDs was made from the device's list: it has one.
        self._listed = not self._configured
        self._read_lock = asyncio.Lock()
        self._call_lock = asyncio.Lock()
        self._window_moved = asyncio.Event()
        self._cancel_read: CALLBACK_TYPE | None = None
        self._handles: dict[int, RunHandle] = {}
        self.queued: dict[str, RunHandle] = {}
        self._stopped = False
        # Status reads done: a read waiting for the lock skips itself when another came first.
        self._reads = 0

    def _now(self) -> float:
        return dt_util.utcnow().timestamp()

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
        data = self.data or WwGoData(actions)
        data.actions = actions
        for gone in set(data.runs) - set(actions):
            self.tracker.drop(gone)
            data.runs.pop(gone, None)
            data.results.pop(gone, None)
        return data

    async def _fetch_actions(self) -> dict[str, ActionDefinition]:
        if self.has_action_list:
            try:
                self.request_counts["actions"] += 1
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
                    return self.data.actions
                self._listed = bool(listing.actions)
                return {action.id: action for action in listing.actions}
        # Without a list, reading the newest status we know of proves the device reachable.
        async with self._read_lock:
            self.request_counts["status"] += 1
            await self.client.statuses([self.tracker.newest_id or 0])
        return dict(self._configured)

    @override
    def _async_refresh_finished(self) -> None:
        self._track_reachability()

    def _track_reachability(self) -> None:
        """Raise a repair issue after 30 minutes unreachable; clear it when the device is back."""
        since = self.hass.data.setdefault(UNREACHABLE_SINCE, {})
        entry_id = self.config_entry.entry_id
        if self.last_update_success:
            forget_unreachable(self.hass, entry_id)
            return
        now = dt_util.utcnow()
        # Kept outside the coordinator: while setup is retried, each try makes a new one.
        since.setdefault(entry_id, now)
        if now - since[entry_id] >= UNREACHABLE_REPAIR_AFTER:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                unreachable_issue_id(entry_id),
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=UNREACHABLE_ISSUE,
                translation_placeholders={"host": self.host, "title": self.config_entry.title},
            )

    @property
    def unreachable_since(self) -> datetime | None:
        """Since when the device has not answered, if it does not now."""
        return self.hass.data.get(UNREACHABLE_SINCE, {}).get(self.config_entry.entry_id)

    # -- status reads: only while runs are in flight, one request per cycle --

    def _schedule_read(self) -> None:
        if self._cancel_read is not None:
            self._cancel_read()
            self._cancel_read = None
        delay = self.tracker.next_read_delay(self._now())
        if delay is None or self._stopped:
            return
        job = partial(self._start_scheduled_read, self._reads)
        self._cancel_read = async_call_later(
            self.hass, delay, HassJob(job, cancel_on_shutdown=True)
        )

    @callback
    def _start_scheduled_read(self, reads: int, _now: datetime) -> None:
        self._cancel_read = None
        # An entry background task: unloading the entry cancels a read under way.
        self.config_entry.async_create_background_task(
            self.hass, self._scheduled_read(reads), f"{DOMAIN} status read"
        )

    async def _scheduled_read(self, reads: int) -> None:
        await self._read_statuses(unless_read_since=reads)
        self._schedule_read()

    async def _read_statuses(self, *, unless_read_since: int | None = None) -> None:
        async with self._read_lock:
            if unless_read_since is not None and unless_read_since != self._reads:
                return  # a read since this one was scheduled has rescheduled the next
            try:
                await self._read_once()
            finally:
                self._reads += 1

    async def _read_once(self) -> None:
        ids = self.tracker.ids_to_read()
        answer = {}
        if ids:
            try:
                self.request_counts["status"] += 1
                answer = await self.client.statuses(ids)
            except WwGoDeviceBusyError as err:
                retry_after = min(err.retry_after or READ_RETRY_DELAY, READ_BACKOFF_MAX)
                self.tracker.back_off(self._now(), retry_after)
                return
            except WwGoError as err:
                self._read_failed(err)
                self._publish(self.tracker.apply((), {}, self._now()))
                return
        self._publish(self.tracker.apply(ids, answer, self._now()), reachable=True)
        self._window_moved.set()
        self._window_moved = asyncio.Event()

    def _read_failed(self, err: WwGoError) -> None:
        self.tracker.back_off(self._now(), READ_RETRY_DELAY)
        if isinstance(err, WwGoAuthenticationError):
            self.config_entry.async_start_reauth(self.hass)
        self.async_set_update_error(err)
        self._track_reachability()

    def _publish(self, results: Iterable[RunResult], *, reachable: bool = False) -> None:
        """Hand run results to the entities (and to anyone waiting on the run)."""
        data = self.data
        for result in results:
            data.runs[result.action_id] = result
            if result.finished:
                data.results[result.action_id] = result
            if result.status_ids and (handle := self._handles.get(result.status_ids[0])):
                handle.update(result)
                if result.finished:
                    del self._handles[result.status_ids[0]]
        if reachable and not self.last_update_success:
            LOGGER.info("%s is reachable again", self.host)
        if reachable or self.last_update_success:
            # Also restarts the idle health check's minute: a status answer proves the device is up.
            self.async_set_updated_data(data)
            self._track_reachability()
        else:
            self.async_update_listeners()

    # -- calls --

    async def async_run(self, action_id: str) -> RunHandle:
        """Run an action. Errors the user must know now raise; a busy device queues the run."""
        if action_id in self.queued:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="action_queued",
                translation_placeholders={"action_id": action_id},
            )
        handle = RunHandle(self.hass, action_id)
        if not await self._try_call(handle):
            if self._stopped:
                handle.abandon(self._abandoned())
                return handle
            self.queued[action_id] = handle
            self._publish_queued(handle)
            handle.retry = self.config_entry.async_create_background_task(
                self.hass, self._retry(handle), f"{DOMAIN} queued run of {action_id}"
            )
        return handle

    async def async_cancel_queued(self, handle: RunHandle, description: str) -> None:
        """Give up a run the device has not accepted yet, so that it will not run."""
        # Under the call lock no retry is half-way through a call the device may accept.
        async with self._call_lock:
            if handle.result.state is RunState.QUEUED and handle.retry is not None:
                handle.retry.cancel()
                self.queued.pop(handle.action_id, None)
                self._finish_queued(handle, description)

    async def _try_call(self, handle: RunHandle) -> bool:
        """Call once; False when the device is busy or the call must wait for the window."""
        action_id = handle.action_id
        async with self._call_lock:
            action = self.data.actions.get(action_id)
            expected = self.tracker.expected_ids(
                action_id, action.request_count if action else None
            )
            if self.tracker.at_risk(expected):
                # Our own call would push unfinished results out of the device's window: read
                # first, unless a read just happened (the one that woke this call) or must wait.
                if self.tracker.may_read(self._now()):
                    await self._read_statuses(unless_read_since=self._reads)
                if self.tracker.at_risk(expected):
                    handle.waits_for_window = True
                    return False
            try:
                self.request_counts["call"] += 1
                status_ids = await self.client.call(action_id)
            except WwGoDeviceBusyError as err:
                handle.waits_for_window = False
                handle.retry_after = err.retry_after
                return False
            except WwGoError as err:
                if isinstance(err, WwGoAuthenticationError):
                    self.config_entry.async_start_reauth(self.hass)
                raise translated_error(err, action_id, self.host) from err
            if self.tracker.restarted(status_ids):
                # The device rebooted: the runs in flight went with it.
                self._publish(self.tracker.expire_all())
            result = self.tracker.start(action_id, status_ids, self._now())
            if self._stopped:
                # Unloaded while the call was under way: nobody will read this run.
                handle.update(result)
                handle.abandon(self._abandoned())
                return True
            self._handles[result.status_ids[0]] = handle
            self._publish([result], reachable=True)
            self._schedule_read()
            return True

    def _publish_queued(self, handle: RunHandle) -> None:
        self.data.runs[handle.action_id] = handle.result
        self.async_update_listeners()

    async def _retry(self, handle: RunHandle) -> None:
        """Retry a queued call with backoff until the device accepts it or a minute passes."""
        deadline = self._now() + BUSY_RETRY_LIMIT
        attempt = 0
        try:
            while True:
                if handle.waits_for_window:
                    # Wake when a status read lands, or after a second.
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(1.0):
                            await self._window_moved.wait()
                else:
                    pause = handle.retry_after or min(2**attempt, BUSY_BACKOFF_MAX)
                    await asyncio.sleep(max(0.0, min(pause, deadline - self._now())))
                attempt += 1
                if self._now() >= deadline:
                    self._finish_queued(handle, BUSY_DESCRIPTION.format(seconds=BUSY_RETRY_LIMIT))
                    return
                try:
                    if await self._try_call(handle):
                        return
                except HomeAssistantError as err:
                    handle.error = err
                    self._finish_queued(handle, str(err))
                    return
        finally:
            self.queued.pop(handle.action_id, None)

    def _finish_queued(self, handle: RunHandle, description: str) -> None:
        result = RunResult(handle.action_id, RunState.FAILURE, description=description)
        handle.update(result)
        self._publish([result])

    @override
    async def async_shutdown(self) -> None:
        self._stopped = True
        if self._cancel_read is not None:
            self._cancel_read()
            self._cancel_read = None
        for handle in [*self._handles.values(), *self.queued.values()]:
            handle.abandon(self._abandoned())
        await super().async_shutdown()

    def _abandoned(self) -> HomeAssistantError:
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="run_abandoned",
            translation_placeholders={"title": self.config_entry.title},
        )
