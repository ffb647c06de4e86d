"""What each action's entities show of its runs, and which entities listen to which action."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Final

from homeassistant.core import CALLBACK_TYPE, callback

from .const import LOGGER
from .wwgo import Outcome, Run, RunHandle, StartedBy

type ActionListener = Callable[[Run], None]

# Successive runs of an action end at least this many seconds apart, as kept and shown.
END_STEP: Final = 0.001


@dataclass(frozen=True, slots=True)
class ActionRuns:
    """What an action's entities show: its newest run, and its last ended one."""

    newest: Run | None = None
    ended: Run | None = None

    @property
    def outcome(self) -> Outcome | None:
        """How the last ended run ended."""
        return None if self.ended is None else self.ended.outcome


NO_RUNS = ActionRuns()


def after(last: Run | None, run: Run) -> Run:
    """An ended run, ending at least `END_STEP` after its action's last run.

    Runs that end together (a reboot's expiry) then each show their own time, which is what the
    run event's state is, to the millisecond: a state trigger sees every one.
    """
    if run.outcome is None or last is None or last.outcome is None:
        return run
    earliest = last.outcome.ended_at + END_STEP
    if run.outcome.ended_at >= earliest:
        return run
    return replace(run, outcome=replace(run.outcome, ended_at=earliest))


class RunView:
    """Each action's runs as its entities show them; a run shown reaches only its action's."""

    def __init__(self) -> None:
        """Nothing shown yet."""
        self._actions: dict[str, ActionRuns] = {}
        # The runs under way each action shows, oldest first.
        self._under_way: defaultdict[str, dict[RunHandle, Run]] = defaultdict(dict)
        self._listeners: defaultdict[str, list[ActionListener]] = defaultdict(list)

    def get(self, action_id: str) -> ActionRuns:
        """What the action's entities show."""
        return self._actions.get(action_id, NO_RUNS)

    def started_by(self, action_id: str) -> StartedBy | None:
        """Who started the action's run under way, if one is."""
        under_way = self._under_way.get(action_id)
        return next(reversed(under_way.values())).started_by if under_way else None

    def restore(self, last_runs: Mapping[str, Run], in_flight: Iterable[RunHandle]) -> None:
        """Show what was shown before a restart: each action's last run, and those in flight."""
        self._actions.update({key: ActionRuns(run, run) for key, run in last_runs.items()})
        for handle in in_flight:
            action_id = handle.action_id
            self._under_way[action_id][handle] = handle.run
            self._actions[action_id] = ActionRuns(handle.run, last_runs.get(action_id))

    @callback
    def async_add_listener(self, action_id: str, listener: ActionListener) -> CALLBACK_TYPE:
        """Hear of every change of the action's runs, in order."""
        self._listeners[action_id].append(listener)

        @callback
        def remove() -> None:
            self._listeners[action_id].remove(listener)

        return remove

    def show(self, handle: RunHandle, run: Run) -> None:
        """Show the run; once it ended, the action shows its newest run under way again."""
        action_id = run.action_id
        under_way = self._under_way[action_id]
        if run.outcome is None:
            under_way[handle] = run
            self._set(action_id, ActionRuns(run, self.get(action_id).ended), run)
            return
        under_way.pop(handle, None)
        self._set(action_id, ActionRuns(run, run), run)
        if under_way:
            newest = next(reversed(under_way.values()))
            self._set(action_id, ActionRuns(newest, run), newest)

    def forget(self, action_id: str) -> None:
        """The action left the device: nothing of it is shown any more."""
        self._actions.pop(action_id, None)
        self._under_way.pop(action_id, None)

    def states(self) -> dict[str, str]:
        """The run state each action shows."""
        return {
            key: runs.newest.state.value
            for key, runs in self._actions.items()
            if runs.newest is not None
        }

    def _set(self, action_id: str, runs: ActionRuns, run: Run) -> None:
        self._actions[action_id] = runs
        for listener in list(self._listeners[action_id]):
            try:
                listener(run)
            except Exception:  # noqa: BLE001 - logged with its traceback
                # One entity's fault must not cost the others, or the next runs, their reports.
                LOGGER.exception("Error showing a run of action %s", action_id)
