"""Shared names and helpers of the template gates (importable; conftest only wires fixtures)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.template.asl_checks import substitute
from tests.template.cfn_yaml import REPO_ROOT

VENV_BIN = Path(sys.executable).parent
ASL_PATH = REPO_ROOT / "statemachines" / "failover.asl.json"
SAMCONFIG_PATH = REPO_ROOT / "samconfig.toml"
STACK_PATHS = sorted((REPO_ROOT / "stacks").glob("*.yaml"))
CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"
#: checkov through scripts/checkov_run.py (its JSONPath parse table built once: 9 s, not 40 s).
CHECKOV_RUN = [str(CHECKOV.with_name("python")), str(REPO_ROOT / "scripts" / "checkov_run.py")]
CHECKOV_TEMPLATES = [*STACK_PATHS, REPO_ROOT / "template.yaml"]
TOOL_TIMEOUT_SECONDS = 120

# Inputs of the single cfn-lint run next to template.yaml (conftest.tool_runs).
UNSUPPRESSED_TEMPLATE = "unsuppressed-template.json"
ASL_WRAPPER = "asl-wrapper.json"

# docs/DESIGN.md, "One name per concept": logical id -> handler module.
MACHINE_FUNCTIONS = {
    "ValidateInputFunction": "validate_input",
    "AcquireLeaseFunction": "acquire_lease",
    "ReleaseLeaseFunction": "release_lease",
    "InspectLeaseFunction": "inspect_lease",
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
    "PostRecoveryFunction": "post_recovery",
    "VerifyFailoverFunction": "verify_failover",
    "RecordOutcomeFunction": "record_outcome",
    "NotifyFunction": "notify",
}
FUNCTIONS = {
    **MACHINE_FUNCTIONS,
    "ProbeHealthFunction": "probe_health",
    "CloseRunFunction": "close_run",
    "EvaluateReadinessFunction": "evaluate_readiness",
}


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
    """Tool processes started together, once per test session (2 cores: they overlap).

    Under pytest-xdist every worker asks for the runs; the first to create the shared work
    folder starts the tools, the others read the same results. Each tool writes its output
    to files and, when it exits, its exit code to ``NAME.rc``, so any worker can wait for it
    and no chatty tool can block on a full pipe.
    """

    def __init__(self, work: Path, owner: bool) -> None:
        self.work = work
        self.owner = owner
        self._processes: list[subprocess.Popen[bytes]] = []
        self._done: dict[str, subprocess.CompletedProcess[str]] = {}

    def start(
        self, name: str, tool: str, *args: str, cwd: Path = REPO_ROOT, also: str | None = None
    ) -> None:
        """Start ``tool`` as ``name``. ``also``: a second result the same process writes
        (``also.out``, ``.err``, ``.rc``) itself."""
        if not self.owner:
            return
        executable = VENV_BIN / tool
        assert executable.exists(), f"{executable} is missing; run `make venv`"
        command = shlex.join([str(executable), *args])
        base = shlex.quote(str(self.work / name))
        script = (
            f"{command} >{base}.out 2>{base}.err; "
            f"echo $? >{base}.rc.tmp && mv {base}.rc.tmp {base}.rc"
        )
        self._processes.append(
            subprocess.Popen(["/bin/sh", "-c", script], cwd=cwd, env=tool_env())  # noqa: S603
        )
        with (self.work / "started").open("a", encoding="utf-8") as manifest:
            manifest.write(name + "\n" + (also + "\n" if also else ""))

    def ready(self) -> None:
        """The owner has started every tool: the others may read the manifest."""
        if self.owner:
            (self.work / "ready").touch()

    def _wait_for(self, path: Path) -> None:
        deadline = time.monotonic() + TOOL_TIMEOUT_SECONDS
        while not path.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path} did not appear in {TOOL_TIMEOUT_SECONDS} s")
            time.sleep(0.1)

    def started(self, name: str) -> bool:
        self._wait_for(self.work / "ready")
        return name in (self.work / "started").read_text(encoding="utf-8").split()

    def sam_validate(self, template: Path) -> tuple[int, str]:
        """Exit code and output of ``sam validate --lint`` for one template."""
        result = self.result("sam-validate")
        report_path = self.work / "sam-validate.json"
        assert report_path.exists(), result.stdout + result.stderr
        report = json.loads(report_path.read_text(encoding="utf-8"))
        entry = report[str(template)]
        return int(entry["code"]), str(entry["output"])

    def result(self, name: str) -> subprocess.CompletedProcess[str]:
        if name not in self._done:
            assert self.started(name), f"{name} was never started"
            self._wait_for(self.work / f"{name}.rc")
            self._done[name] = subprocess.CompletedProcess(
                name,
                int((self.work / f"{name}.rc").read_text(encoding="utf-8").strip()),
                (self.work / f"{name}.out").read_text(encoding="utf-8"),
                (self.work / f"{name}.err").read_text(encoding="utf-8"),
            )
        return self._done[name]

    def stop(self) -> None:
        """The owner waits for its tools: another worker may still be reading them."""
        for process in self._processes:
            try:
                process.wait(timeout=TOOL_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# ---------------------------------------------------------------- ASL wrapped for cfn-lint

ACCOUNT = "123456789012"


# What CloudFormation resolves the other substitutions to in the commercial partition.
_RESOLVED = {"Partition": "aws"}


def dummy_substitution_values(substitutions: dict[str, Any]) -> dict[str, str]:
    """A plausible value per DefinitionSubstitution (function ARNs for ${XFunctionArn})."""
    values = {}
    for key, value in substitutions.items():
        name = key.removesuffix("Arn")
        if key.endswith("FunctionArn"):
            values[key] = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
        elif isinstance(value, str):
            values[key] = value  # a literal
        else:
            values[key] = _RESOLVED[key]
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


class _NoManagedPolicies:
    """SAM asks for a name -> ARN map of managed policies only for names in Policies."""

    def load(self) -> dict[str, str]:
        return {}


def translate(sam_template: dict[str, Any]) -> dict[str, Any]:
    """A SAM template as CloudFormation will see it after its transforms (offline):
    AWS::LanguageExtensions' Fn::ForEach expanded (parameter defaults), then SAM's.

    Local CodeUri / DefinitionUri become S3 locations, as `sam package` would make them.
    """
    from samtranslator.translator.transform import transform  # type: ignore[import-untyped,unused-ignore]

    from testbed.template import expand_foreach

    sam_template = expand_foreach(sam_template)
    for resource in sam_template["Resources"].values():
        properties = resource.get("Properties", {})
        if "CodeUri" in properties:
            properties["CodeUri"] = "s3://packaged/functions.zip"
        if "DefinitionUri" in properties:
            properties["DefinitionUri"] = "s3://packaged/failover.asl.json"
    saved = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    try:
        result: dict[str, Any] = transform(sam_template, {}, _NoManagedPolicies())
    finally:
        if saved is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = saved
    return result
