"""What each library error tells the user: one translated Home Assistant error per kind."""

from typing import Final

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .wwgo import (
    WwGoActionDisabledError,
    WwGoActionNotFoundError,
    WwGoActionQueuedError,
    WwGoActionRunningError,
    WwGoAuthenticationError,
    WwGoConnectionError,
    WwGoError,
    WwGoRunAbandonedError,
)

# The translation key of each library error, most specific first.
ERROR_KEYS: Final[tuple[tuple[type[WwGoError], str], ...]] = (
    (WwGoActionRunningError, "action_running"),
    (WwGoActionQueuedError, "action_queued"),
    (WwGoActionNotFoundError, "action_not_found"),
    (WwGoActionDisabledError, "action_disabled"),
    (WwGoRunAbandonedError, "run_abandoned"),
    (WwGoAuthenticationError, "invalid_auth"),
    (WwGoConnectionError, "cannot_connect"),
    (WwGoError, "device_error"),
)


def translated_error(
    err: WwGoError, *, action_id: str, host: str, title: str, key: str | None = None
) -> HomeAssistantError:
    """The translated Home Assistant error for a library error (or for `key`, when given)."""
    key = key or next(key for kind, key in ERROR_KEYS if isinstance(err, kind))
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={
            "action_id": action_id,
            "host": host,
            "title": title,
            "error": str(err),
        },
    )
