"""What outlives a restart: the run engine's snapshot, each action's last run, the action list.

The moments a crash must not lose are saved at once, by the run owner: a run the device accepted,
and a run's end before it is shown. Everything else (a run queued, the action list) is saved a
few seconds after a change, on unload, and when Home Assistant stops; status reads save nothing.
Every save replaces the file whole (written aside, then renamed): a power cut leaves the old or
the new file, never half of one.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store
from homeassistant.util.file import WriteError

from .const import DOMAIN, LOGGER
from .wwgo import ActionDefinition, EndReason, EngineSnapshot, Run

STORAGE_VERSION: Final = 2
SAVE_DELAY: Final = 10.0


@dataclass(frozen=True, slots=True)
class Kept:
    """Everything an entry keeps across a restart."""

    engine: EngineSnapshot = field(default_factory=EngineSnapshot)
    # Each action's last ended run.
    last_runs: Mapping[str, Run] = field(default_factory=dict)
    # The device's actions as last known.
    actions: Mapping[str, ActionDefinition] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """What is written."""
        return {
            "engine": self.engine.as_json(),
            "last_runs": {key: run.as_json() for key, run in self.last_runs.items()},
            "actions": [action.as_json() for action in self.actions.values()],
        }

    @classmethod
    def from_json(cls, data: Any) -> Kept:
        """What was written; anything that does not fit raises (and the entry starts afresh)."""
        actions = (ActionDefinition.from_json(action) for action in data["actions"])
        return cls(
            EngineSnapshot.from_json(data["engine"]),
            {str(key): _ended(Run.from_json(run)) for key, run in data["last_runs"].items()},
            {action.id: action for action in actions},
        )


def _ended(run: Run) -> Run:
    if not run.ended:
        raise ValueError(f"a last run of {run.action_id} without its outcome")
    return run


# Version 1 kept results by their state; each becomes a run ended for the reason that state had.
V1_REASONS: Final = {
    "success": EndReason.SUCCEEDED,
    "failure": EndReason.FAILED,
    "expired": EndReason.EVICTED,
    "timeout": EndReason.TIMEOUT,
}


def _from_version_1(old: dict[str, Any]) -> dict[str, Any]:
    """Version 1's data as version 2 keeps it: the same runs, results and times."""

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


class _VersionedStore(Store[dict[str, Any]]):
    """Version 1 is brought to version 2; any other version is one this integration cannot read.

    A write that fails is told to `written`, not logged by Home Assistant at every save.
    """

    def __init__(
        self, hass: HomeAssistant, key: str, written: Callable[[Exception | None], None]
    ) -> None:
        super().__init__(hass, STORAGE_VERSION, key, atomic_writes=True)
        self._written = written

    async def _async_write_data(self, data: dict[str, Any]) -> None:
        try:
            await super()._async_write_data(data)
        except WriteError as err:
            self._written(err)
        else:
            self._written(None)

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        if old_major_version == 1:
            return _from_version_1(old_data)
        raise ValueError(f"stored as version {old_major_version}.{old_minor_version}")


class RunStore:
    """The store of one config entry."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """The store of `entry`."""
        self._entry = entry
        self._store = _VersionedStore(hass, f"{DOMAIN}.{entry.entry_id}", self._written)
        self._pending = False
        self._failing = False

    async def async_load(self) -> Kept:
        """What was kept; nothing when there is nothing, or when it cannot be read."""
        try:
            data = await self._store.async_load()
            return Kept() if data is None else Kept.from_json(data)
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
            return kept().as_json()

        self._store.async_delay_save(data, SAVE_DELAY)

    async def async_save(self, kept: Kept) -> None:
        """Save now; a save planned for later is replaced by this one."""
        self._pending = False
        await self._store.async_save(kept.as_json())

    def _written(self, error: Exception | None) -> None:
        if error is None:
            if self._failing:
                self._failing = False
                LOGGER.info("The runs of %s are saved again", self._entry.title)
            return
        if self._failing:
            LOGGER.debug("Saving the runs of %s failed again: %s", self._entry.title, error)
            return
        self._failing = True
        LOGGER.error(
            "Could not save the runs of %s (%s). Runs go on and are reported; but if Home "
            "Assistant stops without a clean stop before a save succeeds, runs in flight may not "
            "be followed after it starts again, and results may be forgotten or reported twice",
            self._entry.title,
            error,
        )

    async def async_remove(self) -> None:
        """Forget everything kept (the entry is removed)."""
        await self._store.async_remove()
