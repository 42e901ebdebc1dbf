"""The local drill's scenarios, registered by name: ``@scenario("name", help=...)``.

A scenario is one function of the harness (:class:`drill.harness.LocalDrill`) and the report
it fills: it injects something, lets the world run, follows the runs it starts and adds
their records and checks to the report. ``python -m drill --scenario NAME`` runs it; the
command line's choices and help come from this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drill.harness import ScenarioFunction


@dataclass(frozen=True)
class Scenario:
    name: str
    help: str
    run: ScenarioFunction


SCENARIOS: dict[str, Scenario] = {}
"""Every registered scenario by its command-line name, in registration order."""


def scenario(name: str, *, help: str) -> Callable[[ScenarioFunction], ScenarioFunction]:
    """Register the decorated function as the drill scenario ``name`` (``help``: one line
    for ``python -m drill --help``). A name registered twice is an error."""

    def register(function: ScenarioFunction) -> ScenarioFunction:
        if name in SCENARIOS:
            raise ValueError(f"drill scenario {name!r} is registered twice")
        SCENARIOS[name] = Scenario(name, help, function)
        return function

    return register
