"""An emulated WW Go device: the actions API of its firmware, served over HTTP by aiohttp.

``Device`` holds the state (actions, status buffer, limits, counters, fault switches) and
``create_app`` serves it; ``python -m simulator`` runs it from the command line.
"""

from .app import create_app, set_actions_list, set_credentials
from .device import (
    ActionDisabled,
    ActionRunning,
    Answer,
    Device,
    DeviceBusy,
    DeviceError,
    Faults,
    RateLimited,
    UnknownAction,
)
from .scenario import (
    ActionDefinition,
    RequestDefinition,
    ScenarioError,
    default_actions,
    load_scenario,
)

__all__ = [
    "ActionDefinition",
    "ActionDisabled",
    "ActionRunning",
    "Answer",
    "Device",
    "DeviceBusy",
    "DeviceError",
    "Faults",
    "RateLimited",
    "RequestDefinition",
    "ScenarioError",
    "UnknownAction",
    "create_app",
    "default_actions",
    "load_scenario",
    "set_actions_list",
    "set_credentials",
]
