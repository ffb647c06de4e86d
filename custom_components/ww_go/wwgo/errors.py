"""Errors of the WW Go device library: one hierarchy, each with the HTTP status if any."""


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


class WwGoRunAbandonedError(WwGoError):
    """Nobody follows the run any more: the engine was closed, or the action left the device."""
