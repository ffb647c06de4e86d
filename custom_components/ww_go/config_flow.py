"""Config flow for WW Go."""

from homeassistant.config_entries import ConfigFlow

from .const import DOMAIN


class WwGoConfigFlow(ConfigFlow, domain=DOMAIN):
    """Handle a config flow for WW Go."""

    VERSION = 1
