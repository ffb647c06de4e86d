"""The polling benchmark, in its quick configuration: what its report promises must hold."""

from dataclasses import replace
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
from homeassistant.core import HomeAssistant

from benchmarks import cli, fanout, latency, others, polling, press, setup


async def test_quick_benchmark_keeps_its_promises(socket_enabled: None) -> None:
    results = {result.key: result for result in await polling.run(polling.QUICK)}

    assert list(results) == [scenario.key for scenario in polling.SCENARIOS]
    for result in results.values():
        assert result.ours.status_requests <= result.naive.status_requests, result.key
        assert result.ours.call_requests == result.naive.call_requests, result.key
    concurrent, burst, idle = results["concurrent"], results["burst"], results["idle"]
    assert concurrent.ours.status_requests < concurrent.naive.status_requests
    assert burst.ours.results_lost == 0
    # The burst outgrows the device's status window: the naive way loses the first results.
    assert burst.naive.results_lost > 0
    assert idle.ours.status_requests == 0
    assert idle.ours.status_per_minute == 0

    report = polling.format_report(polling.QUICK, list(results.values()))
    assert "naive/ours" in report
    document = json.loads(json.dumps(polling.report_json(polling.QUICK, list(results.values()))))
    assert [scenario["scenario"] for scenario in document["scenarios"]] == list(results)
    for scenario in document["scenarios"]:
        result = results[scenario["scenario"]]
        for approach, measured in (("naive", result.naive), ("ours", result.ours)):
            assert scenario[approach]["status_requests"] == measured.status_requests
            assert scenario[approach]["results_lost"] == measured.results_lost
    by_key = {scenario["scenario"]: scenario for scenario in document["scenarios"]}
    assert by_key["concurrent"]["ratio_naive_to_ours"]["status_requests"] > 1
    assert by_key["idle"]["ours"]["status_per_minute"] == 0


def test_command_line_options() -> None:
    assert polling.parse_args([]).quick is False
    args = polling.parse_args(["--quick", "--json", "--seed", "7"])
    assert (args.quick, args.json, args.seed) == (True, True, 7)
    assert cli.configured(args, polling.DEFAULT, polling.QUICK) == replace(polling.QUICK, seed=7)
    plain = latency.parse_args([])
    assert cli.configured(plain, latency.DEFAULT, latency.QUICK) is latency.DEFAULT


async def test_quick_latency_benchmark_keeps_its_promises(socket_enabled: None) -> None:
    results = {result.key: result for result in await latency.run(latency.QUICK)}
    assert list(results) == [scenario.key for scenario in latency.SCENARIOS]
    for result in results.values():
        assert len(result.ours.latencies) == len(result.naive.latencies) > 0
        assert all(value >= 0 for value in result.ours.latencies)
    # An action whose runs last as long each time is read once, when it has ended; naive polling
    # reads it while it runs too.
    assert results["stable"].ours.requests_per_run == 1
    assert results["stable"].ours.requests_per_run < results["stable"].naive.requests_per_run
    report = latency.format_report(latency.QUICK, list(results.values()))
    assert "latency p95" in report


async def test_fanout_follows_what_changed(
    hass: HomeAssistant, socket_enabled: None, enable_custom_integrations: None
) -> None:
    """A read writes the entities of the action it changed, whatever the number of actions."""
    ours = await fanout.measure(hass, 20, naive=False, cycles=3, idle_minutes=3)
    naive = await fanout.measure(hass, 20, naive=True, cycles=3, idle_minutes=3)
    assert ours.writes_per_cycle <= 6
    assert ours.writes_per_idle_hour == 0
    assert naive.writes_per_cycle > 20 * 5
    assert naive.writes_per_idle_hour > 0
    assert ours.saves_per_cycle <= 2  # the run accepted, the run ended
    assert await fanout.saves_per_read(hass, seconds=10) == 0


async def test_setup_benchmark_measures_every_way(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    socket_enabled: None,
    enable_custom_integrations: None,
) -> None:
    timings = await setup.run(hass, hass_storage, devices=2, actions=5, rounds=2)
    assert [timing.way for timing in timings] == ["fresh", "restored", "floor"]
    assert all(len(timing.seconds) == 2 for timing in timings)
    report = setup.format_report(timings, devices=2, actions=5)
    assert "2 devices x 5 actions (60 entities)" in report
    assert "/ floor" in report


async def test_press_benchmark_measures_the_press(
    hass: HomeAssistant, socket_enabled: None, enable_custom_integrations: None
) -> None:
    latency = await press.measure_latency(hass, presses=3)
    assert len(latency.returned) == len(latency.shown) == 2
    assert all(
        back >= shown >= 0 for back, shown in zip(latency.returned, latency.shown, strict=True)
    )
    one_at_a_time = await press.measure_side_by_side(hass, parallel_updates=1, seconds=0.3)
    ours = await press.measure_side_by_side(hass, seconds=0.3)  # as the button platform ships
    # The two presses waited side by side: the device ran both runs at once.
    assert ours.runs_at_once == 2
    # Before 2026.5, Home Assistant let a press of a single entity skip PARALLEL_UPDATES: there,
    # one press at a time is not.
    if (MAJOR_VERSION, MINOR_VERSION) >= (2026, 5):
        assert one_at_a_time.runs_at_once == 1
    assert "one at a time" in press.format_report(latency, ours, one_at_a_time)


async def test_following_others_costs_a_read_a_minute_and_no_write(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    socket_enabled: None,
    enable_custom_integrations: None,
) -> None:
    following, own = await others.measure(
        hass, freezer, idle_minutes=3, other_runs=2, concurrent=4, sequential=2
    )
    assert following.idle_status_per_minute <= 1.0
    assert own.idle_status_per_minute == 0
    assert following.idle_state_writes == following.idle_store_writes == 0
    # Another client's run: shown within a minute's look and one read of its end; never without.
    assert following.reported == 2
    assert all(delay is not None and delay <= 61.0 for delay in following.delays)
    assert own.reported == 0
    # Home Assistant's own runs: following others adds no status request.
    assert following.own_concurrent_status == own.own_concurrent_status
    assert following.own_sequential_status == own.own_sequential_status
    assert "own runs only" in others.format_report([following, own], idle_minutes=3)
