"""How long a finished run waits before Home Assistant knows it, and what the reads cost.

Run with ``python -m benchmarks.latency [--quick] [--json] [--seed N]``.

Latency is measured from the moment the emulated device finished a run's last request to the
moment the approach reports the run's result, on the same event loop clock. Each scenario runs both
approaches at the same time, each on its own emulated device served over HTTP on 127.0.0.1:

- ours: the run engine that ships (``RunEngine``), with the integration's read schedule.
- naive: the vendor documentation's script: call, read at once, then every second.

Scenarios press one action at a time, each press a moment after the previous result is known:
30 first runs of 30 actions; 30 runs of one action lasting the same each time; 30 runs of one
action whose duration varies from run to run. Where an action runs more than once, its first run is
left out of the figures (the first scenario measures first runs). Each scenario is played as several
such sequences at once, each on devices of its own, so that a percentile rests on enough runs.
"""

import argparse
import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
import contextlib
from dataclasses import asdict, dataclass
import random
import statistics
from typing import Any, Final

import aiohttp

from custom_components.ww_go.wwgo import (
    LoopScheduler,
    Run,
    RunEngine,
    RunHandle,
    WwGoClient,
    WwGoDeviceBusyError,
)
from simulator import ActionDefinition, Device, RequestDefinition

from . import cli
from .polling import serve

NAIVE_POLL_INTERVAL: Final = 1.0


@dataclass(frozen=True, slots=True)
class Config:
    """Sizes and timings of one benchmark run."""

    seed: int = 1
    runs: int = 30
    sequences: int = 24
    """Sequences of `runs` presses played at once, each on its own pair of devices."""
    varying: tuple[float, float] = (0.2, 3.0)
    """Shortest and longest duration of a run whose duration varies (s)."""
    stable: float = 1.3
    """The duration of the action that always takes as long (s)."""
    pause: float = 0.2
    """Seconds between a known result and the next press."""


DEFAULT: Final = Config()
QUICK: Final = Config(runs=6, sequences=1, varying=(0.1, 0.8), stable=0.3, pause=0.05)


@dataclass(frozen=True, slots=True)
class Measurement:
    """One approach in one scenario: latencies (s) and the status requests it sent."""

    latencies: tuple[float, ...]
    status_requests: int

    @property
    def p50(self) -> float:
        """The median latency."""
        return statistics.median(self.latencies)

    @property
    def p95(self) -> float:
        """The 95th percentile of the latencies."""
        return statistics.quantiles(self.latencies, n=20, method="inclusive")[-1]

    @property
    def requests_per_run(self) -> float:
        """Status requests per run."""
        return self.status_requests / len(self.latencies)


class Approach:
    """Presses actions on one device and tells when each run's result became known."""

    def __init__(self, device: Device, client: WwGoClient) -> None:
        """Use ``client`` to reach ``device``."""
        self.device = device
        self.client = client
        self.loop = asyncio.get_running_loop()

    def latency(self, status_ids: Sequence[int], known_at: float) -> float:
        """From the run's last request finishing on the device to the result being known."""
        ended = [self.device.finished_at(status_id) for status_id in status_ids]
        assert all(end is not None for end in ended), "a run was reported before it ended"
        return known_at - max(end for end in ended if end is not None)

    async def run(self, action_id: str) -> float:
        """Run the action; the latency of its result."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop whatever goes on in the background."""


class Ours(Approach):
    """The run engine that ships."""

    def __init__(self, device: Device, client: WwGoClient) -> None:
        """A fresh engine on the client."""
        super().__init__(device, client)
        self.known_at: dict[tuple[int, ...], float] = {}
        self.ends: dict[RunHandle, asyncio.Future[Run]] = {}
        self.engine = RunEngine(client, LoopScheduler(), self._reported)

    def _reported(self, handle: RunHandle, run: Run) -> None:
        if run.ended:
            self.known_at[run.status_ids] = self.loop.time()
            self.ends.pop(handle).set_result(run)

    async def run(self, action_id: str) -> float:
        """Call through the engine, wait for the result."""
        handle = RunHandle(action_id)
        end = self.ends[handle] = self.loop.create_future()
        await self.engine.call(handle)
        run = await end
        return self.latency(run.status_ids, self.known_at[run.status_ids])

    def close(self) -> None:
        """Stop the engine."""
        self.engine.close()


class Naive(Approach):
    """The vendor documentation's script: read at once, then every second."""

    async def run(self, action_id: str) -> float:
        """Call, then poll the run's own status IDs until they are final."""
        status_ids = await self.client.call(action_id)
        while True:
            with contextlib.suppress(WwGoDeviceBusyError):
                answer = await self.client.statuses(status_ids)
                if all(i in answer and answer[i].state.final for i in status_ids):
                    return self.latency(status_ids, self.loop.time())
            await asyncio.sleep(NAIVE_POLL_INTERVAL)


APPROACHES: Final[dict[str, Callable[[Device, WwGoClient], Approach]]] = {
    "naive": Naive,
    "ours": Ours,
}


@dataclass(frozen=True, slots=True)
class Scenario:
    """Which action each press runs, and how long each run takes."""

    key: str
    title: str
    # The action of the n-th press, and its duration.
    press: Callable[[Config, random.Random, int], tuple[str, float]]
    # Runs at the start left out of the figures.
    warm_up: int = 1


