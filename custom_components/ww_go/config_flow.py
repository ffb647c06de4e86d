"""Config flow for WW Go: add a device, its typed action IDs, reauthenticate, reconfigure."""

from collections.abc import Mapping
from typing import Any, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .action_ids import ActionIdsError, parse_action_ids
from .const import (
    CONF_ACTION_IDS,
    CONF_FOLLOW_OTHERS,
    DEFAULT_FOLLOW_OTHERS,
    DEFAULT_NAME,
    DOMAIN,
    LOGGER,
)
from .device import create_client
from .wwgo import (
    ActionList,
    WwGoAuthenticationError,
    WwGoError,
    WwGoNotSupportedError,
    normalize_host,
)

# Examples shown beside the host field: placeholders, as addresses are no translatable text.
HOST_EXAMPLES = {"example_host": "192.168.1.100:8080", "https_scheme": "https://"}
PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
ACTION_IDS = TextSelector(TextSelectorConfig(multiline=True))
CREDENTIALS = {vol.Optional(CONF_USERNAME): str, vol.Optional(CONF_PASSWORD): PASSWORD}
ACTION_IDS_SCHEMA = vol.Schema({vol.Required(CONF_ACTION_IDS): ACTION_IDS})


def _action_ids_errors(user_input: Mapping[str, Any] | None) -> dict[str, str]:
    """The form errors of typed action IDs; none when nothing was entered yet."""
    if user_input is None:
        return {}
    try:
        parse_action_ids(user_input[CONF_ACTION_IDS])
    except ActionIdsError as err:
        return {CONF_ACTION_IDS: err.key}
    return {}


def _connection_schema(defaults: Mapping[str, Any]) -> dict[Any, Any]:
    return {
        vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, vol.UNDEFINED)): str,
        vol.Required(CONF_VERIFY_SSL, default=defaults.get(CONF_VERIFY_SSL, True)): bool,
    }


async def _probe(hass: HomeAssistant, data: Mapping[str, Any]) -> ActionList | None:
    """Talk to the device: its action list, or None when it has none (then a status read)."""
    client = create_client(hass, data)
    try:
        return await client.actions()
    except WwGoNotSupportedError:
        await client.statuses([0])
        return None


