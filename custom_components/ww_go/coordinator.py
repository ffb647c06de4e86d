"""The coordinator: the device's health and its action list, checked once a minute."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import DOMAIN, HEALTH_CHECK_INTERVAL, LOGGER
from .issues import forget_unreachable, track_unreachable
from .wwgo import (
    ActionDefinition,
    ActionList,
    WwGoAuthenticationError,
    WwGoClient,
    WwGoError,
    WwGoNotSupportedError,
    follow_list,
)


@dataclass(frozen=True, slots=True)
class WwGoData:
    """What concerns every entity of the device: its actions, and what it says of itself."""

    actions: Mapping[str, ActionDefinition] = field(default_factory=dict)
    # The last action list that listed actions (None for a device without a list).
    listing: ActionList | None = None


class WwGoCoordinator(DataUpdateCoordinator[WwGoData]):
    """One per device: is it reachable, and which actions does it hold."""

    config_entry: ConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: WwGoClient,
        known: Mapping[str, ActionDefinition],
        typed: Iterable[ActionDefinition] = (),
    ) -> None:
        """`known` are the actions of the last list before this start; `typed` the user's."""
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
        self.hostname = client.base_url.host or str(client.base_url)
        self.has_action_list = True
        self._known = dict(known)
        # Actions missing from the last list: removed if the next one misses them too.
        self._missing: frozenset[str] = frozenset()
        self._typed = {action.id: action for action in typed}
        # An entry without typed action IDs was made from the device's list: it has one.
        self._listed = not self._typed
        self._answered = False

    @override
    async def _async_update_data(self) -> WwGoData:
        try:
            data = await self._fetch()
        except WwGoAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"host": self.hostname},
            ) from err
        except WwGoError as err:
            self._unreachable()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"host": self.hostname, "error": str(err)},
            ) from err
        forget_unreachable(self.hass, self.config_entry.entry_id)
        return data

    async def _fetch(self) -> WwGoData:
        # None until the first refresh succeeded, whatever its annotation says.
        data: WwGoData | None = self.data
        previous = self._known if data is None else data.actions
        if self.has_action_list:
            try:
                listing = await self.client.actions()
            except WwGoNotSupportedError:
                if self._listed:
                    raise  # the device listed its actions before: a passing fault, not a change
                self.has_action_list = False
            else:
                if not listing.actions and self._listed:
                    # A device that is still booting can answer an empty list: keep the actions.
                    return WwGoData(previous, None if data is None else data.listing)
                self._listed = bool(listing.actions)
                actions, self._missing = follow_list(listing.actions, previous, self._missing)
                return WwGoData(actions, listing)
        if not self._answered:
            # Without a list, a status read proves the device reachable, unless a read of the
            # runs in flight did since the last health check.
            await self.client.statuses([0])
        self._answered = False
        return WwGoData(dict(self._typed))

    @callback
    def async_status_read(self, error: WwGoError | None) -> None:
        """A status read of the run engine's tells the device's health too."""
        if error is None:
            self._answered = True
            if not self.last_update_success:
                LOGGER.info("%s is reachable again", self.hostname)
                forget_unreachable(self.hass, self.config_entry.entry_id)
                # Entities are available again before any result read now is shown.
                self.async_set_updated_data(self.data)
            return
        if isinstance(error, WwGoAuthenticationError):
            self.async_refused_login()
        else:
            self._unreachable()
        self.async_set_update_error(error)

    @callback
    def async_refused_login(self) -> None:
        """The device refused the login, whatever asked it: the user is asked for a new one."""
        self.config_entry.async_start_reauth(self.hass)

    def _unreachable(self) -> None:
        entry = self.config_entry
        track_unreachable(self.hass, entry.entry_id, self.hostname, entry.title)
