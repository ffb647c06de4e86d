"""What a loaded entry holds: the device's health and action list, and the runs of its actions."""

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceInfo

from .actions import ActionFollower
from .coordinator import WwGoCoordinator
from .runs import WwGoRuns


@dataclass(frozen=True, slots=True)
class WwGoRuntimeData:
    """The coordinator (health check, action list), the run owner and the action follower."""

    coordinator: WwGoCoordinator
    runs: WwGoRuns
    actions: ActionFollower
    # What the device's entities name as their device.
    device: DeviceInfo


type WwGoConfigEntry = ConfigEntry[WwGoRuntimeData]
