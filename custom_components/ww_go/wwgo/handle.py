"""A requested run, seen by whoever asked for it."""

import asyncio
from dataclasses import replace

from .run import Outcome, Run


class RunHandle:
    """One requested run, from queued to its outcome: what its caller waits on."""

    def __init__(self, run: Run) -> None:
        """Follow `run` (queued, or running when taken up after a restart)."""
        self.run = run
        # The run with its outcome, once it has one (or once nobody follows it any more).
        self.done: asyncio.Future[Run] = asyncio.get_running_loop().create_future()

    @property
    def action_id(self) -> str:
        """The action the run is of."""
        return self.run.action_id

    def update(self, run: Run) -> bool:
        """The run as it now stands; whether its state changed."""
        changed = run.state is not self.run.state
        self.run = run
        if run.ended and not self.done.done():
            self.done.set_result(run)
        return changed

    def unfollowed(self, outcome: Outcome) -> None:
        """Nobody follows the run any more: its caller gets `outcome`; the run itself goes on."""
        if not self.done.done():
            self.done.set_result(replace(self.run, outcome=outcome))
