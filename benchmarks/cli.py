"""The command line the benchmarks share: a quick configuration, JSON output, another seed."""

import argparse
from collections.abc import Callable, Sequence
from dataclasses import replace
import json
from typing import Any, Protocol


class Seeded(Protocol):
    """A benchmark's configuration: a frozen dataclass with a seed."""

    @property
    def seed(self) -> int:
        """The seed of the durations."""


def parse_args(prog: str, description: str, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line (``sys.argv[1:]`` when ``argv`` is None)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--quick", action="store_true", help="a small, fast configuration")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--seed", type=int, help="seed of the durations (default: 1)")
    return parser.parse_args(argv)


def configured[ConfigT: Seeded](
    args: argparse.Namespace, default: ConfigT, quick: ConfigT
) -> ConfigT:
    """The configuration the command line asks for."""
    config = quick if args.quick else default
    return config if args.seed is None else replace(config, seed=args.seed)  # type: ignore[type-var]


def show(args: argparse.Namespace, report: Callable[[], str], document: Callable[[], Any]) -> None:
    """Print the report, or the JSON document when asked for."""
    print(json.dumps(document(), indent=2, allow_nan=False) if args.json else report())
