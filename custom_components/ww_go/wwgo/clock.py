"""What the run engine runs on: a device to talk to, and clocks with timers and tasks."""

import asyncio
from collections.abc import Callable, Coroutine, Iterable
import time
from typing import Any, Protocol

from .models import RequestStatus


class DeviceApi(Protocol):
    """What the engine needs of a device: `WwGoClient` is one."""

    async def call(self, action_id: str) -> tuple[int, ...]:
        """Queue a run of the action; its status IDs."""

    async def statuses(self, ids: Iterable[int]) -> dict[int, RequestStatus]:
        """The statuses of these IDs the device still holds."""


class Scheduler(Protocol):
    """The engine's clocks, timers and background tasks."""

    def now(self) -> float:
        """Seconds, on a clock that only moves forward: what timeouts and reads are timed by."""

    def wall(self) -> float:
        """Seconds since the epoch: what outcomes are stamped with, and what a snapshot keeps."""

    def call_later(self, delay: float, callback: Callable[[], None]) -> Callable[[], None]:
        """Run `callback` after `delay` seconds; return what cancels it."""

    def create_task(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run `coro` in the background."""


class LoopScheduler:
    """The running event loop's clock and timers."""

    def __init__(self) -> None:
        """Use the loop running now."""
        self._loop = asyncio.get_running_loop()

    def now(self) -> float:
        """The loop's monotonic clock."""
        return self._loop.time()

    def wall(self) -> float:
        """The system's clock."""
        return time.time()

    def call_later(self, delay: float, callback: Callable[[], None]) -> Callable[[], None]:
        """A loop timer."""
        return self._loop.call_later(delay, callback).cancel

    def create_task(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """A loop task."""
        return self._loop.create_task(coro, name=name)
