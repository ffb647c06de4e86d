"""Dataclasses kept across restarts: to JSON and back, whichever release wrote them."""

from dataclasses import dataclass, field

import pytest

from custom_components.ww_go.wwgo import codec


@dataclass
class Inner:
    """A dataclass inside another."""

    count: int = 0


@dataclass
class Kept:
    """One field of every kind that is kept."""

    newest: int | None = None
    name: str = ""
    enabled: bool = True
    seconds: float = 0.0
    times: dict[str, list[float]] = field(default_factory=dict)
    ids: tuple[int, ...] = ()
    inner: Inner = field(default_factory=Inner)


FULL = Kept(5, "a", False, 1.5, {"a": [0.25, 2.0]}, (1, 2), Inner(3))


def test_dump_and_load() -> None:
    assert codec.load(Kept, codec.dump(FULL)) == FULL
    assert codec.load(Kept, codec.dump(Kept())) == Kept()


def test_a_key_missing_takes_its_default_and_an_unknown_one_is_ignored() -> None:
    data = codec.dump(FULL)
    del data["times"]
    data["added_later"] = [1, 2]
    data["inner"]["also_later"] = True
    assert codec.load(Kept, data) == Kept(5, "a", False, 1.5, {}, (1, 2), Inner(3))


def test_numbers_are_read_as_the_field_says() -> None:
    loaded = codec.load(Kept, {"newest": 5.0, "seconds": 2, "ids": [3]})
    assert (loaded.newest, loaded.seconds, loaded.ids) == (5, 2.0, (3,))
    assert isinstance(loaded.seconds, float)


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"newest": "5"},
        {"newest": True},
        {"newest": 5.5},
        {"name": 3},
        {"enabled": 1},
        {"seconds": None},
        {"times": []},
        {"times": {"a": [None]}},
        {"ids": {"a": 1}},
        {"inner": 3},
    ],
)
def test_a_value_of_the_wrong_kind_raises(data: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        codec.load(Kept, data)
