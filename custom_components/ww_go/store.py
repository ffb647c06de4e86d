"""What outlives a restart: runs in flight, what was learnt, each action's last result.

Saved with a delay after a change (never once per status read) and on unload; Home Assistant
writes a pending save when it stops.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER
from .wwgo import FINAL_STATES, RequestStatus, RunResult, RunState, RunTracker

STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 10.0


@dataclass(frozen=True, slots=True)
class InFlight:
    """A run the device accepted and whose result was not read yet."""

    action_id: str
    status_ids: tuple[int, ...]
    accepted_at: float


@dataclass(slots=True)
class Remembered:
    """Everything an entry keeps across a restart."""

    in_flight: list[InFlight] = field(default_factory=list)
    newest_id: int | None = None
    durations: dict[str, list[float]] = field(default_factory=dict)
    ids_per_call: dict[str, int] = field(default_factory=dict)
    results: dict[str, RunResult] = field(default_factory=dict)


def _result_json(result: RunResult) -> dict[str, Any]:
    data = asdict(result)
    data["requests"] = [asdict(request) for request in result.requests]
    return data


def _result(data: dict[str, Any]) -> RunResult:
    state = RunState(data["state"])
    if state not in FINAL_STATES:
        raise ValueError(f"not a finished run: {state}")
    return RunResult(
        action_id=str(data["action_id"]),
        state=state,
        status_ids=tuple(int(i) for i in data["status_ids"]),
        code=None if data["code"] is None else int(data["code"]),
        exe_time=None if data["exe_time"] is None else float(data["exe_time"]),
        description=None if data["description"] is None else str(data["description"]),
        requests=tuple(
            RequestStatus(str(r["action_id"]), int(r["id"]), int(r["code"]), float(r["exe_time"]))
            for r in data["requests"]
        ),
        finished_at=None if data["finished_at"] is None else float(data["finished_at"]),
    )


def _remembered(data: Any) -> Remembered:
    """Read the stored data; anything that does not fit raises (and the entry starts afresh)."""
    return Remembered(
        in_flight=[
            InFlight(
                str(run["action_id"]),
                tuple(int(i) for i in run["status_ids"]),
                float(run["accepted_at"]),
            )
            for run in data["in_flight"]
            if run["status_ids"]
        ],
        newest_id=None if data["newest_id"] is None else int(data["newest_id"]),
        durations={
            str(action_id): [float(time) for time in times]
            for action_id, times in data["durations"].items()
        },
        ids_per_call={str(key): int(value) for key, value in data["ids_per_call"].items()},
        results={str(key): _result(value) for key, value in data["results"].items()},
    )


class _VersionedStore(Store[dict[str, Any]]):
    """Version 1 is the first: any other version is one this integration cannot read."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        raise ValueError(f"stored as version {old_major_version}.{old_minor_version}")


class RunStore:
    """The store of one config entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """The store of the entry `entry_id`."""
        self._store = _VersionedStore(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}")
        self._pending = False

    async def async_load(self) -> Remembered:
        """What was kept; nothing when there is nothing, or when it cannot be read."""
        try:
            data = await self._store.async_load()
            return Remembered() if data is None else _remembered(data)
        except (HomeAssistantError, KeyError, TypeError, ValueError, AttributeError) as err:
            LOGGER.warning(
                "The runs and results kept for %s could not be read (%s); starting afresh",
                self._store.key,
                err,
            )
            return Remembered()

    @callback
    def async_save_later(self, snapshot: Callable[[], Remembered]) -> None:
        """Save what `snapshot()` returns at most `SAVE_DELAY` from now (or when HA stops).

        A save already planned is not put off by later changes: it takes them along.
        """
        if self._pending:
            return
        self._pending = True

        def data() -> dict[str, Any]:
            self._pending = False
            return _snapshot_json(snapshot())

        self._store.async_delay_save(data, SAVE_DELAY)

    async def async_save(self, remembered: Remembered) -> None:
        """Save now."""
        await self._store.async_save(_snapshot_json(remembered))

    async def async_remove(self) -> None:
        """Forget everything kept (the entry is removed)."""
        await self._store.async_remove()


def _snapshot_json(remembered: Remembered) -> dict[str, Any]:
    return {
        "in_flight": [asdict(run) for run in remembered.in_flight],
        "newest_id": remembered.newest_id,
        "durations": remembered.durations,
        "ids_per_call": remembered.ids_per_call,
        "results": {key: _result_json(result) for key, result in remembered.results.items()},
    }


def remembered_of(
    tracker: RunTracker, results: dict[str, RunResult], to_wall: Callable[[float], float]
) -> Remembered:
    """What to keep of a tracker and the last results; `to_wall` turns its moments into times."""
    return Remembered(
        in_flight=[
            InFlight(run.action_id, run.status_ids, to_wall(run.started))
            for run in tracker.in_flight.values()
        ],
        newest_id=tracker.newest_id,
        durations={key: list(times) for key, times in tracker.durations.items()},
        ids_per_call=dict(tracker.ids_per_call),
        results=dict(results),
    )
