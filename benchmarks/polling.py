"""Load on a WW Go device, and results lost: the integration's status reads against naive polling.

Run with ``python -m benchmarks.polling [--quick] [--json] [--seed N]``.

Each scenario runs twice at the same time, each approach against its own fresh emulated device
(``simulator``) served over HTTP on 127.0.0.1, and the report gives the ratio naive/ours of every
count, so that a noisy machine slows both sides alike.

- ours: the integration's ``RunEngine`` on its ``WwGoClient``, as the integration drives them:
  one batched status read per cycle for every ID in flight, first read when the action usually
  finishes, no read while nothing is in flight, and no call that would push an unfinished result
  out of the device's 40-entry status window.
- naive: the vendor documentation's "Complete Action Monitoring" script, one loop per run: call,
  then read that run's own status IDs once a second until they are final.
"""

import argparse
import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
import contextlib
from dataclasses import asdict, dataclass
from operator import attrgetter
import random
from typing import Any, Final, Protocol

import aiohttp
from aiohttp import web

from custom_components.ww_go.wwgo import (
    LoopScheduler,
    Run,
    RunEngine,
    RunHandle,
    RunState,
    WwGoClient,
    WwGoDeviceBusyError,
)
from simulator import ActionDefinition, Device, RequestDefinition, create_app

from . import cli

LOOPBACK: Final = "127.0.0.1"
# The vendor script sleeps one second between two reads of a run's status.
NAIVE_POLL_INTERVAL: Final = 1.0
LOST_STATES: Final = frozenset({RunState.EXPIRED, RunState.TIMEOUT})
DEFAULT_MAX_EXECUTING: Final = 20
LABEL_WIDTH: Final = 30


@dataclass(frozen=True, slots=True)
class Config:
    """Sizes and timings of one benchmark run."""

    seed: int = 1
    durations: tuple[float, float] = (0.2, 1.5)
    """Shortest and longest action duration (s); each action's is drawn from the seed."""
    sequential_runs: int = 10
    sequential_actions: int = 3
    """The sequential runs take these actions in turn, so each action runs more than once."""
    concurrent_runs: int = 20
    burst_presses: int = 45
    burst_max_executing: int = 100
    idle_seconds: float = 10.0
    status_rate: float = 10.0
    """Status requests the device allows per second (0: no limit)."""
    first_status_id: int = 1000
    scenario_timeout: float = 120.0


DEFAULT: Final = Config()
QUICK: Final = Config(
    durations=(0.1, 0.5), sequential_runs=3, sequential_actions=2, idle_seconds=0.5
)


@dataclass(frozen=True, slots=True)
class Measurement:
    """What one approach cost the device in one scenario."""

    status_requests: int
    call_requests: int
    answers_429: int
    results_lost: int
    wall_time: float

    @property
    def status_per_minute(self) -> float:
        """Status requests per minute of the wall time."""
        return self.status_requests * 60 / self.wall_time if self.wall_time > 0 else 0.0


# The rows of a scenario's table: Measurement attribute, label, format of a value.
type Metric = tuple[str, str, str]
METRICS: Final[tuple[Metric, ...]] = (
    ("status_requests", "status requests", "{:d}"),
    ("call_requests", "call requests", "{:d}"),
    ("answers_429", "429 answers", "{:d}"),
    ("results_lost", "results lost", "{:d}"),
    ("wall_time", "wall time (s)", "{:.2f}"),
)
# Only while idle: elsewhere a faster approach would show a higher rate for fewer requests.
IDLE_METRICS: Final[tuple[Metric, ...]] = (
    *METRICS,
    ("status_per_minute", "status requests / idle minute", "{:.1f}"),
)


