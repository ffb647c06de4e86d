"""What following other clients' runs costs, and how soon their results are shown.

Run with::

    scripts/run python -m pytest benchmarks/others.py --no-cov -p no:randomly -q -s

Two devices, each emulated on 127.0.0.1, are set up side by side in one Home Assistant of the test
harness, on a frozen clock that the benchmark moves a second at a time (so the figures are the
same on any machine):

- following: the integration as it ships (the option `follow_others` on);
- own runs only: the same integration with the option off, as it was before it followed others.

Each device has run one action of Home Assistant's first (so that it knows where the device's
status IDs stand). Then, on both at once:

1. idle: an hour in which nothing runs: status requests a minute, state writes, store writes;
2. another client runs an action of 5 s, at a new moment of the minute each time: from the device
   finishing it to its run event in Home Assistant;
3. Home Assistant's own runs, 20 at once, then 10 one after another: status requests (following
   others must add none: their IDs ride along in the reads of runs in flight).
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
import contextlib
from dataclasses import dataclass, field
import statistics
from typing import Final

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed_exact,
)

from custom_components.ww_go.const import CONF_FOLLOW_OTHERS, DOMAIN
from simulator import ActionDefinition, Device, RequestDefinition, create_app

from .fanout import Saves

LOOPBACK: Final = "127.0.0.1"
WAYS: Final = ("following", "own runs only")
OTHER_RUN: Final = 5.0
MINUTE: Final = 60


@dataclass
class Side:
    """One device and its entry, and what its entities wrote."""

    way: str
    device: Device
    entry: MockConfigEntry
    # State writes of its entities; when each of its run events fired (loop time).
    writes: int = 0
    fired: list[float] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Cost:
    """What one way cost, and how soon it showed other clients' results."""

    way: str
    idle_status_per_minute: float
    idle_state_writes: int
    idle_store_writes: int
    # Seconds from the device finishing another client's run to its run event (None: never).
    delays: list[float | None]
    own_concurrent_status: int
    own_sequential_status: int

    @property
    def reported(self) -> int:
        """Other clients' runs reported."""
        return sum(delay is not None for delay in self.delays)

    def delay(self, share: float) -> float | None:
        """The `share` quantile of the delays; None unless every run was reported."""
        known = [delay for delay in self.delays if delay is not None]
        if not known or len(known) < len(self.delays):
            return None
        if share >= 1:
            return max(known)
        return statistics.quantiles(known, n=100, method="inclusive")[round(share * 100) - 1]


