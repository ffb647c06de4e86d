"""A restart of Home Assistant in a test: what it saves carried over to a new instance."""

from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib

from homeassistant import loader
from homeassistant.core import HomeAssistant
from homeassistant.helpers import restore_state
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util.async_ import get_scheduled_timer_handles
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
    mock_restore_cache_with_extra_data,
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
async def restarted(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    while_down: Callable[[], Awaitable[object]] | None = None,
) -> AsyncIterator[HomeAssistant]:
    """Stop `hass` and start a new Home Assistant with the same entry, storage and saved states.

    Storage (`hass_storage`) is shared by both; the states Home Assistant saves for entities
    that restore themselves are handed over as it would load them at start. `while_down` runs
    between the two.
    """
    saved = [
        (stored.state, stored.extra_data.as_dict() if stored.extra_data else {})
        for stored in restore_state.async_get(hass).async_get_stored_states()
    ]
    await hass.async_stop()
    _end_refresh_timers(hass)
    if while_down is not None:
        await while_down()
    async with async_test_home_assistant() as new:
        new.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        mock_restore_cache_with_extra_data(new, saved)
        copy = _copy(entry)
        copy.add_to_hass(new)
        assert await new.config_entries.async_setup(copy.entry_id)
        await new.async_block_till_done(wait_background_tasks=True)
        try:
            yield new
        finally:
            await new.async_stop(force=True)
            _end_refresh_timers(new)