SCENARIOS: Final = (
    Scenario(
        "first",
        "the first run of each of {runs} actions, durations {varying[0]:g}-{varying[1]:g} s",
        lambda config, rng, n: (f"action_{n}", rng.uniform(*config.varying)),
        warm_up=0,
    ),
    Scenario(
        "stable",
        "{runs} runs of one action lasting {stable:g} s each time",
        lambda config, rng, n: ("action", config.stable),
    ),
    Scenario(
        "varying",
        "{runs} runs of one action lasting {varying[0]:g}-{varying[1]:g} s, varying per run",
        lambda config, rng, n: ("action", rng.uniform(*config.varying)),
    ),
)


@contextlib.asynccontextmanager
async def _approach(name: str, device: Device) -> AsyncIterator[Approach]:
    async with serve(device) as host, aiohttp.ClientSession() as session:
        approach = APPROACHES[name](device, WwGoClient(session, host))
        try:
            yield approach
        finally:
            approach.close()


async def _sequence(
    scenario: Scenario, config: Config, name: str, number: int
) -> tuple[list[float], int]:
    """One sequence of presses with one approach on a fresh device: the latencies and status
    requests of the runs after the warm-up."""
    rng = random.Random(f"{config.seed}/{scenario.key}/{number}")  # noqa: S311 - reproducible
    presses = [scenario.press(config, rng, n) for n in range(config.runs)]
    device = Device([], first_status_id=1000)
    latencies = []
    async with _approach(name, device) as approach:
        for index, (action_id, duration) in enumerate(presses):
            if index == scenario.warm_up:
                device.reset_stats()
            request = RequestDefinition("http", 200, round(duration, 3))
            device.set_actions([ActionDefinition(action_id, action_id, (request,))])
            latencies.append(await approach.run(action_id))
            await asyncio.sleep(config.pause)
    return latencies[scenario.warm_up :], device.stats()["requests"]["status"]


async def measure(scenario: Scenario, config: Config, name: str) -> Measurement:
    """The scenario's sequences with one approach, each on its own device."""
    played = await asyncio.gather(
        *(_sequence(scenario, config, name, number) for number in range(config.sequences))
    )
    latencies = [latency for sequence, _ in played for latency in sequence]
    return Measurement(tuple(latencies), sum(requests for _, requests in played))


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """Both approaches in one scenario."""

    key: str
    title: str
    naive: Measurement
    ours: Measurement

    def as_json(self) -> dict[str, Any]:
        """The figures as a JSON object."""
        return {
            "scenario": self.key,
            "title": self.title,
            **{
                name: {
                    "p50": round(measured.p50, 3),
                    "p95": round(measured.p95, 3),
                    "status_requests_per_run": round(measured.requests_per_run, 2),
                }
                for name, measured in (("naive", self.naive), ("ours", self.ours))
            },
        }


async def run_scenario(scenario: Scenario, config: Config) -> ScenarioResult:
    """Both approaches side by side, each on its own device."""
    naive, ours = await asyncio.gather(
        measure(scenario, config, "naive"), measure(scenario, config, "ours")
    )
    title = scenario.title.format(**asdict(config))
    return ScenarioResult(scenario.key, title, naive, ours)


async def run(config: Config = DEFAULT) -> list[ScenarioResult]:
    """Every scenario, one after another."""
    return [await run_scenario(scenario, config) for scenario in SCENARIOS]


ROWS: Final = (
    ("latency p50 (s)", "p50", "{:.2f}"),
    ("latency p95 (s)", "p95", "{:.2f}"),
    ("status requests / run", "requests_per_run", "{:.2f}"),
)


def format_report(config: Config, results: Sequence[ScenarioResult]) -> str:
    """A table per scenario."""
    header = (
        f"WW Go latency benchmark: seed {config.seed}, {config.sequences} sequences of "
        f"{config.runs} presses per scenario; latency from the device finishing a run to its "
        "result being known; naive and ours side by side, each on its own device."
    )
    lines = [header]
    for number, result in enumerate(results, 1):
        lines += ["", f"{number}. {result.key}: {result.title}"]
        lines.append(f"   {'':26}{'naive':>9}{'ours':>9}{'naive/ours':>12}")
        for label, name, fmt in ROWS:
            naive, ours = getattr(result.naive, name), getattr(result.ours, name)
            ratio = f"{naive / ours:.2f}" if ours else "inf"
            lines.append(f"   {label:26}{fmt.format(naive):>9}{fmt.format(ours):>9}{ratio:>12}")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    return cli.parse_args(
        "python -m benchmarks.latency",
        "Latency from a run's end on the device to its result being known, and the "
        "status requests per run, for the integration's run engine and for naive polling.",
        argv,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print its report."""
    args = parse_args(argv)
    config = cli.configured(args, DEFAULT, QUICK)
    results = asyncio.run(run(config))
    cli.show(
        args,
        lambda: format_report(config, results),
        lambda: {"config": asdict(config), "scenarios": [r.as_json() for r in results]},
    )


if __name__ == "__main__":
    main()
