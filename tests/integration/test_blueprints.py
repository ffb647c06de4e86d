"""The blueprints users import, loaded by Home Assistant and run against the emulated device."""

import asyncio
from collections.abc import Callable
from datetime import timedelta
import json
from pathlib import Path
import re
import shutil
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation.helpers import (
    async_get_blueprints as automation_blueprints,
)
from homeassistant.components.script.helpers import async_get_blueprints as script_blueprints
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

from simulator import ActionDefinition, Device, RequestDefinition

from .conftest import ACTIONS, action, advance, finish_runs
from .helpers import event, start_run, states

CHECKOUT = Path(__file__).parents[2]
BLUEPRINTS = CHECKOUT / "blueprints"
REPOSITORY = "https://github.com/ww-go-ha/ww_go"
RAW = "https://raw.githubusercontent.com/ww-go-ha/ww_go/main/"
README = CHECKOUT / "README.md"
IMPORT_LINK = re.compile(
    r"\((https://my\.home-assistant\.io/redirect/blueprint_import/\?[^)\s]+)\)"
)

NOTIFY = "ww_go/notify_on_failure.yaml"
RETRY = "ww_go/retry_failed_action.yaml"
RUN_AND_BRANCH = "ww_go/run_and_branch.yaml"
DOMAINS = ("automation", "script")

# The action a user wants to hear about: it runs long enough to be caught by an outage.
SLOW_FAILURE = action("slow_failure", "Slow failure", RequestDefinition("http", 503, 0.3))


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """A configuration directory holding the blueprints, where Home Assistant looks for them."""
    for domain in DOMAINS:
        shutil.copytree(
            BLUEPRINTS / domain, Path(hass_tmp_config_dir, "blueprints", domain), dirs_exist_ok=True
        )
    return hass_tmp_config_dir


@pytest.fixture
def notifications(hass: HomeAssistant) -> list[ServiceCall]:
    """The calls of the notification action the user chose."""
    return async_mock_service(hass, "test", "notify")


NOTIFY_ACTION = [
    {
        "action": "test.notify",
        "data": {
            "title": "{{ title }}",
            "message": "{{ message }}",
            "raw": "{{ [action_name, description, code] }}",
        },
    }
]


async def use_blueprint(hass: HomeAssistant, path: str, inputs: dict[str, Any]) -> None:
    """Set up an automation made from a blueprint, with these inputs."""
    automation = {"use_blueprint": {"path": path, "input": inputs}}
    assert await async_setup_component(hass, "automation", {"automation": [automation]})
    await hass.async_block_till_done()


def events(*slugs: str) -> list[str]:
    """The run event entities of some actions."""
    return [f"event.ww_go_{slug}_run" for slug in slugs]


# Notify when an action fails


@pytest.mark.usefixtures("init_integration")
async def test_notify_on_failure(
    hass: HomeAssistant, device: Device, notifications: list[ServiceCall]
) -> None:
    await use_blueprint(
        hass,
        NOTIFY,
        {
            "run_events": events("fast_http_request", "failing_http_request"),
            "notify": NOTIFY_ACTION,
        },
    )
    await start_run(hass, "fast_http_request")
    await finish_runs(hass, device)
    assert notifications == []  # a success is no news

    await start_run(hass, "failing_http_request")
    await finish_runs(hass, device)
    assert [call.data for call in notifications] == [
        {
            "title": "WW Go: Failing HTTP request failed",
            "message": "Failing HTTP request on WW Go failed: Not Found (code 404).",
            "raw": ["Failing HTTP request", "Not Found", 404],
        }
    ]


@pytest.mark.usefixtures("init_integration")
async def test_notify_says_when_another_client_started_the_run(
    hass: HomeAssistant, device: Device, notifications: list[ServiceCall]
) -> None:
    await use_blueprint(
        hass, NOTIFY, {"run_events": events("failing_http_request"), "notify": NOTIFY_ACTION}
    )
    await start_run(hass, "fast_http_request")  # Home Assistant knows where the IDs stand
    await finish_runs(hass, device)
    device.call_as_other("http_not_found")  # the device's own web page, say
    await device.wait_idle()
    await advance(hass, 61)  # the minute's look for other clients' runs
    assert [call.data["message"] for call in notifications] == [
        (
            "Failing HTTP request on WW Go failed (started outside Home Assistant): Not Found"
            " (code 404)."
        )
    ]


