"""The command line: ``python -m simulator``."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from aiohttp import web
import pytest

import simulator
from simulator import ActionDefinition, Device, OtherClient, RequestDefinition
from simulator.__main__ import build, main, parse_args
from simulator.app import DEVICE_KEY, OTHER_CLIENTS_KEY

from .conftest import ClientOf, LoopClock, basic_auth, eventually

SCENARIO = {
    "actions": [{"id": "pump", "name": "Pump", "requests": [{"code": 201, "duration": 0.01}]}],
    "others": [{"action": "pump", "every": 30, "first": 5}],
}


def test_defaults() -> None:
    args = parse_args([])
    assert args.host == "127.0.0.1"
    assert args.port == 8080
    assert args.auth is None
    assert args.scenario is None
    assert args.actions is None
    assert args.others == ()
    assert args.json_status_ids is False
    assert args.no_actions_list is False
    assert args.running_code == -1
    assert args.status_rate == 10.0
    assert args.first_status_id is None


def test_every_option(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps(SCENARIO), encoding="utf-8")
    args = parse_args(
        [
            "--host=192.168.1.100",
            "--port",
            "9000",
            "--auth",
            "admin:pa:ss",
            "--scenario",
            str(scenario),
            "--json-status-ids",
            "--no-actions-list",
            "--running-code",
            "0",
            "--status-rate",
            "2.5",
            "--first-status-id",
            "139",
        ]
    )
    assert (args.host, args.port) == ("192.168.1.100", 9000)
    assert args.auth == ("admin", "pa:ss")
    assert args.actions == (
        ActionDefinition("pump", "Pump", (RequestDefinition("http", 201, 0.01),)),
    )
    assert args.others == (OtherClient("pump", 30.0, 5.0),)
    assert args.json_status_ids is True
    assert args.no_actions_list is True
    assert args.running_code == 0
    assert args.status_rate == 2.5
    assert args.first_status_id == 139


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--auth", "admin"], "--auth must be USER:PASS"),
        (["--auth", ":secret"], "--auth must be USER:PASS"),
        (["--running-code", "1"], "invalid choice"),
        (["--port", "http"], "invalid int value"),
        (["--scenario", "absent.yaml"], "cannot read the scenario"),
        (["--scenario", "scenario.txt"], "must end with .json, .yaml or .yml"),
    ],
)
def test_bad_command_lines(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        parse_args(argv)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


async def test_build_default(client_of: ClientOf) -> None:
    app = build(["--first-status-id", "500"])
    assert isinstance(app, web.Application)
    client = await client_of(app)
    response = await client.post("/api/v1/actions/call?id=1")
    assert response.status == 202
    assert response.headers["Location"] == "/api/v1/actions/status?id=500"
    body = await (await client.get("/api/v1/actions")).json()
    assert [action["id"] for action in body["actions"]][:2] == ["1", "light_toggle"]
    entries = await (await client.get("/api/v1/actions/status?id=500")).json()
    assert entries == [{"action_id": "1", "id": 500, "code": -1, "exe_time": 0}]
    assert app[OTHER_CLIENTS_KEY].others == ()


async def test_build_with_options(
    tmp_path: Path, client_of: ClientOf, clock: LoopClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The device's rate limit on the frozen clock: both reads come within one of its seconds.
    monkeypatch.setattr(simulator.__main__, "Device", functools.partial(Device, clock=clock))
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(json.dumps(SCENARIO), encoding="utf-8")  # JSON is YAML too
    app = build(
        [
            f"--scenario={scenario}",
            "--auth=admin:secret",
            "--json-status-ids",
            "--no-actions-list",
            "--running-code=0",
            "--status-rate=1",
            "--first-status-id=7",
        ]
    )
    client = await client_of(app)
    auth = {"Authorization": basic_auth("admin", "secret")}
    assert (await client.post("/api/v1/actions/call?id=pump")).status == 401
    response = await client.post("/api/v1/actions/call?id=pump", headers=auth)
    assert await response.json() == {"status_ids": [7]}
    entries = await (await client.get("/api/v1/actions/status?id=7", headers=auth)).json()
    assert entries == [{"action_id": "pump", "id": 7, "code": 0, "exe_time": 0}]
    assert (await client.get("/api/v1/actions/status?id=7", headers=auth)).status == 429
    assert (await client.get("/api/v1/actions", headers=auth)).status == 404


async def test_build_with_other_clients(tmp_path: Path, client_of: ClientOf) -> None:
    scenario = tmp_path / "scenario.json"
    others = [{"action": "pump", "every": 0.005, "first": 0}]
    scenario.write_text(json.dumps(SCENARIO | {"others": others}), encoding="utf-8")
    app = build([f"--scenario={scenario}", "--first-status-id=7"])
    client = await client_of(app)
    await eventually(lambda: 7 in app[DEVICE_KEY].status_ids)
    entries = await (await client.get("/api/v1/actions/status?id=7")).json()
    assert entries[0]["action_id"] == "pump"
    assert (await (await client.get("/_sim/stats")).json())["requests"]["call"] == 0


def test_shipped_scenario_of_other_clients() -> None:
    path = Path(simulator.__file__).parent / "scenarios" / "others.yaml"
    app = build(["--scenario", str(path)])
    others = app[OTHER_CLIENTS_KEY].others
    assert len(others) == 2
    actions = {action.id for action in app[DEVICE_KEY].actions}
    assert {other.action_id for other in others} <= actions


def test_main_serves_until_interrupted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[tuple[web.Application, dict[str, Any]]] = []

    def run_app(app: web.Application, **kwargs: Any) -> None:
        served.append((app, kwargs))

    monkeypatch.setattr(web, "run_app", run_app)
    main(["--host", "192.168.1.100", "--port", "8181"])
    assert capsys.readouterr().out == "WW Go emulated device on http://192.168.1.100:8181\n"
    ((app, kwargs),) = served
    assert isinstance(app, web.Application)
    assert kwargs == {"host": "192.168.1.100", "port": 8181, "print": None}
