"""Diagnostics: what support sees, with the login redacted."""

import json

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from simulator import Device

from .conftest import finish_runs
from .helpers import start_run


@pytest.mark.parametrize("app_options", [{"auth": ("admin", "secret")}])
async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    device: Device,
    init_integration: MockConfigEntry,
    host: str,
    snapshot: SnapshotAssertion,
) -> None:
    await start_run(hass, "fast_http_request")
    await finish_runs(hass, device)
    await start_run(hass, "slow_http_request")

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)

    assert "secret" not in str(diagnostics)
    assert "admin" not in str(diagnostics)
    # The emulated device's port changes from run to run.
    # When a run was accepted and ended are times of the test run.
    assert json.loads(json.dumps(diagnostics).replace(host, "127.0.0.1:PORT")) == snapshot(
        exclude=props("ended_at", "accepted_at")
    )
