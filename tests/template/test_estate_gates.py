"""Static gates on the estate templates: sam validate --lint, cfn-lint with the serverless rules,
and checkov (on stacks/*.yaml and template.yaml).

The tools are separate processes (checkov in its own venv, see make/estate.mk); they start
together once per module and each test waits for its own, so the gates cost the slowest tool's
time, not the sum.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.template.cfn_yaml import REPO_ROOT

pytestmark = pytest.mark.slow

VENV_BIN = Path(sys.executable).parent
CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"
STACKS = sorted((REPO_ROOT / "stacks").glob("*.yaml"))
CHECKOV_TEMPLATES = [*STACKS, REPO_ROOT / "template.yaml"]
TIMEOUT_SECONDS = 240


@dataclass
class Run:
    process: subprocess.Popen[str]

    def result(self) -> tuple[int, str]:
        out, _ = self.process.communicate(timeout=TIMEOUT_SECONDS)
        return self.process.returncode, out


def _start(argv: list[str]) -> Run:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    process = subprocess.Popen(  # noqa: S603 - fixed tool argv, no shell
        argv,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return Run(process)


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, Run]]:
    started = {
        f"sam validate {path.name}": _start(
            [str(VENV_BIN / "sam"), "validate", "--lint", "--template", str(path)]
        )
        for path in STACKS
    }
    started["cfn-lint"] = _start(
        [str(VENV_BIN / "cfn-lint"), "-a", "cfn_lint_serverless.rules", "--", *map(str, STACKS)]
    )
    if CHECKOV.exists():
        checkov = [str(CHECKOV), "--skip-download", "--framework", "cloudformation", "-o", "json"]
        for path in CHECKOV_TEMPLATES:
            checkov += ["-f", str(path.relative_to(REPO_ROOT))]
        started["checkov"] = _start(checkov)
    yield started
    for run in started.values():
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait()


def test_there_are_estate_stacks() -> None:
    assert [p.name for p in STACKS] == ["global.yaml", "region.yaml"]


@pytest.mark.parametrize("stack", [p.name for p in STACKS])
def test_sam_validate_lint_passes(runs: dict[str, Run], stack: str) -> None:
    code, out = runs[f"sam validate {stack}"].result()
    assert code == 0, out
    assert "is a valid SAM Template" in out


def test_cfn_lint_with_serverless_rules_passes(runs: dict[str, Run]) -> None:
    code, out = runs["cfn-lint"].result()
    assert (code, out.strip()) == (0, "")


@pytest.fixture(scope="module")
def checkov_report(runs: dict[str, Run]) -> dict[str, Any]:
    if "checkov" not in runs:
        pytest.skip(".venv-checkov is absent: run `make checkov-venv` (it pins its own boto3)")
    _, out = runs["checkov"].result()
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
