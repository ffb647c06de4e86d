"""Dataclasses kept across restarts, to JSON and back, in every release to come.

Every field has a default: a key missing (written by an earlier release) takes it, and a key not
known (written by a later one) is ignored. A value of the wrong type raises TypeError or ValueError.
"""

from dataclasses import asdict, fields, is_dataclass
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin, get_type_hints

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def dump(kept: DataclassInstance) -> dict[str, Any]:
    """The dataclass as JSON."""
    return asdict(kept)


def load[T: DataclassInstance](kind: type[T], data: object) -> T:
    """The dataclass `kind` from what `dump` wrote, in this release or another."""
    if not isinstance(data, dict):
        raise TypeError(f"{kind.__name__} is kept as an object, not {type(data).__name__}")
    hints = get_type_hints(kind)
    known = {
        item.name: _value(hints[item.name], data[item.name])
        for item in fields(kind)
        if item.name in data
    }
    return kind(**known)


def _value(kind: Any, value: object) -> Any:
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, UnionType):
        if value is None and NoneType in args:
            return None
        [kind] = [arg for arg in args if arg is not NoneType]
        return _value(kind, value)
    if origin in (list, tuple):
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected a list, not {value!r}")
        items = [_value(args[0], item) for item in value]
        return items if origin is list else tuple(items)
    if origin is dict:
        if not isinstance(value, dict):
            raise TypeError(f"expected an object, not {value!r}")
        return {str(key): _value(args[1], item) for key, item in value.items()}
    if is_dataclass(kind) and isinstance(kind, type):
        return load(kind, value)
    return _scalar(kind, value)


def _scalar(kind: Any, value: object) -> Any:
    # bool is an int to Python, but never a number that was kept.
    if kind is bool and isinstance(value, bool):
        return value
    if kind in (int, float) and isinstance(value, int | float) and not isinstance(value, bool):
        if kind is int and value != int(value):
            raise ValueError(f"expected an integer, not {value!r}")
        return kind(value)
    if kind is str and isinstance(value, str):
        return value
    raise TypeError(f"expected {getattr(kind, '__name__', kind)}, not {value!r}")
