"""Typed models of what the device answers: its actions, and the status of one request."""

from collections.abc import Iterable, Mapping, Set as AbstractSet
from dataclasses import asdict, dataclass
from typing import Any

from .codes import RunState, describe, request_state


@dataclass(frozen=True, slots=True)
class ActionDefinition:
    """An action the device holds."""

    id: str
    name: str | None = None
    enabled: bool = True
    request_count: int | None = None

    @property
    def runnable(self) -> bool:
        """Whether the device would run it: enabled, and not every request disabled."""
        return self.enabled and self.request_count != 0

    def as_json(self) -> dict[str, Any]:
        """The action as JSON."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> ActionDefinition:
        """An action from `as_json` of any release.

        A key it lacks takes its default, one it does not know is ignored. Raises KeyError,
        TypeError or ValueError for what is no action.
        """
        name, count = data.get("name"), data.get("request_count")
        return cls(
            str(data["id"]),
            None if name is None else str(name),
            bool(data.get("enabled", True)),
            None if count is None else int(count),
        )


@dataclass(frozen=True, slots=True)
class ActionList:
    """The device's action list, with whatever it says about itself."""

    actions: tuple[ActionDefinition, ...]
    device_id: str | None = None
    device_name: str | None = None
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None


@dataclass(frozen=True, slots=True)
class RequestStatus:
    """One status entry: the result of one request of a run."""

    action_id: str
    id: int
    code: int
    exe_time: float

    @property
    def state(self) -> RunState:
        """Running, success or failure."""
        return request_state(self.code, self.exe_time)

    @property
    def description(self) -> str:
        """The result code in words."""
        return describe(self.code, self.exe_time)


def follow_list(
    listed: Iterable[ActionDefinition],
    previous: Mapping[str, ActionDefinition],
    missing: AbstractSet[str],
) -> tuple[dict[str, ActionDefinition], frozenset[str]]:
    """The actions after a new action list, and those it misses for the first time.

    One odd answer deletes nothing: an action goes when two lists in a row miss it. `previous`
    are the actions before this list, `missing` those the previous list had already missed.
    """
    actions = {action.id: action for action in listed}
    kept = {
        action_id: action
        for action_id, action in previous.items()
        if action_id not in actions and action_id not in missing
    }
    return {**actions, **kept}, frozenset(kept)
