"""Faults that overlap, the way a busy home breaks things: every run is reported, once.

Each test follows a sequence that left runs unreported: a reboot of the device with several runs
of one action in flight, and a run whose status reads keep failing and being refused.
"""

from collections import Counter
import contextlib
from dataclasses import dataclass, field
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError
from hypothesis import HealthCheck, example, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Answer, Device, DeviceError, RequestDefinition

from .conftest import ACTIONS, action, advance, finish_runs
from .helpers import event, run_events, start_run, states
from .restart import crashed

pytestmark = pytest.mark.usefixtures("init_integration")

HOME_EXAMPLES = 20
HOME_FUZZ_EXAMPLES = 500


@pytest.fixture
def actions() -> tuple[Any, ...]:
    """The usual actions, and one that runs 25 seconds."""
    return (*ACTIONS, action("filling", "Filling", RequestDefinition("http", 200, 25.0)))


def _runs(fired: list[State]) -> list[tuple[str, list[int]]]:
    """Each run event's type and status IDs."""
    return [(state.attributes["event_type"], state.attributes["status_ids"]) for state in fired]


async def test_a_reboot_with_several_runs_of_one_action_in_flight_reports_each(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    device: Device,
    init_integration: MockConfigEntry,
) -> None:
    fired = run_events(hass, "fast_http_request")
    device.faults.answer = Answer("status", 200, "not an answer")  # every status read fails
    for _ in range(3):
        await start_run(hass, "fast_http_request")
        await device.wait_idle()  # it ended on the device; Home Assistant cannot read it
        await advance(hass, 1)
    assert states(hass, "fast_http_request")["run_state"] == "unavailable"
    device.faults.answer = None
    device.faults.offline = True
    await advance(hass, 6)
    await device.reboot(first_status_id=1)  # the statuses went with it; IDs count from 1 again
    device.faults.offline = False

    await start_run(hass, "modbus_write")  # the first call after the reboot tells of it
    await finish_runs(hass, device)
    assert _runs(fired) == [("expired", [100]), ("expired", [101]), ("expired", [102])]
    assert event(hass, "fast_http_request").attributes["reason"] == "device_restarted"
    assert states(hass, "modbus_write")["run_state"] == "success"
    # Each run's event has its own time; the last one's is the same after a power cut.
    shown = event(hass, "fast_http_request").state
    async with crashed(hass, init_integration, hass_storage) as new:
        assert event(new, "fast_http_request").state == shown


async def test_a_run_whose_reads_keep_failing_is_read_once_the_device_answers(
    hass: HomeAssistant, device: Device, freezer: FrozenDateTimeFactory
) -> None:
    """A 25-s run: a malformed answer, 429s asking for 30 s, an offline spell, short 429s, a 500.

    Once the device answers again, the run is read at once: success, not a timeout.
    """
    fired = run_events(hass, "filling")
    await start_run(hass, "filling")
    for _ in range(5):
        freezer.tick(4)
        await advance(hass, 4)
    faults: list[tuple[str, dict[str, Any], int]] = [
        ("answer", {"answer": Answer("status", 200, "{")}, 1),
        ("answer", {"answer": Answer("status", 429, "", {"Retry-After": "30"})}, 5),
        ("offline", {"offline": True}, 1),
        ("answer", {"answer": Answer("status", 429, "", {"Retry-After": "1"})}, 7),
        ("answer", {"answer": Answer("status", 500, "")}, 1),
    ]
    for _, switches, rounds in faults:
        for _ in range(rounds):
            for name, value in switches.items():
                setattr(device.faults, name, value)
            freezer.tick(6)
            await advance(hass, 6)
        device.faults.answer = None
        device.faults.offline = False
    await device.wait_idle()  # the device finished long ago; it still holds the result
    for _ in range(2):  # the 500 asked for the usual 5 s of patience: read within 12 s
        freezer.tick(6)
        await advance(hass, 6)
    assert _runs(fired) == [("success", [100])]
    found = states(hass, "filling")
    assert (found["run_state"], found["result_code"]) == ("success", "200")


