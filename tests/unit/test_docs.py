"""The docs say what the code does: docs/DESIGN.md's EstateConfig example is accepted by the
real parser, and the README's "What a run does" names only states the ASL has (and every one
that takes time)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from failover.config import EstateConfig
from failover.errors import ConfigurationError

from tests.template.asl_checks import scopes

REPO = Path(__file__).resolve().parents[2]


def _design_example() -> dict[str, object]:
    text = (REPO / "docs" / "DESIGN.md").read_text(encoding="utf-8")
    found = re.search(r"`EstateConfig` JSON[^\n]*\n(?:[^\n]*\n)*?```json\n(.*?)\n```", text, re.S)
    assert found, "docs/DESIGN.md has no EstateConfig JSON example"
    example: dict[str, object] = json.loads(found.group(1))
    return example


def _section(title: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, re.S | re.M)
    assert found, f"README.md has no section {title!r}"
    return found.group(1)


def _states() -> dict[str, str]:
    definition = json.loads((REPO / "statemachines" / "failover.asl.json").read_text("utf-8"))
    return {
        name: state["Type"] for scope in scopes(definition) for name, state in scope.states.items()
    }


def test_the_design_estate_config_example_is_accepted_by_the_code() -> None:
    config = EstateConfig.from_dict(_design_example())

    assert config.topology == "active-passive"
    assert config.priority == ("us-east-1", "eu-west-1", "us-west-2")
    assert config.region_of_alarm("shop-probe-us-east-1") == "us-east-1"


def test_the_design_example_would_be_refused_without_a_key() -> None:
    example = _design_example()
    del example["topology"]

    with pytest.raises(ConfigurationError, match="missing \\['topology'\\]"):
        EstateConfig.from_dict(example)


def test_what_a_run_does_names_only_states_of_the_machine() -> None:
    named = set(re.findall(r"\*\*([A-Z][A-Za-z]+)\*\*", _section("What a run does")))
    states = _states()

    assert named, "the section names no state in bold"
    assert named - set(states) == set(), "states the ASL does not have"
    timed = {name for name, kind in states.items() if kind in ("Task", "Parallel", "Map", "Wait")}
    assert timed - named == set(), "states that take time and the README does not describe"


def test_what_a_run_does_names_no_state_in_code_that_does_not_exist() -> None:
    """A name in `code` that looks like a state (CamelCase, a state-like verb first) is one."""
    spans = set(re.findall(r"`([A-Z][a-z]+(?:[A-Z][a-z]+)+)`", _section("What a run does")))
    verbs = ("Acquire", "Release", "Record", "Notify", "Check", "Confirm", "Verify", "Wait")
    stateish = {name for name in spans if name.startswith(verbs)}

    assert stateish - set(_states()) == set()
