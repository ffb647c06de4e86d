"""The device's state and behaviour, without HTTP."""

from __future__ import annotations

import asyncio

import pytest

from simulator import (
    ActionDefinition,
    ActionDisabled,
    ActionRunning,
    Device,
    DeviceBusy,
    DeviceError,
    RateLimited,
    RequestDefinition,
    UnknownAction,
    default_actions,
)

from .conftest import FAST_ACTIONS, FIRST_ID, SEQUENCE_STEP, LoopClock, make_device


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def entry(action_id: str, status_id: int, code: int, exe_time: float) -> dict[str, object]:
    return {"action_id": action_id, "id": status_id, "code": code, "exe_time": exe_time}


async def test_defaults() -> None:
    device = Device()
    assert device.actions == default_actions()
    assert 100 <= device.next_status_id <= 10000
    assert device.running_code == -1
    assert device.status_rate == 10.0
    assert device.status_window == 40
    assert device.max_executing == 20
    assert device.executing == 0
    first = device.call("1")
    assert first == [device.next_status_id - 1]
    await device.aclose()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"actions": [*FAST_ACTIONS, FAST_ACTIONS[0]]}, "action id '1' is defined twice"),
        ({"status_window": 0}, "status_window must be at least 1"),
    ],
)
def test_invalid_device(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Device(**kwargs)  # type: ignore[arg-type]


def test_call_needs_a_running_loop() -> None:
    device = make_device()
    with pytest.raises(RuntimeError):
        device.call("1")
    assert device.stats()["requests"]["call"] == 0
    assert device.status_ids == []


async def test_ids_increase_monotonically(device: Device, clock: LoopClock) -> None:
    assert device.call("1") == [FIRST_ID]
    assert device.call("sequence") == [FIRST_ID + 1, FIRST_ID + 2, FIRST_ID + 3]
    assert device.call("partly_disabled") == [FIRST_ID + 4, FIRST_ID + 5]
    assert device.advance_external(2) == [FIRST_ID + 6, FIRST_ID + 7]
    await clock.advance(3 * SEQUENCE_STEP)
    assert device.call("1") == [FIRST_ID + 8]
    assert device.next_status_id == FIRST_ID + 9


async def test_another_clients_run_takes_the_next_ids(device: Device) -> None:
    assert device.call("1") == [FIRST_ID]
    assert device.call_as_other("sequence") == [FIRST_ID + 1, FIRST_ID + 2, FIRST_ID + 3]
    assert device.advance_external(1) == [FIRST_ID + 4]
    assert device.call("http_not_found") == [FIRST_ID + 5]
    assert device.status_ids == list(range(FIRST_ID, FIRST_ID + 6))


async def test_another_clients_run_executes_as_a_call(device: Device, clock: LoopClock) -> None:
    ids = device.call_as_other("sequence")
    assert device.is_running("sequence")
    assert device.executing == 3
    assert device.statuses(ids) == [entry("sequence", i, -1, 0.0) for i in ids]
    await clock.advance(3 * SEQUENCE_STEP)
    assert not device.is_running("sequence")
    assert device.executing == 0
    assert device.statuses(ids) == [
        entry("sequence", ids[0], 200, SEQUENCE_STEP),
        entry("sequence", ids[1], 1, SEQUENCE_STEP),
        entry("sequence", ids[2], 204, SEQUENCE_STEP),
    ]


async def test_a_call_and_another_clients_run_exclude_each_other(device: Device) -> None:
    device.call_as_other("slow")
    with pytest.raises(ActionRunning):
        device.call("slow")
    with pytest.raises(ActionRunning):
        device.call_as_other("slow")
    device.call("sequence")
    with pytest.raises(ActionRunning):
        device.call_as_other("sequence")
    assert device.stats()["call_rejected"]["409"] == 1


@pytest.mark.parametrize(
    ("action_id", "error"),
    [
        ("nonexistent", UnknownAction),
        ("disabled_action", ActionDisabled),
        ("all_requests_disabled", ActionDisabled),
    ],
)
async def test_another_client_is_refused_as_a_call_is(
    device: Device, action_id: str, error: type[DeviceError]
) -> None:
    with pytest.raises(error):
        device.call_as_other(action_id)
    assert device.status_ids == []
    assert device.next_status_id == FIRST_ID


async def test_another_client_finds_the_device_busy() -> None:
    device = make_device(max_executing=3)
    device.busy_retry_after = 7
    device.call("sequence")
    with pytest.raises(DeviceBusy) as caught:
        device.call_as_other("1")
    assert caught.value.retry_after == 7
    await device.aclose()


async def test_another_clients_runs_are_not_counted(device: Device) -> None:
    device.call_as_other("slow")
    for action_id in ("slow", "nonexistent", "disabled_action"):
        with pytest.raises(DeviceError):
            device.call_as_other(action_id)
    assert device.stats() == {
        "requests": {"call": 0, "status": 0, "actions": 0},
        "status_ids_per_request": [],
        "status_rejected": 0,
        "call_rejected": {"400": 0, "404": 0, "409": 0, "429": 0},
    }


def test_another_clients_run_needs_a_running_loop() -> None:
    device = make_device()
    with pytest.raises(RuntimeError):
        device.call_as_other("1")
    assert device.status_ids == []


@pytest.mark.parametrize(
    ("action_id", "code", "exe_time"),
    [
        ("1", 200, 0.01),
        ("http_not_found", 404, 0.02),
        ("modbus_write", 1, 0.015),
        ("modbus_timeout", -3, 0.03),
        ("modbus_slave_failure", -104, 0.013),
    ],
)
@pytest.mark.parametrize("running_code", [-1, 0])
async def test_running_then_final(
    clock: LoopClock, action_id: str, code: int, exe_time: float, running_code: int
) -> None:
    device = make_device(running_code=running_code)
    (status_id,) = device.call(action_id)
    assert device.is_running(action_id)
    assert device.executing == 1
    assert device.statuses([status_id]) == [entry(action_id, status_id, running_code, 0.0)]
    await clock.advance(exe_time)
    assert device.statuses([status_id]) == [entry(action_id, status_id, code, exe_time)]
    assert not device.is_running(action_id)
    assert device.executing == 0


async def test_requests_of_a_run_execute_one_after_another(
    device: Device, clock: LoopClock
) -> None:
    ids = device.call("sequence")
    assert [e["code"] for e in device.statuses(ids)] == [-1, -1, -1]
    # Each step of a request's duration ends one request, the next one only: a request starts
    # when the one before it has finished.
    for codes in ([200, -1, -1], [200, 1, -1], [200, 1, 204]):
        await clock.advance(SEQUENCE_STEP)
        assert [e["code"] for e in device.statuses(ids)] == codes
    assert device.statuses(ids) == [
        entry("sequence", ids[0], 200, SEQUENCE_STEP),
        entry("sequence", ids[1], 1, SEQUENCE_STEP),
        entry("sequence", ids[2], 204, SEQUENCE_STEP),
    ]


async def test_different_actions_run_concurrently(device: Device, clock: LoopClock) -> None:
    ids = device.call("modbus_timeout") + device.call("http_not_found") + device.call("1")
    assert device.executing == 3
    # Each run ends its own duration after the call (0.03, 0.02 and 0.01 s): all three are done
    # by 0.03 s, where one after another they would take 0.06 s.
    for codes in ([-1, -1, 200], [-1, 404, 200], [-3, 404, 200]):
        await clock.advance(0.01)
        assert [e["code"] for e in device.statuses(ids)] == codes
    assert device.executing == 0


async def test_disabled_requests_get_no_status(device: Device, clock: LoopClock) -> None:
    ids = device.call("partly_disabled")
    assert len(ids) == 2
    await clock.advance(0.02)
    assert [(e["code"], e["exe_time"]) for e in device.statuses(ids)] == [(200, 0.01), (1, 0.01)]


@pytest.mark.parametrize(
    ("action_id", "error", "status"),
    [
        ("nonexistent", UnknownAction, 404),
        ("disabled_action", ActionDisabled, 400),
        ("all_requests_disabled", ActionDisabled, 400),
    ],
)
async def test_refused_calls(
    device: Device, action_id: str, error: type[DeviceError], status: int
) -> None:
    with pytest.raises(error) as caught:
        device.call(action_id)
    assert caught.value.status == status
    assert device.status_ids == []
    assert device.stats()["call_rejected"] == {
        "400": int(status == 400),
        "404": int(status == 404),
        "409": 0,
        "429": 0,
    }


async def test_action_running_until_its_last_request_finishes(
    device: Device, clock: LoopClock
) -> None:
    ids = device.call("sequence")
    with pytest.raises(ActionRunning) as caught:
        device.call("sequence")
    assert caught.value.status == 409
    await clock.advance(2 * SEQUENCE_STEP)
    assert [e["code"] for e in device.statuses(ids)] == [200, 1, -1]
    with pytest.raises(ActionRunning):
        device.call("sequence")
    device.call("1")  # another action may run meanwhile
    await clock.advance(SEQUENCE_STEP)
    assert device.call("sequence") == [ids[-1] + 2, ids[-1] + 3, ids[-1] + 4]
    assert device.stats()["call_rejected"]["409"] == 2


async def test_busy_over_max_executing(clock: LoopClock) -> None:
    device = make_device(max_executing=4)
    device.call("sequence")
    device.call("1")  # 4 in progress: at the limit, not over it
    with pytest.raises(DeviceBusy) as caught:
        device.call("modbus_write")
    assert caught.value.status == 429
    assert device.executing == 4
    await clock.advance(3 * SEQUENCE_STEP)
    assert device.executing == 0
    device.call("modbus_write")
    assert device.stats()["call_rejected"]["429"] == 1
    await device.aclose()


async def test_window_keeps_the_newest_statuses(device: Device) -> None:
    (status_id,) = device.call("1")
    device.advance_external(38)
    assert status_id in device.status_ids
    assert len(device.status_ids) == 39
    device.advance_external(1)
    assert device.status_ids[0] == status_id
    assert len(device.status_ids) == 40
    device.advance_external(1)
    assert status_id not in device.status_ids
    assert device.status_ids == list(range(status_id + 1, status_id + 41))
    assert device.statuses([status_id, status_id + 1]) == [
        entry("external", status_id + 1, 200, 0.001)
    ]


async def test_evicted_run_still_executes(device: Device, clock: LoopClock) -> None:
    ids = device.call("sequence")
    device.advance_external(40)
    assert device.statuses(ids) == []
    assert device.is_running("sequence")
    await clock.advance(3 * SEQUENCE_STEP)
    assert not device.is_running("sequence")
    assert device.executing == 0
    assert device.statuses(ids) == []
    assert len(device.status_ids) == 40


async def test_own_calls_evict_too() -> None:
    device = make_device(status_window=3)
    first = device.call("1")
    device.call("sequence")
    assert device.status_ids == [FIRST_ID + 1, FIRST_ID + 2, FIRST_ID + 3]
    assert device.statuses(first) == []
    await device.aclose()


def test_advance_external_rejects_negative() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        make_device().advance_external(-1)


async def test_statuses_in_the_order_asked(device: Device, clock: LoopClock) -> None:
    ids = device.call("1") + device.call("http_not_found")
    await clock.advance(0.02)
    answer = device.statuses([ids[1], 5, ids[0], ids[1]])
    assert [e["id"] for e in answer] == [ids[1], ids[0], ids[1]]
    assert device.statuses([]) == []


async def test_rate_limit_sliding_window() -> None:
    clock = FakeClock()
    device = make_device(status_rate=3, clock=clock)
    for offset in (0.0, 0.5, 0.6):
        clock.now = 1000.0 + offset
        device.statuses([1])
    clock.now = 1000.9
    with pytest.raises(RateLimited) as caught:
        device.statuses([1])
    assert caught.value.status == 429
    assert caught.value.retry_after == 1
    clock.now = 1001.0  # the request at 1000.0 has left the window
    device.statuses([2])
    clock.now = 1001.05
    with pytest.raises(RateLimited):
        device.statuses([3])
    clock.now = 1001.6  # those at 1000.5 and 1000.6 have left it
    device.statuses([4])
    device.statuses([5])
    stats = device.stats()
    assert stats["status_rejected"] == 2
    assert stats["requests"]["status"] == 8
    assert stats["status_ids_per_request"] == [[1], [1], [1], [2], [4], [5]]


@pytest.mark.parametrize("elapsed", [0.0, 0.5, 0.999])
def test_retry_after_is_a_whole_second(elapsed: float) -> None:
    clock = FakeClock()
    device = make_device(status_rate=1, clock=clock)
    device.statuses([1])
    clock.now += elapsed
    with pytest.raises(RateLimited) as caught:
        device.statuses([1])
    assert caught.value.retry_after == 1
    assert "retry after 1 s" in str(caught.value)


def test_rate_limit_disabled() -> None:
    device = make_device(status_rate=0)
    for _ in range(100):
        device.statuses([1])
    assert device.stats()["status_rejected"] == 0


async def test_stats_and_reset(device: Device) -> None:
    assert device.stats() == {
        "requests": {"call": 0, "status": 0, "actions": 0},
        "status_ids_per_request": [],
        "status_rejected": 0,
        "call_rejected": {"400": 0, "404": 0, "409": 0, "429": 0},
    }
    ids = device.call("sequence")
    for action_id in ("sequence", "nonexistent", "disabled_action", "all_requests_disabled"):
        with pytest.raises(DeviceError):
            device.call(action_id)
    device.statuses(ids)
    device.statuses(ids[:1])
    listed = device.list_actions()
    assert [a["id"] for a in listed] == [a.id for a in FAST_ACTIONS]
    device.advance_external(3)  # other clients' calls are not counted
    stats = device.stats()
    assert stats == {
        "requests": {"call": 5, "status": 2, "actions": 1},
        "status_ids_per_request": [ids, ids[:1]],
        "status_rejected": 0,
        "call_rejected": {"400": 2, "404": 1, "409": 1, "429": 0},
    }
    stats["status_ids_per_request"][0].append(0)  # a copy: the device's counters are unchanged
    assert device.stats()["status_ids_per_request"] == [ids, ids[:1]]
    device.reset_stats()
    assert device.stats()["requests"] == {"call": 0, "status": 0, "actions": 0}
    assert device.stats()["call_rejected"] == {"400": 0, "404": 0, "409": 0, "429": 0}
    assert device.stats()["status_ids_per_request"] == []


def test_faults_default_off() -> None:
    faults = make_device().faults
    assert faults.as_json() == {
        "offline": False,
        "delay": 0.0,
        "malformed_json": False,
        "server_error": False,
        "answer": None,
    }
    faults.delay = 1.5
    assert faults.as_json()["delay"] == 1.5


async def test_close_cancels_runs(device: Device) -> None:
    device.call("slow")
    device.call("sequence")
    await asyncio.sleep(0)
    device.close()
    await device.wait_idle()
    assert device.executing == 0
    assert not device.is_running("slow")


@pytest.mark.parametrize("let_start", [True, False])
async def test_aclose_cancels_runs(device: Device, let_start: bool) -> None:
    ids = device.call("sequence")
    if let_start:
        await asyncio.sleep(0)
    await device.aclose()
    assert device.executing == 0
    assert not device.is_running("sequence")
    assert [e["code"] for e in device.statuses(ids)] == [-1, -1, -1]
    await device.aclose()  # closing twice is harmless


async def test_zero_duration_request() -> None:
    action = ActionDefinition("now", "Instant", (RequestDefinition("http", 200, 0.0),))
    device = Device([action], first_status_id=1)
    assert device.call("now") == [1]
    await device.wait_idle()  # no time passes: the run ends in loop turns
    assert device.statuses([1]) == [entry("now", 1, 200, 0.0)]


async def test_reboot_loses_statuses_and_restarts_the_ids() -> None:
    device = make_device()
    first = device.call("slow")
    await device.reboot(first_status_id=1)
    assert device.statuses(first) == []
    assert not device.is_running("slow")
    assert device.call("1") == [1]
    await device.aclose()


async def test_finished_at_tells_when_each_request_ended(clock: LoopClock) -> None:
    device = Device(
        [ActionDefinition("a", "A", (RequestDefinition("http", 200, 0.01),) * 2)],
        first_status_id=1,
        status_window=2,
    )
    started = clock.now
    ids = device.call("a")
    assert device.finished_at(ids[0]) is None
    # On the event loop's clock: the moment each request's duration ran out.
    await clock.advance(0.01)
    assert device.finished_at(ids[0]) == started + 0.01
    assert device.finished_at(ids[1]) is None
    await clock.advance(0.01)
    assert device.finished_at(ids[1]) == started + 0.01 + 0.01
    device.advance_external(2)  # both leave the window: nothing kept of them
    assert device.finished_at(ids[0]) is None
    await device.aclose()