def _with_normalized_host(data: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The input with its host as it is stored; an invalid host fills errors instead."""
    try:
        return {**data, CONF_HOST: normalize_host(data.get(CONF_HOST, ""))}
    except ValueError:
        errors[CONF_HOST] = "invalid_host"
        return dict(data)


def _with_login(stored: Mapping[str, Any], user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Stored data with the form's input; a username or password not given is removed."""
    login = {key: user_input.get(key) for key in (CONF_USERNAME, CONF_PASSWORD)}
    data = {**stored, **user_input, **login}
    return {key: value for key, value in data.items() if value not in ("", None)}


def _kept_password(stored: Mapping[str, Any], user_input: Mapping[str, Any]) -> str | None:
    """The password typed, else the stored one while the username stays the same."""
    if user_input.get(CONF_PASSWORD):
        return str(user_input[CONF_PASSWORD])
    if user_input.get(CONF_USERNAME) and user_input.get(CONF_USERNAME) == stored.get(CONF_USERNAME):
        return stored.get(CONF_PASSWORD)
    return None


def _stored_host(entry: ConfigEntry) -> str:
    """An entry's address as it is compared: normalized, or as stored when it cannot be."""
    host = str(entry.data[CONF_HOST])
    try:
        return normalize_host(host)
    except ValueError:
        return host


async def _validate(
    hass: HomeAssistant, data: Mapping[str, Any], errors: dict[str, str]
) -> ActionList | None:
    """Probe the device, filling errors with what went wrong."""
    try:
        return await _probe(hass, data)
    except ValueError:
        errors[CONF_HOST] = "invalid_host"
    except WwGoAuthenticationError:
        errors["base"] = "invalid_auth"
    except WwGoError:
        errors["base"] = "cannot_connect"
    except Exception:  # noqa: BLE001 - the form must answer, whatever happened
        LOGGER.exception("Unexpected error talking to %s", data.get(CONF_HOST))
        errors["base"] = "unknown"
    return None


class WwGoConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a WW Go device."""

    # 2: no address as the unique ID; entities keyed by the device's ID, else the entry's.
    VERSION = 2

    def __init__(self) -> None:
        """Start with nothing entered."""
        self._data: dict[str, Any] = {}
        self._title = DEFAULT_NAME

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> WwGoOptionsFlow:
        return WwGoOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the device's address and credentials."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {key: value for key, value in user_input.items() if value not in ("", None)}
            data = _with_normalized_host(data, errors)
            listing = None if errors else await _validate(self.hass, data, errors)
            if not errors:
                if self._address_taken(data[CONF_HOST]):
                    return self.async_abort(reason="already_configured")
                if listing and listing.device_id:
                    await self.async_set_unique_id(listing.device_id)
                    # The same device at a new address: the entry follows it.
                    self._abort_if_unique_id_configured(updates={CONF_HOST: data[CONF_HOST]})
                self._data = data
                self._title = (listing and listing.device_name) or DEFAULT_NAME
                # The flow's title names the device from here on.
                self.context["title_placeholders"] = {"name": self._title}
                if listing is None:
                    return await self.async_step_actions()
                return self.async_create_entry(title=self._title, data=data)
        schema = vol.Schema({**_connection_schema(user_input or {}), **CREDENTIALS})
        return self.async_show_form(
            step_id="user",
            data_schema=schema,
            errors=errors,
            description_placeholders=HOST_EXAMPLES,
        )

    async def async_step_actions(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the action IDs of a device that does not list its actions."""
        errors = _action_ids_errors(user_input)
        if user_input is not None and not errors:
            return self.async_create_entry(
                title=self._title,
                data=self._data,
                options={CONF_ACTION_IDS: user_input[CONF_ACTION_IDS]},
            )
        return self.async_show_form(
            step_id="actions",
            data_schema=self.add_suggested_values_to_schema(ACTION_IDS_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The device refused the credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for new credentials."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _with_login(entry.data, user_input)
            listing = await _validate(self.hass, data, errors)
            if not errors:
                await self._abort_if_another_device(entry, listing)
                return self.async_update_reload_and_abort(entry, data=data)
        schema = self.add_suggested_values_to_schema(
            vol.Schema(CREDENTIALS), {CONF_USERNAME: entry.data.get(CONF_USERNAME)}
        )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=schema,
            errors=errors,
            description_placeholders={"host": entry.data[CONF_HOST]},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address or TLS settings of the same device."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _with_normalized_host(
                _with_login(
                    entry.data,
                    {**user_input, CONF_PASSWORD: _kept_password(entry.data, user_input)},
                ),
                errors,
            )
            listing = None if errors else await _validate(self.hass, data, errors)
            if not errors:
                await self._abort_if_another_device(entry, listing)
                if self._address_taken(data[CONF_HOST], besides=entry):
                    return self.async_abort(reason="already_configured")
                return self.async_update_reload_and_abort(entry, data=data)
        schema = self.add_suggested_values_to_schema(
            vol.Schema({**_connection_schema(user_input or entry.data), **CREDENTIALS}),
            {CONF_USERNAME: (user_input or entry.data).get(CONF_USERNAME)},
        )
        return self.async_show_form(step_id="reconfigure", data_schema=schema, errors=errors)

    def _address_taken(self, host: str, besides: ConfigEntry | None = None) -> bool:
        """Whether another entry already has this (normalized) address."""
        return any(
            _stored_host(entry) == host
            for entry in self._async_current_entries(include_ignore=False)
            if besides is None or entry.entry_id != besides.entry_id
        )

    async def _abort_if_another_device(
        self, entry: ConfigEntry, listing: ActionList | None
    ) -> None:
        """Abort when the device reports an identity other than the entry's (if it has one)."""
        if entry.unique_id is not None and listing is not None and listing.device_id:
            await self.async_set_unique_id(listing.device_id)
            self._abort_if_unique_id_mismatch(reason="wrong_device")


class WwGoOptionsFlow(OptionsFlowWithReload):
    """Whether to follow other clients' runs; the action IDs of a device that does not list them."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the options."""
        typed = CONF_ACTION_IDS in self.config_entry.options
        errors = _action_ids_errors(user_input) if typed else {}
        if user_input is not None and not errors:
            return self.async_create_entry(data=user_input)
        fields: dict[Any, Any] = {vol.Required(CONF_FOLLOW_OTHERS): BooleanSelector()}
        if typed:
            fields |= ACTION_IDS_SCHEMA.schema
        shown = {CONF_FOLLOW_OTHERS: DEFAULT_FOLLOW_OTHERS, **self.config_entry.options}
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields), user_input or shown
            ),
            errors=errors,
        )
