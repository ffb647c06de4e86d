"""Fixtures of the device library's tests."""

import pytest

from .fakes import FakeClock


@pytest.fixture(params=[True, False], ids=["eager", "lazy"])
def clock(request: pytest.FixtureRequest) -> FakeClock:
    """Tasks started eagerly, as in Home Assistant, or on the loop's next turn."""
    return FakeClock(eager=request.param)