class Bench:
    """Both sides in one Home Assistant, on one frozen clock."""

    def __init__(self, hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
        """Nothing set up yet."""
        self.hass = hass
        self.freezer = freezer
        self.sides: list[Side] = []

    async def tick(self, seconds: int = 1) -> None:
        """Let `seconds` pass, a second at a time, and what came due run (loopback HTTP too)."""
        for _ in range(seconds):
            self.freezer.tick(1)
            async_fire_time_changed_exact(self.hass)
            for _ in range(3):
                for _ in range(20):
                    await asyncio.sleep(0)
                await self.hass.async_block_till_done()

    async def call(self, action_id: str) -> None:
        """Run an action of Home Assistant's on both devices, as call_action does."""
        for side in self.sides:
            await self.hass.services.async_call(
                DOMAIN,
                "call_action",
                {"config_entry_id": side.entry.entry_id, "action_id": action_id, "wait": False},
                blocking=True,
            )

    async def until_idle(self) -> None:
        """Let time pass until both devices have finished, and their results are read."""
        while any(side.device.executing for side in self.sides):
            await self.tick()
        await self.tick(5)

    def status_requests(self) -> dict[str, int]:
        """Each side's status requests since its counters were zeroed; zero them."""
        counted = {side.way: side.device.stats()["requests"]["status"] for side in self.sides}
        for side in self.sides:
            side.device.reset_stats()
        return counted

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        """Count each side's state writes, and note when its run events fire."""
        registry = er.async_get(self.hass)
        entries = {side.entry.entry_id: side for side in self.sides}

        @callback
        def written(changed: Event[EventStateChangedData]) -> None:
            new, old = changed.data["new_state"], changed.data["old_state"]
            entity = registry.async_get(changed.data["entity_id"])
            if new is None or entity is None or entity.config_entry_id not in entries:
                return
            side = entries[entity.config_entry_id]
            side.writes += 1
            if entity.domain == "event" and old is not None and new.state != old.state:
                side.fired.append(self.hass.loop.time())

        stop = self.hass.bus.async_listen(EVENT_STATE_CHANGED, written)
        try:
            yield
        finally:
            stop()


@contextlib.asynccontextmanager
async def _sides(bench: Bench, concurrent: int) -> AsyncIterator[None]:
    servers: list[TestServer] = []
    actions = [
        ActionDefinition("gate", "Gate", (RequestDefinition("http", 200, OTHER_RUN),)),
        ActionDefinition("quick", "Quick", (RequestDefinition("http", 200, 0.2),)),
        *(
            ActionDefinition(f"a{n}", f"Action {n}", (RequestDefinition("http", 200, 3.0),))
            for n in range(concurrent)
        ),
    ]
    try:
        for index, way in enumerate(WAYS):
            device = Device(actions, first_status_id=1000, status_rate=0)
            server = TestServer(create_app(device), host=LOOPBACK)
            await server.start_server(access_log=None)
            servers.append(server)
            entry = MockConfigEntry(
                domain=DOMAIN,
                title=way,
                unique_id=f"others-{index}",
                data={"host": f"{LOOPBACK}:{server.port}"},
                options={CONF_FOLLOW_OTHERS: way == "following"},
            )
            entry.add_to_hass(bench.hass)
            assert await bench.hass.config_entries.async_setup(entry.entry_id)
            await bench.hass.async_block_till_done()
            bench.sides.append(Side(way, device, entry))
        yield
    finally:
        for side in bench.sides:
            await bench.hass.config_entries.async_remove(side.entry.entry_id)
        await bench.hass.async_block_till_done()
        for server in servers:
            await server.close()
        for side in bench.sides:
            await side.device.aclose()


async def measure(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    *,
    idle_minutes: int = 60,
    other_runs: int = 12,
    concurrent: int = 20,
    sequential: int = 10,
) -> list[Cost]:
    """Both ways side by side; their costs, in the order of `WAYS`."""
    bench = Bench(hass, freezer)
    async with _sides(bench, concurrent):
        await bench.call("quick")  # where each device's IDs stand
        await bench.until_idle()
        await bench.tick(MINUTE + 1)

        # 1. An idle hour.
        bench.status_requests()
        saves = [Saves(side.entry) for side in bench.sides]
        with bench.watching():
            await bench.tick(idle_minutes * MINUTE)
        for saved in reversed(saves):  # patches undone in the reverse order of their making
            saved.close()
        idle = bench.status_requests()
        idle_writes = {side.way: side.writes for side in bench.sides}

        # 2. Another client's runs, each at a new moment of the minute.
        delays: dict[str, list[float | None]] = {side.way: [] for side in bench.sides}
        with bench.watching():
            for run in range(other_runs):
                await bench.tick(run * 7 % MINUTE)
                ids = [side.device.call_as_other("gate") for side in bench.sides]
                await bench.tick(int(OTHER_RUN) + MINUTE + 5)
                for side, status_ids in zip(bench.sides, ids, strict=True):
                    finished = side.device.finished_at(status_ids[-1])
                    assert finished is not None
                    shown = [at - finished for at in side.fired if at >= finished]
                    delays[side.way].append(shown[0] if shown else None)
                    side.fired.clear()

        # 3. Home Assistant's own runs: at once, then one after another.
        bench.status_requests()
        for n in range(concurrent):
            await bench.call(f"a{n}")
        await bench.until_idle()
        at_once = bench.status_requests()
        for _ in range(sequential):
            await bench.call("quick")
            await bench.until_idle()
        one_by_one = bench.status_requests()

        return [
            Cost(
                side.way,
                idle[side.way] / idle_minutes,
                idle_writes[side.way],
                saved.count,
                delays[side.way],
                at_once[side.way],
                one_by_one[side.way],
            )
            for side, saved in zip(bench.sides, saves, strict=True)
        ]


def format_report(costs: list[Cost], *, idle_minutes: int = 60) -> str:
    """The table, both ways side by side."""
    following, own = costs

    def delay(cost: Cost, share: float) -> str:
        value = cost.delay(share)
        return f"{value:.1f}" if value is not None else f"{cost.reported}/{len(cost.delays)} shown"

    rows = [
        ("status requests per idle minute", "idle_status_per_minute", "{:.2f}"),
        (f"state writes in {idle_minutes} idle minutes", "idle_state_writes", "{:.0f}"),
        (f"store writes in {idle_minutes} idle minutes", "idle_store_writes", "{:.0f}"),
        ("status requests, 20 own runs at once", "own_concurrent_status", "{:.0f}"),
        ("status requests, 10 own runs in turn", "own_sequential_status", "{:.0f}"),
    ]
    lines = [
        (
            "WW Go following other clients' runs: two emulated devices side by side on "
            "127.0.0.1, Home Assistant's test harness, a frozen clock moved a second at a time."
        ),
        f"   {'':56}{'following':>14}{'own runs only':>16}",
    ]
    for label, name, fmt in rows:
        ours, theirs = (fmt.format(getattr(cost, name)) for cost in (following, own))
        lines.append(f"   {label:56}{ours:>14}{theirs:>16}")
    for label, share in (
        ("another client's 5-s run, its end to its run event, p50 (s)", 0.5),
        ("another client's 5-s run, its end to its run event, max (s)", 1.0),
    ):
        lines.append(f"   {label:56}{delay(following, share):>14}{delay(own, share):>16}")
    return "\n".join(lines)


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/."""


async def test_others(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, socket_enabled: None
) -> None:
    """Measure both ways side by side, and print the table."""
    costs = await measure(hass, freezer)
    print()
    print(format_report(costs))
