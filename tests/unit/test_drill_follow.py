"""The drill reads a run's ending from the states the machine has."""

from __future__ import annotations

import json
from pathlib import Path

from drill.follow import ENDINGS
from tests.template.asl_checks import scopes

REPO = Path(__file__).resolve().parents[2]


def test_every_ending_the_drill_knows_is_a_state_of_the_machine() -> None:
    definition = json.loads((REPO / "statemachines" / "failover.asl.json").read_text("utf-8"))
    states = {name for scope in scopes(definition) for name in scope.states}

    assert set(ENDINGS) - states == set()
