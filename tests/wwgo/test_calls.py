"""The call queue on a fake clock: one call at a time, busy retries, the window, and its callers."""

import asyncio
from collections.abc import AsyncIterator, Collection
import gc
import logging
import math

import pytest

from custom_components.ww_go.wwgo import (
    EndReason,
    Run,
    RunHandle,
    RunState,
    RunTracker,
    WwGoActionDisabledError,
    WwGoActionQueuedError,
    WwGoActionRunningError,
    WwGoTimeoutError,
)
from custom_components.ww_go.wwgo.calls import (
    BUSY_BACKOFF_MAX,
    BUSY_RETRY_LIMIT,
    WINDOW_WAIT,
    CallQueue,
)
from custom_components.ww_go.wwgo.reads import ReadLoop
from custom_components.ww_go.wwgo.tracker import Change, Sent

from .fakes import WALL_START, FakeClock, FakeDevice, outcome

CALLS_LOGGER = "custom_components.ww_go.wwgo.calls"


class Bench:
    """A call queue over a real tracker and read loop, and a fake device.

    What the queue hands on is logged in order: each run accepted, reported queued, or ended. No
    read is planned for an accepted run: reads happen when the queue asks for one (or a test does),
    and then on the schedule while runs are in flight.
    """

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.device = FakeDevice(
            clock,
            actions={
                "fast": [(200, 0.2)],
                "long": [(200, 1000.0)],
                "seq": [(200, 0.1), (200, 0.1), (200, 0.1)],
            },
        )
        self.tracker = RunTracker()
        self.log: list[str] = []
        self.ends: dict[RunHandle, Run] = {}
        self.reads = ReadLoop(
            self.device,
            clock,
            self.tracker,
            on_changes=self._changes,
            on_read=lambda _error: None,
            after_read=self._after_read,
        )
        self.queue = CallQueue(
            self.device, clock, self.tracker, self.reads, accept=self._accept, report=self._report
        )

    def _accept(self, handle: RunHandle, status_ids: Collection[int], _sent: Sent) -> None:
        clock = self.clock
        handle.update(self.tracker.start(handle, status_ids, clock.now(), clock.wall()))
        self.log.append(f"{handle.action_id} accepted")

    def _report(self, handle: RunHandle, run: Run) -> None:
        handle.update(run)
        self.log.append(f"{run.action_id} {run.state}")
        if run.ended:
            assert handle not in self.ends, "a run ended twice"
            self.ends[handle] = run

    def _after_read(self) -> None:
        self.queue.wake_window_waiters()

    def _changes(self, changes: list[Change]) -> None:
        for handle, run in changes:
            handle.update(run)

    async def call(self, action_id: str, wait: float = math.inf) -> RunHandle:
        """Call an action as a caller does, with a handle of its own."""
        handle = RunHandle(action_id)
        await self.queue.call(handle, wait)
        return handle

    def press(self, action_id: str, wait: float = math.inf) -> tuple[RunHandle, asyncio.Task[None]]:
        """Call an action in the background: a caller waiting for the first answer."""
        handle = RunHandle(action_id)
        return handle, asyncio.ensure_future(self.queue.call(handle, wait))

    async def fill(self, count: int, first: float = 1000.0) -> list[RunHandle]:
        """Runs of `count` actions in flight, unread: the first lasts `first`, the rest long."""
        for number in range(count):
            self.device.actions[f"a{number}"] = [(200, first if number == 0 else 1000.0)]
        return [await self.call(f"a{number}") for number in range(count)]

    async def quiet_after(self) -> bool:
        """Whether, for two minutes on, nothing calls the device and no timer is left."""
        calls = self.device.calls
        await self.clock.advance(120)
        return self.device.calls == calls and self.clock.pending_timers() == 0


