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
# A call answered 429 is retried in the background until accepted or this many seconds pass.
BUSY_RETRY_LIMIT: Final = 60.0
BUSY_BACKOFF_MAX: Final = 10.0
# After a failed status read, the next one waits this long.
READ_RETRY_DELAY: Final = 5.0
# A status read's Retry-After is followed up to this long, so that run timeouts still count.
READ_BACKOFF_MAX: Final = 60.0
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
