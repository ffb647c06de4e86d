"""What each action's entities show of its runs, and who hears of a change."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from homeassistant.core import CALLBACK_TYPE, callback

from .wwgo import RunResult

type RunListener = Callable[[RunResult], None]


@dataclass(frozen=True, slots=True)
class ActionRuns:
    """What an action's entities show: its newest run and its last finished one."""

    run: RunResult | None = None
    result: RunResult | None = None


NO_RUNS = ActionRuns()


class RunBoard:
    """Each action's runs as its entities show them; listeners hear of every change, in order."""

    def __init__(self, changed: Callable[[], None]) -> None:
        """`changed` is told after every change (to keep it across a restart)."""
        self._by_action: dict[str, ActionRuns] = {}
        self._listeners: defaultdict[str, list[RunListener]] = defaultdict(list)
        self._changed = changed

    def get(self, action_id: str) -> ActionRuns:
        """The action's runs as shown."""
        return self._by_action.get(action_id, NO_RUNS)

    def items(self) -> Iterable[tuple[str, ActionRuns]]:
        """Every action's runs as shown."""
        return self._by_action.items()

    @property
    def results(self) -> dict[str, RunResult]:
        """Every action's last finished run."""
        return {key: runs.result for key, runs in self._by_action.items() if runs.result}

    def restore(self, results: Mapping[str, RunResult], running: Iterable[RunResult]) -> None:
        """Show the last results, and the runs in flight, from before a restart."""
        for action_id, result in results.items():
            self._by_action[action_id] = ActionRuns(result, result)
        for run in running:
            self._by_action[run.action_id] = ActionRuns(run, self.get(run.action_id).result)

    @callback
    def run_changed(self, result: RunResult, newer: RunResult | None = None) -> None:
        """Show a run's new state on its action's entities, and only on those.

        `newer` is the action's newer run under way, if any: once this one is shown finished,
        the run state follows that one again.
        """
        action_id = result.action_id
        runs = ActionRuns(result, result if result.finished else self.get(action_id).result)
        self._show(runs, result)
        if result.finished and newer is not None:
            self._show(ActionRuns(newer, runs.result), newer)

    def _show(self, runs: ActionRuns, result: RunResult) -> None:
        self._by_action[result.action_id] = runs
        self._changed()
        for listener in list(self._listeners[result.action_id]):
            listener(result)

    def forget(self, keep: Iterable[str]) -> list[str]:
        """Forget the actions not in `keep`; return them."""
        gone = set(self._by_action) - set(keep)
        for action_id in gone:
            del self._by_action[action_id]
        return sorted(gone)

    @callback
    def add_listener(self, action_id: str, listener: RunListener) -> CALLBACK_TYPE:
        """Hear of every change of the action's runs, in order."""
        self._listeners[action_id].append(listener)

        @callback
        def remove() -> None:
            self._listeners[action_id].remove(listener)

        return remove