@pytest.fixture
async def bench(clock: FakeClock) -> AsyncIterator[Bench]:
    bench = Bench(clock)
    yield bench
    bench.queue.close()
    bench.reads.close()
    if bench.device.gate is not None:
        bench.device.gate.set()
    await bench.queue.wait_closed()
    await clock.settle()


async def test_a_call_the_device_accepts_is_handed_on(bench: Bench) -> None:
    handle = await bench.call("seq")
    assert bench.log == ["seq accepted"]
    assert (handle.run.state, handle.run.status_ids) == (RunState.RUNNING, (100, 101, 102))
    assert bench.queue.actions == []
    assert bench.clock.pending_timers() == 0


async def test_one_call_at_a_time(bench: Bench) -> None:
    bench.device.gate = asyncio.Event()
    _, first = bench.press("fast")
    _, second = bench.press("seq")
    await bench.clock.advance(30)
    # The second action's call waits while the first is on the wire, however long.
    assert bench.device.calls == 1
    assert bench.queue.actions == ["fast", "seq"]
    bench.device.gate.set()
    await bench.clock.settle()
    assert (first.done(), second.done()) == (True, True)
    assert bench.log == ["fast accepted", "seq accepted"]
    assert bench.device.calls == 2


async def test_a_busy_device_queues_the_run_and_retries_with_growing_pauses(
    bench: Bench,
) -> None:
    bench.device.busy_calls = 4
    bench.device.busy_retry_after = None
    handle = await bench.call("fast")
    assert bench.log == ["fast queued"]
    assert handle.run.state is RunState.QUEUED
    await bench.clock.advance(30)
    assert bench.device.call_times == [0, 1, 3, 7, 15]
    assert bench.log == ["fast queued", "fast accepted"]  # reported queued once
    assert bench.queue.actions == []


async def test_a_device_busy_for_the_limit_fails_the_run(bench: Bench) -> None:
    bench.device.busy_calls = 1000
    bench.device.busy_retry_after = None
    handle = await bench.call("fast")
    await bench.clock.advance(BUSY_RETRY_LIMIT - 0.1)
    assert bench.log == ["fast queued"]
    await bench.clock.advance(0.1)
    # Pauses of 1, 2, 4 and 8 s, then of at most BUSY_BACKOFF_MAX, the last cut to the limit.
    assert bench.device.call_times == [0, 1, 3, 7, 15, 25, 35, 45, 55]
    assert BUSY_BACKOFF_MAX == 10
    assert bench.log == ["fast queued", "fast failure"]
    ended = outcome(bench.ends[handle])
    assert (ended.reason, ended.ended_at) == (EndReason.BUSY, WALL_START + BUSY_RETRY_LIMIT)
    assert ended.description == "The device stayed busy for 60 seconds; the action was not run"
    assert bench.ends[handle].status_ids == ()
    assert await bench.quiet_after()
    assert bench.queue.actions == []


async def test_busy_calls_are_retried_as_the_device_asks(bench: Bench) -> None:
    bench.device.busy_calls = 1000
    bench.device.busy_retry_after = 7.0
    handle = await bench.call("fast")
    await bench.clock.advance(BUSY_RETRY_LIMIT + 1)
    assert bench.device.call_times == [7.0 * number for number in range(9)]
    assert outcome(bench.ends[handle]).reason is EndReason.BUSY


# -- the window of the device's 40 newest statuses --


async def test_a_call_that_would_push_out_unread_results_reads_first(bench: Bench) -> None:
    """The read finds the oldest run ended: there is room, and the call goes through."""
    first, *_ = await bench.fill(40, first=0.1)
    await bench.clock.advance(1)
    assert bench.device.reads == []
    await bench.call("fast")
    assert bench.device.reads == [list(range(100, 140))]
    assert first.run.state is RunState.SUCCESS
    assert bench.log[-1] == "fast accepted"
    assert "fast queued" not in bench.log


