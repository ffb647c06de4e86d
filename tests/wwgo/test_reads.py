"""The read loop on a fake clock: when it reads the runs in flight, and what it tells of a read."""

import asyncio
from collections.abc import AsyncIterator
import itertools
import logging

import pytest

from custom_components.ww_go.wwgo import (
    RunHandle,
    RunState,
    RunTracker,
    WwGoConnectionError,
    WwGoDeviceBusyError,
    WwGoError,
    WwGoInvalidResponseError,
    WwGoTimeoutError,
)
from custom_components.ww_go.wwgo.reads import READ_BACKOFF_MAX, READ_RETRY_DELAY, ReadLoop
from custom_components.ww_go.wwgo.schedule import FIRST_READ, MIN_READ_GAP
from custom_components.ww_go.wwgo.tracker import Change

from .fakes import FakeClock, FakeDevice, outcome

READS_LOGGER = "custom_components.ww_go.wwgo.reads"


class Bench:
    """A read loop over a real tracker and a fake device, and what it told, in order."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.device = FakeDevice(clock, actions={"fast": [(200, 0.2)], "long": [(200, 1000.0)]})
        self.tracker = RunTracker()
        self.log: list[str] = []
        self.errors: list[WwGoError | None] = []
        self.reads = ReadLoop(
            self.device,
            clock,
            self.tracker,
            on_changes=self.on_changes,
            on_read=self.on_read,
            after_read=lambda: self.log.append("after"),
        )

    def on_changes(self, changes: list[Change]) -> None:
        self.log.append(" ".join(["changes", *(run.state.value for _, run in changes)]))
        for handle, run in changes:
            handle.update(run)

    def on_read(self, error: WwGoError | None) -> None:
        self.errors.append(error)
        self.log.append("read ok" if error is None else f"read {type(error).__name__}")

    async def start(self, action_id: str) -> RunHandle:
        """A run the device accepted now, tracked (no read planned)."""
        handle = RunHandle(action_id)
        status_ids = await self.device.call(action_id)
        clock = self.clock
        handle.update(self.tracker.start(handle, status_ids, clock.now(), clock.wall()))
        return handle


@pytest.fixture
async def bench(clock: FakeClock) -> AsyncIterator[Bench]:
    bench = Bench(clock)
    yield bench
    bench.reads.close()
    await clock.settle()


async def test_nothing_is_read_while_no_run_is_in_flight(bench: Bench) -> None:
    bench.reads.schedule()
    bench.reads.soon()
    assert bench.clock.pending_timers() == 0
    await bench.clock.advance(3600)
    assert (bench.device.reads, bench.log) == ([], [])


async def test_a_run_is_read_on_its_schedule_until_it_ends(bench: Bench) -> None:
    handle = await bench.start("fast")
    bench.reads.schedule()
    await bench.clock.advance(FIRST_READ - 0.01)
    assert bench.device.reads == []
    await bench.clock.advance(0.01)
    assert bench.device.reads == [[100]]
    assert bench.log == ["read ok", "changes success", "after"]
    assert outcome(handle.run).code == 200
    await bench.clock.advance(3600)
    assert len(bench.device.reads) == 1
    assert bench.clock.pending_timers() == 0


async def test_planning_again_replaces_the_planned_read(bench: Bench) -> None:
    await bench.start("long")
    for _ in range(3):
        bench.reads.schedule()
    assert bench.clock.pending_timers() == 1
    await bench.clock.advance(FIRST_READ)
    assert len(bench.device.reads) == 1


async def test_never_two_reads_at_once(bench: Bench) -> None:
    await bench.start("long")
    bench.device.answer_delay = 2.0
    bench.reads.start()
    await bench.clock.settle()
    # Every way of asking for a read while one is under way: the read under way is the one.
    bench.reads.start()
    bench.reads.soon()
    bench.reads.schedule()
    waiting = asyncio.ensure_future(bench.reads.read_now())
    await bench.clock.advance(1.9)
    assert (len(bench.device.reads), waiting.done()) == (1, False)
    await bench.clock.advance(0.1)
    assert waiting.done()
    await bench.clock.advance(30)
    starts = bench.device.read_times
    assert len(starts) > 5
    # Each read starts after the previous one answered, and the device's patience after that.
    assert all(b - a >= 2.0 + MIN_READ_GAP for a, b in itertools.pairwise(starts))
    # Every read that ended said so (the last may still be under way).
    assert bench.log.count("after") == len(starts) - bench.reads.reading


async def test_read_now_reads_and_waits_for_the_answer(bench: Bench) -> None:
    handle = await bench.start("fast")
    await bench.clock.advance(1)
    bench.device.answer_delay = 0.5
    waiting = asyncio.ensure_future(bench.reads.read_now())
    await bench.clock.advance(0.4)
    assert not waiting.done()
    await bench.clock.advance(0.1)
    assert waiting.done()
    assert handle.run.state is RunState.SUCCESS
    assert bench.device.reads == [[100]]


async def test_read_now_with_an_answer_at_once(bench: Bench) -> None:
    handle = await bench.start("fast")
    await bench.clock.advance(1)
    await bench.reads.read_now()
    assert handle.run.state is RunState.SUCCESS


async def test_read_now_with_nothing_in_flight_asks_the_device_nothing(bench: Bench) -> None:
    await bench.reads.read_now()
    await bench.clock.advance(3600)
    assert bench.device.reads == []
    assert bench.log == ["changes", "after"]


async def test_soon_reads_at_once_what_the_schedule_would_read_later(bench: Bench) -> None:
    """After a restart, a run is read now, not when its action usually ends."""
    bench.tracker.learnt.durations["long"] = [100.0]
    await bench.start("long")
    bench.reads.schedule()
    await bench.clock.advance(10)
    assert bench.device.reads == []
    bench.reads.soon()
    await bench.clock.advance(0)
    assert bench.device.read_times == [10]


async def test_soon_waits_for_the_back_off(bench: Bench) -> None:
    await bench.start("long")
    bench.device.read_errors = [WwGoTimeoutError("no answer")]
    bench.reads.soon()
    await bench.clock.advance(1)
    bench.reads.soon()
    await bench.clock.advance(10)
    assert bench.device.read_times[:2] == [0, READ_RETRY_DELAY]


async def test_soon_right_after_a_read_keeps_the_devices_patience(bench: Bench) -> None:
    await bench.start("long")
    bench.reads.start()
    await bench.clock.advance(MIN_READ_GAP / 5)
    bench.reads.soon()
    await bench.clock.advance(1)
    first, second = bench.device.read_times[:2]
    assert second - first >= MIN_READ_GAP


@pytest.mark.parametrize(
    ("retry_after", "patience"),
    [(30.0, 30.0), (None, READ_RETRY_DELAY), (3600.0, READ_BACKOFF_MAX)],
    ids=["as asked", "not said", "capped"],
)
async def test_a_busy_device_is_read_again_when_it_asks(
    bench: Bench, retry_after: float | None, patience: float
) -> None:
    await bench.start("long")
    bench.device.read_errors = [WwGoDeviceBusyError("busy", retry_after=retry_after)]
    bench.reads.start()
    await bench.clock.advance(patience - 0.01)
    assert bench.device.read_times == [0]
    await bench.clock.advance(0.01)
    assert bench.device.read_times == [0, patience]
    # The device answered, busy: it is there, so no failed read is reported.
    assert bench.log[:4] == ["changes running", "after", "read ok", "changes running"]


async def test_a_failed_read_is_told_before_the_changes_and_retried_later(bench: Bench) -> None:
    await bench.start("fast")
    await bench.clock.advance(1)
    error = WwGoInvalidResponseError("bad")
    bench.device.read_errors = [error]
    bench.reads.start()
    await bench.clock.advance(READ_RETRY_DELAY - 0.01)
    assert bench.device.read_times == [1]
    assert bench.errors == [error]
    assert bench.log == ["read WwGoInvalidResponseError", "changes running", "after"]
    await bench.clock.advance(0.01)
    assert bench.device.read_times == [1, 1 + READ_RETRY_DELAY]
    assert bench.log[3:] == ["read ok", "changes success", "after"]


async def test_an_unexpected_error_is_logged_once_and_counts_as_a_failed_read(
    bench: Bench, caplog: pytest.LogCaptureFixture
) -> None:
    await bench.start("long")
    bench.device.read_errors = [RecursionError("deep"), KeyError("x")]
    with caplog.at_level(logging.DEBUG, logger=READS_LOGGER):
        bench.reads.start()
        await bench.clock.advance(2 * READ_RETRY_DELAY)
        assert bench.device.read_times == [0, READ_RETRY_DELAY, 2 * READ_RETRY_DELAY]
        assert [type(error) for error in bench.errors] == [
            WwGoInvalidResponseError,
            WwGoInvalidResponseError,
            type(None),
        ]
        levels = [r.levelno for r in caplog.records if r.name == READS_LOGGER]
        assert levels == [logging.ERROR, logging.DEBUG]
        # A read that went well: the next such error is news again.
        bench.device.read_errors = [RecursionError("deep")]
        await bench.clock.advance(5)
    levels = [r.levelno for r in caplog.records if r.name == READS_LOGGER]
    assert levels == [logging.ERROR, logging.DEBUG, logging.ERROR]


async def test_a_failing_listener_costs_the_read_nothing(
    bench: Bench, caplog: pytest.LogCaptureFixture
) -> None:
    def on_read(_error: WwGoError | None) -> None:
        raise RuntimeError("listener bug")

    reads = ReadLoop(
        bench.device,
        bench.clock,
        bench.tracker,
        on_changes=bench.on_changes,
        on_read=on_read,
        after_read=lambda: bench.log.append("after"),
    )
    handle = await bench.start("fast")
    await bench.clock.advance(1)
    reads.start()
    await bench.clock.advance(0)
    assert handle.run.state is RunState.SUCCESS
    assert bench.log == ["changes success", "after"]
    assert "Error reporting a status read" in caplog.text
    reads.close()


@pytest.mark.parametrize("fault", ["none", "failed", "busy", "unexpected", "closed"])
async def test_after_read_follows_every_read(bench: Bench, fault: str) -> None:
    await bench.start("long")
    match fault:
        case "failed":
            bench.device.read_errors = [WwGoConnectionError("offline")]
        case "busy":
            bench.device.read_errors = [WwGoDeviceBusyError("busy")]
        case "unexpected":
            bench.device.read_errors = [RecursionError("deep")]
        case "closed":
            bench.device.answer_delay = 5.0
    bench.reads.start()
    await bench.clock.settle()
    if fault == "closed":
        assert bench.log == []
        bench.reads.close()  # the read under way is let go
    await bench.clock.settle()
    assert bench.log[-1] == "after"
    assert bench.log.count("after") == 1


async def test_closing_ends_the_reads(bench: Bench) -> None:
    await bench.start("long")
    bench.reads.schedule()
    bench.reads.close()
    bench.reads.start()
    bench.reads.soon()
    bench.reads.schedule()
    await bench.clock.advance(3600)
    assert (bench.device.reads, bench.log) == ([], [])
    assert bench.clock.pending_timers() == 0


@pytest.mark.parametrize("fault", ["offline", "busy"])
async def test_a_run_past_its_timeout_ends_though_no_read_succeeds(
    bench: Bench, fault: str
) -> None:
    handle = await bench.start("long")
    if fault == "offline":
        bench.device.offline = True
    else:
        bench.device.read_errors = [WwGoDeviceBusyError("busy", retry_after=None)] * 1000
    bench.reads.schedule()
    await bench.clock.advance(bench.tracker.run_timeout - 1)
    assert handle.run.state is RunState.RUNNING
    await bench.clock.advance(1 + READ_RETRY_DELAY)
    assert handle.run.state is RunState.TIMEOUT
    assert bench.log[-2:] == ["changes timeout", "after"]
    assert all(error is not None for error in bench.errors)
    reads = len(bench.device.reads)
    assert reads <= bench.tracker.run_timeout / READ_RETRY_DELAY + 1
    await bench.clock.advance(3600)
    assert len(bench.device.reads) == reads
