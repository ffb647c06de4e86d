"""One run in the engine's care, from its call (or from when it was found) to its outcome."""

from collections.abc import Collection
from dataclasses import dataclass, field, replace

from .models import RequestStatus
from .run import Outcome, Run, StartedBy


@dataclass(eq=False, slots=True)
class RunHandle:
    """A run as the engine follows it: what its caller holds, and what the tracker reads.

    `run` is the run as last reported; the rest is what the reads found so far.
    """

    action_id: str
    started_by: StartedBy = StartedBy.HOME_ASSISTANT
    run: Run = field(init=False)
    # Given when the device accepted the run.
    status_ids: tuple[int, ...] = ()
    # On the engine's steady clock: when the device accepted it, and when a read last asked.
    accepted_at: float = 0.0
    read_at: float | None = None
    # When the device accepted it, in seconds since the epoch (what the run shows).
    accepted_wall: float | None = None
    # Accepted before Home Assistant (re)started: a lost result was lost while it was down.
    restored: bool = False
    statuses: dict[int, RequestStatus] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """A run not accepted yet: queued."""
        self.run = Run(self.action_id, started_by=self.started_by)

    @classmethod
    def of(cls, run: Run) -> RunHandle:
        """The handle of a run kept across a restart."""
        handle = cls(run.action_id, run.started_by, accepted_wall=run.accepted_at)
        handle.run = run
        return handle

    def accept(
        self, status_ids: Collection[int], now: float, wall: float, *, restored: bool = False
    ) -> Run:
        """The device accepted the run (at `wall`, or at the time it kept when `restored`)."""
        self.status_ids = tuple(sorted(set(status_ids)))
        self.accepted_at = now
        self.restored = restored
        if not (restored and self.accepted_wall is not None):
            self.accepted_wall = wall
        return self.current()

    def pending(self) -> list[int]:
        """Status IDs without a final status yet."""
        return [
            status_id
            for status_id in self.status_ids
            if status_id not in self.statuses or not self.statuses[status_id].state.final
        ]

    def current(self, outcome: Outcome | None = None) -> Run:
        """The run as the reads so far found it, or ended with `outcome`."""
        requests = tuple(self.statuses[i] for i in self.status_ids if i in self.statuses)
        return replace(
            self.run,
            status_ids=self.status_ids,
            requests=requests,
            outcome=outcome,
            accepted_at=self.accepted_wall,
        )

    def update(self, run: Run) -> bool:
        """The run as it is now reported; whether its state changed."""
        changed = run.state is not self.run.state
        self.run = run
        return changed