async def test_a_call_still_at_risk_waits_for_a_read_that_makes_room(bench: Bench) -> None:
    first, *_ = await bench.fill(40, first=5.0)
    handle = await bench.call("fast")
    assert bench.device.read_times == [0]  # read first: still at risk
    assert bench.log[-1] == "fast queued"
    assert bench.device.calls == 40
    await bench.clock.advance(10)
    assert first.run.state is RunState.SUCCESS
    [called] = bench.device.call_times[40:]
    # Called after the read that found the oldest run ended, not a WINDOW_WAIT later.
    assert called in bench.device.read_times
    assert 5.0 <= called < 5.0 + WINDOW_WAIT
    assert bench.log[-2:] == ["fast queued", "fast accepted"]
    assert handle.run.status_ids == (140,)


async def test_held_for_the_window_until_the_limit_fails_the_run(bench: Bench) -> None:
    await bench.fill(40)
    handle = await bench.call("fast")
    await bench.clock.advance(BUSY_RETRY_LIMIT + 1)
    assert bench.device.calls == 40  # never called
    assert bench.log[-2:] == ["fast queued", "fast failure"]
    ended = outcome(bench.ends[handle])
    assert (ended.reason, ended.ended_at) == (EndReason.WINDOW_FULL, WALL_START + BUSY_RETRY_LIMIT)
    assert ended.description == (
        "Earlier results stayed unread for 60 seconds (the device keeps only its 40 newest); "
        "the action was not run"
    )


@pytest.mark.parametrize(("listed", "held"), [(None, False), (3, False), (4, True)])
async def test_an_action_never_called_counts_as_listed(
    bench: Bench, listed: int | None, held: bool
) -> None:
    """37 unread IDs: a call taking 4 more would push the oldest out."""
    bench.device.actions["big"] = [(200, 0.1)] * 4
    await bench.fill(37)
    bench.tracker.actions = {"big": listed}
    await bench.call("big")
    assert bench.log[-1] == ("big queued" if held else "big accepted")


# -- a caller's wait for the first answer --


async def test_a_refusal_within_the_wait_reaches_the_caller_alone(bench: Bench) -> None:
    await bench.call("long")
    with pytest.raises(WwGoActionRunningError):
        await bench.call("long", wait=5)
    bench.device.call_errors = [WwGoActionDisabledError("disabled", status=400)]
    with pytest.raises(WwGoActionDisabledError):
        await bench.call("fast", wait=5)
    assert bench.log == ["long accepted"]  # nothing reported of the refused runs
    assert bench.queue.actions == []
    await bench.call("fast")  # nor do they wait: the action is called again
    assert bench.log == ["long accepted", "fast accepted"]


async def test_an_unexpected_error_while_the_caller_waits_reaches_the_caller(
    bench: Bench,
) -> None:
    bench.device.call_errors = [RuntimeError("bug")]
    with pytest.raises(RuntimeError, match="bug"):
        await bench.call("fast")
    assert (bench.log, bench.queue.actions) == ([], [])


async def test_an_answer_after_the_wait_leaves_the_run_queued_then_accepted(
    bench: Bench,
) -> None:
    bench.device.gate = asyncio.Event()
    handle, caller = bench.press("fast", wait=2)
    await bench.clock.advance(1.9)
    assert (caller.done(), bench.log) == (False, [])
    await bench.clock.advance(0.1)
    assert caller.done()
    assert caller.result() is None
    assert bench.log == ["fast queued"]
    assert bench.queue.actions == ["fast"]
    bench.device.gate.set()
    await bench.clock.settle()
    assert bench.log == ["fast queued", "fast accepted"]
    assert handle.run.state is RunState.RUNNING
    assert bench.queue.actions == []


