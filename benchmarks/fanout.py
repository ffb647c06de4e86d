"""What one status read costs Home Assistant: entity writes and event-loop time, 1 and 200 actions.

Run with::

    scripts/run python -m pytest benchmarks/fanout.py --no-cov -p no:randomly -q -s

It sets the integration up in Home Assistant's test harness against the emulated device (served on
127.0.0.1), then presses one action again and again: each press is a read cycle (a call, then the
status read that ends the run). It counts the states written (changed or reported again) and the
event loop's CPU time per cycle, and the states written in an idle hour of health checks.

- ours: the integration as it ships: a read writes the entities of the action whose run changed.
- naive: the same integration with the coordinator's default way put back: every run transition
  and every health check wakes every entity of the device (`async_update_listeners`,
  `always_update`).

It also counts the writes of the integration's store: per read cycle (the run accepted and the
run ended are each on disk before they are shown), and per status read of a run still running
(none: reads change nothing worth a write).
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
import time
from typing import Any, Final
from unittest.mock import patch

from aiohttp.test_utils import TestServer
from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ww_go.const import DOMAIN
from custom_components.ww_go.runtime import WwGoRuntimeData
from simulator import ActionDefinition, Device, RequestDefinition, create_app

LOOPBACK: Final = "127.0.0.1"
ACTION_COUNTS: Final = (1, 200)
CYCLES: Final = 40
IDLE_MINUTES: Final = 60


@dataclass(frozen=True, slots=True)
class Cost:
    """What read cycles and an idle hour cost one approach with one number of actions."""

    actions: int
    writes_per_cycle: float
    cpu_ms_per_cycle: float
    writes_per_idle_hour: int
    # Writes of the integration's store per read cycle (a run called and ended).
    saves_per_cycle: float


class Saves:
    """Counts the writes of one entry's store while it is open."""

    def __init__(self, entry: MockConfigEntry) -> None:
        """Count the writes of `entry`'s store."""
        # The harness's storage stands in for the disk: its write is what is counted.
        key, write = f"{DOMAIN}.{entry.entry_id}", Store._async_write_data  # noqa: SLF001
        self.count = 0

        async def counted(store: Store[Any], data: dict[str, Any]) -> None:
            if store.key == key:
                self.count += 1
            await write(store, data)

        self._patch = patch.object(Store, "_async_write_data", counted)
        self._patch.start()

    def close(self) -> None:
        """Stop counting."""
        self._patch.stop()


class Writes:
    """Counts the states written while it is open."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Count on `hass`'s bus."""
        self.count = 0

        @callback
        def record(_: Event[Any]) -> None:
            self.count += 1

        @callback
        def every(_: object) -> bool:
            return True

        self._removers = [
            hass.bus.async_listen(kind, record, event_filter=every)
            for kind in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED)
        ]

    def close(self) -> None:
        """Stop counting."""
        for remove in self._removers:
            remove()


def _naive(runtime: WwGoRuntimeData) -> Callable[[], None]:
    """Put the coordinator's default back: every change wakes every entity."""
    coordinator = runtime.coordinator
    coordinator.always_update = True
    removers = [
        runtime.runs.view.async_add_listener(
            action_id, lambda _: coordinator.async_update_listeners()
        )
        for action_id in coordinator.data.actions
    ]

    def undo() -> None:
        for remove in removers:
            remove()

    return undo


async def _settle(hass: HomeAssistant, device: Device) -> None:
    """Let the device's runs end, and the reads and health checks under way be answered.

    Loop turns, not time: an exchange with the device on loopback needs a few turns only.
    """
    await device.wait_idle()
    for _ in range(3):
        for _ in range(10):
            await asyncio.sleep(0)
        await hass.async_block_till_done()


async def _advance(hass: HomeAssistant, seconds: float) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done()


async def saves_per_read(hass: HomeAssistant, seconds: int = 60) -> float:
    """Store writes per status read of a run still running (`seconds` of reads)."""
    device = Device(
        [ActionDefinition("long", "Long", (RequestDefinition("http", 200, 3600.0),))],
        first_status_id=1,
        status_rate=0,
    )
    server = TestServer(create_app(device), host=LOOPBACK)
    await server.start_server()
    entry = MockConfigEntry(domain=DOMAIN, version=2, data={"host": f"{LOOPBACK}:{server.port}"})
    entry.add_to_hass(hass)
    try:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        return await _saves_while_reading(hass, entry, device, seconds)
    finally:
        await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
        await server.close()
        await device.aclose()


async def _saves_while_reading(
    hass: HomeAssistant, entry: MockConfigEntry, device: Device, seconds: int
) -> float:
    await hass.services.async_call(
        DOMAIN,
        "call_action",
        {"config_entry_id": entry.entry_id, "action_id": "long", "wait": False},
        blocking=True,
    )
    await _advance(hass, 0)  # the run is shown running: its acceptance is on disk
    reads = device.stats()["requests"]["status"]
    saves = Saves(entry)
    for _ in range(seconds):
        await _advance(hass, 1)
    saves.close()
    read: int = device.stats()["requests"]["status"] - reads
    return saves.count / read


