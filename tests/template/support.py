"""Shared names and helpers of the template gates (importable; conftest only wires fixtures)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.template.asl_checks import substitute
from tests.template.cfn_yaml import REPO_ROOT

VENV_BIN = Path(sys.executable).parent
ASL_PATH = REPO_ROOT / "statemachines" / "failover.asl.json"
SAMCONFIG_PATH = REPO_ROOT / "samconfig.toml"
TOOL_TIMEOUT_SECONDS = 120

# Inputs of the single cfn-lint run next to template.yaml (conftest.tool_runs).
UNSUPPRESSED_TEMPLATE = "unsuppressed-template.json"
ASL_WRAPPER = "asl-wrapper.json"

# docs/DESIGN.md, "One name per concept": logical id -> handler module.
MACHINE_FUNCTIONS = {
    "ValidateInputFunction": "validate_input",
    "AcquireLockFunction": "acquire_lock",
    "CheckCooldownFunction": "check_cooldown",
    "ConfirmOutageFunction": "confirm_outage",
    "PreflightFunction": "preflight",
    "RequestApprovalFunction": "request_approval",
    "PromoteDatabaseFunction": "promote_database",
    "CheckDatabaseFunction": "check_database",
    "ShiftTrafficFunction": "shift_traffic",
    "ScaleComputeFunction": "scale_compute",
    "CheckComputeFunction": "check_compute",
    "SetActiveRegionFunction": "set_active_region",
    "FenceOldRegionFunction": "fence_old_region",
    "VerifyFailoverFunction": "verify_failover",
    "RecordOutcomeFunction": "record_outcome",
    "NotifyFunction": "notify",
    "ReleaseLockFunction": "release_lock",
}
FUNCTIONS = {**MACHINE_FUNCTIONS, "ProbeHealthFunction": "probe_health"}


def tool_env() -> dict[str, str]:
    """Environment for sam / cfn-lint: offline, no telemetry, fake credentials, fixed region."""
    env = {key: value for key, value in os.environ.items() if key != "AWS_PROFILE"}
    env.update(
        {
            "SAM_CLI_TELEMETRY": "0",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
        }
    )
    return env


def run_tool(tool: str, *args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    """Run a console script from this venv (sam, cfn-lint) and capture its output."""
    executable = VENV_BIN / tool
    assert executable.exists(), f"{executable} is missing; run `make venv`"
    return subprocess.run(  # noqa: S603 - fixed executables from the venv, no shell
        [str(executable), *args],
        cwd=cwd,
        env=tool_env(),
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_SECONDS,
        check=False,
    )


class ToolRuns:
    """Tool processes started together (2 cores: validate, lint and build overlap).

    Output goes to files, not pipes, so a chatty tool can never block on a full pipe.
    """

    def __init__(self, work: Path) -> None:
        self.work = work
        self._running: dict[str, tuple[subprocess.Popen[bytes], Path, Path]] = {}
        self._done: dict[str, subprocess.CompletedProcess[str]] = {}

    def start(self, name: str, tool: str, *args: str, cwd: Path = REPO_ROOT) -> None:
        executable = VENV_BIN / tool
        assert executable.exists(), f"{executable} is missing; run `make venv`"
        out, err = self.work / f"{name}.out", self.work / f"{name}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(  # noqa: S603 - fixed executables from the venv
                [str(executable), *args], cwd=cwd, env=tool_env(), stdout=stdout, stderr=stderr
            )
        self._running[name] = (process, out, err)

    def result(self, name: str) -> subprocess.CompletedProcess[str]:
        if name not in self._done:
            process, out, err = self._running.pop(name)
            returncode = process.wait(timeout=TOOL_TIMEOUT_SECONDS)
            self._done[name] = subprocess.CompletedProcess(
                process.args,
                returncode,
                out.read_text(encoding="utf-8"),
                err.read_text(encoding="utf-8"),
            )
        return self._done[name]

    def stop(self) -> None:
        for process, _, _ in self._running.values():
            process.kill()
            process.wait()
        self._running.clear()


# ---------------------------------------------------------------- ASL wrapped for cfn-lint

ACCOUNT = "123456789012"


def dummy_substitution_values(substitutions: dict[str, Any]) -> dict[str, str]:
    """A plausible value per DefinitionSubstitution (function ARNs for ${XFunctionArn})."""
    values = {}
    for key in substitutions:
        name = key.removesuffix("Arn")
        values[key] = (
            f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
            if key.endswith("FunctionArn")
            else f"dummy-{name}"
        )
    return values


def _plain_state_machine(definition: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::StepFunctions::StateMachine",
        "Properties": {
            "StateMachineType": "STANDARD",
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/failover-state-machine",
            "TracingConfiguration": {"Enabled": True},
            "Definition": definition,
        },
    }


def asl_wrapper(asl_text: str, substitutions: dict[str, Any]) -> dict[str, Any]:
    """A plain CloudFormation template holding the ASL (substituted) as
    ``FailoverStateMachine``, plus ``KnownBadStateMachine``: the same ASL with an invalid
    field, which proves that cfn-lint really validated the definitions."""
    definition = json.loads(substitute(asl_text, dummy_substitution_values(substitutions)))
    broken = json.loads(json.dumps(definition))
    broken["States"][broken["StartAt"]]["NotAnAslField"] = True
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "FailoverStateMachine": _plain_state_machine(definition),
            "KnownBadStateMachine": _plain_state_machine(broken),
        },
    }