# A home on a slow machine: presses of a few actions while status reads are refused, fail or get
# no answer, reboots, other clients' bursts and runs, and a loop whose timers fire late.
SLUGS = ("fast_http_request", "failing_http_request", "modbus_write", "filling")
ACTION_IDS = ("1", "http_not_found", "modbus_write", "filling")
STATUS_FAULTS: dict[str, dict[str, Any]] = {
    "none": {},
    "malformed": {"answer": Answer("status", 200, "{")},
    "refused_30": {"answer": Answer("status", 429, "", {"Retry-After": "30"})},
    "refused_1": {"answer": Answer("status", 429, "", {"Retry-After": "1"})},
    "refused": {"answer": Answer("status", 429, "")},
    "server_error": {"answer": Answer("status", 500, "")},
    "offline": {"offline": True},
}
HOME = st.one_of(
    st.tuples(st.just("press"), st.sampled_from(SLUGS)),
    st.tuples(st.just("wait"), st.integers(1, 40)),
    st.tuples(st.just("fault"), st.sampled_from(list(STATUS_FAULTS))),
    st.tuples(st.just("reboot"), st.integers(0, 30)),
    st.tuples(st.just("external"), st.integers(1, 45)),
    st.tuples(st.just("other"), st.sampled_from(ACTION_IDS)),
    st.tuples(st.just("slow_loop"), st.sampled_from([1, 2, 3])),
)
# Status IDs: the device starts at FIRST_ID; each reboot BOOT_IDS lower (IDs stay positive).
FIRST_ID = 10**9
BOOT_IDS = 10**5
# The two sequences that once left runs unreported.
REBOOT_WITH_RUNS_OF_ONE_ACTION = [
    ("slow_loop", 2),
    ("fault", "malformed"),
    *[("press", "fast_http_request"), ("wait", 1)] * 3,
    ("press", "failing_http_request"),
    ("reboot", 27),
    ("press", "modbus_write"),
]
READS_FAILING_FOR_MINUTES = [
    ("slow_loop", 2),
    ("press", "filling"),
    ("wait", 20),
    ("fault", "malformed"),
    ("wait", 4),
    ("fault", "refused_30"),
    ("wait", 150),
    ("fault", "offline"),
    ("wait", 21),
    ("fault", "refused_1"),
    ("wait", 7),
    ("fault", "server_error"),
    ("wait", 2),
    ("fault", "none"),
    ("wait", 21),
    ("external", 45),
]


@dataclass
class Home:
    """A Home Assistant with the integration, the emulated device, and what each run became."""

    hass: HomeAssistant
    device: Device
    freezer: FrozenDateTimeFactory
    slowness: int = 1
    # Reboots so far: each starts its status IDs below the last boot's, never at one used before,
    # so that a run is known by its action and status IDs for the whole test.
    boots: int = 0
    # The runs the device accepted from Home Assistant, and the run events fired.
    accepted: Counter[tuple[str, tuple[int, ...]]] = field(default_factory=Counter)
    fired: list[State] = field(default_factory=list)
    # Other clients' runs; those started once Home Assistant knew where the IDs stand (a call of
    # its own accepted since the device last started).
    others: set[tuple[str, tuple[int, ...]]] = field(default_factory=set)
    noted: set[tuple[str, tuple[int, ...]]] = field(default_factory=set)
    position_known: bool = False

    async def wait(self, seconds: float) -> None:
        """Let time pass; on a slow loop, timers fire late (in longer steps)."""
        step = 2.0 * self.slowness
        while seconds > 0:
            self.freezer.tick(min(step, seconds))
            await advance(self.hass, min(step, seconds))
            seconds -= step

    async def reboot(self) -> None:
        """Restart the device: its statuses are gone, its IDs count from below the last ones."""
        self.boots += 1
        await self.device.reboot(first_status_id=FIRST_ID - BOOT_IDS * self.boots)
        self.position_known = False

    def other(self, action_id: str) -> None:
        """Another client runs the action (it may be refused: still running, device busy)."""
        with contextlib.suppress(DeviceError):
            run = (action_id, tuple(self.device.call_as_other(action_id)))
            self.others.add(run)
            if self.position_known:
                self.noted.add(run)

    def fault(self, kind: str) -> None:
        """Answer status reads this way from now on."""
        self.device.faults.answer, self.device.faults.offline = None, False
        for switch, setting in STATUS_FAULTS[kind].items():
            setattr(self.device.faults, switch, setting)