async def measure(
    hass: HomeAssistant,
    actions: int,
    *,
    naive: bool,
    cycles: int = CYCLES,
    idle_minutes: int = IDLE_MINUTES,
) -> Cost:
    """Set the integration up with `actions` actions and measure its cost."""
    device = Device(
        [
            ActionDefinition(f"a{n}", f"Action {n}", (RequestDefinition("http", 200, 0.001),))
            for n in range(actions)
        ],
        first_status_id=1,
        status_rate=0,
    )
    server = TestServer(create_app(device), host=LOOPBACK)
    await server.start_server()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="WW Go",
        unique_id=f"bench-{actions}-{naive}",
        data={"host": f"{LOOPBACK}:{server.port}"},
    )
    entry.add_to_hass(hass)
    try:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        runtime: WwGoRuntimeData = entry.runtime_data
        undo = _naive(runtime) if naive else (lambda: None)
        button = "button.ww_go_action_0"
        writes, cpu = 0, 0.0
        saves = Saves(entry)
        for _ in range(cycles):
            counted = Writes(hass)
            started = time.thread_time()
            await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
            await device.wait_idle()
            await _advance(hass, 2)
            await _settle(hass, device)
            cpu += time.thread_time() - started
            counted.close()
            writes += counted.count
        saves.close()
        idle = Writes(hass)
        device.reset_stats()
        for _ in range(idle_minutes):
            await _advance(hass, 61)
            await _settle(hass, device)  # the health check's answer, before time moves on
        idle.close()
        assert device.stats()["requests"]["actions"] == idle_minutes, "a health check a minute"
        undo()
        per_hour = round(idle.count * 60 / idle_minutes) if idle_minutes else 0
        return Cost(
            actions,
            writes / cycles,
            cpu * 1000 / cycles,
            per_hour,
            saves.count / cycles,
        )
    finally:
        # Removed, entities and all: the next measurement starts from an empty registry.
        await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
        await server.close()
        await device.aclose()


def format_report(costs: dict[str, list[Cost]], per_read: float) -> str:
    """The table, naive and ours side by side; `per_read`: store writes per status read."""
    rows: list[tuple[str, float, float, str]] = []
    for index, count in enumerate(ACTION_COUNTS):
        base, shipped = costs["naive"][index], costs["ours"][index]
        rows += [
            (
                f"state writes per read cycle, {count} action(s)",
                base.writes_per_cycle,
                shipped.writes_per_cycle,
                "{:.1f}",
            ),
            (
                f"event-loop CPU ms per cycle, {count} action(s)",
                base.cpu_ms_per_cycle,
                shipped.cpu_ms_per_cycle,
                "{:.2f}",
            ),
            (
                f"state writes per idle hour, {count} action(s)",
                base.writes_per_idle_hour,
                shipped.writes_per_idle_hour,
                "{:.0f}",
            ),
            (
                f"store writes per read cycle, {count} action(s)",
                base.saves_per_cycle,
                shipped.saves_per_cycle,
                "{:.1f}",
            ),
        ]
    header = (
        "WW Go fan-out benchmark: Home Assistant's test harness, emulated device on 127.0.0.1; "
        f"{CYCLES} read cycles (press, status read, run ends) and an idle hour per line."
    )
    lines = [header, f"   {'':48}{'naive':>10}{'ours':>10}{'naive/ours':>12}"]
    for label, naive, ours, fmt in rows:
        ratio = f"{naive / ours:.2f}" if ours else ("inf" if naive else "-")
        lines.append(f"   {label:48}{fmt.format(naive):>10}{fmt.format(ours):>10}{ratio:>12}")
    for name in ("naive", "ours"):
        few, many = costs[name]
        lines.append(
            f"   {name}: event-loop CPU per cycle, {many.actions} actions / {few.actions}: "
            f"{many.cpu_ms_per_cycle / few.cpu_ms_per_cycle:.2f}x"
        )
    lines.append(f"   store writes per status read of a run still running: {per_read:.2f}")
    return "\n".join(lines)


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/."""


async def test_fanout(hass: HomeAssistant, socket_enabled: None) -> None:
    """Measure both approaches with 1 and 200 actions, interleaved, and print the table."""
    costs: dict[str, list[Cost]] = {"naive": [], "ours": []}
    for count in ACTION_COUNTS:
        for name in ("naive", "ours"):
            costs[name].append(await measure(hass, count, naive=name == "naive"))
    per_read = await saves_per_read(hass)
    print()
    print(format_report(costs, per_read))
