"""The error hierarchy as the table of refusals, and the log of errors no answer should cause."""

import logging

import pytest

from custom_components.ww_go import wwgo
from custom_components.ww_go.wwgo import (
    WwGoActionDisabledError,
    WwGoActionNotFoundError,
    WwGoActionQueuedError,
    WwGoActionRunningError,
    WwGoAuthenticationError,
    WwGoConnectionError,
    WwGoDeviceBusyError,
    WwGoDeviceError,
    WwGoError,
    WwGoInvalidResponseError,
    WwGoNotSupportedError,
    WwGoTimeoutError,
)
from custom_components.ww_go.wwgo.errors import UnexpectedErrors

# Every error the library exports: what Home Assistant translates it by, and what a run the
# device refused that way ends saying (for action "7", the error's message being "boom").
REFUSALS: dict[type[WwGoError], tuple[str, str]] = {
    WwGoError: ("device_error", "The device refused the action (boom); it was not run"),
    WwGoConnectionError: (
        "cannot_connect",
        "The device could not be reached; the action was not run",
    ),
    WwGoTimeoutError: (
        "cannot_connect",
        "The device did not answer the call in time; it may have run the action",
    ),
    WwGoAuthenticationError: (
        "invalid_auth",
        "The device refused the login; the action was not run",
    ),
    WwGoActionNotFoundError: (
        "action_not_found",
        "The device has no action 7; the action was not run",
    ),
    WwGoActionDisabledError: (
        "action_disabled",
        "Action 7 is disabled on the device; it was not run",
    ),
    WwGoActionRunningError: ("action_running", "Action 7 was already running on the device"),
    WwGoDeviceBusyError: ("device_error", "The device refused the action (boom); it was not run"),
    WwGoDeviceError: ("device_error", "The device refused the action (boom); it was not run"),
    WwGoInvalidResponseError: (
        "device_error",
        "The device refused the action (boom); it was not run",
    ),
    WwGoNotSupportedError: ("device_error", "The device refused the action (boom); it was not run"),
    WwGoActionQueuedError: (
        "action_queued",
        "The device refused the action (boom); it was not run",
    ),
}

EXPORTED = sorted(
    (
        item
        for name in wwgo.__all__
        if isinstance(item := getattr(wwgo, name), type) and issubclass(item, WwGoError)
    ),
    key=lambda error: error.__name__,
)


def test_the_table_names_every_exported_error() -> None:
    """A new error needs its key and its refusal decided, here and in the translations."""
    assert set(EXPORTED) == set(REFUSALS)


@pytest.mark.parametrize("error_type", EXPORTED, ids=lambda error: error.__name__)
def test_each_error_names_itself(error_type: type[WwGoError]) -> None:
    key, _ = REFUSALS[error_type]
    error = error_type("boom")
    assert error.key == key
    assert isinstance(error, WwGoError)


@pytest.mark.parametrize("error_type", EXPORTED, ids=lambda error: error.__name__)
def test_each_refusal_says_what_became_of_the_run(error_type: type[WwGoError]) -> None:
    _, refused = REFUSALS[error_type]
    error = error_type("boom")
    assert error.refused.format(action_id="7", error=error) == refused


def test_a_timeout_is_a_connection_error() -> None:
    """Whoever handles an unreachable device handles one that did not answer in time."""
    with pytest.raises(WwGoConnectionError):
        raise WwGoTimeoutError("no answer")


def test_an_error_keeps_the_http_status_of_its_answer() -> None:
    assert WwGoActionRunningError("running", status=409).status == 409
    assert WwGoConnectionError("offline").status is None
    assert str(WwGoDeviceError("HTTP 503", status=503)) == "HTTP 503"


def test_a_busy_device_keeps_what_it_asked_for() -> None:
    busy = WwGoDeviceBusyError("busy", retry_after=7.5)
    assert (busy.status, busy.retry_after) == (429, 7.5)
    assert WwGoDeviceBusyError("busy").retry_after is None
    assert WwGoDeviceBusyError("busy", status=None).status is None


def _fail(message: str) -> None:
    raise RuntimeError(message)


def _raised(message: str) -> RuntimeError:
    """An error with a traceback, as background work catches it."""
    try:
        _fail(message)
    except RuntimeError as err:
        return err
    raise AssertionError("not raised")


def test_an_unexpected_error_is_logged_in_full_once_until_reset(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("tests.wwgo.unexpected")
    unexpected = UnexpectedErrors(logger, "doing the work")
    first, second, third = _raised("one"), _raised("two"), _raised("three")
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        unexpected.log(first)
        unexpected.log(second)
        unexpected.reset()
        unexpected.log(third)
    records = [r for r in caplog.records if r.name == logger.name]
    assert [(r.levelno, r.getMessage()) for r in records] == [
        (logging.ERROR, "Unexpected error doing the work; carrying on"),
        (logging.DEBUG, "Unexpected error doing the work again"),
        (logging.ERROR, "Unexpected error doing the work; carrying on"),
    ]
    # Each with its own error and traceback: the first is the one to report.
    assert [r.exc_info[1] if r.exc_info else None for r in records] == [first, second, third]
    logged = logging.Formatter().format(records[0])
    assert "Traceback (most recent call last)" in logged
    assert "RuntimeError: one" in logged
