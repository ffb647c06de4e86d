"""Parsing what the device answers: every value checked where it enters.

The parse functions are the one place a body becomes a typed value. Whatever they cannot make sense
of, whatever they raise on odd input, is a `WwGoInvalidResponseError`, never another exception.
"""

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
import functools
import json
import re
import reprlib
from typing import Any, Final, NoReturn

from yarl import URL

from .codes import RESULT_CODES, STATUS_WINDOW
from .errors import (
    WwGoInvalidResponseError,
)
from .models import ActionDefinition, ActionList, RequestStatus

# Bounds of what an answer may be. Real answers are a few KiB and a few levels deep.
MAX_BODY_BYTES: Final = 1 << 20
MAX_JSON_DEPTH: Final = 32
# The documentation's `uint` status ID, as the firmware's 32-bit counter.
STATUS_IDS: Final = range(2**32)
# A request's execution time: at most a day, so that a run's sum over 40 requests stays finite.
MAX_EXECUTION_TIME: Final = 86_400.0


# Parsing: whatever a parser raises on odd input becomes WwGoInvalidResponseError, here only.

_PARSE_ERRORS: Final = (ValueError, TypeError, LookupError, OverflowError, RecursionError)


def _parser[**P, T](parse: Callable[P, T]) -> Callable[P, T]:
    @functools.wraps(parse)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return parse(*args, **kwargs)
        except _PARSE_ERRORS as err:
            message = f"{type(err).__name__}: {str(err)[:200]}"
            raise WwGoInvalidResponseError(f"{parse.__name__}: {message}") from err

    return guarded


def _invalid(what: str, value: object) -> WwGoInvalidResponseError:
    # reprlib: a bounded repr, whatever the size or nesting of the value.
    return WwGoInvalidResponseError(f"{what}: {reprlib.repr(value)}")


def _not_json(constant: str) -> NoReturn:
    raise ValueError(f"{constant} is not JSON")


def _containers(value: object) -> Iterator[object]:
    """The lists and objects directly inside a JSON value."""
    match value:
        case dict():
            children: Iterable[object] = value.values()
        case list():
            children = value
        case _:
            children = ()
    return (child for child in children if isinstance(child, list | dict))


@_parser
def decode_body(raw: bytes) -> object:
    """The JSON value of an answer's body; None when the body is blank.

    WwGoInvalidResponseError when it is larger than MAX_BODY_BYTES, not UTF-8, not JSON (NaN and
    Infinity are not), or nested deeper than MAX_JSON_DEPTH.
    """
    if len(raw) > MAX_BODY_BYTES:
        raise WwGoInvalidResponseError(f"the answer is larger than {MAX_BODY_BYTES} bytes")
    text = raw.decode()
    if not text.strip():
        return None
    # Too deep for the decoder's stack is a RecursionError: _parser makes it an answer error.
    value: object = json.loads(text, parse_constant=_not_json)
    level = [value]
    for _ in range(MAX_JSON_DEPTH):
        level = [child for item in level for child in _containers(item)]
        if not level:
            return value
    raise WwGoInvalidResponseError(f"the answer is nested deeper than {MAX_JSON_DEPTH} levels")


_DECIMAL: Final = re.compile(r"-?[0-9]{1,20}")
_NUMBER: Final = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?")


def _integer(value: object, valid: range, what: str) -> int:
    """An integer within `valid`: a JSON integer, a whole number, or decimal digits (not a bool)."""
    number: int | None = None
    match value:
        case bool():
            number = None  # JSON's true and false are no numbers
        case int():
            number = value
        case float() if value.is_integer():
            number = int(value)
        case str() if _DECIMAL.fullmatch(value):
            number = int(value)
    if number is None or number not in valid:
        raise _invalid(f"{what} is not an integer in {valid.start}..{valid.stop - 1}", value)
    return number


def _status_id(value: object) -> int:
    return _integer(value, STATUS_IDS, "a status ID")


