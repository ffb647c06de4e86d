"""The integration in its users' languages: every translation says all that strings.json says.

That en.json is strings.json itself is tested in test_packaging.py.
"""

import json
from pathlib import Path
import re

import pytest

from custom_components.ww_go.wwgo import EndReason, WwGoError
from tests.test_packaging import PACKAGE, _json

TRANSLATIONS = PACKAGE / "translations"
LANGUAGES = ("en", "de", "fr", "nl", "es", "it", "pl")
FILES = sorted(TRANSLATIONS.glob("*.json"))
PLACEHOLDER = re.compile(r"\{(\w+)\}")
CODE = re.compile(r"`[^`]*`")


def _strings(tree: object, path: str = "") -> dict[str, object]:
    """Every leaf of a translation tree by its dotted key, in the file's order."""
    if not isinstance(tree, dict):
        return {path: tree}
    leaves: dict[str, object] = {}
    for key, value in tree.items():
        leaves |= _strings(value, f"{path}.{key}" if path else key)
    return leaves


ENGLISH = _strings(_json(PACKAGE / "strings.json"))


def _translation(path: Path) -> dict[str, object]:
    return _strings(_json(path))


def test_every_language_is_there() -> None:
    assert {path.stem for path in FILES} >= set(LANGUAGES)


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_same_keys_as_strings(path: Path) -> None:
    keys = _translation(path).keys()
    missing = sorted(ENGLISH.keys() - keys)
    extra = sorted(keys - ENGLISH.keys())
    assert not missing, f"{path.stem}: missing {missing}"
    assert not extra, f"{path.stem}: not in strings.json {extra}"


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_every_string_is_written(path: Path) -> None:
    for key, value in _translation(path).items():
        assert isinstance(value, str), f"{path.stem}: {key} is not a string"
        assert value.strip(), f"{path.stem}: {key} is empty"


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_placeholders_and_code_kept(path: Path) -> None:
    """The same {placeholders} as the English string, and its `code` untouched."""
    for key, value in _translation(path).items():
        english = ENGLISH.get(key)
        if not isinstance(english, str) or not isinstance(value, str):
            continue  # a missing key or a non-string is the other tests' to name
        lost = set(PLACEHOLDER.findall(english)) - set(PLACEHOLDER.findall(value))
        added = set(PLACEHOLDER.findall(value)) - set(PLACEHOLDER.findall(english))
        assert not lost, f"{path.stem}: {key} lost {sorted(lost)}"
        assert not added, f"{path.stem}: {key} added {sorted(added)}"
        assert sorted(CODE.findall(value)) == sorted(CODE.findall(english)), (
            f"{path.stem}: {key} changed its `code`"
        )


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_written_like_strings(path: Path) -> None:
    """Keys in the order of strings.json, 2-space indent, letters as UTF-8, a final newline."""
    text = path.read_text(encoding="utf-8")
    loaded = json.loads(text)
    assert text == json.dumps(loaded, indent=2, ensure_ascii=False) + "\n", path.stem
    order = [key for key in _strings(loaded) if key in ENGLISH]
    assert order == [key for key in ENGLISH if key in order], f"{path.stem}: keys out of order"


def test_every_way_a_run_ends_and_every_refusal_is_told_in_words() -> None:
    """A run that did not succeed is told by its reason; a refusal by its error's own key."""
    exceptions = {key.split(".")[1] for key in ENGLISH if key.startswith("exceptions.")}
    reasons = {f"run_{reason}" for reason in EndReason if reason is not EndReason.SUCCEEDED}
    assert reasons <= exceptions
    errors: list[type[WwGoError]] = [WwGoError, *_subclasses(WwGoError)]
    assert {error.key for error in errors} <= exceptions


def _subclasses(kind: type[WwGoError]) -> list[type[WwGoError]]:
    found: list[type[WwGoError]] = []
    for sub in kind.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found
