"""What a loaded entry holds: the device's health and action list, and the runs of its actions."""

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .coordinator import WwGoCoordinator
from .runs import WwGoRuns


@dataclass(frozen=True, slots=True)
class WwGoRuntimeData:
    """The coordinator (health check, action list) and the run owner of one device."""

    coordinator: WwGoCoordinator
    runs: WwGoRuns


type WwGoConfigEntry = ConfigEntry[WwGoRuntimeData]