async def _live(home: Home, operations: list[tuple[str, Any]]) -> None:
    hass, device = home.hass, home.device
    for name, value in operations:
        if name == "press":
            with contextlib.suppress(HomeAssistantError):  # refused: nothing to report
                await start_run(hass, value)
        elif name == "wait":
            await home.wait(value)
        elif name == "fault":
            home.fault(value)
        elif name == "reboot":
            home.fault("offline")
            await home.wait(value)
            await home.reboot()
            home.fault("none")
        elif name == "external":
            device.advance_external(value)
        elif name == "other":
            home.other(value)
        else:
            home.slowness = value
    home.fault("none")
    # Every run ends within the run timeout (300 s), read or not.
    await home.wait(400)


@pytest.fixture
async def home(hass: HomeAssistant, device: Device, freezer: FrozenDateTimeFactory) -> Home:
    """What the device accepted from Home Assistant, and the run events, counted."""
    home = Home(hass, device, freezer)
    await device.reboot(first_status_id=FIRST_ID)  # before anything ran
    call = device.call

    def counted(action_id: str) -> list[int]:
        ids = call(action_id)
        home.accepted[action_id, tuple(ids)] += 1
        home.position_known = True
        return ids

    device.call = counted  # type: ignore[method-assign]
    home.fired = run_events(hass)
    return home


async def _every_run_reported_once(home: Home, operations: list[tuple[str, Any]]) -> None:
    """One Home Assistant lives through every example, as a home does, day after day."""
    home.accepted.clear()
    home.fired.clear()
    # Other clients' runs of an earlier day may be reported today (found once Home Assistant knows
    # where the IDs stand again): they stay known.
    home.noted.clear()
    home.slowness = 1
    await _live(home, operations)
    # Runs never accepted (the device stayed busy) have no status IDs: they are not counted.
    reported = {
        by: Counter(
            (state.attributes["action_id"], tuple(ids))
            for state in home.fired
            if (ids := state.attributes["status_ids"]) and state.attributes["started_by"] == by
        )
        for by in ("home_assistant", "other")
    }
    assert reported["home_assistant"] == home.accepted
    # Other clients' runs: real ones, each once; every one the device still holds that started
    # once Home Assistant knew where the IDs stand.
    assert set(reported["other"]) <= home.others
    assert all(count == 1 for count in reported["other"].values())
    held = set(home.device.status_ids)
    assert {run for run in home.noted if held.issuperset(run[1])} <= set(reported["other"])


_SETTINGS: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}


@settings(max_examples=HOME_EXAMPLES, **_SETTINGS)
@example(operations=REBOOT_WITH_RUNS_OF_ONE_ACTION)
@example(operations=READS_FAILING_FOR_MINUTES)
@given(operations=st.lists(HOME, max_size=16))
async def test_every_run_the_device_accepted_is_reported_once(
    home: Home, operations: list[tuple[str, Any]]
) -> None:
    await _every_run_reported_once(home, operations)
    if operations in (REBOOT_WITH_RUNS_OF_ONE_ACTION, READS_FAILING_FOR_MINUTES):
        assert home.accepted  # the traces' runs were accepted, and reported


@pytest.mark.fuzz
@settings(max_examples=HOME_FUZZ_EXAMPLES, **_SETTINGS)
@given(operations=st.lists(HOME, max_size=40))
async def test_every_run_the_device_accepted_is_reported_once_fuzz(
    home: Home, operations: list[tuple[str, Any]]
) -> None:
    await _every_run_reported_once(home, operations)
