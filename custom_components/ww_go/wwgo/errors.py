"""Errors of the WW Go device library: one hierarchy, each with the HTTP status if any.

The hierarchy is also the table of refusals: each error names itself (`key`, what Home Assistant
translates) and says what it means for a run the device refused (`refused`).
"""

import logging
from typing import ClassVar


class WwGoError(Exception):
    """Base of every error the library raises."""

    key: ClassVar[str] = "device_error"
    # What a run the device refused this way ended with; {action_id}, {error} are filled in.
    refused: ClassVar[str] = "The device refused the action ({error}); it was not run"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        """Keep the HTTP status of the answer that caused the error, if any."""
        super().__init__(message)
        self.status = status


class WwGoConnectionError(WwGoError):
    """The device cannot be reached."""

    key = "cannot_connect"
    refused = "The device could not be reached; the action was not run"


class WwGoTimeoutError(WwGoConnectionError):
    """The device did not answer in time."""

    # A call may have been accepted while its answer was lost.
    refused = "The device did not answer the call in time; it may have run the action"


class WwGoAuthenticationError(WwGoError):
    """The device refused the credentials (401/403)."""

    key = "invalid_auth"
    refused = "The device refused the login; the action was not run"


class WwGoActionNotFoundError(WwGoError):
    """No action has that ID (404)."""

    key = "action_not_found"
    refused = "The device has no action {action_id}; the action was not run"


class WwGoActionDisabledError(WwGoError):
    """The action, or every request in it, is disabled (400)."""

    key = "action_disabled"
    refused = "Action {action_id} is disabled on the device; it was not run"


class WwGoActionRunningError(WwGoError):
    """The action's previous run is still executing (409)."""

    key = "action_running"
    refused = "Action {action_id} was already running on the device"


class WwGoDeviceBusyError(WwGoError):
    """Too many requests are executing or being polled (429)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        retry_after: float | None = None,
    ) -> None:
        """Keep the Retry-After seconds when the device sent them."""
        super().__init__(message, status=status)
        self.retry_after = retry_after


class WwGoDeviceError(WwGoError):
    """The device failed (5xx, or an answer no table explains)."""


class WwGoInvalidResponseError(WwGoError):
    """The answer is not what the API documents (bad JSON, wrong shape, no status IDs)."""


class WwGoNotSupportedError(WwGoError):
    """The device does not offer this endpoint (404 on the action list)."""


class WwGoActionQueuedError(WwGoError):
    """A run of the action already waits for the device to accept it."""

    key = "action_queued"


class UnexpectedErrors:
    """Logs an error no answer should cause once (with its traceback), then at debug level.

    Background work carries on after such an error: it is a bug to report, not a reason to stop.
    """

    def __init__(self, logger: logging.Logger, doing: str) -> None:
        """Log to `logger` what went wrong while `doing` something."""
        self._logger = logger
        self._doing = doing
        self._logged = False

    def log(self, err: BaseException) -> None:
        """Log `err`: in full the first time since the last `reset`."""
        if not self._logged:
            self._logged = True
            self._logger.error("Unexpected error %s; carrying on", self._doing, exc_info=err)
        else:
            self._logger.debug("Unexpected error %s again", self._doing, exc_info=err)

    def reset(self) -> None:
        """It went well again: the next unexpected error is logged in full."""
        self._logged = False
