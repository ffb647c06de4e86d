"""Constants of the WW Go integration."""

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "ww_go"
LOGGER: Final = logging.getLogger(__package__)

CONF_VERIFY_SSL: Final = "verify_ssl"
CONF_ACTION_IDS: Final = "action_ids"

# Idle: a light health check (and action list refresh) once a minute; never a status read.
HEALTH_CHECK_INTERVAL: Final = timedelta(minutes=1)
REQUEST_TIMEOUT: Final = 10.0
# A repair issue is raised when the device has been unreachable this long.
UNREACHABLE_REPAIR_AFTER: Final = timedelta(minutes=30)
MAX_ACTION_IDS: Final = 200

# The entity keys of each platform: what a removed action's entities are found by.
ENTITY_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "binary_sensor": ("problem",),
    "button": ("run",),
    "event": ("run",),
    "sensor": ("result_code", "execution_time", "run_state"),
}
