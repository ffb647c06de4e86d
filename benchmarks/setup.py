"""How long Home Assistant takes to set WW Go devices up: 10 devices of 200 actions each.

Run with::

    scripts/run python -m pytest benchmarks/setup.py --no-cov -p no:randomly -q -s

Ten emulated devices (served on 127.0.0.1) hold 200 actions each: 12,000 entities. Each round sets
the ten entries up at once, as Home Assistant does at start, and times it until Home Assistant is
idle, twice side by side:

- restored: every entry's store holds what the integration kept before (each action's last run,
  and the action list), as after a restart;
- fresh: no store, as the first time;
- floor: what Home Assistant itself spends on as many entities of the same platforms, each with
  the least an entity of a device has (a unique ID, a name, the device), from an integration that
  does nothing else: the cost no integration with these entities can go below.

The report gives the median of the rounds for each, and the ratios to the floor.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
import contextlib
from dataclasses import dataclass
import functools
import logging
import statistics
import time
from typing import Any, Final

from aiohttp.test_utils import TestServer
from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.button import ButtonEntity
from homeassistant.components.event import EventEntity
from homeassistant.components.sensor import SensorEntity
from homeassistant.config_entries import ConfigEntry, ConfigFlow
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    MockPlatform,
    mock_config_flow,
    mock_integration,
    mock_platform,
)

from custom_components.ww_go.const import DOMAIN
from custom_components.ww_go.store import STORAGE_MINOR_VERSION, STORAGE_VERSION, Kept
from custom_components.ww_go.wwgo import ActionDefinition, EngineSnapshot, Outcome, Run
from custom_components.ww_go.wwgo.models import RequestStatus
from simulator import ActionDefinition as DeviceAction, Device, RequestDefinition, create_app

LOOPBACK: Final = "127.0.0.1"
DEVICES: Final = 10
ACTIONS: Final = 200
ROUNDS: Final = 5
FLOOR: Final = "setup_floor"


@dataclass(frozen=True, slots=True)
class Timing:
    """The set-up times of one way, in seconds."""

    way: str
    seconds: list[float]

    @property
    def median(self) -> float:
        """The median of the rounds."""
        return statistics.median(self.seconds)


def _kept(actions: int) -> dict[str, Any]:
    """What a previous start kept: each action's last run, and the action list."""
    listed = {
        f"a{n}": ActionDefinition(f"a{n}", f"Action {n}", request_count=1) for n in range(actions)
    }
    last: dict[str, Run] = {}
    for n, action_id in enumerate(listed):
        requests = (RequestStatus(action_id, n + 1, 200, 0.1),)
        last[action_id] = Run(action_id, (n + 1,), requests, Outcome.of_requests(requests, 1.8e9))
    return Kept(EngineSnapshot(), last, listed).as_dict()


@contextlib.asynccontextmanager
async def _devices(count: int, actions: int) -> AsyncIterator[list[str]]:
    """`count` emulated devices of `actions` actions each; their host:port."""
    devices = [
        Device(
            [
                DeviceAction(f"a{n}", f"Action {n}", (RequestDefinition("http", 200, 0.1),))
                for n in range(actions)
            ],
            status_rate=0,
        )
        for _ in range(count)
    ]
    servers = [TestServer(create_app(device), host=LOOPBACK) for device in devices]
    for server in servers:
        await server.start_server()
    try:
        yield [f"{LOOPBACK}:{server.port}" for server in servers]
    finally:
        for server in servers:
            await server.close()
        for device in devices:
            await device.aclose()


class _Least(Entity):
    """The least an entity of a device has: a unique ID, a name, and its device."""

    _attr_has_entity_name = True

    def __init__(self, entry: ConfigEntry, key: str) -> None:
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_name = key
        self._attr_device_info = DeviceInfo(identifiers={(FLOOR, entry.entry_id)}, name="Floor")


class LeastButton(_Least, ButtonEntity):
    """A button that does nothing."""

    def press(self) -> None:
        """Nothing to do."""


class LeastEvent(_Least, EventEntity):
    """An event that never fires."""

    def __init__(self, entry: ConfigEntry, key: str) -> None:
        super().__init__(entry, key)
        self._attr_event_types = ["success", "failure"]


class LeastBinarySensor(_Least, BinarySensorEntity):
    """A binary sensor that knows nothing."""


class LeastSensor(_Least, SensorEntity):
    """A sensor that knows nothing."""


# The entities of an action, per platform, as the integration makes them.
PER_ACTION: Final[dict[Platform, type[_Least]]] = {
    Platform.BINARY_SENSOR: LeastBinarySensor,
    Platform.BUTTON: LeastButton,
    Platform.EVENT: LeastEvent,
    Platform.SENSOR: LeastSensor,
}
SENSORS_PER_ACTION: Final = 3


class FloorFlow(ConfigFlow):
    """The floor's entries are made by the benchmark, at the integration's version."""

    VERSION = 2


