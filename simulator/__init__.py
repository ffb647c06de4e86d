"""An emulated WW Go device: the actions API of its firmware, served over HTTP by aiohttp.

``Device`` holds the state (actions, status buffer, limits, counters, fault switches) and
``create_app`` serves it, with ``OtherClients`` running actions beside it as other clients of the
device would; ``python -m simulator`` runs it from the command line.
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
from .others import OtherClients
from .scenario import (
    ActionDefinition,
    OtherClient,
    RequestDefinition,
    Scenario,
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
    "OtherClient",
    "OtherClients",
    "RateLimited",
    "RequestDefinition",
    "Scenario",
    "ScenarioError",
    "UnknownAction",
    "create_app",
    "default_actions",
    "load_scenario",
    "set_actions_list",
    "set_credentials",
]
