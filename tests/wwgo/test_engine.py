"""The run engine on a fake clock: calls, the read schedule, and every run's life reported."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
import itertools
import json
import logging
import math
from typing import Any

from hypothesis import example, given, settings, strategies as st
import pytest

from custom_components.ww_go.wwgo import (
    EndReason,
    EngineSnapshot,
    Run,
    RunEngine,
    RunHandle,
    RunState,
    StartedBy,
    WwGoActionQueuedError,
    WwGoActionRunningError,
    WwGoDeviceBusyError,
    WwGoError,
    WwGoInvalidResponseError,
    WwGoTimeoutError,
)
from custom_components.ww_go.wwgo.calls import BUSY_RETRY_LIMIT
from custom_components.ww_go.wwgo.reads import READ_BACKOFF_MAX, READ_RETRY_DELAY
from custom_components.ww_go.wwgo.schedule import MIN_READ_GAP

from .fakes import WALL_START, FakeClock, FakeDevice, outcome


@dataclass
class Heard:
    """What the engine told its subscriber, in order."""

    runs: list[Run] = field(default_factory=list)
    reads: list[WwGoError | None] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    # Each run's end, by its handle.
    ends: dict[RunHandle, Run] = field(default_factory=dict)

    def on_run(self, handle: RunHandle, run: Run) -> None:
        assert handle.run == run  # what the caller sees is what was reported
        self.runs.append(run)
        self.log.append(f"run {run.action_id} {run.state}")
        if run.ended:
            assert handle not in self.ends, "a run ended twice"
            self.ends[handle] = run

    def on_read(self, error: WwGoError | None) -> None:
        self.reads.append(error)
        self.log.append("read ok" if error is None else "read failed")

    def states(self, action_id: str | None = None) -> list[str]:
        return [r.state.value for r in self.runs if action_id in (None, r.action_id)]


async def call(engine: RunEngine, action_id: str, *, wait: float = math.inf) -> RunHandle:
    """Run an action as a caller does: with a handle of its own."""
    return await engine.call(RunHandle(action_id), wait=wait)


@pytest.fixture
def device(clock: FakeClock) -> FakeDevice:
    return FakeDevice(
        clock,
        actions={
            "fast": [(200, 0.2)],
            "slow": [(200, 3.0)],
            "failing": [(404, 0.2)],
            "seq": [(200, 0.1), (-104, 0.1), (204, 0.1)],
            "long": [(200, 1000.0)],
        },
    )


@pytest.fixture
def heard() -> Heard:
    return Heard()


@pytest.fixture
async def engine(device: FakeDevice, clock: FakeClock, heard: Heard) -> AsyncIterator[RunEngine]:
    engine = RunEngine(device, clock, heard.on_run, heard.on_read)
    yield engine
    engine.close()
    await clock.settle()


async def test_a_run_from_press_to_success(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    handle = await call(engine, "fast")
    assert heard.states() == ["running"]
    await clock.advance(5)
    assert heard.states() == ["running", "success"]
    result = heard.ends[handle]
    ended = outcome(result)
    assert (result.state, ended.code, ended.exe_time) == (RunState.SUCCESS, 200, 0.2)
    assert ended.reason is EndReason.SUCCEEDED
    assert ended.ended_at == WALL_START + device.read_times[0]  # when the read found it
    assert len(device.reads) == 1  # read once, when the action was likely done
    assert clock.pending_timers() == 0


async def test_nothing_is_read_while_idle(
    engine: RunEngine, device: FakeDevice, clock: FakeClock
) -> None:
    await call(engine, "fast")
    await clock.advance(5)
    reads = len(device.reads)
    await clock.advance(3600)
    assert len(device.reads) == reads


async def test_a_multi_request_run_reports_its_first_failing_code(
    engine: RunEngine, clock: FakeClock, heard: Heard
) -> None:
    handle = await call(engine, "seq")
    await clock.advance(5)
    result = heard.ends[handle]
    ended = outcome(result)
    assert (result.state, ended.code, ended.exe_time) == (RunState.FAILURE, -104, 0.3)
    assert [r.id for r in result.requests] == [100, 101, 102]


async def test_two_runs_of_one_action_finishing_in_one_read_are_each_reported(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    """A run fails, the action is pressed again, and one read returns both: both are reported."""
    device.actions["flaky"] = [(500, 0.2)]
    first = await call(engine, "flaky")
    await clock.advance(0.2)  # finished on the device, not yet read
    device.actions["flaky"] = [(200, 0.05)]
    device.read_errors = [WwGoTimeoutError("no answer")]  # the read it prompts fails
    second = await call(engine, "flaky")
    await clock.advance(10)
    assert heard.states("flaky") == ["running", "running", "failure", "success"]
    assert [outcome(r).code for r in heard.runs if r.ended] == [500, 200]
    assert outcome(heard.ends[first]).code == 500
    assert outcome(heard.ends[second]).code == 200
    assert len(device.reads[-1]) == 2  # both runs in the one read that ended them


async def test_a_press_right_after_a_run_ended_reads_that_run_at_once(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    """The device accepted a new run of the action: the previous one has ended; read it now."""
    await call(engine, "slow")
    await clock.advance(10)
    first = await call(engine, "slow")
    await clock.advance(3.0)  # ended on the device; its read is due a little later
    assert first not in heard.ends
    await call(engine, "slow")
    await clock.advance(0)
    assert heard.ends[first].state is RunState.SUCCESS


async def test_the_first_read_follows_the_actions_past_runs(
    engine: RunEngine, device: FakeDevice, clock: FakeClock
) -> None:
    for _ in range(3):
        await call(engine, "slow")
        await clock.advance(10)
    device.reads.clear()
    await call(engine, "slow")
    await clock.advance(2.9)
    assert device.reads == []  # not before it usually ends
    await clock.advance(0.2)
    assert len(device.reads) == 1


async def test_one_status_request_reads_every_run_in_flight(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    for number in range(20):
        device.actions[f"a{number}"] = [(200, 2.0)]
        await call(engine, f"a{number}")
    await clock.advance(10)
    assert device.reads
    assert all(len(ids) == 20 for ids in device.reads)
    assert heard.states().count("success") == 20


async def test_reads_keep_their_gap_and_one_is_outstanding(
    engine: RunEngine, device: FakeDevice, clock: FakeClock
) -> None:
    await call(engine, "long")
    await clock.advance(30)
    times = device.reads
    assert 10 <= len(times) <= 40


async def test_a_run_that_outlasts_its_history_is_read_again_soon(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    for _ in range(3):
        await call(engine, "fast")
        await clock.advance(5)
    device.actions["fast"] = [(200, 0.6)]
    device.reads.clear()
    await call(engine, "fast")
    await clock.advance(0.25)
    assert len(device.reads) == 1  # the guess: done after 0.2 s
    await clock.advance(0.7)
    assert heard.states("fast")[-1] == "success"
    assert len(device.reads) <= 3


async def test_calls_that_would_push_results_out_of_the_window_wait(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    for number in range(45):
        device.actions[f"a{number}"] = [(200, 0.5)]
    handles = [await call(engine, f"a{number}") for number in range(45)]
    assert heard.states().count("queued") == 5
    await clock.advance(10)
    assert [heard.ends[h].state for h in handles] == [RunState.SUCCESS] * 45
    gaps = [b - a for a, b in itertools.pairwise(device.read_times)]
    assert min(gaps) >= MIN_READ_GAP  # the held calls did not add reads


async def test_busy_device_queues_then_runs(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    device.busy_calls = 3
    handle = await call(engine, "fast")
    assert heard.states() == ["queued"]
    with pytest.raises(WwGoActionQueuedError):
        await call(engine, "fast")
    await clock.advance(20)
    assert heard.states() == ["queued", "running", "success"]
    assert heard.ends[handle].state is RunState.SUCCESS


async def test_busy_for_a_minute_fails_the_run(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    device.busy_calls = 1000
    device.busy_retry_after = None
    handle = await call(engine, "fast")
    await clock.advance(BUSY_RETRY_LIMIT + 1)
    result = heard.ends[handle]
    assert (result.state, result.status_ids) == (RunState.FAILURE, ())
    assert outcome(result).reason is EndReason.BUSY
    description = outcome(result).description
    assert description == "The device stayed busy for 60 seconds; the action was not run"
    assert heard.states() == ["queued", "failure"]
    assert device.calls <= 12  # growing pauses, not a flood


async def test_busy_calls_are_retried_as_the_device_asks(
    engine: RunEngine, device: FakeDevice, clock: FakeClock
) -> None:
    device.busy_calls = 1000
    device.busy_retry_after = 5.0
    await call(engine, "fast")
    await clock.advance(BUSY_RETRY_LIMIT + 1)
    assert device.calls == 12  # one each 5 s until the minute is over


async def test_a_queued_run_given_up_never_runs(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    device.busy_calls = 1
    handle = await call(engine, "fast")
    await clock.advance(0.5)
    await engine.give_up(handle)
    calls = device.calls
    await clock.advance(120)
    assert device.calls == calls
    assert heard.states() == ["queued", "failure"]
    ended = outcome(heard.ends[handle])
    assert ended.reason is EndReason.BUSY
    assert ended.description == "The device stayed busy for 0 seconds; the action was not run"


async def test_a_queued_run_refused_on_retry_says_why(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    device.busy_calls = 1
    handle = await call(engine, "fast")
    device.actions["fast"] = [(200, 100.0)]
    device.busy_calls = 0
    await call(engine, "slow")  # another action's run does not matter
    await device.call("fast")  # someone else runs it meanwhile: 409 for ours
    await clock.advance(5)
    result = heard.ends[handle]
    assert result.state is RunState.FAILURE
    assert outcome(result).reason is EndReason.REFUSED
    assert isinstance(outcome(result).error, WwGoActionRunningError)
    assert outcome(result).description == "Action fast was already running on the device"


async def test_refusals_reach_the_caller(engine: RunEngine, device: FakeDevice) -> None:
    await call(engine, "long")
    with pytest.raises(WwGoActionRunningError):
        await call(engine, "long")


async def test_an_evicted_result_expires_its_run(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    await call(engine, "slow")
    device.external(40)
    await clock.advance(5)
    assert heard.runs[-1].state is RunState.EXPIRED
    assert outcome(heard.runs[-1]).reason is EndReason.EVICTED


async def test_a_reboot_expires_the_runs_in_flight(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    await call(engine, "long")
    device.reboot()
    handle = await call(engine, "fast")
    assert heard.states() == ["running", "expired", "running"]
    assert outcome(heard.runs[1]).reason is EndReason.DEVICE_RESTARTED
    assert outcome(heard.runs[1]).description == "The device restarted and lost this result"
    await clock.advance(5)
    assert heard.ends[handle].state is RunState.SUCCESS


async def test_timeout_ends_a_run_even_when_every_read_fails(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    handle = await call(engine, "long")
    device.offline = True
    await clock.advance(301)
    assert heard.ends[handle].state is RunState.TIMEOUT
    assert heard.reads
    assert all(isinstance(error, WwGoError) for error in heard.reads)
    reads = len(device.reads)
    assert reads <= 301 / 5 + 2  # a failed read waits before the next


async def test_a_device_back_is_known_before_its_results(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    await call(engine, "failing")
    device.offline = True
    await clock.advance(2)
    assert heard.log[-1] == "read failed"
    device.offline = False
    await clock.advance(10)
    assert heard.log[-2:] == ["read ok", "run failing failure"]


async def test_an_unexpected_error_in_a_read_is_logged_once_and_reads_go_on(
    engine: RunEngine,
    device: FakeDevice,
    clock: FakeClock,
    heard: Heard,
    caplog: pytest.LogCaptureFixture,
) -> None:
    device.read_errors = [RecursionError("deep"), RecursionError("deep"), KeyError("x")]
    handle = await call(engine, "fast")
    with caplog.at_level(logging.DEBUG):
        await clock.advance(30)
    assert heard.ends[handle].state is RunState.SUCCESS
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1


async def test_a_failing_subscriber_does_not_cost_other_runs_their_reports(
    device: FakeDevice, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    reported: list[str] = []

    def on_run(_handle: RunHandle, run: Run) -> None:
        if run.action_id == "failing" and run.ended:
            raise RuntimeError("subscriber bug")
        reported.append(f"{run.action_id} {run.state}")

    engine = RunEngine(device, clock, on_run)
    await call(engine, "failing")
    await call(engine, "fast")
    await clock.advance(5)
    assert "fast success" in reported
    assert "subscriber bug" in caplog.text
    engine.close()


async def test_a_failed_read_is_retried_later(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    device.read_errors = [WwGoTimeoutError("slow"), WwGoInvalidResponseError("bad")]
    handle = await call(engine, "fast")
    await clock.advance(30)
    assert heard.ends[handle].state is RunState.SUCCESS
    assert [error is None for error in heard.reads] == [False, False, True]


async def test_closing_stops_calls_reads_and_retries(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    await call(engine, "long")
    device.busy_calls = 5
    await call(engine, "fast")
    engine.close()
    await clock.advance(100)
    assert heard.states() == ["running", "queued"]  # no end reported: the run goes on
    assert [run.action_id for run in engine.snapshot().runs] == ["long"]
    calls, reads = device.calls, len(device.reads)
    await clock.advance(100)
    assert (device.calls, len(device.reads)) == (calls, reads)  # nothing after closing
    assert clock.pending_timers() == 0


async def test_restored_runs_are_read_at_once(
    device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    ids = await device.call("slow")
    engine = RunEngine(device, clock, heard.on_run, heard.on_read)
    [handle] = engine.restore(EngineSnapshot((Run("slow", ids, accepted_at=clock.wall()),)))
    assert handle.run.state is RunState.RUNNING
    engine.read_soon()
    await clock.advance(0)
    assert device.reads == [list(ids)]
    await clock.advance(5)
    assert heard.states() == ["success"]
    engine.close()


async def test_a_restored_run_the_device_lost_expires_saying_so(
    device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    engine = RunEngine(device, clock, heard.on_run, heard.on_read)
    engine.restore(EngineSnapshot((Run("slow", (5,), accepted_at=clock.wall()),)))
    engine.read_soon()
    await clock.advance(0)
    assert heard.runs[-1].state is RunState.EXPIRED
    assert outcome(heard.runs[-1]).reason is EndReason.LOST_WHILE_STOPPED
    engine.close()


# -- every accepted run reaches exactly one end, whatever the device does --

ENGINE_EXAMPLES = 150
FIRST_ID = 10**6
BOOT_IDS = 10**4
ENGINE_FUZZ_EXAMPLES = 5_000
OPERATIONS = st.one_of(
    st.tuples(st.just("press"), st.sampled_from(["fast", "slow", "failing", "seq", "long"])),
    st.tuples(st.just("press_twice"), st.sampled_from(["fast", "slow", "long"])),
    # A new run of an action whose last run ended on the device but was not read yet.
    st.tuples(st.just("press_again"), st.sampled_from(["fast", "failing", "seq"])),
    st.tuples(st.just("wait"), st.floats(min_value=0.0, max_value=20.0)),
    st.tuples(st.just("busy"), st.integers(min_value=1, max_value=5)),
    st.tuples(st.just("read_fails"), st.sampled_from(["timeout", "invalid", "unexpected"])),
    # Long spells: status reads refused (with or without Retry-After) or failing, many in a row.
    st.tuples(
        st.just("reads_refused"),
        st.tuples(st.integers(1, 12), st.sampled_from([None, 1.0, 5.0, 30.0, 120.0])),
    ),
    st.tuples(st.just("reads_fail"), st.integers(1, 30)),
    st.tuples(st.just("slow_answers"), st.sampled_from([0.0, 2.0, 8.0, 15.0])),
    st.tuples(st.just("slow_loop"), st.sampled_from([1.0, 1.5, 2.0, 3.0])),
    st.tuples(st.just("offline"), st.booleans()),
    st.tuples(st.just("external"), st.integers(min_value=1, max_value=45)),
    st.tuples(st.just("reboot"), st.just(1)),
    # A power cut: the device is away a minute, and counts from 1 again (once a play).
    st.tuples(st.just("power_cut"), st.just(1)),
    # The device answers calls late (in time): reads meanwhile may see their runs first.
    st.tuples(st.just("slow_calls"), st.sampled_from([0.0, 2.0, 6.0, 9.5])),
    st.tuples(st.just("give_up"), st.just(0)),
    # Another client runs a known action (its web page, a script).
    st.tuples(st.just("other"), st.sampled_from(["fast", "slow", "failing", "seq", "long"])),
)
READ_FAULTS: dict[str, BaseException] = {
    "timeout": WwGoTimeoutError("no answer"),
    "invalid": WwGoInvalidResponseError("bad"),
    "unexpected": RecursionError("deep"),
}


@dataclass
class Home:
    """An engine on a fake device, and the runs pressed so far."""

    clock: FakeClock
    device: FakeDevice
    engine: RunEngine
    heard: Heard
    handles: list[RunHandle] = field(default_factory=list)
    # The slowest the loop has been: timers planned then fire that late.
    slowest: float = 1.0
    # Since the last reboot the device accepted a call of ours: the engine knows where its IDs
    # stand. Other clients' runs started then, by their status IDs.
    position_known: bool = False
    noted: set[tuple[int, ...]] = field(default_factory=set)
    boots: int = 0
    cut: bool = False


async def _meanwhile[T](home: Home, work: Awaitable[T]) -> T:
    """Await `work` while time passes, as it does for a call that waits for a slow read."""
    task = asyncio.ensure_future(work)
    await home.clock.settle()
    while not task.done():
        await home.clock.advance(0.1)
    return task.result()


async def _press(home: Home, action_id: str) -> None:
    with contextlib.suppress(WwGoError):
        handle = await _meanwhile(home, call(home.engine, action_id))
        home.handles.append(handle)
        home.position_known |= bool(handle.status_ids)


async def _other(home: Home, action_id: str) -> None:
    if (ids := home.device.call_as_other(action_id)) and home.position_known:
        home.noted.add(ids)


async def _press_twice_at_once(home: Home, action_id: str) -> None:
    both = await _meanwhile(
        home,
        asyncio.gather(
            call(home.engine, action_id), call(home.engine, action_id), return_exceptions=True
        ),
    )
    for answer in both:
        if isinstance(answer, RunHandle):
            home.handles.append(answer)
        else:
            assert isinstance(answer, WwGoError)


async def _give_up(home: Home, _: object) -> None:
    if home.handles:
        await _meanwhile(home, home.engine.give_up(home.handles[-1]))


async def _press_again(home: Home, action_id: str) -> None:
    await _press(home, action_id)
    await home.clock.advance(1.0)  # it ended on the device; maybe not read yet
    await _press(home, action_id)


async def _refuse_reads(home: Home, refusal: tuple[int, float | None]) -> None:
    count, retry_after = refusal
    home.device.read_errors += [WwGoDeviceBusyError("busy", retry_after=retry_after)] * count


async def _fail_reads(home: Home, count: int) -> None:
    home.device.read_errors += [WwGoInvalidResponseError("bad")] * count


async def _answer_slowly(home: Home, seconds: float) -> None:
    home.device.answer_delay = seconds


async def _slow_the_loop(home: Home, factor: float) -> None:
    home.clock.slowness = factor
    home.slowest = max(home.slowest, factor)


async def _reboot(home: Home, _: object) -> None:
    # IDs count anew, from below the last boot's and never from one used before: a run is known
    # by its status IDs for the whole play.
    home.boots += 1
    home.device.reboot(first_id=FIRST_ID - BOOT_IDS * home.boots)
    home.position_known = False


async def _power_cut(home: Home, _: object) -> None:
    if home.cut:
        return  # IDs from 1 again would be IDs used before
    home.cut = True
    home.device.offline = True
    await home.clock.advance(61)
    home.device.reboot(first_id=1)
    home.device.offline = False
    home.position_known = False


async def _slow_calls(home: Home, seconds: float) -> None:
    home.device.call_delay = seconds


async def _set_busy(home: Home, count: int) -> None:
    home.device.busy_calls = count


async def _fail_read(home: Home, fault: str) -> None:
    home.device.read_errors.append(READ_FAULTS[fault])


async def _set_offline(home: Home, offline: bool) -> None:
    home.device.offline = offline


async def _external(home: Home, count: int) -> None:
    home.device.external(count)


async def _wait(home: Home, seconds: float) -> None:
    await home.clock.advance(seconds)


PLAY: dict[str, Callable[[Home, Any], Awaitable[None]]] = {
    "press": _press,
    "press_twice": _press_twice_at_once,
    "press_again": _press_again,
    "reads_refused": _refuse_reads,
    "reads_fail": _fail_reads,
    "slow_answers": _answer_slowly,
    "slow_loop": _slow_the_loop,
    "wait": _wait,
    "busy": _set_busy,
    "read_fails": _fail_read,
    "offline": _set_offline,
    "external": _external,
    "reboot": _reboot,
    "power_cut": _power_cut,
    "slow_calls": _slow_calls,
    "give_up": _give_up,
    "other": _other,
}


async def _play(operations: list[tuple[str, Any]], *, eager: bool, follow: bool = True) -> None:
    clock = FakeClock(eager=eager)
    device = FakeDevice(
        clock,
        actions={
            "fast": [(200, 0.2)],
            "slow": [(200, 3.0)],
            "failing": [(404, 0.5)],
            "seq": [(200, 0.1), (-104, 0.1)],
            "long": [(200, 100.0)],
        },
        next_id=FIRST_ID,
    )
    heard = Heard()
    engine = RunEngine(device, clock, heard.on_run, heard.on_read, follow=follow)
    engine.set_actions({key: len(requests) for key, requests in device.actions.items()})
    engine.read_soon()  # as Home Assistant starts it
    home = Home(clock, device, engine, heard)
    for name, value in operations:
        await PLAY[name](home, value)
    handles = home.handles
    device.offline = False
    device.busy_calls = 0
    device.read_errors.clear()
    device.answer_delay = device.call_delay = 0.0
    # The device answers again: a run in flight is read as soon as it lets, at the latest once
    # a read under way ends (a request's timeout) and the longest back-off passes, on this loop.
    cleared = clock.now()
    soon = cleared + (device.timeout + READ_BACKOFF_MAX + 2 * READ_RETRY_DELAY) * home.slowest
    await clock.advance(soon - cleared)
    ended_on_device = {tuple(run.status_ids): run.ends[-1] for run in device.runs}
    unread = [
        run
        for run in engine.in_flight
        if ended_on_device.get(run.status_ids, soon) <= cleared  # it ended before: it is there
    ]
    assert not unread, "the device answers again, and these runs it finished were not read"
    await clock.advance(400)

    # Every run ended, once, and what its caller got is what the subscriber heard last.
    for handle in handles:
        assert handle in heard.ends
        assert handle.run == heard.ends[handle]
    # Each accepted run (or another client's found): reported running at most once, then ended
    # once (a reboot may reuse its IDs later); never another client's taken for ours, or ours
    # for another client's.
    started_by = {tuple(run.status_ids): run.other for run in device.history}
    assert len(started_by) == len(device.history)  # no ID handed out twice
    following: set[tuple[int, ...]] = set()
    ended: list[tuple[int, ...]] = []
    for result in heard.runs:
        if result.status_ids:
            by_other = result.started_by is StartedBy.OTHER
            assert started_by[result.status_ids] is by_other, result
        if result.state is RunState.RUNNING:
            assert result.status_ids not in following
            following.add(result.status_ids)
        elif result.ended and result.status_ids:
            following.discard(result.status_ids)
            ended.append(result.status_ids)
    assert not following
    if follow:
        # Every other client's run the device still holds, started once the engine knew where
        # the IDs stand, was reported exactly once.
        held = [ids for ids in home.noted if all(i in device.held for i in ids)]
        assert {ids: ended.count(ids) for ids in held} == dict.fromkeys(held, 1)
    else:
        assert all(result.started_by is StartedBy.HOME_ASSISTANT for result in heard.runs)
    never_accepted = [h for h in handles if not heard.ends[h].status_ids]
    assert all(heard.ends[h].state is RunState.FAILURE for h in never_accepted)
    queued = sum(1 for r in heard.runs if r.state is RunState.QUEUED)
    assert len(never_accepted) <= queued <= len(handles)
    assert not engine.in_flight
    assert clock.pending_timers() == (1 if follow else 0)  # the next look for others' runs
    # Never two status requests closer than the device's patience allows.
    gaps = [b - a for a, b in itertools.pairwise(device.read_times)]
    assert all(gap >= MIN_READ_GAP - 1e-9 for gap in gaps)
    engine.close()


@settings(max_examples=ENGINE_EXAMPLES, deadline=None)
@given(st.lists(OPERATIONS, max_size=30), st.booleans(), st.booleans())
# A read on the wire while a call shows the device restarted: another client's run after it.
@example(
    [
        ("press", "fast"),
        ("slow_answers", 2.0),
        ("reboot", 1),
        ("wait", 1.0),
        ("press", "fast"),
        ("other", "slow"),
    ],
    False,  # eager
    True,  # follow
)
def test_every_accepted_run_ends_exactly_once(
    operations: list[tuple[str, Any]], eager: bool, follow: bool
) -> None:
    asyncio.run(_play(operations, eager=eager, follow=follow))


@pytest.mark.fuzz
@settings(max_examples=ENGINE_FUZZ_EXAMPLES, deadline=None, database=None)
@given(st.lists(OPERATIONS, max_size=60), st.booleans(), st.booleans())
def test_every_accepted_run_ends_exactly_once_fuzz(
    operations: list[tuple[str, Any]], eager: bool, follow: bool
) -> None:
    asyncio.run(_play(operations, eager=eager, follow=follow))


async def test_two_presses_at_once_while_busy_queue_one_run(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    """Both calls are refused as busy: the second is told a run already waits; none is lost."""
    device.busy_calls = 2
    first, second = await asyncio.gather(
        call(engine, "fast"), call(engine, "fast"), return_exceptions=True
    )
    assert isinstance(first, RunHandle)
    assert isinstance(second, WwGoActionQueuedError)
    await clock.advance(10)
    assert heard.ends[first].state is RunState.SUCCESS
    assert heard.states() == ["queued", "running", "success"]


async def test_a_retry_under_way_when_closing_is_still_tracked(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    """The device accepts the run after the engine closed: it is tracked, to be kept."""
    device.busy_calls = 1
    handle = await call(engine, "long")
    device.gate = asyncio.Event()
    await clock.advance(1.5)  # the retry's call is under way
    engine.close()
    device.gate.set()
    await engine.wait_closed()
    assert handle not in heard.ends  # nothing ended: it goes on, and is kept
    assert [run.action_id for run in engine.in_flight] == ["long"]


async def test_held_for_the_window_for_a_minute_says_so(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    for number in range(40):
        device.actions[f"a{number}"] = [(200, 1000.0)]
        await call(engine, f"a{number}")
    handle = await call(engine, "fast")
    await clock.advance(BUSY_RETRY_LIMIT + 1)
    ended = outcome(heard.ends[handle])
    assert ended.reason is EndReason.WINDOW_FULL
    assert ended.description.startswith("Earlier results stayed unread for 60 seconds")


async def test_a_snapshot_taken_up_by_a_new_engine_follows_the_runs(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    """What one engine keeps, a new one (after a restart 10 s later) takes up as it was."""
    for _ in range(3):
        await call(engine, "slow")
        await clock.advance(10)
    await call(engine, "long")
    await call(engine, "seq")
    await clock.advance(0.1)  # neither read yet
    kept = json.loads(json.dumps(engine.snapshot().as_dict()))
    engine.close()

    later = FakeClock()
    later.time = clock.time + 10  # the same device and time of day: Home Assistant was down
    device.clock = later
    restarted = Heard()
    again = RunEngine(device, later, restarted.on_run, restarted.on_read)
    handles = again.restore(EngineSnapshot.from_dict(kept))
    assert [(h.action_id, h.run.state) for h in handles] == [
        ("long", RunState.RUNNING),
        ("seq", RunState.RUNNING),
    ]
    assert again.snapshot() == EngineSnapshot.from_dict(kept)  # times of day kept exactly
    again.read_soon()
    await later.advance(0)
    assert restarted.states() == ["failure"]  # seq ended while down; long still runs
    assert outcome(restarted.ends[handles[1]]).code == -104
    await later.advance(289)
    assert restarted.states() == ["failure"]
    await later.advance(5)  # the long run's 300 s count from its call, not from the restart
    assert restarted.states() == ["failure", "timeout"]
    device.reads.clear()
    await call(again, "slow")
    await later.advance(2.9)
    assert device.reads == []  # what was learnt of slow's durations came along
    again.close()


async def test_an_action_that_leaves_the_device_ends_its_runs(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    running = await call(engine, "long")
    device.busy_calls = 5
    queued = await call(engine, "slow")
    engine.set_actions({"fast": 1, "failing": 1, "seq": 3})  # long and slow left the device
    for handle in (running, queued):
        assert outcome(heard.ends[handle]).reason is EndReason.ACTION_REMOVED
    assert heard.states() == ["running", "queued", "failure", "failure"]
    assert not engine.in_flight
    assert engine.queued == []
    calls = device.calls
    await clock.advance(100)
    assert (device.calls, device.reads) == (calls, [])


# -- other clients' runs --

ACTIONS = {"fast": 1, "slow": 1, "failing": 1, "seq": 3, "long": 1}


@pytest.fixture
async def follower(device: FakeDevice, clock: FakeClock, heard: Heard) -> AsyncIterator[RunEngine]:
    """An engine that follows other clients' runs too, of a device it has called once."""
    engine = RunEngine(device, clock, heard.on_run, heard.on_read, follow=True)
    engine.set_actions(ACTIONS)
    await call(engine, "fast")
    await clock.advance(5)
    heard.runs.clear()
    device.reads.clear()
    yield engine
    engine.close()
    await clock.settle()