async def test_a_call_unanswered_after_the_wait_ends_saying_it_may_have_run(bench: Bench) -> None:
    bench.device.gate = asyncio.Event()
    handle, caller = bench.press("fast", wait=2)
    await bench.clock.advance(2)
    bench.device.call_errors = [WwGoTimeoutError("no answer")]
    bench.device.gate.set()
    await bench.clock.advance(0)
    assert caller.result() is None
    assert bench.log == ["fast queued", "fast failure"]
    ended = outcome(bench.ends[handle])
    assert ended.reason is EndReason.REFUSED
    # The answer, not the call, may be what was lost: the device may well have run it.
    assert ended.description == (
        "The device did not answer the call in time; it may have run the action"
    )


async def test_a_refusal_after_the_wait_ends_the_run_refused(bench: Bench) -> None:
    await bench.call("long")
    bench.device.gate = asyncio.Event()
    handle, caller = bench.press("long", wait=2)
    await bench.clock.advance(2)
    bench.device.gate.set()
    await bench.clock.advance(0)
    assert caller.result() is None  # the caller stopped waiting: it hears of it as the run's end
    assert bench.log == ["long accepted", "long queued", "long failure"]
    ended = outcome(bench.ends[handle])
    assert (ended.reason, ended.ended_at) == (EndReason.REFUSED, WALL_START + 2)
    assert isinstance(ended.error, WwGoActionRunningError)
    assert ended.description == "Action long was already running on the device"
    await bench.clock.advance(120)
    assert bench.device.calls == 2  # a refusal is not retried
    assert bench.queue.actions == []


async def test_a_queued_run_refused_on_a_retry_ends_refused(bench: Bench) -> None:
    bench.device.busy_calls = 1
    handle = await bench.call("fast")
    error = WwGoActionDisabledError("disabled", status=400)
    bench.device.call_errors = [error]
    await bench.clock.advance(5)
    assert bench.log == ["fast queued", "fast failure"]
    ended = outcome(bench.ends[handle])
    assert (ended.reason, ended.error, ended.ended_at) == (EndReason.REFUSED, error, WALL_START + 1)
    assert ended.description == "Action fast is disabled on the device; it was not run"
    await bench.clock.advance(120)
    assert bench.device.calls == 2


async def test_a_caller_cancelled_while_waiting_leaves_the_run_queued_and_followed(
    bench: Bench,
) -> None:
    bench.device.gate = asyncio.Event()
    handle, caller = bench.press("fast")
    await bench.clock.settle()
    caller.cancel()
    await bench.clock.settle()
    assert caller.cancelled()
    assert bench.log == ["fast queued"]
    assert bench.queue.actions == ["fast"]
    bench.device.gate.set()
    await bench.clock.settle()
    assert bench.log == ["fast queued", "fast accepted"]
    assert handle.run.state is RunState.RUNNING


@pytest.mark.parametrize("waiting", ["on the wire", "queued"])
async def test_a_second_call_of_a_waiting_action_is_told_so(bench: Bench, waiting: str) -> None:
    if waiting == "on the wire":
        bench.device.gate = asyncio.Event()
        first, _ = bench.press("fast")
        await bench.clock.settle()
    else:
        bench.device.busy_calls = 1
        first = await bench.call("fast")
    second = RunHandle("fast")
    with pytest.raises(WwGoActionQueuedError):
        await bench.queue.call(second, math.inf)
    if bench.device.gate is not None:
        bench.device.gate.set()
    await bench.clock.advance(5)
    assert bench.log.count("fast accepted") == 1
    assert first.run.state is RunState.RUNNING
    assert second.run.state is RunState.QUEUED  # never called, never reported
    assert bench.device.calls == (1 if waiting == "on the wire" else 2)


# -- giving up, dropping, closing --


async def test_a_queued_run_given_up_never_runs(bench: Bench) -> None:
    bench.device.busy_calls = 1000
    bench.device.busy_retry_after = None
    handle = await bench.call("fast")
    await bench.clock.advance(3.2)
    await bench.queue.give_up(handle)
    assert bench.log == ["fast queued", "fast failure"]
    ended = outcome(bench.ends[handle])
    assert (ended.reason, ended.ended_at) == (EndReason.BUSY, WALL_START + 3.2)
    assert ended.description == "The device stayed busy for 3 seconds; the action was not run"
    assert await bench.quiet_after()
    assert bench.queue.actions == []


async def test_a_run_held_for_the_window_given_up_says_so(bench: Bench) -> None:
    await bench.fill(40)
    handle = await bench.call("fast")
    await bench.clock.advance(2)
    await bench.queue.give_up(handle)
    ended = outcome(bench.ends[handle])
    assert ended.reason is EndReason.WINDOW_FULL
    assert ended.description.startswith("Earlier results stayed unread for 2 seconds")
    await bench.clock.advance(10 * WINDOW_WAIT)
    assert bench.device.calls == 40


@pytest.mark.parametrize("answer", ["accepted", "busy"])
async def test_giving_up_waits_for_the_call_on_the_wire(bench: Bench, answer: str) -> None:
    """The device may be accepting the run: its answer decides, not a race."""
    bench.device.gate = asyncio.Event()
    bench.device.busy_calls = 1 if answer == "busy" else 0
    handle, _ = bench.press("fast", wait=1)
    await bench.clock.advance(1)
    giving_up = asyncio.ensure_future(bench.queue.give_up(handle))
    await bench.clock.advance(5)
    assert not giving_up.done()
    bench.device.gate.set()
    await bench.clock.settle()
    assert giving_up.done()
    if answer == "accepted":
        assert bench.log == ["fast queued", "fast accepted"]
        assert handle not in bench.ends
    else:
        assert bench.log == ["fast queued", "fast failure"]
        assert outcome(bench.ends[handle]).reason is EndReason.BUSY
    await bench.clock.advance(120)
    assert bench.device.calls == 1


async def test_giving_up_another_handle_leaves_the_waiting_run(bench: Bench) -> None:
    bench.device.busy_calls = 1
    handle = await bench.call("fast")
    await bench.queue.give_up(RunHandle("fast"))
    await bench.queue.give_up(RunHandle("seq"))
    await bench.clock.advance(5)
    assert bench.log == ["fast queued", "fast accepted"]
    await bench.queue.give_up(handle)  # accepted by now: nothing to give up
    assert bench.log == ["fast queued", "fast accepted"]


async def test_dropping_a_queued_run_stops_its_calls(bench: Bench) -> None:
    bench.device.busy_calls = 1000
    handle = await bench.call("fast")
    assert bench.queue.drop("fast") is handle
    assert (bench.queue.drop("fast"), bench.queue.drop("seq")) == (None, None)
    assert bench.queue.actions == []
    assert await bench.quiet_after()
    assert bench.log == ["fast queued"]  # whoever drops it says how it ended


async def test_dropping_a_run_on_the_wire_lets_its_call_go(bench: Bench) -> None:
    bench.device.gate = asyncio.Event()
    handle, caller = bench.press("fast")
    await bench.clock.settle()
    assert bench.queue.drop("fast") is handle
    await bench.clock.settle()
    assert caller.done()
    bench.device.gate.set()
    await bench.clock.advance(5)
    assert bench.log == []
    assert bench.device.runs == []
    await bench.call("fast")  # the action may be called again
    assert bench.log == ["fast accepted"]


async def test_closing_stops_the_retries(bench: Bench) -> None:
    bench.device.busy_calls = 1000
    await bench.call("fast")
    await bench.clock.advance(2)
    bench.queue.close()
    await bench.queue.wait_closed()  # no call under way
    assert await bench.quiet_after()
    assert bench.log == ["fast queued"]  # not ended: whoever closes says what becomes of it


