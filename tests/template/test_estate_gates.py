"""Static gates on the estate templates: cfn-lint with the serverless rules and checkov (on
stacks/*.yaml and template.yaml; sam validate --lint on the stacks is ``make estate-validate``).

The tools are the shared runs of ``tool_runs`` (tests/template/conftest.py): started together
once, each in one process for every template, and each test waits for its own tool.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.template.cfn_yaml import REPO_ROOT
from tests.template.support import CHECKOV_TEMPLATES, STACK_PATHS, ToolRuns

pytestmark = pytest.mark.slow


def test_there_are_estate_stacks() -> None:
    assert [p.name for p in STACK_PATHS] == ["global.yaml", "lease.yaml", "region.yaml"]


def test_the_stacks_are_plain_cloudformation_so_cfn_lint_is_their_sam_validate() -> None:
    # sam validate --lint on a template without the SAM transform is cfn-lint alone, which
    # the next test runs on them (with the serverless rules too); make estate-validate runs
    # sam validate on them as well.
    for stack in STACK_PATHS:
        assert "AWS::Serverless" not in stack.read_text(encoding="utf-8"), stack.name


def test_cfn_lint_with_serverless_rules_passes(
    cfn_lint_matches: dict[str, list[dict[str, Any]]],
) -> None:
    for stack in STACK_PATHS:
        matches = cfn_lint_matches.get(stack.name, [])
        assert matches == [], json.dumps(matches, indent=2)


@pytest.fixture(scope="module")
def checkov_report(tool_runs: ToolRuns) -> dict[str, Any]:
    if not tool_runs.started("checkov"):
        pytest.skip(".venv-checkov is absent: run `make checkov-venv` (it pins its own boto3)")
    out = tool_runs.result("checkov").stdout
    report: dict[str, Any] = json.loads(out[out.index("{") :])
    return report


def test_checkov_parses_every_template(checkov_report: dict[str, Any]) -> None:
    assert checkov_report["summary"]["parsing_errors"] == 0
    scanned = {c["file_path"] for c in checkov_report["results"]["passed_checks"]}
    assert scanned == {f"/{p.relative_to(REPO_ROOT)}" for p in CHECKOV_TEMPLATES}


@pytest.mark.parametrize("template", [str(p.relative_to(REPO_ROOT)) for p in CHECKOV_TEMPLATES])
def test_checkov_finds_no_failed_check(checkov_report: dict[str, Any], template: str) -> None:
    failed = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}"
        for c in checkov_report["results"]["failed_checks"]
        if c["file_path"] == f"/{template}"
    ]
    assert failed == []


def test_every_checkov_suppression_says_why(checkov_report: dict[str, Any]) -> None:
    for check in checkov_report["results"]["skipped_checks"]:
        reason = check.get("check_result", {}).get("suppress_comment", "")
        assert len(reason) > 20, f"{check['check_id']} on {check['resource']} has no reason"
