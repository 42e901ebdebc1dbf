"""The local drill's scenarios, one short function each (see :mod:`drill.scenarios.registry`).

Every module of this package is imported here, so that a scenario is added by writing a
module (or a function in a family's module) with ``@scenario(...)``; nothing else to list.
"""

from __future__ import annotations

import importlib
import pkgutil

from drill.scenarios.registry import SCENARIOS, Scenario, scenario

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module != "registry":
        importlib.import_module(f"{__name__}.{_module}")

__all__ = ["SCENARIOS", "Scenario", "scenario"]