@pytest.mark.usefixtures("init_integration")
async def test_notify_only_on_the_chosen_results(
    hass: HomeAssistant, device: Device, notifications: list[ServiceCall]
) -> None:
    await use_blueprint(
        hass,
        NOTIFY,
        {
            "run_events": events("failing_http_request"),
            "failing_types": ["expired", "timeout"],
            "notify": NOTIFY_ACTION,
        },
    )
    await start_run(hass, "failing_http_request")
    await finish_runs(hass, device)
    assert event(hass, "failing_http_request").attributes["event_type"] == "failure"
    assert notifications == []


@pytest.mark.parametrize("actions", [(*ACTIONS, SLOW_FAILURE)])
@pytest.mark.usefixtures("init_integration")
async def test_notify_across_an_outage(
    hass: HomeAssistant,
    device: Device,
    notifications: list[ServiceCall],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An outage announces nothing again; a run that ends in it is announced once it is read.

    The run events stay available in an outage; coming back from unavailable (a reload) is
    `test_notify_not_again_after_a_reload`.
    """
    await use_blueprint(
        hass,
        NOTIFY,
        {"run_events": events("failing_http_request", "slow_failure"), "notify": NOTIFY_ACTION},
    )
    await start_run(hass, "failing_http_request")
    await finish_runs(hass, device)
    assert len(notifications) == 1

    last_run = event(hass, "failing_http_request").state
    device.faults.offline = True
    await advance(hass, 61)
    assert states(hass, "failing_http_request")["run_state"] == "unavailable"
    # The run event stays: a run that ends in the outage is news all the same.
    assert event(hass, "failing_http_request").state == last_run
    device.faults.offline = False
    await advance(hass, 61)
    assert states(hass, "failing_http_request")["run_state"] != "unavailable"
    assert len(notifications) == 1

    await start_run(hass, "slow_failure")
    device.faults.offline = True
    await advance(hass, 6)  # the next read: after the pause a read that failed in the outage asks
    assert states(hass, "slow_failure")["run_state"] == "unavailable"
    await device.wait_idle()  # the run ends on the device while it cannot be reached
    device.faults.offline = False
    await advance(hass, 6)
    assert [call.data["message"] for call in notifications[1:]] == [
        "Slow failure on WW Go failed: Service Unavailable (code 503)."
    ]
    assert "Template" not in caplog.text  # nothing rendered for an entity turning unavailable


async def test_notify_not_again_after_a_reload(
    hass: HomeAssistant,
    device: Device,
    init_integration: MockConfigEntry,
    notifications: list[ServiceCall],
) -> None:
    """Reloading the integration (or restarting) shows the last runs again: no news."""
    await use_blueprint(
        hass,
        NOTIFY,
        {"run_events": events("failing_http_request"), "notify": NOTIFY_ACTION},
    )
    await start_run(hass, "failing_http_request")
    await finish_runs(hass, device)
    assert len(notifications) == 1
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await advance(hass, 61)
    assert event(hass, "failing_http_request").attributes["event_type"] == "failure"
    assert len(notifications) == 1


# Retry a failed action


def calls(device: Device) -> int:
    """The action calls that reached the device."""
    count = device.stats()["requests"]["call"]
    assert isinstance(count, int)
    return count


# Loop turns a step takes: about ten times what a read, the automation it sets off and the call that
# follows need, so that a step that should set nothing off has had its chance to.
STEP_TURNS = 100


class Clock:
    """Home Assistant's clock, moved by the test: a blueprint's delay passes when the test says.

    Never waits for every task to finish (as `advance` does): that would wait out the delay of a
    blueprint's run.
    """

    def __init__(self, hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
        """Move the clock of `hass` with `freezer`."""
        self.hass = hass
        self.freezer = freezer

    async def step(self, seconds: float) -> None:
        """Let `seconds` pass, then let what fell due run: reads, automations, loopback HTTP.

        Loop turns, not time: the loop's clock is frozen too, and loopback HTTP needs only turns.
        """
        self.freezer.tick(timedelta(seconds=seconds))
        async_fire_time_changed(self.hass)
        for _ in range(STEP_TURNS):
            await asyncio.sleep(0)

    async def until(self, condition: Callable[[], bool]) -> None:
        """Let time pass in small steps until something a user can see has happened."""
        for _ in range(100):
            if condition():
                return
            await self.step(0.1)
        pytest.fail("did not happen within 10 s")


@pytest.fixture
def clock(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Clock:
    """The test's hand on Home Assistant's clock."""
    return Clock(hass, freezer)


def last_run(hass: HomeAssistant, slug: str) -> str:
    """The time of an action's last finished run, as its run event shows it."""
    return event(hass, slug).state


async def results_read(clock: Clock, shown: dict[str, str]) -> None:
    """Let the device finish runs, and the integration read results newer than those `shown`."""
    await clock.until(lambda: all(last_run(clock.hass, s) != t for s, t in shown.items()))
    await clock.step(0)  # the automations go on with the results


async def press_and_read(clock: Clock, *slugs: str) -> None:
    """Press the actions' buttons, and let their results be read."""
    shown = {slug: last_run(clock.hass, slug) for slug in slugs}
    for slug in slugs:
        await start_run(clock.hass, slug)
    await results_read(clock, shown)


async def retry(clock: Clock, device: Device, *slugs: str) -> None:
    """Let the blueprint's delay pass, its calls reach the device, and the results be read."""
    shown = {slug: last_run(clock.hass, slug) for slug in slugs}
    expected = calls(device) + len(slugs)
    await clock.step(30)
    await clock.until(lambda: calls(device) == expected)
    await results_read(clock, shown)


async def no_retry(clock: Clock, device: Device) -> None:
    """Give the blueprint the time of a retry: with nothing to retry, nothing reaches the device."""
    before = calls(device)
    for _ in range(8):
        await clock.step(5)
    assert calls(device) == before


def succeeding(action_id: str) -> tuple[ActionDefinition, ...]:
    """The device's actions, one of them now succeeding."""
    return tuple(
        action(a.id, a.name, RequestDefinition("http", 200, 0.01)) if a.id == action_id else a
        for a in ACTIONS
    )


@pytest.mark.usefixtures("init_integration")
async def test_retry_until_given_up(
    hass: HomeAssistant, device: Device, notifications: list[ServiceCall], clock: Clock
) -> None:
    await use_blueprint(
        hass,
        RETRY,
        {"run_events": events("failing_http_request"), "notify": NOTIFY_ACTION},
    )
    await press_and_read(clock, "failing_http_request")
    await clock.step(20)
    assert calls(device) == 1  # not before the delay

    for attempt in range(1, 4):
        await retry(clock, device, "failing_http_request")
        assert calls(device) == 1 + attempt
    assert [call.data for call in notifications] == [
        {
            "title": "WW Go: Failing HTTP request keeps failing",
            "message": "Failing HTTP request on WW Go did not succeed in 3 retries; the last one"
            " failed: Not Found (code 404).",
            "raw": ["Failing HTTP request", "Not Found", 404],
        }
    ]

    for _ in range(3):  # the retries' own failures start no new round
        await no_retry(clock, device)
    assert len(notifications) == 1


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("retry_others", [False, True])
async def test_a_run_another_client_started_is_retried_only_if_chosen(
    hass: HomeAssistant,
    device: Device,
    notifications: list[ServiceCall],
    clock: Clock,
    retry_others: bool,
) -> None:
    await use_blueprint(
        hass,
        RETRY,
        {
            "run_events": events("failing_http_request"),
            "retry_others": retry_others,
            "notify": NOTIFY_ACTION,
        },
    )
    await press_and_read(clock, "fast_http_request")  # Home Assistant knows where the IDs stand
    shown = {"failing_http_request": last_run(hass, "failing_http_request")}
    device.call_as_other("http_not_found")
    await clock.step(61)  # the minute's look for other clients' runs
    await results_read(clock, shown)
    assert event(hass, "failing_http_request").attributes["started_by"] == "other"
    if retry_others:
        await retry(clock, device, "failing_http_request")
        assert calls(device) == 2
    else:
        await no_retry(clock, device)
        assert calls(device) == 1


@pytest.mark.usefixtures("init_integration")
async def test_a_failure_of_our_own_right_after_another_clients_is_retried(
    hass: HomeAssistant, device: Device, notifications: list[ServiceCall], clock: Clock
) -> None:
    await use_blueprint(
        hass, RETRY, {"run_events": events("failing_http_request"), "notify": NOTIFY_ACTION}
    )
    await press_and_read(clock, "fast_http_request")  # Home Assistant knows where the IDs stand
    shown = {"failing_http_request": last_run(hass, "failing_http_request")}
    device.call_as_other("http_not_found")
    await clock.step(61)
    await results_read(clock, shown)
    assert event(hass, "failing_http_request").attributes["started_by"] == "other"
    await no_retry(clock, device)  # not retried: no round under way that ours could be part of
    await press_and_read(clock, "failing_http_request")
    assert calls(device) == 2
    await retry(clock, device, "failing_http_request")
    assert calls(device) == 3


@pytest.mark.usefixtures("init_integration")
async def test_retry_stops_at_a_success(
    hass: HomeAssistant, device: Device, notifications: list[ServiceCall], clock: Clock
) -> None:
    await use_blueprint(
        hass,
        RETRY,
        {"run_events": events("failing_http_request"), "notify": NOTIFY_ACTION},
    )
    await press_and_read(clock, "failing_http_request")
    device.set_actions(succeeding("http_not_found"))  # the fault is repaired

    await retry(clock, device, "failing_http_request")
    assert event(hass, "failing_http_request").attributes["event_type"] == "success"
    for _ in range(3):
        await no_retry(clock, device)
    assert (calls(device), notifications) == (2, [])


@pytest.mark.usefixtures("init_integration")
async def test_no_retry_after_a_success_meanwhile(
    hass: HomeAssistant, device: Device, notifications: list[ServiceCall], clock: Clock
) -> None:
    await use_blueprint(
        hass,
        RETRY,
        {"run_events": events("failing_http_request"), "notify": NOTIFY_ACTION},
    )
    await press_and_read(clock, "failing_http_request")
    device.set_actions(succeeding("http_not_found"))
    await press_and_read(clock, "failing_http_request")  # someone runs it again meanwhile

    await no_retry(clock, device)
    assert (calls(device), notifications) == (2, [])


@pytest.mark.usefixtures("init_integration")
async def test_retry_actions_failing_together(
    hass: HomeAssistant, device: Device, notifications: list[ServiceCall], clock: Clock
) -> None:
    """Each failing action gets its own round of retries, at the same time."""
    slugs = ("failing_http_request", "modbus_timeout")
    await use_blueprint(
        hass,
        RETRY,
        {"run_events": events(*slugs), "notify": NOTIFY_ACTION, "retries": 2},
    )
    await press_and_read(clock, *slugs)
    for _ in range(2):
        await retry(clock, device, *slugs)
    await no_retry(clock, device)
    assert calls(device) == 6
    assert sorted(call.data["message"] for call in notifications) == [
        (
            "Failing HTTP request on WW Go did not succeed in 2 retries; the last one failed:"
            " Not Found (code 404)."
        ),
        (
            "Modbus timeout on WW Go did not succeed in 2 retries; the last one failed:"
            " Response receive timeout (code -3)."
        ),
    ]


@pytest.mark.usefixtures("init_integration")
async def test_retry_again_when_failing_later(
    hass: HomeAssistant,
    device: Device,
    notifications: list[ServiceCall],
    clock: Clock,
) -> None:
    """After a round, a failure a while later is a new failure: it starts a new round."""
    await use_blueprint(
        hass,
        RETRY,
        {"run_events": events("failing_http_request"), "notify": NOTIFY_ACTION, "retries": 1},
    )
    for round_ in (1, 2):
        await press_and_read(clock, "failing_http_request")
        await retry(clock, device, "failing_http_request")
        assert (calls(device), len(notifications)) == (2 * round_, round_)
        await clock.step(180)


# Run an action and act on its result


async def test_script_branches_on_the_result(
    hass: HomeAssistant, device: Device, init_integration: MockConfigEntry, clock: Clock
) -> None:
    successes = async_mock_service(hass, "test", "success")
    failures = async_mock_service(hass, "test", "failure")

    def instance(action_id: str) -> dict[str, Any]:
        inputs = {
            "config_entry": init_integration.entry_id,
            "action_id": action_id,
            "timeout": 30,
            "on_success": [
                {"action": "test.success", "data": {"message": "{{ run.action_id }} succeeded"}}
            ],
            "on_failure": [
                {
                    "action": "test.failure",
                    "data": {
                        "message": "{{ run.state }}: {{ run.description }} ({{ run.code }})",
                        "run": "{{ run }}",
                    },
                }
            ],
        }
        return {"use_blueprint": {"path": RUN_AND_BRANCH, "input": inputs}}

    scripts = {"fast": "1", "failing": "http_not_found", "modbus": "modbus_timeout"}
    config = {name: instance(action_id) for name, action_id in scripts.items()}
    assert await async_setup_component(hass, "script", {"script": config})

    for name in scripts:
        await hass.services.async_call("script", name, blocking=False)
    await clock.until(lambda: len(successes) + len(failures) == 3)
    assert [call.data["message"] for call in successes] == ["1 succeeded"]
    assert sorted(call.data["message"] for call in failures) == [
        "failure: Not Found (404)",
        "failure: Response receive timeout (-3)",
    ]

    device.faults.offline = True  # not run at all is no success either
    await hass.services.async_call("script", "fast", blocking=False)
    await clock.until(lambda: len(failures) == 3)
    assert failures[-1].data["message"] == (
        "error: The action could not be called; see the log (None)"
    )
    # The run's attributes as every other report has them, though there was none.
    assert set(failures[-1].data["run"]) == set(failures[0].data["run"])


# The files


@pytest.mark.parametrize(
    ("domain", "path"), [("automation", NOTIFY), ("automation", RETRY), ("script", RUN_AND_BRANCH)]
)
async def test_blueprint_files_are_valid(hass: HomeAssistant, domain: str, path: str) -> None:
    """Home Assistant loads each file as a blueprint of its domain, on every release supported."""
    blueprints = automation_blueprints(hass) if domain == "automation" else script_blueprints(hass)
    blueprint = await blueprints.async_get_blueprint(path)
    assert blueprint.validate() is None
    minimum = json.loads((CHECKOUT / "hacs.json").read_text())["homeassistant"]
    assert blueprint.metadata["homeassistant"] == {"min_version": minimum}
    assert blueprint.metadata["source_url"] == f"{REPOSITORY}/blob/main/blueprints/{domain}/{path}"
    for name, spec in blueprint.inputs.items():
        assert {"name", "description", "selector"} <= set(spec), name


def test_every_blueprint_is_tested_and_imported_from_the_readme() -> None:
    files = [
        f"blueprints/automation/{NOTIFY}",
        f"blueprints/automation/{RETRY}",
        f"blueprints/script/{RUN_AND_BRANCH}",
    ]
    assert {str(path.relative_to(CHECKOUT)) for path in BLUEPRINTS.rglob("*")} >= set(files)
    assert sorted(str(p.relative_to(CHECKOUT)) for p in BLUEPRINTS.rglob("*.yaml")) == sorted(files)

    readme = README.read_text()
    section = readme[readme.index("\n## Blueprints\n") : readme.index("\n## Examples\n")]
    links = IMPORT_LINK.findall(section)
    assert [urlsplit(link).path for link in links] == ["/redirect/blueprint_import/"] * 3
    assert [parse_qs(urlsplit(link).query, strict_parsing=True) for link in links] == [
        {"blueprint_url": [RAW + file]} for file in files
    ]
    for link, file in zip(links, files, strict=True):  # encoded, as My Home Assistant expects
        assert link.endswith("?blueprint_url=" + quote(RAW + file, safe=""))
