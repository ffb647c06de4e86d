"""Entity IDs and presses, the way a user sees them; what the integration writes to disk."""

from collections.abc import Iterator
import contextlib
from typing import Any
from unittest.mock import patch

from homeassistant.components.button.const import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID, EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.storage import Store
from homeassistant.util.file import WriteError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ww_go.const import DOMAIN


def entity_ids(slug: str) -> dict[str, str]:
    """The entity IDs of an action named `slug` on the device called WW Go."""
    return {
        "button": f"button.ww_go_{slug}",
        "result_code": f"sensor.ww_go_{slug}_result_code",
        "execution_time": f"sensor.ww_go_{slug}_execution_time",
        "run_state": f"sensor.ww_go_{slug}_run_state",
        "problem": f"binary_sensor.ww_go_{slug}_problem",
        "event": f"event.ww_go_{slug}_run",
    }


def run_events(hass: HomeAssistant, slug: str | None = None) -> list[State]:
    """The run events that fire from now on, of the action `slug` (None: of every action).

    As the blueprints' state triggers see them: a new state of a run event entity, not one it
    takes when it is added or comes back from unavailable (showing the last run again).
    """
    fired: list[State] = []
    prefix = "event.ww_go_" if slug is None else entity_ids(slug)["event"]

    @callback
    def record(changed: Event[EventStateChangedData]) -> None:
        new, old = changed.data["new_state"], changed.data["old_state"]
        if (
            new is not None
            and old is not None
            and new.entity_id.startswith(prefix)
            and new.state not in ("unavailable", "unknown")
            and old.state not in ("unavailable", new.state)
        ):
            fired.append(new)

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    return fired


def event_types(fired: list[State]) -> list[str]:
    """The event types of run events, in order."""
    return [state.attributes["event_type"] for state in fired]


async def press(hass: HomeAssistant, slug: str) -> None:
    """Press an action's button, as the dashboard does: it returns once the run ended (or after
    10 s), and raises when the device refused it or the run did not succeed."""
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: f"button.ww_go_{slug}"}, blocking=True
    )


async def start_run(hass: HomeAssistant, slug: str) -> None:
    """Run an action without waiting for its end, as `ww_go.call_action` with `wait: false` does.

    What tests use to set runs going: a press waits for its run, and Home Assistant's test
    harness waits for a press under way whenever it lets things settle.
    """
    button = er.async_get(hass).async_get(f"button.ww_go_{slug}")
    assert button is not None
    assert button.config_entry_id is not None
    entry = hass.config_entries.async_get_entry(button.config_entry_id)
    assert entry is not None
    prefix, suffix = f"{entry.unique_id or entry.entry_id}_", "_run"
    action_id = button.unique_id.removeprefix(prefix).removesuffix(suffix)
    await hass.services.async_call(
        "ww_go",
        "call_action",
        {"config_entry_id": entry.entry_id, "action_id": action_id, "wait": False},
        blocking=True,
    )


def states(hass: HomeAssistant, slug: str) -> dict[str, str]:
    """The state of each entity of an action."""
    found: dict[str, str] = {}
    for key, entity_id in entity_ids(slug).items():
        state = hass.states.get(entity_id)
        assert state is not None, entity_id
        found[key] = state.state
    return found


def event(hass: HomeAssistant, slug: str) -> State:
    """The run event entity of an action."""
    state = hass.states.get(f"event.ww_go_{slug}_run")
    assert state is not None
    return state


def attributes(state: State, *names: str) -> dict[str, Any]:
    """Some attributes of a state."""
    return {name: state.attributes.get(name) for name in names}


async def call_action(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call ww_go.call_action and return its response."""
    response = await hass.services.async_call(
        "ww_go", "call_action", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


@contextlib.contextmanager
def store_writes(entry: MockConfigEntry, *, fail: bool = False) -> Iterator[list[int]]:
    """Count the writes of the entry's store (and make them fail, if `fail`)."""
    key = f"{DOMAIN}.{entry.entry_id}"
    written: list[int] = []
    write = Store._async_write_data

    async def counted(store: Store[Any], data: dict[str, Any]) -> None:
        if store.key == key:
            written.append(1)
            if fail:
                raise WriteError("No space left on device")
        await write(store, data)

    with patch.object(Store, "_async_write_data", counted):
        yield written
