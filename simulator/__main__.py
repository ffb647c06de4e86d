"""Run the emulated WW Go device: ``python -m simulator [options]`` (``--help`` lists them)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from .app import create_app
from .device import Device
from .scenario import load_scenario


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line (``sys.argv[1:]`` when ``argv`` is None)."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Serve an emulated WW Go device: its actions API over HTTP.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8080, help="port to listen on (default: %(default)s)"
    )
    parser.add_argument("--auth", metavar="USER:PASS", help="require HTTP Basic authentication")
    parser.add_argument(
        "--scenario",
        type=Path,
        metavar="FILE",
        help="JSON or YAML file of actions, and of other clients that run some of them",
    )
    parser.add_argument(
        "--json-status-ids",
        action="store_true",
        help='answer calls with a JSON {"status_ids": [...]} body instead of a Location header',
    )
    parser.add_argument(
        "--no-actions-list", action="store_true", help="do not serve GET /api/v1/actions"
    )
    parser.add_argument(
        "--running-code",
        type=int,
        choices=(-1, 0),
        default=-1,
        help="code of a request still running (default: %(default)s)",
    )
    parser.add_argument(
        "--status-rate",
        type=float,
        default=10.0,
        metavar="N",
        help="status requests allowed per second, 0 for no limit (default: %(default)s)",
    )
    parser.add_argument(
        "--first-status-id", type=int, metavar="ID", help="first status ID (default: random)"
    )
    args = parser.parse_args(argv)
    if args.auth is not None:
        user, sep, password = args.auth.partition(":")
        if not sep or not user:
            parser.error("--auth must be USER:PASS")
        args.auth = (user, password)
    args.actions, args.others = None, ()
    if args.scenario is not None:
        try:
            scenario = load_scenario(args.scenario)
        except ValueError as err:
            parser.error(str(err))
        args.actions, args.others = scenario.actions, scenario.others
    return args


def app_from_args(args: argparse.Namespace) -> web.Application:
    """Make the device and its app as the parsed command line says."""
    device = Device(
        args.actions,
        running_code=args.running_code,
        status_rate=args.status_rate,
        first_status_id=args.first_status_id,
    )
    return create_app(
        device,
        auth=args.auth,
        json_status_ids=args.json_status_ids,
        actions_list=not args.no_actions_list,
        others=args.others,
    )


def build(argv: Sequence[str] | None = None) -> web.Application:
    """Make the app the command line ``argv`` describes."""
    return app_from_args(parse_args(argv))


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the emulated device until interrupted."""
    args = parse_args(argv)
    app = app_from_args(args)
    print(f"WW Go emulated device on http://{args.host}:{args.port}", flush=True)
    web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
