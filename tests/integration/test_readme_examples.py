"""The README's examples, loaded into Home Assistant and run against the emulated device."""

from pathlib import Path
import re
from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service
import yaml

from simulator import Device

from .conftest import advance, finish_runs
from .helpers import entity_ids, start_run

README = Path(__file__).parents[2] / "README.md"
EXAMPLE = re.compile(r"```yaml\n# example: (?P<name>[\w-]+)\n(?P<body>.*?)```", re.DOTALL)


def example(name: str) -> dict[str, Any]:
    """One of the README's YAML examples, by the name in its first line."""
    examples = {m["name"]: m["body"] for m in EXAMPLE.finditer(README.read_text())}
    loaded = yaml.safe_load(examples[name])
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture
def notifications(hass: HomeAssistant) -> list[ServiceCall]:
    """The notifications the examples send."""
    return async_mock_service(hass, "persistent_notification", "create")


@pytest.mark.usefixtures("init_integration")
async def test_card_shows_existing_entities(hass: HomeAssistant) -> None:
    card = example("card")
    assert card["type"] == "entities"
    for row in card["entities"]:
        assert hass.states.get(row["entity"]) is not None, row["entity"]


@pytest.mark.usefixtures("init_integration")
async def test_automation_notifies_on_problem(
    hass: HomeAssistant, device: Device, notifications: list[ServiceCall]
) -> None:
    assert await async_setup_component(
        hass, "automation", {"automation": [example("automation-problem")]}
    )
    await start_run(hass, "fast_http_request")
    await finish_runs(hass, device)
    assert notifications == []  # a success is no problem

    await start_run(hass, "modbus_timeout")
    await finish_runs(hass, device)
    assert [call.data["message"] for call in notifications] == [
        "WW Go Modbus timeout problem is on: its last run did not succeed."
    ]


@pytest.mark.usefixtures("init_integration")
async def test_automation_on_failure_event(
    hass: HomeAssistant, device: Device, notifications: list[ServiceCall]
) -> None:
    assert await async_setup_component(
        hass, "automation", {"automation": [example("automation-event")]}
    )
    for _ in range(2):  # every failure, not only the first
        await start_run(hass, "modbus_timeout")
        await finish_runs(hass, device)
    assert [call.data["message"] for call in notifications] == [
        "Modbus timeout failed: Response receive timeout (code -3)."
    ] * 2
    assert (
        entity_ids("modbus_timeout")["event"]
        in example("automation-event")["triggers"][0]["entity_id"]
    )


async def test_script_branches_on_the_result(
    hass: HomeAssistant,
    device: Device,
    init_integration: MockConfigEntry,
    notifications: list[ServiceCall],
) -> None:
    script = example("script")
    script["sequence"][0]["data"]["config_entry_id"] = init_integration.entry_id
    assert await async_setup_component(hass, "script", {"script": {"run_sequence": script}})

    await hass.services.async_call("script", "run_sequence", blocking=False)
    for _ in range(5):
        await device.wait_idle()
        await advance(hass, 1)
    assert [call.data["message"] for call in notifications] == [
        "Run failure: Slave device failure (code -104)."
    ]
