"""The external gates, run offline through the venv's tools: sam validate --lint, sam build
(no containers), and cfn-lint with the cfn-lint-serverless rules.

The tools run concurrently (fixture ``tool_runs``); each test waits for its own tool.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.template.cfn_yaml import TEMPLATE_PATH, load_template
from tests.template.support import FUNCTIONS, UNSUPPRESSED_TEMPLATE, ToolRuns

pytestmark = pytest.mark.slow


def test_sam_validate_lint_passes(tool_runs: ToolRuns) -> None:
    code, output = tool_runs.sam_validate(TEMPLATE_PATH)
    assert code == 0, output
    assert "is a valid SAM Template" in output


def test_cfn_lint_with_serverless_rules_passes(
    cfn_lint_matches: dict[str, list[dict[str, Any]]],
) -> None:
    """Zero matches of any level; suppressions live in the template's Metadata, justified."""
    matches = cfn_lint_matches.get("template.yaml", [])
    assert matches == [], json.dumps(matches, indent=2)


def test_cfn_lint_serverless_rules_are_loaded(
    cfn_lint_matches: dict[str, list[dict[str, Any]]],
) -> None:
    """Guard against a silently empty rule set: WS1004 fires once its suppression is gone,
    and nothing else does."""
    rules = {match["Rule"]["Id"] for match in cfn_lint_matches.get(UNSUPPRESSED_TEMPLATE, [])}
    assert rules == {"WS1004"}


def test_sam_build_without_containers_packs_every_handler(tool_runs: ToolRuns) -> None:
    result = tool_runs.result("sam-build")
    assert result.returncode == 0, result.stdout + result.stderr

    build_dir = tool_runs.work / "build"
    built = load_template(build_dir / "template.yaml")["Resources"]
    for logical_id, module in FUNCTIONS.items():
        function_dir = build_dir / logical_id
        assert built[logical_id]["Properties"]["CodeUri"] == logical_id
        assert (function_dir / "failover" / "handlers" / f"{module}.py").is_file(), logical_id
        assert (function_dir / "failover" / "__init__.py").is_file(), logical_id
