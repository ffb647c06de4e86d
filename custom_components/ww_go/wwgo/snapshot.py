"""What a run engine keeps across a restart, as JSON. Every time is in seconds since the epoch."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class KeptRun:
    """A run the device accepted and whose result was not read yet."""

    action_id: str
    status_ids: tuple[int, ...]
    accepted_at: float


@dataclass(frozen=True, slots=True)
class EngineSnapshot:
    """The runs in flight, the newest status ID, and what was learnt of each action."""

    in_flight: tuple[KeptRun, ...] = ()
    newest_id: int | None = None
    # Each action's last execution times, newest last.
    durations: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    # How many status IDs each action's last call took.
    ids_per_call: Mapping[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The snapshot as JSON."""
        return {
            "in_flight": [
                {**asdict(run), "status_ids": list(run.status_ids)} for run in self.in_flight
            ],
            "newest_id": self.newest_id,
            "durations": {key: list(times) for key, times in self.durations.items()},
            "ids_per_call": dict(self.ids_per_call),
        }

    @classmethod
    def from_json(cls, data: Any) -> EngineSnapshot:
        """A snapshot from `as_json`; raises KeyError, TypeError or ValueError for anything else."""
        return cls(
            in_flight=tuple(
                KeptRun(
                    str(run["action_id"]),
                    tuple(int(i) for i in run["status_ids"]),
                    float(run["accepted_at"]),
                )
                for run in data["in_flight"]
                if run["status_ids"]
            ),
            newest_id=None if data["newest_id"] is None else int(data["newest_id"]),
            durations={
                str(key): tuple(float(time) for time in times)
                for key, times in data["durations"].items()
            },
            ids_per_call={str(key): int(count) for key, count in data["ids_per_call"].items()},
        )
