"""What the user is told when an action is refused, or when its run never ran."""

from collections.abc import Callable
from typing import Final

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .wwgo import (
    RUN_TIMEOUT,
    EndReason,
    Run,
    WwGoActionDisabledError,
    WwGoActionNotFoundError,
    WwGoActionQueuedError,
    WwGoActionRunningError,
    WwGoAuthenticationError,
    WwGoConnectionError,
    WwGoError,
)

# The translation key of each refusal of the library's, most specific first.
REFUSAL_KEYS: Final[tuple[tuple[type[WwGoError], str], ...]] = (
    (WwGoActionRunningError, "action_running"),
    (WwGoActionQueuedError, "action_queued"),
    (WwGoActionNotFoundError, "action_not_found"),
    (WwGoActionDisabledError, "action_disabled"),
    (WwGoAuthenticationError, "invalid_auth"),
    (WwGoConnectionError, "cannot_connect"),
    (WwGoError, "device_error"),
)
# The translation key of each reason a run never ran, or is not followed to its end. The other
# reasons are runs the device ran (or lost): `ww_go.call_action` answers with them.
NOT_RUN_KEYS: Final = {
    EndReason.REFUSED: "device_error",
    EndReason.BUSY: "device_busy",
    EndReason.WINDOW_FULL: "window_full",
    EndReason.ACTION_REMOVED: "action_removed",
    EndReason.NOT_FOLLOWED: "not_followed",
}


# The translation key of each way a run the device ran did not succeed: a press says so.
DID_NOT_SUCCEED_KEYS: Final = {
    EndReason.FAILED: "run_failed",
    EndReason.EVICTED: "run_evicted",
    EndReason.LOST_WHILE_STOPPED: "run_lost",
    EndReason.DEVICE_RESTARTED: "run_device_restarted",
    EndReason.TIMEOUT: "run_timeout",
}


def translated_error(
    err: WwGoError, *, action_id: str, host: str, title: str, key: str | None = None
) -> HomeAssistantError:
    """The translated Home Assistant error for a library error (or for `key`, when given)."""
    key = key or next(key for kind, key in REFUSAL_KEYS if isinstance(err, kind))
    return _error(key, action_id=action_id, host=host, title=title, error=str(err))


def outcome_error(
    run: Run, *, host: str, title: str, reauth: Callable[[], None]
) -> HomeAssistantError | None:
    """The error for a run that never ran or is not followed to its end; None for the others."""
    outcome = run.outcome
    if outcome is None or (key := NOT_RUN_KEYS.get(outcome.reason)) is None:
        return None
    if outcome.error is not None:
        # Refused when retried: what the device answered says what to do.
        if isinstance(outcome.error, WwGoAuthenticationError):
            reauth()
        return translated_error(outcome.error, action_id=run.action_id, host=host, title=title)
    return _error(key, action_id=run.action_id, host=host, title=title, error=outcome.description)


def press_error(
    run: Run, *, action: str, host: str, title: str, reauth: Callable[[], None]
) -> HomeAssistantError | None:
    """The error a press of `action` raises for its run; None when it succeeded or goes on."""
    if (error := outcome_error(run, host=host, title=title, reauth=reauth)) is not None:
        return error
    outcome = run.outcome
    if outcome is None or (key := DID_NOT_SUCCEED_KEYS.get(outcome.reason)) is None:
        return None
    return _error(
        key,
        action=action,
        code=str(outcome.code),
        description=outcome.description,
        seconds=f"{RUN_TIMEOUT:.0f}",
    )


def _error(key: str, **placeholders: str) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )
