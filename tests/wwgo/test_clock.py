"""The running loop's clock and timers, as the engine uses them in Home Assistant."""

import asyncio
import time

import pytest

from custom_components.ww_go.wwgo import LoopScheduler, Scheduler


async def _turns(count: int = 5) -> None:
    """Let the loop go round: a timer due now runs within two turns."""
    for _ in range(count):
        await asyncio.sleep(0)


async def test_now_is_the_loops_clock() -> None:
    loop = asyncio.get_running_loop()
    scheduler: Scheduler = LoopScheduler()
    before = loop.time()
    now = scheduler.now()
    assert before <= now <= loop.time()


async def test_wall_is_the_time_of_day() -> None:
    assert abs(LoopScheduler().wall() - time.time()) < 60


async def test_a_timer_runs_and_a_cancelled_one_does_not() -> None:
    scheduler = LoopScheduler()
    ran: list[str] = []
    scheduler.call_later(0, lambda: ran.append("kept"))
    cancel = scheduler.call_later(0, lambda: ran.append("cancelled"))
    cancel()
    await _turns()
    assert ran == ["kept"]


async def test_a_timer_waits_for_its_delay() -> None:
    scheduler = LoopScheduler()
    ran: list[str] = []
    cancel = scheduler.call_later(3600, lambda: ran.append("late"))
    await _turns()
    assert ran == []
    cancel()


async def test_a_task_runs_under_its_name() -> None:
    scheduler = LoopScheduler()
    ran: list[str] = []

    async def work() -> None:
        ran.append("work")

    task = scheduler.create_task(work(), "WW Go status read")
    assert task.get_name() == "WW Go status read"
    assert task.get_loop() is asyncio.get_running_loop()
    await task
    assert ran == ["work"]


def test_it_needs_a_running_loop() -> None:
    with pytest.raises(RuntimeError):
        LoopScheduler()
