"""The polling benchmark, in its quick configuration: what its report promises must hold."""

import json

from benchmarks import polling


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