async def test_a_read_after_closing_wakes_no_held_call(bench: Bench) -> None:
    first, *_ = await bench.fill(40, first=0.1)
    await bench.call("fast")
    assert bench.log[-1] == "fast queued"
    bench.queue.close()
    await bench.clock.advance(10 * WINDOW_WAIT)
    assert first.run.state is RunState.SUCCESS  # read: there would be room now
    assert bench.device.calls == 40
    assert bench.log[-1] == "fast queued"


async def test_closing_lets_the_call_on_the_wire_finish_and_makes_no_other(
    bench: Bench,
) -> None:
    bench.device.gate = asyncio.Event()
    _, first = bench.press("fast")
    second, waiting_its_turn = bench.press("seq")
    await bench.clock.settle()
    bench.queue.close()
    bench.device.gate.set()
    await bench.queue.wait_closed()
    await bench.clock.advance(120)
    assert (first.done(), waiting_its_turn.done()) == (True, True)
    assert bench.log == ["fast accepted"]
    assert bench.device.calls == 1
    assert second.run.state is RunState.QUEUED  # whoever closes says what becomes of it


async def test_wait_closed_waits_for_the_call_on_the_wire(bench: Bench) -> None:
    """A call under way when closing is let finish: the device may accept it."""
    bench.device.gate = asyncio.Event()
    handle, _ = bench.press("fast", wait=1)
    await bench.clock.advance(1)
    bench.queue.close()
    closed = asyncio.ensure_future(bench.queue.wait_closed())
    await bench.clock.advance(5)
    assert not closed.done()
    bench.device.gate.set()
    await bench.clock.settle()
    assert closed.done()
    assert bench.log == ["fast queued", "fast accepted"]
    assert handle.run.state is RunState.RUNNING


# -- errors no answer should cause --


async def test_a_refusal_as_its_caller_is_cancelled_is_not_left_unretrieved(
    bench: Bench,
) -> None:
    loop = asyncio.get_running_loop()
    unhandled: list[str] = []
    handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: unhandled.append(context["message"]))
    try:
        bench.device.gate = asyncio.Event()
        bench.device.call_errors = [WwGoActionRunningError("409", status=409)]
        _, caller = bench.press("fast")
        await bench.clock.settle()
        # The device's refusal and the caller's cancellation arrive in the same turn.
        bench.device.gate.set()
        caller.cancel()
        await bench.clock.settle()
        assert caller.cancelled()
        del caller  # its cancellation's traceback holds the call's task
        gc.collect()
        await bench.clock.settle()
    finally:
        loop.set_exception_handler(handler)
    assert unhandled == []


async def test_an_unexpected_error_in_a_retry_is_logged_once_and_retries_go_on(
    bench: Bench, caplog: pytest.LogCaptureFixture
) -> None:
    bench.device.busy_calls = 1
    bench.device.busy_retry_after = None
    await bench.call("fast")
    bench.device.call_errors = [RuntimeError("bug"), RuntimeError("bug")]
    with caplog.at_level(logging.DEBUG, logger=CALLS_LOGGER):
        await bench.clock.advance(30)
    assert bench.device.call_times == [0, 1, 3, 7]
    assert bench.log == ["fast queued", "fast accepted"]
    levels = [r.levelno for r in caplog.records if r.name == CALLS_LOGGER]
    assert levels == [logging.ERROR, logging.DEBUG]


async def test_an_unexpected_error_after_the_caller_stopped_waiting_is_retried(
    bench: Bench, caplog: pytest.LogCaptureFixture
) -> None:
    bench.device.gate = asyncio.Event()
    bench.device.call_errors = [RuntimeError("bug")]
    _, caller = bench.press("fast", wait=1)
    await bench.clock.advance(1)
    bench.device.gate.set()
    with caplog.at_level(logging.DEBUG, logger=CALLS_LOGGER):
        await bench.clock.advance(5)
    assert caller.result() is None
    assert bench.log == ["fast queued", "fast accepted"]
    levels = [r.levelno for r in caplog.records if r.name == CALLS_LOGGER]
    assert levels == [logging.ERROR]
