"""Async library for the actions API of WW Go devices. No Home Assistant imports."""

from .address import base_url, normalize_host
from .client import WwGoClient
from .clock import DeviceApi, LoopScheduler, Scheduler
from .codes import MODBUS_DESCRIPTIONS, STATUS_WINDOW, RunState, describe, request_state
from .engine import RunEngine, RunListener
from .errors import (
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
from .handle import RunHandle
from .models import ActionDefinition, ActionList, RequestStatus, follow_list
from .parse import decode_body, parse_action_list, parse_status_ids, parse_statuses
from .run import (
    END_STATES,
    FINAL_STATES,
    NOT_RUN,
    PROBLEM_STATES,
    EndReason,
    Outcome,
    Run,
    StartedBy,
)
from .snapshot import EngineSnapshot, Learnt
from .tracker import RUN_TIMEOUT, RunTracker

__all__ = [
    "END_STATES",
    "FINAL_STATES",
    "MODBUS_DESCRIPTIONS",
    "NOT_RUN",
    "PROBLEM_STATES",
    "RUN_TIMEOUT",
    "STATUS_WINDOW",
    "ActionDefinition",
    "ActionList",
    "DeviceApi",
    "EndReason",
    "EngineSnapshot",
    "Learnt",
    "LoopScheduler",
    "Outcome",
    "RequestStatus",
    "Run",
    "RunEngine",
    "RunHandle",
    "RunListener",
    "RunState",
    "RunTracker",
    "Scheduler",
    "StartedBy",
    "WwGoActionDisabledError",
    "WwGoActionNotFoundError",
    "WwGoActionQueuedError",
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
    "base_url",
    "decode_body",
    "describe",
    "follow_list",
    "normalize_host",
    "parse_action_list",
    "parse_status_ids",
    "parse_statuses",
    "request_state",
]
