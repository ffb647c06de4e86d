"""The repair issue of a device that has not answered for a long time."""

from datetime import datetime
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, UNREACHABLE_REPAIR_AFTER

UNREACHABLE_ISSUE: Final = "device_unreachable"
# Since when each entry's device has not answered; outlives the coordinators of setup retries.
UNREACHABLE_SINCE: HassKey[dict[str, datetime]] = HassKey(f"{DOMAIN}_unreachable_since")


def unreachable_issue_id(entry_id: str) -> str:
    """The repair issue of an entry's unreachable device."""
    return f"{UNREACHABLE_ISSUE}_{entry_id}"


def unreachable_since(hass: HomeAssistant, entry_id: str) -> datetime | None:
    """Since when the entry's device has not answered, if it does not now."""
    return hass.data.get(UNREACHABLE_SINCE, {}).get(entry_id)


def forget_unreachable(hass: HomeAssistant, entry_id: str) -> None:
    """The device answers, or its entry is unloaded: no count of minutes, no repair issue."""
    hass.data.get(UNREACHABLE_SINCE, {}).pop(entry_id, None)
    ir.async_delete_issue(hass, DOMAIN, unreachable_issue_id(entry_id))


def track_unreachable(hass: HomeAssistant, entry_id: str, host: str, title: str) -> None:
    """The device did not answer: raise the repair issue once it has not for 30 minutes."""
    now = dt_util.utcnow()
    since = hass.data.setdefault(UNREACHABLE_SINCE, {}).setdefault(entry_id, now)
    if now - since >= UNREACHABLE_REPAIR_AFTER:
        ir.async_create_issue(
            hass,
            DOMAIN,
            unreachable_issue_id(entry_id),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=UNREACHABLE_ISSUE,
            translation_placeholders={"host": host, "title": title},
        )
