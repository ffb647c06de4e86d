"""Async library for the actions API of WW Go devices. No Home Assistant imports."""

from .client import (
    MAX_IDS_PER_REQUEST,
    WwGoClient,
    base_url,
    parse_action_list,
    parse_statuses,
)
from .codes import MODBUS_DESCRIPTIONS, RequestState, describe, request_state
from .errors import (
    WwGoActionDisabledError,
    WwGoActionNotFoundError,
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
from .models import (
    FINAL_STATES,
    PROBLEM_STATES,
    ActionDefinition,
    ActionList,
    RequestStatus,
    RunResult,
    RunState,
    aggregate,
)
from .tracker import STATUS_WINDOW, RunTracker

__all__ = [
    "FINAL_STATES",
    "MAX_IDS_PER_REQUEST",
    "MODBUS_DESCRIPTIONS",
    "PROBLEM_STATES",
    "STATUS_WINDOW",
    "ActionDefinition",
    "ActionList",
    "RequestState",
    "RequestStatus",
    "RunResult",
    "RunState",
    "RunTracker",
    "WwGoActionDisabledError",
    "WwGoActionNotFoundError",
    "WwGoActionRunningError",
    "WwGoAuthenticationError",
    "WwGoClient",
    "WwGoConnectionError",
    "WwGoDeviceBusyError",
    "WwGoDeviceError",
    "WwGoError",
    "WwGoInvalidResponseError",
    "WwGoNotSupportedError",
    "WwGoTimeoutError",
    "aggregate",
    "base_url",
    "describe",
    "parse_action_list",
    "parse_statuses",
    "request_state",
]
