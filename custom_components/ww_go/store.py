"""What outlives a restart: the run engine's snapshot, each action's last run, the action list.

The run owner saves the moments a crash must not lose at once (a run the device accepted, a run's
end before it is shown) and the rest a few seconds after a change. Every save replaces the file
whole (written aside, then renamed): a power cut leaves the old or the new file, never half of one.

The format has a version and a minor version. A change an earlier release would read wrongly
raises the version, with a step in `_async_migrate_func`; a field added raises the minor version
only: earlier releases ignore it, so that a downgrade after an upgrade still loads.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER
from .wwgo import ActionDefinition, EndReason, EngineSnapshot, Run

STORAGE_VERSION: Final = 3
STORAGE_MINOR_VERSION: Final = 1
SAVE_DELAY: Final = 10.0


@dataclass(frozen=True, slots=True)
class Kept:
    """Everything an entry keeps across a restart."""

    engine: EngineSnapshot = field(default_factory=EngineSnapshot)
    # Each action's last ended run.
    last_runs: Mapping[str, Run] = field(default_factory=dict)
    # The device's actions as last known.
    actions: Mapping[str, ActionDefinition] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """What is written."""
        return {
            "engine": self.engine.as_dict(),
            "last_runs": [run.as_dict() for run in self.last_runs.values()],
            "actions": [action.as_json() for action in self.actions.values()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Kept:
        """What was written, by this release or a later one; a run it cannot read is left out."""
        last_runs = (_read(Run.from_dict, item) for item in data.get("last_runs", ()))
        actions = (_read(ActionDefinition.from_json, item) for item in data.get("actions", ()))
        return cls(
            EngineSnapshot.from_dict(data.get("engine", {})),
            {run.action_id: run for run in last_runs if run is not None and run.ended},
            {action.id: action for action in actions if action is not None},
        )


def _read[T](read: Callable[[Any], T], data: Any) -> T | None:
    """One kept item, or None (and a warning) when it cannot be read: the others still are."""
    try:
        return read(data)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        LOGGER.warning("Something kept before the restart cannot be read (%s): %r", err, data)
        return None


# Version 1 kept results by their state; each becomes a run ended for the reason that state had.
V1_REASONS: Final = {
    "success": EndReason.SUCCEEDED,
    "failure": EndReason.FAILED,
    "expired": EndReason.EVICTED,
    "timeout": EndReason.TIMEOUT,
}


def _from_version_1(old: dict[str, Any]) -> dict[str, Any]:
    """Version 1's data as version 2 kept it: the same runs, results and times."""

    def last_run(result: dict[str, Any]) -> dict[str, Any]:
        reason = V1_REASONS[result["state"]]
        if reason is EndReason.FAILED and not result["status_ids"]:
            reason = EndReason.REFUSED  # never run: the device refused it or stayed busy
        return {
            "action_id": result["action_id"],
            "status_ids": result["status_ids"],
            "requests": [[r["id"], r["code"], r["exe_time"]] for r in result["requests"]],
            "outcome": {
                "reason": reason.value,
                "description": result["description"] or "",
                "ended_at": result["finished_at"] or 0.0,
                "code": result["code"],
                "exe_time": result["exe_time"],
            },
        }

    known = {*old["results"], *old["durations"], *(run["action_id"] for run in old["in_flight"])}
    return {
        "engine": {
            key: old[key] for key in ("in_flight", "newest_id", "durations", "ids_per_call")
        },
        "last_runs": {key: last_run(result) for key, result in old["results"].items()},
        "actions": [ActionDefinition(str(action_id)).as_json() for action_id in sorted(known)],
    }


def _from_version_2(old: dict[str, Any]) -> dict[str, Any]:
    """Version 2 kept each last run in a shape of its own: now the run's one dict form.

    Its engine snapshot is the library's first format, which the library reads itself.
    """

    def last_run(action_id: str, kept: dict[str, Any]) -> dict[str, Any]:
        requests = [
            {"id": status_id, "code": code, "exe_time": exe_time}
            for status_id, code, exe_time in kept["requests"]
        ]
        return {
            "action_id": action_id,
            "status_ids": kept["status_ids"],
            "requests": requests,
            **kept["outcome"],
        }

    return {
        "engine": old["engine"],
        "last_runs": [last_run(key, kept) for key, kept in old["last_runs"].items()],
        "actions": old["actions"],
    }


class _VersionedStore(Store[dict[str, Any]]):
    """Brings what earlier versions kept to the current version, one step at a time."""

    @override
    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        data = old_data
        if old_major_version == 1:
            data = _from_version_1(data)
        if old_major_version <= 2:
            data = _from_version_2(data)
        # A later minor version added fields this release does not know: `Kept` ignores them.
        return data


class RunStore:
    """The store of one config entry."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """The store of `entry`."""
        self._store = _VersionedStore(
            hass,
            STORAGE_VERSION,
            f"{DOMAIN}.{entry.entry_id}",
            minor_version=STORAGE_MINOR_VERSION,
            atomic_writes=True,
        )
        self._pending = False

    async def async_load(self) -> Kept:
        """What was kept; nothing when there is nothing, or when it cannot be read."""
        try:
            data = await self._store.async_load()
            return Kept() if data is None else Kept.from_dict(data)
        except (HomeAssistantError, KeyError, TypeError, ValueError, AttributeError) as err:
            LOGGER.warning(
                "The runs and results kept for %s could not be read (%s); starting afresh",
                self._store.key,
                err,
            )
            return Kept()

    @callback
    def async_save_later(self, kept: Callable[[], Kept]) -> None:
        """Save what `kept()` returns at most `SAVE_DELAY` from now (or when HA stops).

        A save already planned is not put off by later changes: it takes them along.
        """
        if self._pending:
            return
        self._pending = True

        def data() -> dict[str, Any]:
            self._pending = False
            return kept().as_dict()

        self._store.async_delay_save(data, SAVE_DELAY)

    async def async_save(self, kept: Kept) -> None:
        """Save now; a save planned for later is replaced by this one.

        A write that fails is logged by Home Assistant; the runs go on.
        """
        self._pending = False
        await self._store.async_save(kept.as_dict())

    async def async_remove(self) -> None:
        """Forget everything kept (the entry is removed)."""
        await self._store.async_remove()
