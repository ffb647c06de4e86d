"""What the user is told when the device refuses an action, or when a run did not succeed.

Each message is a translation: a refusal's key is the library error's own (`WwGoError.key`), a
run's is `run_` and its end reason. Every message gets every placeholder and uses those it needs.
"""

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .wwgo import RUN_TIMEOUT, EndReason, Run, WwGoError


def refusal_error(
    err: WwGoError, *, action_id: str, host: str, title: str, key: str | None = None
) -> HomeAssistantError:
    """The error for the device's refusal of an action (translated as `key`, when given)."""
    return _error(key or err.key, action_id=action_id, host=host, title=title, error=str(err))


def end_error(run: Run, *, action: str, host: str, title: str) -> HomeAssistantError | None:
    """The error for a run that ended without succeeding; None for a success or a run going on."""
    outcome = run.outcome
    if outcome is None or outcome.reason is EndReason.SUCCEEDED:
        return None
    if outcome.error is not None:
        # Refused once nobody waited for the call's answer: what the device said, says what to do.
        return refusal_error(outcome.error, action_id=run.action_id, host=host, title=title)
    return _error(
        f"run_{outcome.reason}",
        action=action,
        action_id=run.action_id,
        host=host,
        title=title,
        code=str(outcome.code),
        description=outcome.description,
        error=outcome.description,
        seconds=f"{RUN_TIMEOUT:.0f}",
    )


def _error(key: str, **placeholders: str) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )
