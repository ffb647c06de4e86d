"""A requested run, seen by whoever asked for it."""

import asyncio

from .errors import WwGoError
from .models import RunResult, RunState


class RunHandle:
    """One requested run, from queued to its end: what a caller waits on."""

    def __init__(self, action_id: str) -> None:
        """Start queued."""
        self.action_id = action_id
        self.result = RunResult(action_id, RunState.QUEUED)
        self.done: asyncio.Future[RunResult] = asyncio.get_running_loop().create_future()
        # Why a queued run was refused when it was retried.
        self.error: WwGoError | None = None

    def settle(self, error: WwGoError | None = None) -> None:
        """The run has ended (its result is final), or nobody follows it any more (`error`)."""
        if self.done.done():
            return
        if error is None:
            self.done.set_result(self.result)
        else:
            self.done.set_exception(error)
            # Whether anyone waits or not, an abandoned run is no error to log.
            self.done.exception()
