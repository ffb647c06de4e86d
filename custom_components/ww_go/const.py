"""Constants of the WW Go integration."""

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "ww_go"
LOGGER: Final = logging.getLogger(__package__)

CONF_ACTION_IDS: Final = "action_ids"
# Follow the runs other clients of the device start (its web page, scripts, other systems).
CONF_FOLLOW_OTHERS: Final = "follow_others"
DEFAULT_FOLLOW_OTHERS: Final = True
# A device that does not say its name is called this (Home Assistant numbers a second one).
DEFAULT_NAME: Final = "WW Go"
MANUFACTURER: Final = "WW Go"

# Idle: a light health check (and action list refresh) once a minute.
HEALTH_CHECK_INTERVAL: Final = timedelta(minutes=1)
# A repair issue is raised when the device has been unreachable this long.
UNREACHABLE_REPAIR_AFTER: Final = timedelta(minutes=30)
MAX_ACTION_IDS: Final = 200
# A press waits this long for its run to end, so that it can say whether the action worked.
PRESS_WAIT: Final = 10.0
