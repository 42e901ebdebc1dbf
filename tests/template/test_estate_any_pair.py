"""The estate's stacks name no region of the US pair: every region comes from a parameter,
except the two AWS fixes regardless of the estate (Route 53's metrics and alarms in
us-east-1, where stacks/global.yaml is deployed, and Global Accelerator's metrics in
us-west-2) and the per-region Mappings."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from failover.geography import CITIES

from testbed.template import GLOBAL_STACK, REGION_STACK, expand_foreach
from tests.template.cfn_yaml import load_template

REGION = re.compile(r"\b(?:" + "|".join(re.escape(r) for r in CITIES) + r")\b")


def literals(node: Any, path: str = "") -> list[tuple[str, str]]:
    """Every (path, region name) in a string of the template, Descriptions left out."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("Description", "AssertDescription", "ConstraintDescription"):
                continue
            found += literals(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += literals(value, f"{path}/{index}")
    elif isinstance(node, str):
        found += [(path, match) for match in REGION.findall(node)]
    return found


@pytest.mark.parametrize("stack", [GLOBAL_STACK, REGION_STACK], ids=lambda p: p.name)
def test_no_region_is_hard_coded_outside_the_mappings(stack: Any) -> None:
    template = load_template(stack)
    template.pop("Mappings", None)

    found = literals(template)

    # the dashboard's Global Accelerator widgets: GA publishes its metrics in us-west-2 only
    allowed = [(p, r) for p, r in found if r == "us-west-2" and "/DashboardBody" in p]
    assert [f for f in found if f not in allowed] == []


def test_the_health_alarms_forward_to_every_other_region_of_whichever_estate() -> None:
    for regions in (["us-east-1", "eu-west-1"], ["eu-west-1", "eu-west-2", "ap-northeast-1"]):
        resources = expand_foreach(load_template(GLOBAL_STACK), {"Regions": regions})["Resources"]
        rules = [r for r in resources.values() if r["Type"] == "AWS::Events::Rule"]
        assert len(rules) == len(regions)
        for rule in rules:
            for target in rule["Properties"]["Targets"]:
                target = target["Fn::If"][1] if "Fn::If" in target else target
                text, variables = target["Arn"]["Fn::Sub"]
                assert ":events:${Other}:" in text
                assert '"Ref": "Regions"' in json.dumps(variables["Other"])
