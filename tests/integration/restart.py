"""A restart of Home Assistant in a test, clean or by a power cut: what it saved, in a new one."""

from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
import copy
from typing import Any

from homeassistant import loader
from homeassistant.core import HomeAssistant
from homeassistant.helpers import restore_state
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util.async_ import get_scheduled_timer_handles
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)


def _copy(entry: MockConfigEntry) -> MockConfigEntry:
    return MockConfigEntry(
        domain=entry.domain,
        entry_id=entry.entry_id,
        unique_id=entry.unique_id,
        title=entry.title,
        data=dict(entry.data),
        options=dict(entry.options),
        version=entry.version,
        minor_version=entry.minor_version,
    )


def _end_refresh_timers(hass: HomeAssistant) -> None:
    """End the stopped instance's coordinator timers, as its process ending would.

    Home Assistant cancels them at the stop itself from 2026.10 on; drop this when the oldest
    release supported is 2026.10.
    """
    for handle in get_scheduled_timer_handles(hass.loop):
        owner = getattr(getattr(handle, "_callback", None), "__self__", None)
        if isinstance(owner, DataUpdateCoordinator) and owner.hass is hass:
            handle.cancel()


@contextlib.asynccontextmanager
async def _started_again(entry: MockConfigEntry) -> AsyncIterator[HomeAssistant]:
    async with async_test_home_assistant() as new:
        new.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        again = _copy(entry)
        again.add_to_hass(new)
        assert await new.config_entries.async_setup(again.entry_id)
        await new.async_block_till_done(wait_background_tasks=True)
        try:
            yield new
        finally:
            await new.async_stop(force=True)
            _end_refresh_timers(new)


@contextlib.asynccontextmanager
async def crashed(
    hass: HomeAssistant, entry: MockConfigEntry, storage: dict[str, Any]
) -> AsyncIterator[HomeAssistant]:
    """Kill `hass` now, as a power cut does, and start a new Home Assistant on what it left.

    The new one finds in `storage` (`hass_storage`) only what was written before the cut: no
    save planned for later, no state saved at the stop.
    """
    on_disk = copy.deepcopy(storage)
    await hass.async_stop(force=True)  # its last writes are not kept: the process died before
    _end_refresh_timers(hass)
    storage.clear()
    storage.update(on_disk)
    async with _started_again(entry) as new:
        yield new


@contextlib.asynccontextmanager
async def restarted(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    while_down: Callable[[], Awaitable[object]] | None = None,
) -> AsyncIterator[HomeAssistant]:
    """Stop `hass` and start a new Home Assistant with the same entry, storage and saved states.

    Storage (`hass_storage`) is shared by both; the states of entities that restore themselves
    are saved there when Home Assistant stops, and the new one loads them as at its start.
    `while_down` runs between the two.
    """
    # By entity ID, as releases before 2026.11 store them: the new instance's registries start
    # empty in the harness, so the entity registry IDs that later releases key them by change.
    saved = restore_state.async_get(hass)
    await saved.store.async_save(
        [
            {key: value for key, value in stored.as_dict().items() if key != "entity_registry_id"}
            for stored in saved.async_get_stored_states()
        ]
    )
    await hass.async_stop()
    _end_refresh_timers(hass)
    if while_down is not None:
        await while_down()
    async with _started_again(entry) as new:
        yield new