def ratio(naive: float, ours: float) -> float | None:
    """naive/ours; None when ours is 0 (infinite, or undefined when both are 0)."""
    return naive / ours if ours else None


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """Both approaches' measurements in one scenario."""

    key: str
    title: str
    shows: str
    naive: Measurement
    ours: Measurement
    metrics: tuple[Metric, ...] = METRICS

    def ratios(self) -> dict[str, float | None]:
        """naive/ours of every metric."""
        return {
            name: ratio(getattr(self.naive, name), getattr(self.ours, name))
            for name, _, _ in self.metrics
        }

    def as_json(self) -> dict[str, Any]:
        """The result as a JSON object."""
        return {
            "scenario": self.key,
            "title": self.title,
            "shows": self.shows,
            "naive": self._measurement_json(self.naive),
            "ours": self._measurement_json(self.ours),
            "ratio_naive_to_ours": {name: _rounded(value) for name, value in self.ratios().items()},
        }

    def _measurement_json(self, measurement: Measurement) -> dict[str, Any]:
        return {name: _rounded(getattr(measurement, name)) for name, _, _ in self.metrics}


def _rounded(value: float | None) -> float | None:
    # Timing noise below a millisecond (or a thousandth of a ratio) is not information.
    return value if value is None or isinstance(value, int) else round(value, 3)


# -- the two ways of reading results --


