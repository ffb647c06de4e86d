"""The run event's time is the run's end as kept.

It is the one place that needs Home Assistant's internals: this test fails on the first release
that moves them.
"""

from datetime import UTC, datetime

from homeassistant.components.event import EventEntity

from custom_components.ww_go.event import LAST_EVENT_TIME


class _Event(EventEntity):
    def __init__(self) -> None:
        self._attr_event_types = ["success"]


def test_home_assistant_still_keeps_the_last_event_time_where_the_run_event_sets_it() -> None:
    """The event entity shows the time it keeps there; setting it changes what it shows."""
    assert LAST_EVENT_TIME in vars(EventEntity)
    entity = _Event()
    entity._trigger_event("success", {"code": 200})  # as a platform does
    ended_at = datetime(2026, 12, 7, 2, 27, 30, 123456, tzinfo=UTC)
    setattr(entity, LAST_EVENT_TIME, ended_at)
    assert entity.state == "2026-12-07T02:27:30.123+00:00"
    assert entity.state_attributes["code"] == 200