def _others(heard: Heard) -> list[tuple[str, str, tuple[int, ...]]]:
    return [
        (run.action_id, run.state.value, run.status_ids)
        for run in heard.runs
        if run.started_by is StartedBy.OTHER
    ]


async def test_while_nothing_runs_the_ids_after_the_newest_known_are_read_once_a_minute(
    follower: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    await clock.advance(10 * 60)
    assert len(device.reads) == 10
    # The 24 after the last one of ours, and 16 a window apart past them: has it gone further?
    first = device.reads[0]
    assert first[:24] == list(range(101, 125))
    assert len(first) == 40
    assert all((i - 124) % 40 == 0 for i in first[24:])
    assert heard.runs == []


async def test_another_clients_run_found_ended_is_reported_once_as_theirs(
    follower: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    ids = device.call_as_other("failing")
    await clock.advance(61)
    assert _others(heard) == [("failing", "failure", ids)]
    assert outcome(heard.runs[0]).code == 404
    await clock.advance(10 * 60)
    assert len(heard.runs) == 1  # once


async def test_another_clients_run_found_running_is_followed_to_its_end(
    follower: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    await clock.advance(54)  # a second before the minute's read
    ids = device.call_as_other("slow")
    await clock.advance(2)
    assert _others(heard) == [("slow", "running", ids)]
    await clock.advance(3)  # read again as our own runs are, not a minute later
    assert _others(heard) == [("slow", "running", ids), ("slow", "success", ids)]


async def test_runs_pushed_out_before_they_were_read_are_counted_not_invented(
    follower: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    device.external(50)  # 101..150: the first 11 leave the window before the minute's read
    ids = device.call_as_other("fast")
    await clock.advance(61)
    assert _others(heard) == [("fast", "success", ids)]
    learnt = follower.snapshot().learnt
    assert (learnt.seen_up_to, learnt.unseen) == (ids[-1], 11)


async def test_others_that_went_further_than_one_read_reaches_are_caught_up_with(
    follower: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    device.external(150)  # more than one read reaches between two looks
    ids = device.call_as_other("failing")
    await clock.advance(61)
    assert _others(heard) == [("failing", "failure", ids)]
    assert len(device.reads) <= 4  # read on, a quarter of a second apart
    assert follower.snapshot().learnt.unseen == 150 - 39


async def test_an_answer_to_every_id_asked_is_read_on_at_once(
    follower: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    runs = []
    for _ in range(45):
        runs.append(device.call_as_other("fast"))
        await clock.advance(0.5)  # each ends before the next
    await clock.advance(60)
    assert [ids for _, _, ids in _others(heard)] == runs[-40:]  # the device holds the 40 newest
    assert len(device.reads) <= 3


async def test_own_and_others_runs_interleaved_keep_their_origin(
    follower: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    mine = await call(follower, "slow")
    theirs = device.call_as_other("failing")
    again = await call(follower, "fast")
    await clock.advance(10)
    assert _others(heard) == [("failing", "failure", theirs)]
    ours = [(r.action_id, r.state.value) for r in heard.runs if r.started_by is not StartedBy.OTHER]
    assert ours == [
        ("slow", "running"),
        ("fast", "running"),
        ("fast", "success"),
        ("slow", "success"),
    ]
    assert heard.ends[mine].status_ids == (101,)
    assert heard.ends[again].status_ids == (103,)


async def test_our_call_answered_after_a_read_found_its_run_is_never_taken_for_anothers(
    follower: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    """The device accepts our call, a read sees its run, and only then our call's answer comes."""
    device.answer_gate = asyncio.Event()
    calling = asyncio.ensure_future(call(follower, "fast"))
    await clock.advance(56)  # the minute's read comes while the answer is on its way
    assert 101 in device.reads[-1]
    device.answer_gate.set()
    handle = await calling
    await clock.advance(60)
    assert _others(heard) == []
    assert heard.ends[handle].status_ids == (101,)
    assert heard.ends[handle].started_by is StartedBy.HOME_ASSISTANT


async def test_a_run_of_an_action_home_assistant_does_not_know_is_ignored(
    follower: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    device.actions["secret"] = [(500, 0.1)]
    device.call_as_other("secret")
    ids = device.call_as_other("fast")
    await clock.advance(61)
    assert _others(heard) == [("fast", "success", ids)]


async def test_a_device_that_restarted_while_unreachable_is_found_again(
    follower: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    await call(follower, "long")
    device.offline = True
    await clock.advance(61)
    device.reboot(first_id=1)
    ids = [device.call_as_other("fast")]
    await clock.advance(1)
    ids.append(device.call_as_other("failing"))
    device.offline = False
    await clock.advance(65)
    assert [
        (r.action_id, r.state.value) for r in heard.runs if r.started_by is StartedBy.HOME_ASSISTANT
    ] == [
        ("long", "running"),
        ("long", "expired"),
    ]
    assert outcome(heard.runs[1]).reason is EndReason.DEVICE_RESTARTED
    assert [(action, ids) for action, _, ids in _others(heard)] == [
        ("fast", ids[0]),
        ("failing", ids[1]),
    ]


async def test_a_read_on_the_wire_when_a_call_shows_a_restart_speaks_of_the_ids_before(
    follower: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    """Its answer says nothing of the IDs counted anew: the runs started since are all found."""
    device.reboot(first_id=1)
    device.answer_delay = 2.0
    reads = len(device.reads)
    while len(device.reads) == reads:  # the next look, asking for IDs past the old count
        await clock.advance(0.1)
    own = await call(follower, "fast")  # its ID shows the restart while the look is unanswered
    await clock.advance(2)
    ids = device.call_as_other("failing")
    device.answer_delay = 0.0
    await clock.advance(65)
    assert heard.ends[own].state is RunState.SUCCESS
    assert [run for run in _others(heard) if run[1] != "running"] == [("failing", "failure", ids)]


async def test_a_call_on_the_wire_when_a_read_finds_a_restart_does_not_find_it_twice(
    follower: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    """Another client's run found after the restart goes on: the call's IDs are of the new count."""
    device.offline = True
    await clock.advance(61)
    device.reboot(first_id=1)
    ids = device.call_as_other("long")
    device.offline = False
    device.answer_gate = asyncio.Event()
    pressed = asyncio.ensure_future(call(follower, "fast"))
    # A look finds the restart while the call is unanswered, and reads on at once.
    await clock.advance(61)
    assert _others(heard) == [("long", "running", ids)]
    device.answer_gate.set()
    own = await pressed
    await clock.advance(65)
    assert heard.ends[own].state is RunState.SUCCESS
    assert _others(heard) == [("long", "running", ids)]


async def test_a_new_device_is_found_without_its_past_being_reported(
    device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    device.next_id = 1  # a device that counts from 1 since it started
    for _ in range(3):
        device.call_as_other("fast")
        await clock.advance(1)
    engine = RunEngine(device, clock, heard.on_run, heard.on_read, follow=True)
    engine.set_actions(ACTIONS)
    engine.read_soon()
    await clock.advance(61)
    assert heard.runs == []  # what the device did before is not news
    assert device.reads[0] == list(range(1, 1601, 40))  # where do its IDs stand?
    ids = device.call_as_other("failing")
    await clock.advance(61)
    assert _others(heard) == [("failing", "failure", ids)]
    engine.close()


async def test_without_following_nothing_is_read_while_nothing_runs(
    engine: RunEngine, device: FakeDevice, clock: FakeClock, heard: Heard
) -> None:
    engine.set_actions(ACTIONS)
    device.call_as_other("failing")
    engine.read_soon()
    await clock.advance(10 * 60)
    assert device.reads == []
    assert heard.runs == []
