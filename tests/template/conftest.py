"""Fixtures for the template gates: the template as written, as SAM translates it, the ASL
and samconfig.toml."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_directory
from tests.template.cfn_yaml import REPO_ROOT, TEMPLATE_PATH, load_template
from tests.template.support import (
    ASL_PATH,
    ASL_WRAPPER,
    CHECKOV,
    CHECKOV_RUN,
    CHECKOV_TEMPLATES,
    SAMCONFIG_PATH,
    STACK_PATHS,
    UNSUPPRESSED_TEMPLATE,
    ToolRuns,
    asl_wrapper,
    translate,
)


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    """template.yaml as written (SAM, short-form tags in long form)."""
    return load_template(TEMPLATE_PATH)


@pytest.fixture(scope="session")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    """template.yaml's resources after Fn::ForEach (AWS::LanguageExtensions), for the default
    Regions: one watcher set per region, each under its Watches<Region> condition."""
    from testbed.template import expand_foreach

    resources: dict[str, Any] = expand_foreach(template)["Resources"]
    return resources


@pytest.fixture(scope="session")
def translated() -> dict[str, Any]:
    """template.yaml as CloudFormation will see it after the SAM transform (offline).

    Local CodeUri / DefinitionUri become S3 locations, as `sam package` would make them.
    """
    return translate(load_template(TEMPLATE_PATH))


@pytest.fixture(scope="session")
def asl_text() -> str:
    """statemachines/failover.asl.json as text (skips while the file does not exist yet)."""
    if not ASL_PATH.exists():
        pytest.skip(f"{ASL_PATH.relative_to(REPO_ROOT)} does not exist yet")
    return ASL_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def asl_definition(asl_text: str) -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(asl_text)
    return definition


@pytest.fixture(scope="session")
def samconfig() -> dict[str, Any]:
    with SAMCONFIG_PATH.open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="session")
def tool_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ToolRuns]:
    """sam validate, sam build, checkov and one cfn-lint run, started together on first use.

    Under xdist the first worker to ask starts them; the others read the same results.
    sam validate --lint covers template.yaml (the stacks are plain CloudFormation: cfn-lint).
    cfn-lint (with the serverless rules) lints, in one process, stacks/*.yaml and:
    - template.yaml itself;
    - UNSUPPRESSED_TEMPLATE: template.yaml without its WS1004 suppression, to prove the
      serverless rules are loaded;
    - ASL_WRAPPER: the ASL inside a plain AWS::StepFunctions::StateMachine (if it exists).
    """
    work = run_directory(tmp_path_factory) / "template-gates"  # one for the whole run
    try:
        work.mkdir()
        owner = True
    except FileExistsError:
        owner = False
    sam_template = load_template(TEMPLATE_PATH)

    unsuppressed = json.loads(json.dumps(sam_template))
    unsuppressed["Metadata"]["cfn-lint"]["config"]["ignore_checks"].remove("WS1004")
    if owner:
        (work / UNSUPPRESSED_TEMPLATE).write_text(json.dumps(unsuppressed), encoding="utf-8")
    lint_inputs = [str(TEMPLATE_PATH), str(work / UNSUPPRESSED_TEMPLATE)]

    if ASL_PATH.exists():
        substitutions = sam_template["Resources"]["FailoverStateMachine"]["Properties"][
            "DefinitionSubstitutions"
        ]
        try:
            wrapper = asl_wrapper(ASL_PATH.read_text(encoding="utf-8"), substitutions)
        except (ValueError, KeyError):
            pass  # not JSON / unknown placeholder: the pure-Python ASL tests say which
        else:
            if owner:
                (work / ASL_WRAPPER).write_text(json.dumps(wrapper, indent=2), encoding="utf-8")
            lint_inputs.append(str(work / ASL_WRAPPER))

    lint_inputs += [str(path) for path in STACK_PATHS]

    runs = ToolRuns(work, owner)
    # One process: sam validate --lint on the SAM template, then cfn-lint (with the serverless
    # rules) on every lint input, so the SAM CLI's and cfn-lint's start-up is paid once.
    # The estate stacks are plain CloudFormation (no Transform): there sam validate adds
    # nothing to cfn-lint, which lints them with the same rules and the serverless ones
    # (make estate-validate runs both on them).
    runs.start(
        "sam-validate",
        "python",
        str(Path(__file__).with_name("sam_validate_many.py")),
        str(work / "sam-validate.json"),
        str(TEMPLATE_PATH),
        "--cfn-lint",
        str(work / "cfn-lint"),
        "--format",
        "json",
        "--append-rules",
        "cfn_lint_serverless.rules",
        "--",
        *lint_inputs,
        also="cfn-lint",
    )
    if CHECKOV.exists():
        checkov = ["--skip-download", "--framework", "cloudformation", "-o", "json"]
        for path in CHECKOV_TEMPLATES:
            checkov += ["-f", str(path.relative_to(REPO_ROOT))]
        runs.start("checkov", *CHECKOV_RUN, *checkov)
    runs.ready()
    runs.start(
        "sam-build",
        "sam",
        "build",
        "--language-extensions",
        "--template",
        str(TEMPLATE_PATH),
        "--build-dir",
        str(work / "build"),
        "--cache-dir",
        str(work / "cache"),
        cwd=work,
    )
    yield runs
    runs.stop()


@pytest.fixture(scope="session")
def cfn_lint_matches(tool_runs: ToolRuns) -> dict[str, list[dict[str, Any]]]:
    """cfn-lint's matches, by input file name (template.yaml, UNSUPPRESSED_TEMPLATE, ...)."""
    result = tool_runs.result("cfn-lint")
    try:
        matches = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        pytest.fail(f"cfn-lint did not print JSON:\n{result.stdout}\n{result.stderr}")
    by_file: dict[str, list[dict[str, Any]]] = {}
    for match in matches:
        by_file.setdefault(match["Filename"].rsplit("/", 1)[-1], []).append(match)
    return by_file
