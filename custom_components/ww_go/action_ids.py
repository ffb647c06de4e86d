"""The action IDs a user types for a device that does not list its actions."""

import re
from typing import Final

from .const import MAX_ACTION_IDS
from .wwgo import ActionDefinition

SEPARATORS: Final = re.compile(r"[\n,]")


class ActionIdsError(ValueError):
    """The text cannot be used; `key` is the translation key of the form error."""

    def __init__(self, key: str) -> None:
        """Name the form error."""
        super().__init__(key)
        self.key = key


def parse_action_ids(text: str) -> list[ActionDefinition]:
    """Read `id` or `id=Friendly name` items, one per line or comma-separated."""
    actions: dict[str, ActionDefinition] = {}
    for item in SEPARATORS.split(text):
        action_id, _, name = (part.strip() for part in item.partition("="))
        if not action_id:
            if name:
                raise ActionIdsError("invalid_action_ids")
            continue
        if action_id in actions:
            raise ActionIdsError("duplicate_action_ids")
        actions[action_id] = ActionDefinition(id=action_id, name=name or None)
    if not actions:
        raise ActionIdsError("no_action_ids")
    if len(actions) > MAX_ACTION_IDS:
        raise ActionIdsError("too_many_action_ids")
    return list(actions.values())