def _execution_time(value: object) -> float:
    """Seconds: a number or decimal text, finite, 0..MAX_EXECUTION_TIME (not a bool)."""
    seconds: float | None = None
    match value:
        case bool():
            seconds = None  # JSON's true and false are no numbers
        case int() | float():
            seconds = value
        case str() if _NUMBER.fullmatch(value):
            seconds = float(value)
    # Comparisons refuse NaN too, and compare huge integers exactly.
    if seconds is None or not 0 <= seconds <= MAX_EXECUTION_TIME:
        raise _invalid(f"an execution time is not 0..{MAX_EXECUTION_TIME:.0f} s", value)
    return abs(float(seconds))  # abs: -0.0 is shown as 0.0


def _str_or_none(value: object) -> str | None:
    """A usable ID or name: a non-empty string or an integer (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value) or None


def _action_id(value: object) -> str:
    if (text := _str_or_none(value)) is None:
        raise _invalid("not an action ID", value)
    return text


# Calls


@_parser
def parse_status_ids(body: object, location: str | None = None) -> tuple[int, ...]:
    """The status IDs of a call's answer: its JSON `status_ids` when a list, else its Location.

    Each is an integer in STATUS_IDS (decimal text counts, a bool does not); duplicates are dropped,
    the order kept. WwGoInvalidResponseError unless there are 1..STATUS_WINDOW of them.
    """
    values: Iterable[object] = ()
    if isinstance(body, Mapping) and isinstance(body.get("status_ids"), list):
        values = body["status_ids"]
    elif location:
        parts = URL(location).query.get("id", "").split(",")
        values = (part.strip() for part in parts if part.strip())
    ids = tuple(dict.fromkeys(_status_id(value) for value in values))
    if not 1 <= len(ids) <= STATUS_WINDOW:
        raise WwGoInvalidResponseError(
            f"the call was answered with {len(ids)} status IDs, not 1..{STATUS_WINDOW}"
        )
    return ids


# Statuses


@_parser
def parse_statuses(body: object, asked: Collection[int] | None = None) -> dict[int, RequestStatus]:
    """Read a status answer: an array of entries with action_id, id, code and exe_time.

    Returns the entries by status ID, in the answer's order. With `asked`, entries of other IDs
    are left out (only their ID is read). Each value is checked: the status ID in STATUS_IDS, the
    result code in RESULT_CODES (whole numbers and decimal text count, bools do not), the
    execution time finite in 0..MAX_EXECUTION_TIME, the action ID a non-empty string or integer.
    An ID may appear twice when both entries say the same; entries of one ID that disagree make
    the answer invalid, as nothing tells which one is true.
    """
    if not isinstance(body, list):
        raise _invalid("the status answer is not an array", body)
    found: dict[int, RequestStatus] = {}
    for entry in body:
        if not isinstance(entry, Mapping):
            raise _invalid("a status entry is not an object", entry)
        status_id = _status_id(entry.get("id"))
        if asked is not None and status_id not in asked:
            continue
        status = RequestStatus(
            action_id=_action_id(entry.get("action_id")),
            id=status_id,
            code=_integer(entry.get("code"), RESULT_CODES, "a result code"),
            exe_time=_execution_time(entry.get("exe_time")),
        )
        if found.setdefault(status_id, status) != status:
            raise WwGoInvalidResponseError(f"status ID {status_id} has two different entries")
    return found


# The action list

# What an action list may say for "disabled".
DISABLED: Final = frozenset({"false", "0", "no", "off"})
# The keys an action definition is read from: an object keyed by ID counts only with these.
ACTION_KEYS: Final = frozenset(
    {"id", "action_id", "name", "title", "requests", "enable", "enabled", "request_count"}
)
# Keys of an error answer (200 with {"error": ...}), never an action list.
ERROR_FIELDS: Final = frozenset({"error", "errors"})
# Where a device may describe itself beside its actions: per field of ActionList, the keys it is
# read from, the first found winning.
DESCRIPTION_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "device_id": ("device_id", "serial", "serial_number", "mac"),
    "device_name": ("device_name", "hostname"),
    "model": ("model",),
    "firmware": ("firmware", "firmware_version", "fw_version", "sw_version"),
    "serial": ("serial", "serial_number"),
}
# An object of these keys alone lists no actions.
DEVICE_KEYS: Final = frozenset(key for keys in DESCRIPTION_KEYS.values() for key in keys)


def _enabled(value: object) -> bool:
    # Only scalars can say "disabled"; their text is short.
    return not isinstance(value, str | int | float) or str(value).lower() not in DISABLED


def _request_count(item: Mapping[str, Any]) -> int | None:
    """How many status IDs a call takes: the enabled requests, when they are listed."""
    requests = item.get("requests")
    if isinstance(requests, list):
        count = sum(
            1
            for request in requests
            if not isinstance(request, Mapping)
            or _enabled(request.get("enable", request.get("enabled", True)))
        )
    else:
        listed = item.get("request_count")
        if isinstance(listed, bool) or not isinstance(listed, int):
            return None
        count = listed
    # A call of more requests than one status read can hold is no count a device can mean.
    return count if 0 <= count <= STATUS_WINDOW else None


def _parse_action(item: object, fallback_id: str | None = None) -> ActionDefinition | None:
    """Read one action definition, whatever reasonable shape it has; None when it has no ID."""
    if not isinstance(item, Mapping):
        if (action_id := _str_or_none(item)) is not None:
            return ActionDefinition(id=action_id)
        return None
    action_id = _str_or_none(item.get("id", item.get("action_id"))) or fallback_id
    if action_id is None:
        return None
    return ActionDefinition(
        id=action_id,
        name=_str_or_none(item.get("name", item.get("title"))),
        enabled=_enabled(item.get("enable", item.get("enabled", True))),
        request_count=_request_count(item),
    )


def _listed_items(body: Mapping[str, Any]) -> Iterable[tuple[object, str | None]]:
    """The action entries of an object: its `actions` list, another list, or values keyed by ID."""
    if isinstance(body.get("actions"), list):
        return ((item, None) for item in body["actions"])
    if not ERROR_FIELDS.isdisjoint(body):
        raise _invalid("the action list is an error answer", body)
    lists = [value for value in body.values() if isinstance(value, list)]
    if lists:
        return ((item, None) for item in lists[0])
    keyed = [
        (value, _str_or_none(key))
        for key, value in body.items()
        if isinstance(value, Mapping) and not ACTION_KEYS.isdisjoint(value)
    ]
    if keyed or body.keys() <= DEVICE_KEYS:
        return keyed
    raise _invalid("the answer holds no action list", body)


@_parser
def parse_action_list(body: object) -> ActionList:
    """Parse the action list tolerantly: a list, an object holding one, or an object keyed by ID.

    An object keyed by ID counts only with values that look like action definitions (a key of
    ACTION_KEYS). WwGoInvalidResponseError for an answer that holds no action list: an error answer
    (a key of ERROR_FIELDS without an `actions` list), or an object of other keys only. An empty
    list, `{"actions": []}`, and an object of the device's own description only list no actions.
    Entries without an ID are left out; of duplicates the last definition wins.
    """
    description: dict[str, str | None] = {}
    items: Iterable[tuple[object, str | None]]
    if isinstance(body, list):
        items = ((item, None) for item in body)
    elif isinstance(body, Mapping):
        description = {
            field: next(
                (text for key in keys if (text := _str_or_none(body.get(key))) is not None), None
            )
            for field, keys in DESCRIPTION_KEYS.items()
        }
        items = _listed_items(body)
    else:
        raise _invalid("the action list is neither a list nor an object", body)
    actions = [action for item, key in items if (action := _parse_action(item, key)) is not None]
    unique = {action.id: action for action in actions}
    return ActionList(tuple(unique.values()), **description)
