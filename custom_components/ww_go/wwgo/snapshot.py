"""What a run engine keeps across a restart, and the format it is kept in.

The library owns this format: `EngineSnapshot.as_dict` writes it with its number, and `from_dict`
reads every format ever written. A field added to `Learnt` later needs nothing else: kept data
without it takes its default, and data from a later release with fields unknown here loads too.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
import logging
from typing import Any, Final

from . import codec
from .run import Run

LOGGER = logging.getLogger(__name__)

# The format `as_dict` writes. Raise it only for a change a reader of the previous one would get
# wrong, and add the step from the previous one to MIGRATIONS.
FORMAT: Final = 2


@dataclass(slots=True)
class Learnt:
    """What the engine learnt of the device, kept as it is."""

    # The newest status ID the device is known to have handed out.
    newest_id: int | None = None
    # Each action's last execution times, newest last.
    durations: dict[str, list[float]] = field(default_factory=dict)
    # How many status IDs each action's last call took.
    ids_per_call: dict[str, int] = field(default_factory=dict)
    # Every status ID up to this one is accounted for: read, ours, or gone; those after it may be
    # other clients' runs. None: where the device's IDs stand is not known.
    seen_up_to: int | None = None
    # Our own status IDs after it.
    own_ids: list[int] = field(default_factory=list)
    # Other clients' status IDs that left the device's window before they were read.
    unseen: int = 0


@dataclass(frozen=True, slots=True)
class EngineSnapshot:
    """The runs in flight, and what was learnt of the device and its actions."""

    runs: tuple[Run, ...] = ()
    learnt: Learnt = field(default_factory=Learnt)

    def as_dict(self) -> dict[str, Any]:
        """The snapshot as JSON, in today's format."""
        return {
            "format": FORMAT,
            "runs": [run.as_dict() for run in self.runs],
            "learnt": codec.dump(self.learnt),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EngineSnapshot:
        """A snapshot of any format ever written (or of a later one, as far as it is known).

        A run that cannot be read is left out, and logged; anything else that cannot be read
        raises KeyError, TypeError or ValueError.
        """
        data = dict(data)
        for version in range(int(data.get("format", 1)), FORMAT):
            data = MIGRATIONS[version](data)
        if not isinstance(runs := data.get("runs", []), list):
            raise TypeError(f"runs in flight are kept as a list, not {type(runs).__name__}")
        return cls(
            tuple(run for item in runs if (run := _run(item)) is not None),
            codec.load(Learnt, data.get("learnt", {})),
        )


def _run(data: Any) -> Run | None:
    try:
        run = Run.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        LOGGER.warning("A run in flight kept before the restart cannot be read (%s): %r", err, data)
        return None
    # A run kept in flight has status IDs to read and no outcome.
    return run if run.status_ids and not run.ended else None


def _from_format_1(old: dict[str, Any]) -> dict[str, Any]:
    """Format 1 kept runs in flight as their action, status IDs and acceptance in seconds."""
    runs = [
        {
            "action_id": run["action_id"],
            "status_ids": run["status_ids"],
            "accepted_at": datetime.fromtimestamp(float(run["accepted_at"]), UTC).isoformat(),
        }
        for run in old.get("in_flight", ())
    ]
    learnt = {key: old[key] for key in ("newest_id", "durations", "ids_per_call") if key in old}
    return {"format": 2, "runs": runs, "learnt": learnt}


# The step from each format to the next.
MIGRATIONS: Final[Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    1: _from_format_1,
}
