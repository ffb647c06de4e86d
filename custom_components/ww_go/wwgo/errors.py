"""Errors of the WW Go device library: one hierarchy, each with the HTTP status if any."""

import logging


class WwGoError(Exception):
    """Base of every error the library raises."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        """Keep the HTTP status of the answer that caused the error, if any."""
        super().__init__(message)
        self.status = status


class WwGoConnectionError(WwGoError):
    """The device cannot be reached."""


class WwGoTimeoutError(WwGoConnectionError):
    """The device did not answer in time."""


class WwGoAuthenticationError(WwGoError):
    """The device refused the credentials (401/403)."""


class WwGoActionNotFoundError(WwGoError):
    """No action has that ID (404)."""


class WwGoActionDisabledError(WwGoError):
    """The action, or every request in it, is disabled (400)."""


class WwGoActionRunningError(WwGoError):
    """The action's previous run is still executing (409)."""


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
