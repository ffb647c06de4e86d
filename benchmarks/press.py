"""How long a press takes to tell the truth, and whether presses wait for each other.

Run with::

    scripts/run python -m pytest benchmarks/press.py --no-cov -p no:randomly -q -s

The integration in Home Assistant's test harness, against the emulated device on 127.0.0.1, on the
event loop's own clock (the device records when each request finished on it):

1. latency: an action whose runs last 1.3 s each time is pressed 30 times, each press 0.2 s after
   the previous one returned. For each run (the first left out: its duration is not known yet):
   from the device finishing it to its run state showing the result, and to its press returning.
2. side by side: two actions of 3 s (each run once before) pressed at the same moment, the time
   until both presses have returned: ours (presses of different actions wait side by side) and one
   press at a time (the button platform's PARALLEL_UPDATES = 1). The device also tells whether the
   two runs were going at once.
"""

import asyncio
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass
import statistics
from typing import Final

from aiohttp.test_utils import TestServer
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ww_go import button
from custom_components.ww_go.const import DOMAIN
from simulator import ActionDefinition, Device, RequestDefinition, create_app

LOOPBACK: Final = "127.0.0.1"
PRESSES: Final = 30
STABLE: Final = 1.3
LONG: Final = 3.0
PAUSE: Final = 0.2


@dataclass(frozen=True, slots=True)
class Latency:
    """Seconds from the device finishing each run to its result shown, and to its press back."""

    shown: list[float]
    returned: list[float]

    @staticmethod
    def p(values: list[float], share: float) -> float:
        """The `share` quantile."""
        return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


@dataclass(frozen=True, slots=True)
class SideBySide:
    """Two presses made at once: how long until both were back, and whether they waited together."""

    seconds: float
    runs_at_once: int
    """The most of the two runs the device had going at once: 2 when the presses waited side by
    side, 1 when one press waited for the other to be back."""


class _Device(Device):
    """The emulated device, keeping the most runs it had going at once since `recount`."""

    def __init__(self, actions: list[ActionDefinition]) -> None:
        super().__init__(actions, first_status_id=1, status_rate=0)
        self.runs_at_once = 0

    def call(self, action_id: str) -> list[int]:
        status_ids = super().call(action_id)
        running = sum(self.is_running(action.id) for action in self.actions)
        self.runs_at_once = max(self.runs_at_once, running)
        return status_ids

    def recount(self) -> None:
        """Count from now on."""
        self.runs_at_once = 0


@contextlib.asynccontextmanager
async def _integration(
    hass: HomeAssistant, actions: list[ActionDefinition], *, parallel_updates: int | None = None
) -> AsyncIterator[_Device]:
    """The integration set up against an emulated device holding `actions`.

    `parallel_updates` replaces the button platform's PARALLEL_UPDATES (None: as it ships).
    """
    device = _Device(actions)
    server = TestServer(create_app(device), host=LOOPBACK)
    await server.start_server()
    entry = MockConfigEntry(
        domain=DOMAIN, title="WW Go", version=2, data={"host": f"{LOOPBACK}:{server.port}"}
    )
    shipped = button.PARALLEL_UPDATES
    if parallel_updates is not None:
        button.PARALLEL_UPDATES = parallel_updates  # read when the platform is set up
    entry.add_to_hass(hass)
    try:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        yield device
    finally:
        button.PARALLEL_UPDATES = shipped
        await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
        await server.close()
        await device.aclose()


async def _press(hass: HomeAssistant, slug: str) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": f"button.ww_go_{slug}"}, blocking=True
    )


async def measure_latency(hass: HomeAssistant, presses: int = PRESSES) -> Latency:
    """Press an action of stable duration again and again."""
    action = ActionDefinition("a", "Stable", (RequestDefinition("http", 200, STABLE),))
    async with _integration(hass, [action]) as device:
        shown_at: dict[int, float] = {}

        @callback
        def record(changed: Event[EventStateChangedData]) -> None:
            new = changed.data["new_state"]
            if changed.data["entity_id"] == "event.ww_go_stable_run" and new is not None:
                for status_id in new.attributes.get("status_ids", ()):
                    shown_at.setdefault(status_id, hass.loop.time())

        remove = hass.bus.async_listen(EVENT_STATE_CHANGED, record)
        shown: list[float] = []
        returned: list[float] = []
        for number in range(presses):
            await _press(hass, "stable")
            back = hass.loop.time()
            state = hass.states.get("event.ww_go_stable_run")
            assert state is not None
            [status_id] = state.attributes["status_ids"]
            finished = device.finished_at(status_id)
            assert finished is not None, "the press returned before the run ended"
            if number:  # the first run: its duration was not known yet
                shown.append(shown_at[status_id] - finished)
                returned.append(back - finished)
            await asyncio.sleep(PAUSE)
        remove()
        return Latency(shown, returned)


async def measure_side_by_side(
    hass: HomeAssistant, *, parallel_updates: int | None = None, seconds: float = LONG
) -> SideBySide:
    """Two presses of actions lasting `seconds`, made at once: the seconds until both have
    returned, and the most runs the device had going at once meanwhile.

    Each action has run once before, so that when its run ends is known.
    """
    actions = [
        ActionDefinition(key, key.title(), (RequestDefinition("http", 200, seconds),))
        for key in ("mixer", "feeder")
    ]
    async with _integration(hass, actions, parallel_updates=parallel_updates) as device:
        for slug in ("mixer", "feeder"):
            await _press(hass, slug)
        device.recount()
        started = hass.loop.time()
        await asyncio.gather(_press(hass, "mixer"), _press(hass, "feeder"))
        return SideBySide(hass.loop.time() - started, device.runs_at_once)


def format_report(latency: Latency, ours: SideBySide, one_at_a_time: SideBySide) -> str:
    """The two tables."""
    p = Latency.p
    shown, back = latency.shown, latency.returned
    both, one_by_one = ours.seconds, one_at_a_time.seconds
    return "\n".join(
        [
            f"WW Go press benchmark: Home Assistant's test harness, emulated device on {LOOPBACK}.",
            f"1. latency: {len(back)} runs of an action lasting {STABLE} s each time",
            f"   {'':36}{'shown':>10}{'press back':>12}{'back - shown':>14}",
            *(
                f"   {f'from the run ending, p{share * 100:.0f} (s)':36}{p(shown, share):>10.3f}"
                f"{p(back, share):>12.3f}{p(back, share) - p(shown, share):>14.3f}"
                for share in (0.5, 0.95)
            ),
            f"2. side by side: two {LONG:.0f}-s actions (each run once before) pressed at once",
            f"   {'':36}{'one at a time':>14}{'ours':>10}{'ratio':>8}",
            (
                f"   {'until both presses are back (s)':36}{one_by_one:>14.2f}{both:>10.2f}"
                f"{one_by_one / both:>8.2f}"
            ),
        ]
    )


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/."""


async def test_press(hass: HomeAssistant, socket_enabled: None) -> None:
    """Measure, and print the tables."""
    latency = await measure_latency(hass)
    one_at_a_time = await measure_side_by_side(hass, parallel_updates=1)
    ours = await measure_side_by_side(hass)
    print()
    print(format_report(latency, ours, one_at_a_time))
