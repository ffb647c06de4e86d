"""Load on the device, counted by the emulated device: idle, concurrent runs, a burst of presses."""

import asyncio
import itertools

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ww_go.wwgo.schedule import MIN_READ_GAP
from simulator import ActionDefinition, Device, RequestDefinition

from .conftest import advance, settle
from .helpers import start_run, states


def _many(count: int, duration: float) -> tuple[ActionDefinition, ...]:
    return tuple(
        ActionDefinition(f"a{n}", f"Action {n}", (RequestDefinition("http", 200, duration),))
        for n in range(count)
    )


@pytest.mark.parametrize("follow_others", [True, False], ids=["following", "own runs only"])
async def test_idle_sends_a_status_request_a_minute_at_most(
    hass: HomeAssistant, device: Device, config_entry: MockConfigEntry, follow_others: bool
) -> None:
    """Ten idle minutes: one action-list health check a minute, and one look for other
    clients' runs a minute (here: where the device's IDs stand); none without following."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={"follow_others": follow_others})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await settle(hass)
    device.reset_stats()
    for _ in range(10):
        await advance(hass, 60)
    requests = device.stats()["requests"]
    assert requests["status"] == (10 if follow_others else 0)
    assert requests["actions"] == 10


@pytest.mark.parametrize("actions", [_many(20, 3.0)])
@pytest.mark.parametrize("follow_others", [True, False], ids=["following", "own runs only"])
async def test_concurrent_runs_share_one_status_request(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    config_entry: MockConfigEntry,
    device: Device,
    follow_others: bool,
) -> None:
    """20 runs in flight: each cycle reads all of them in a single status request.

    Following other clients' runs adds no request: their IDs ride along, 40 at most in all. On a
    frozen clock, so that the 20 calls go out at one moment however slow the machine is.
    """
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={"follow_others": follow_others})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    device.reset_stats()
    for n in range(20):
        await start_run(hass, f"action_{n}")
    for _ in range(5):
        freezer.tick(1)
        await settle(hass)
    batches = device.stats()["status_ids_per_request"]
    assert batches, "the runs in flight were read"
    assert len(batches) <= 5
    for batch in batches:
        assert batch[:20] == list(range(100, 120))  # every run in flight, in one request
        assert len(batch) == (40 if follow_others else 20)  # and the IDs after them

    await device.wait_idle()
    await advance(hass, 1)
    assert {states(hass, f"action_{n}")["run_state"] for n in range(20)} == {"success"}
    device.reset_stats()
    freezer.tick(30)
    await advance(hass, 0)
    assert device.stats()["requests"]["status"] == 0  # the next look for others' runs: a minute on


@pytest.mark.parametrize("actions", [_many(45, 0.5)])
@pytest.mark.parametrize(("max_executing", "busy"), [(20, True), (100, False)])
async def test_burst_of_own_presses_never_expires_a_run(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    device: Device,
    config_entry: MockConfigEntry,
    max_executing: int,
    busy: bool,
) -> None:
    """45 presses at once; the device keeps 40 statuses; none is lost.

    With the device's limit of 20 requests it answers 429 and calls are retried; with a device that
    would take all 45 at once, our own calls would push the first results out of its window, so
    they wait for those to be read first. On a frozen clock, so that the 45 presses come at one
    moment however slow the machine is.
    """
    device.max_executing = max_executing
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    for n in range(45):
        await start_run(hass, f"action_{n}")
    for _ in range(120):
        freezer.tick(1)
        await settle(hass)
        run_states = {states(hass, f"action_{n}")["run_state"] for n in range(45)}
        if run_states <= {"success", "failure", "expired", "timeout"}:
            break
    assert run_states == {"success"}
    assert (device.stats()["call_rejected"]["429"] > 0) is busy
    assert device.stats()["requests"]["call"] >= 45


# A step of the test's clock while it watches status reads: a power of two, so that its multiples
# add up exactly; a quarter of a second is four steps.
READ_STEP = 1 / 16


def _loop_time() -> float:
    """The event loop's clock: the one the integration times its reads by."""
    return asyncio.get_running_loop().time()


@pytest.mark.parametrize("actions", [_many(45, 2.0)])
@pytest.mark.parametrize(
    "device_options", [{"status_rate": 10, "max_executing": 100, "clock": _loop_time}]
)
async def test_burst_stays_within_the_status_rate_limit(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    device: Device,
) -> None:
    """Calls held back for the window do not each read: the device never has to refuse a read.

    The clock is frozen and moved by the test in steps; the device counts its rate limit on it
    too. Every status request a step lets through came at that step's time.
    """
    for n in range(45):
        await start_run(hass, f"action_{n}")
    read_at: list[float] = []
    for step in range(1, 161):
        freezer.tick(READ_STEP)
        await settle(hass)
        read_at += [step * READ_STEP] * (device.stats()["requests"]["status"] - len(read_at))
        if {states(hass, f"action_{n}")["run_state"] for n in range(45)} == {"success"}:
            break
    else:
        pytest.fail("the 45 runs did not all succeed within 10 s")
    assert device.stats()["status_rejected"] == 0
    # Five held calls, yet reads stay a quarter of a second apart at least.
    assert len(read_at) > 1
    assert min(b - a for a, b in itertools.pairwise(read_at)) >= MIN_READ_GAP, read_at


SLOW_SEQUENCE = ActionDefinition(
    "seq",
    "Slow sequence",
    tuple(RequestDefinition("http", 200, 600.0) for _ in range(3)),
)


@pytest.mark.parametrize("actions", [(*_many(38, 600.0), SLOW_SEQUENCE)])
@pytest.mark.parametrize("device_options", [{"status_rate": 0, "max_executing": 100}])
@pytest.mark.usefixtures("init_integration")
async def test_first_call_of_a_multi_request_action_respects_the_window(
    hass: HomeAssistant, device: Device
) -> None:
    """Before its first run, the action list tells how many status IDs a call will take."""
    for n in range(38):
        await start_run(hass, f"action_{n}")
    await start_run(hass, "slow_sequence")
    assert states(hass, "slow_sequence")["run_state"] == "queued"  # 3 more IDs would evict one
    await advance(hass, 2)
    assert {states(hass, f"action_{n}")["run_state"] for n in range(38)} == {"running"}