def mock_floor(hass: HomeAssistant, actions: int) -> None:
    """An integration that makes the same entities as WW Go, and nothing else."""

    async def setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
        await hass.config_entries.async_forward_entry_setups(entry, list(PER_ACTION))
        return True

    async def unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
        return await hass.config_entries.async_unload_platforms(entry, list(PER_ACTION))

    # A custom integration, as WW Go is: Home Assistant 2026.11 refuses a boolean from a core
    # integration's async_setup_entry, which releases before 2026.11 still require.
    mock_integration(
        hass,
        MockModule(FLOOR, async_setup_entry=setup_entry, async_unload_entry=unload_entry),
        built_in=False,
    )
    mock_platform(hass, f"{FLOOR}.config_flow", None)
    for platform, base in PER_ACTION.items():
        count = SENSORS_PER_ACTION if platform is Platform.SENSOR else 1

        mock_platform(
            hass,
            f"{FLOOR}.{platform}",
            MockPlatform(async_setup_entry=functools.partial(_add_floor, base, actions * count)),
        )


async def _add_floor(
    kind: type[_Least],
    count: int,
    hass: HomeAssistant,
    entry: ConfigEntry,
    add: AddConfigEntryEntitiesCallback,
) -> None:
    add(kind(entry, f"{kind.__name__}_{n}") for n in range(count))


async def measure(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    hosts: list[str],
    actions: int,
    *,
    way: str,
) -> float:
    """Set every device's entry up at once; the seconds until Home Assistant is idle."""
    floor = way == "floor"
    entries = [
        MockConfigEntry(
            domain=FLOOR if floor else DOMAIN,
            title=f"WW Go {number}",
            version=2,
            entry_id=f"bench{number:021d}",
            data={"host": host},
        )
        for number, host in enumerate(hosts)
    ]
    for entry in entries:
        if way == "restored":
            key = f"{DOMAIN}.{entry.entry_id}"
            hass_storage[key] = {
                "version": STORAGE_VERSION,
                "minor_version": STORAGE_MINOR_VERSION,
                "key": key,
                "data": _kept(actions),
            }
        entry.add_to_hass(hass)
    try:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(hass.config_entries.async_setup(entry.entry_id) for entry in entries)
        )
        await hass.async_block_till_done()
        seconds = time.perf_counter() - started
        assert all(results)
        assert len(hass.states.async_entity_ids()) == len(entries) * actions * 6
        return seconds
    finally:
        # Removed, entities and stores too: the next set-up starts from empty registries.
        for entry in entries:
            await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()


async def run(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    *,
    devices: int = DEVICES,
    actions: int = ACTIONS,
    rounds: int = ROUNDS,
) -> list[Timing]:
    """Every way, taking turns round by round."""
    timings = {way: Timing(way, []) for way in ("fresh", "restored", "floor")}
    mock_floor(hass, actions)
    with mock_config_flow(FLOOR, FloorFlow):
        # The integrations themselves are set up once; each round sets up their entries.
        for domain in (DOMAIN, FLOOR):
            assert await async_setup_component(hass, domain, {})
        async with _devices(devices, actions) as hosts:
            ways = list(timings)
            for number in range(rounds):
                # Each round starts with another way: none is always first, or always last.
                for way in ways[number % len(ways) :] + ways[: number % len(ways)]:
                    seconds = await measure(hass, hass_storage, hosts, actions, way=way)
                    timings[way].seconds.append(seconds)
    return list(timings.values())


def format_report(timings: list[Timing], devices: int = DEVICES, actions: int = ACTIONS) -> str:
    """The table: each way's median set-up time, and its ratio to the floor."""
    floor = timings[-1].median
    header = (
        f"WW Go set-up benchmark: {devices} devices x {actions} actions "
        f"({devices * actions * 6} entities), set up at once; median of "
        f"{len(timings[0].seconds)} rounds."
    )
    lines = [header, f"   {'':12}{'set-up until idle (s)':>24}{'/ floor':>10}"]
    lines += [
        f"   {timing.way:12}{timing.median:>24.2f}{timing.median / floor:>10.2f}"
        for timing in timings
    ]
    return "\n".join(lines)


@contextlib.contextmanager
def as_in_production(hass: HomeAssistant) -> Iterator[None]:
    """The event loop and logging as Home Assistant runs them, not as its test harness does.

    The harness runs the loop in debug mode (every future records the stack that made it) and
    logs at INFO (a line per entity registered): costs a user's Home Assistant does not pay.
    """
    debug, level = hass.loop.get_debug(), logging.root.level
    hass.loop.set_debug(False)
    logging.root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        hass.loop.set_debug(debug)
        logging.root.setLevel(level)


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/."""


async def test_setup(
    hass: HomeAssistant, hass_storage: dict[str, Any], socket_enabled: None
) -> None:
    """Measure both ways and print the table."""
    timings = await run(hass, hass_storage)
    print()
    print(format_report(timings))
