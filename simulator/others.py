"""Other clients of the emulated device: each runs one action periodically, as a script would."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
import contextlib

from .device import Device, DeviceError
from .scenario import OtherClient

Sleep = Callable[[float], Awaitable[None]]


class OtherClients:
    """Run each other client's action on its schedule until closed.

    A run the device refuses (still running, busy, gone from the actions) is skipped: the client
    tries again at its next turn. ``sleep`` waits between runs (``asyncio.sleep``).
    """

    def __init__(
        self, device: Device, others: Iterable[OtherClient], *, sleep: Sleep = asyncio.sleep
    ) -> None:
        """Run ``others`` on ``device``, once started."""
        self._device = device
        self._others = tuple(others)
        self._sleep = sleep
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def others(self) -> tuple[OtherClient, ...]:
        """The other clients, in their order."""
        return self._others

    @property
    def running(self) -> bool:
        """Whether any other client is still at work."""
        return any(not task.done() for task in self._tasks)

    def start(self) -> None:
        """Set every other client going on the running event loop."""
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._run(other), name=f"WW Go other client of {other.action_id}")
            for other in self._others
        ]

    async def _run(self, other: OtherClient) -> None:
        await self._sleep(other.first_delay)
        while True:
            # A refused run is what a real client would see too: it simply tries again later.
            with contextlib.suppress(DeviceError):
                self._device.call_as_other(other.action_id)
            await self._sleep(other.every)

    async def aclose(self) -> None:
        """Stop every other client and wait until they have stopped; the runs they began go on."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
