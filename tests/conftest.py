"""Fixtures shared by every test."""

import asyncio
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, override

from homeassistant.core import State
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.syrupy import (
    HomeAssistantSnapshotExtension,
    HomeAssistantSnapshotSerializer,
)
from syrupy.assertion import SnapshotAssertion
from syrupy.types import SerializableData


def _plain_keys(mapping: Mapping[Any, Any] | None) -> dict[Any, Any] | None:
    """Attribute names as plain strings: newer releases name them by StrEnum members."""
    if mapping is None:
        return None
    return {str(key) if isinstance(key, StrEnum) else key: value for key, value in mapping.items()}


class _Serializer(HomeAssistantSnapshotSerializer):
    """Home Assistant's snapshot format, the same on every release supported."""

    @classmethod
    @override
    def _serializable_entity_registry_entry(cls, data: er.RegistryEntry) -> SerializableData:
        serialized = super()._serializable_entity_registry_entry(data)
        # Bookkeeping of 2026.11's, which the harness for 2026.10 does not leave out.
        serialized.pop("compat_name", None)
        # The aliases a user gave; newer releases list the entity's own name among them as None.
        serialized["aliases"] = sorted(alias for alias in serialized["aliases"] if alias)
        serialized["capabilities"] = _plain_keys(serialized["capabilities"])
        return serialized

    @classmethod
    @override
    def _serializable_state(cls, data: State) -> SerializableData:
        serialized = super()._serializable_state(data)
        serialized["attributes"] = _plain_keys(serialized["attributes"])
        return serialized


class _Extension(HomeAssistantSnapshotExtension):
    serializer_class = _Serializer


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in Home Assistant's format: registry entries and states without their IDs."""
    return snapshot.use_extension(_Extension)


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """The harness's own fixture as its releases for Home Assistant 2026.5 on have it.

    Older harnesses ask for the event loop outside one, which fails in every test that is not a
    coroutine. Drop this when the oldest release supported is 2026.5.
    """
    asyncio.get_running_loop().set_debug(True)
