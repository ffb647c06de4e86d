"""Loaded by pytest before Home Assistant's test harness (`-p` in setup.cfg's addopts).

Two things the harness expects of Home Assistant, made true on every release supported:
- Home Assistant's package sets itself up as it is imported: from 2026.11 on it makes `httpx` an
  alias of `httpx2`, which fails once anything has imported httpx. The harness imports respx, and
  with it httpx, before any Home Assistant module: Home Assistant is imported first here.
- The harness (0.13.375) imports `_clear_logger_overwrites` from the logger component, which
  2026.11 moved to its `helpers` module: it is put back where the harness looks, once the
  component is imported (importing it here would come before the harness's own patches).
Drop each when the harness supports the newest release as it is.
"""

from collections.abc import Sequence
import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType
from typing import override

importlib.import_module("homeassistant")

_LOGGER_COMPONENT = "homeassistant.components.logger"


class _LoggerHelperWhereTheHarnessLooks(importlib.abc.MetaPathFinder):
    """Finds the logger component as usual, and adds the moved helper to it once it is loaded."""

    @override
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _LOGGER_COMPONENT:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            load(module)
            if not hasattr(module, "_clear_logger_overwrites"):
                helpers = importlib.import_module(f"{_LOGGER_COMPONENT}.helpers")
                module.__dict__["_clear_logger_overwrites"] = helpers._clear_logger_overwrites

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if _LOGGER_COMPONENT not in sys.modules:
    sys.meta_path.insert(0, _LoggerHelperWhereTheHarnessLooks())
