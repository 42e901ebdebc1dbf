"""The drill's scenario registry: what ``--scenario`` offers is what is registered."""

from __future__ import annotations

import pytest

from drill.cli import parser
from drill.embedded import REPO
from drill.scenarios import SCENARIOS, scenario

EXPECTED = {
    "unplanned",
    "planned",
    "false-alarm",
    "flapping",
    "concurrent",
    "db-failure",
    "traffic-failure",
    "split-brain",
    "not-ready",
    "region-down",
}


def test_every_scenario_is_registered_once_with_a_help_line() -> None:
    assert set(SCENARIOS) >= EXPECTED
    assert all(one.help and one.name == name for name, one in SCENARIOS.items())


def test_the_command_line_offers_the_registry_and_its_help() -> None:
    action = next(a for a in parser()._actions if a.dest == "scenario")
    assert list(action.choices or []) == list(SCENARIOS)
    assert action.help is not None
    for name, one in SCENARIOS.items():
        shown = f"{name}: {one.help}", f"{name} (default): {one.help}"
        assert any(line in action.help for line in shown)


def test_a_name_registered_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="'unplanned' is registered twice"):
        scenario("unplanned", help="again")(lambda drill, report: None)


def test_the_readme_describes_every_registered_scenario() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [name for name in SCENARIOS if f"| `--scenario {name}` |" not in readme]
    assert missing == [], f"README.md's option table lacks these scenarios: {missing}"