class Driver(Protocol):
    """Runs actions on one device and counts the results it could not read."""

    lost: int

    async def run(self, action_id: str) -> None:
        """Run the action and wait until its result is read, or known lost."""

    def active(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Keep whatever background work the approach needs going."""


class NaiveDriver:
    """One independent loop per run, as in the vendor's script; no knowledge of the window."""

    def __init__(self, client: WwGoClient) -> None:
        """Poll through ``client``."""
        self.client = client
        self.lost = 0

    @contextlib.asynccontextmanager
    async def active(self) -> AsyncIterator[None]:
        """Nothing runs in the background: every run polls on its own."""
        yield

    async def run(self, action_id: str) -> None:
        """Call, then read the run's status IDs every second until final or gone."""
        status_ids = await self._call(action_id)
        while True:
            try:
                answer = await self.client.statuses(status_ids)
            except WwGoDeviceBusyError:
                # The script reads a refusal as "no code yet" and polls again a second later.
                pass
            else:
                if any(status_id not in answer for status_id in status_ids):
                    self.lost += 1
                    return
                if all(answer[status_id].state.final for status_id in status_ids):
                    return
            await asyncio.sleep(NAIVE_POLL_INTERVAL)

    async def _call(self, action_id: str) -> tuple[int, ...]:
        while True:
            try:
                return await self.client.call(action_id)
            except WwGoDeviceBusyError as err:
                # The script gives up here; retrying keeps the two approaches' run counts equal.
                await asyncio.sleep(err.retry_after or NAIVE_POLL_INTERVAL)


class EngineDriver:
    """The integration's way: the run engine that ships, on the event loop's clock."""

    def __init__(self, client: WwGoClient) -> None:
        """Run actions through a fresh ``RunEngine`` on ``client``."""
        self.client = client
        self.lost = 0
        self.ends: dict[RunHandle, asyncio.Future[Run]] = {}
        self.engine = RunEngine(client, LoopScheduler(), self._count_lost)

    def _count_lost(self, handle: RunHandle, run: Run) -> None:
        if run.state in LOST_STATES:
            self.lost += 1
        if run.ended:
            self.ends.pop(handle).set_result(run)

    @contextlib.asynccontextmanager
    async def active(self) -> AsyncIterator[None]:
        """The engine schedules its own reads; stop it at the end."""
        try:
            yield
        finally:
            self.engine.close()

    async def run(self, action_id: str) -> None:
        """Call (queued while the window or the device asks), then wait for the result."""
        handle = RunHandle(action_id)
        end = self.ends[handle] = asyncio.get_running_loop().create_future()
        await self.engine.call(handle)
        await end


type DriverFactory = Callable[[WwGoClient], Driver]
APPROACHES: Final[dict[str, DriverFactory]] = {"naive": NaiveDriver, "ours": EngineDriver}


# -- scenarios --


class Bench:
    """One approach on one device: what a workload runs on, and what it measured."""

    def __init__(self, device: Device, driver: Driver) -> None:
        """Start measuring now."""
        self.device = device
        self.driver = driver
        self._loop = asyncio.get_running_loop()
        self._started = self._loop.time()

    def restart(self) -> None:
        """Measure from now on only."""
        self.device.reset_stats()
        self.driver.lost = 0
        self._started = self._loop.time()

    def measurement(self) -> Measurement:
        """The device's counters and the driver's losses since the (re)start."""
        stats = self.device.stats()
        return Measurement(
            status_requests=stats["requests"]["status"],
            call_requests=stats["requests"]["call"],
            answers_429=stats["status_rejected"] + stats["call_rejected"]["429"],
            results_lost=self.driver.lost,
            wall_time=round(self._loop.time() - self._started, 3),
        )


type Workload = Callable[[Bench, Config, list[str]], Awaitable[None]]


async def _sequential(bench: Bench, config: Config, action_ids: list[str]) -> None:
    for number in range(config.sequential_runs):
        await bench.driver.run(action_ids[number % len(action_ids)])


async def _all_at_once(bench: Bench, config: Config, action_ids: list[str]) -> None:
    async with asyncio.TaskGroup() as group:
        for action_id in action_ids:
            group.create_task(bench.driver.run(action_id))


async def _idle(bench: Bench, config: Config, action_ids: list[str]) -> None:
    # One run first, so that "idle" means "after activity", when a poller could linger.
    await bench.driver.run(action_ids[0])
    bench.restart()
    await asyncio.sleep(config.idle_seconds)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A workload, the actions it uses, the device limit it runs under and what it reports."""

    key: str
    title: Callable[[Config], str]
    shows: str
    actions: Callable[[Config], int]
    max_executing: Callable[[Config], int]
    workload: Workload
    metrics: tuple[Metric, ...] = METRICS


def _default_limit(config: Config) -> int:
    return DEFAULT_MAX_EXECUTING


SCENARIOS: Final = (
    Scenario(
        "sequential",
        lambda c: (
            f"{c.sequential_runs} runs, one at a time ({c.sequential_actions} actions in turn)"
        ),
        "The everyday case: a button pressed now and then. Ours reads an action's first run "
        "early and ever less often, later runs when they usually end (learnt from the runs "
        "before); naive reads at once, then every second.",
        attrgetter("sequential_actions"),
        _default_limit,
        _sequential,
    ),
    Scenario(
        "concurrent",
        lambda c: f"{c.concurrent_runs} runs of distinct actions at once",
        "Many runs in flight: ours reads them all in one request per cycle; naive sends one "
        "request per run per second, over the device's status rate limit.",
        attrgetter("concurrent_runs"),
        _default_limit,
        _all_at_once,
    ),
    Scenario(
        "burst",
        lambda c: (
            f"a burst of {c.burst_presses} presses of distinct actions, device allowing "
            f"{c.burst_max_executing} requests at once"
        ),
        "More runs than the device's 40-entry status window: naive's first results are pushed "
        "out before it reads them; ours holds the calls that would evict an unfinished result.",
        attrgetter("burst_presses"),
        attrgetter("burst_max_executing"),
        _all_at_once,
    ),
    Scenario(
        "idle",
        lambda c: f"{c.idle_seconds:g} s idle after one run",
        "Nothing in flight: ours reads nothing for its own runs (the naive way reads nothing "
        "either); following other clients' runs adds a look a minute (benchmarks/others.py).",
        lambda _: 1,
        _default_limit,
        _idle,
        IDLE_METRICS,
    ),
)


def make_actions(config: Config, scenario: str, count: int) -> list[ActionDefinition]:
    """``count`` one-request HTTP actions with durations drawn from the seed and the scenario."""
    rng = random.Random(f"{config.seed}/{scenario}")  # noqa: S311 - reproducible timings, not secrets
    low, high = config.durations
    return [
        ActionDefinition(
            f"bench_{number:02d}",
            f"Benchmark action {number}",
            (RequestDefinition("http", 200, round(rng.uniform(low, high), 2)),),
        )
        for number in range(count)
    ]


@contextlib.asynccontextmanager
async def serve(device: Device) -> AsyncIterator[str]:
    """Serve ``device`` over HTTP on the loopback interface; yield its ``host:port``."""
    runner = web.AppRunner(create_app(device))
    await runner.setup()
    try:
        site = web.TCPSite(runner, LOOPBACK, 0)
        await site.start()
        port = runner.addresses[0][1]
        yield f"{LOOPBACK}:{port}"
    finally:
        await runner.cleanup()


async def measure(
    scenario: Scenario, config: Config, actions: list[ActionDefinition], approach: DriverFactory
) -> Measurement:
    """Run the scenario's workload with one approach on a fresh device."""
    device = Device(
        actions,
        first_status_id=config.first_status_id,
        status_rate=config.status_rate,
        max_executing=scenario.max_executing(config),
    )
    async with serve(device) as host, aiohttp.ClientSession() as session:
        driver = approach(WwGoClient(session, host))
        async with driver.active(), asyncio.timeout(config.scenario_timeout):
            bench = Bench(device, driver)
            await scenario.workload(bench, config, [action.id for action in actions])
            return bench.measurement()


async def run_scenario(scenario: Scenario, config: Config) -> ScenarioResult:
    """Run both approaches at the same time, each on its own device."""
    actions = make_actions(config, scenario.key, scenario.actions(config))
    naive, ours = await asyncio.gather(
        *(measure(scenario, config, actions, APPROACHES[name]) for name in ("naive", "ours"))
    )
    return ScenarioResult(
        scenario.key, scenario.title(config), scenario.shows, naive, ours, scenario.metrics
    )


async def run(config: Config = DEFAULT) -> list[ScenarioResult]:
    """Run every scenario, one after another."""
    return [await run_scenario(scenario, config) for scenario in SCENARIOS]


# -- reports --


def _ratio_text(naive: float, ours: float) -> str:
    if ours:
        return f"{naive / ours:.2f}"
    return "inf" if naive else "-"


def format_scenario(number: int, result: ScenarioResult) -> str:
    """One scenario's table."""
    lines = [
        f"{number}. {result.key}: {result.title}",
        f"   {result.shows}",
        f"   {'':{LABEL_WIDTH}}{'naive':>9}{'ours':>9}{'naive/ours':>12}",
    ]
    for name, label, fmt in result.metrics:
        naive, ours = getattr(result.naive, name), getattr(result.ours, name)
        lines.append(
            f"   {label:{LABEL_WIDTH}}{fmt.format(naive):>9}{fmt.format(ours):>9}"
            f"{_ratio_text(naive, ours):>12}"
        )
    return "\n".join(lines)


def format_report(config: Config, results: Sequence[ScenarioResult]) -> str:
    """The tables of every scenario, under a line saying how they were run."""
    low, high = config.durations
    rate = f"{config.status_rate:g}/s" if config.status_rate > 0 else "off"
    header = (
        f"WW Go polling benchmark: seed {config.seed}, action durations {low:g}-{high:g} s, "
        f"status rate limit {rate}; naive and ours run side by side, each on its own device."
    )
    tables = [format_scenario(number, result) for number, result in enumerate(results, 1)]
    return "\n\n".join([header, *tables])


def report_json(config: Config, results: Sequence[ScenarioResult]) -> dict[str, Any]:
    """The configuration and every scenario's results, as one JSON object."""
    return {"config": asdict(config), "scenarios": [result.as_json() for result in results]}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line (``sys.argv[1:]`` when ``argv`` is None)."""
    return cli.parse_args(
        "python -m benchmarks.polling",
        "Compare the device load and lost results of the integration's status "
        "reads with naive per-run polling, on the emulated WW Go device.",
        argv,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print its report."""
    args = parse_args(argv)
    config = cli.configured(args, DEFAULT, QUICK)
    results = asyncio.run(run(config))
    cli.show(args, lambda: format_report(config, results), lambda: report_json(config, results))


if __name__ == "__main__":
    main()
