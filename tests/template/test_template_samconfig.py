"""samconfig.toml agrees with the templates: envs, regions, capabilities, review, build, values.

The complete parameter set each env gets (its static values plus the computed include, read
with SAM CLI's own code) is checked in test_estate_deploy.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from samcli.cli.types import CfnParameterOverridesType

from scripts import stacks
from tests.template.cfn_yaml import REPO_ROOT, load_template

CONTROL_PLANE_ENVS = {"control-us-east-1": "us-east-1", "control-us-west-2": "us-west-2"}
# The repository's estate: every env, in deploy order.
ENVS = [
    "lease",
    "region-us-east-1",
    "region-us-west-2",
    "global",
    "control-us-east-1",
    "control-us-west-2",
]


def _overrides(samconfig: dict[str, Any], env: str) -> list[str]:
    overrides: list[str] = samconfig[env]["global"]["parameters"]["parameter_overrides"]
    return overrides


def _static(samconfig: dict[str, Any], env: str) -> dict[str, str]:
    items = [i for i in _overrides(samconfig, env) if not i.startswith(stacks.INCLUDE_PREFIX)]
    parsed: dict[str, str] = CfnParameterOverridesType().convert(items, None, None)
    return parsed


def test_default_env_serves_validate_and_build_and_deploys_nothing(
    samconfig: dict[str, Any],
) -> None:
    default = samconfig["default"]
    assert default["global"]["parameters"]["template_file"] == "template.yaml"
    assert default["validate"]["parameters"]["lint"] is True
    # A bare `sam deploy` / `sam sync` stops on a template path that names the envs.
    for command in ("deploy", "sync"):
        message = default[command]["parameters"]["template_file"]
        assert not (REPO_ROOT / message).exists()
        assert "--config-env" in message
        assert "parameter_overrides" not in default[command]["parameters"]


@pytest.mark.parametrize(("env", "region"), sorted(CONTROL_PLANE_ENVS.items()))
def test_control_plane_env_builds_this_template_and_deploys_the_build(
    samconfig: dict[str, Any], env: str, region: str
) -> None:
    global_parameters = samconfig[env]["global"]["parameters"]
    deploy = samconfig[env]["deploy"]["parameters"]
    assert global_parameters["template_file"] == "template.yaml"  # sam build, sam sync
    assert deploy["template_file"] == stacks.BUILT_TEMPLATE  # sam deploy
    assert global_parameters["region"] == region
    assert global_parameters["stack_name"]
    capabilities = set(global_parameters["capabilities"].split())
    assert capabilities == {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
    assert deploy["resolve_s3"] is True
    # `sam build --config-env <env>` works in a fresh clone: it reads no computed include
    # (the .estate/ files exist only once make estate-params ran).
    assert samconfig[env]["build"]["parameters"]["parameter_overrides"] == []


@pytest.mark.parametrize("env", ENVS)
def test_every_env_reviews_its_change_sets(samconfig: dict[str, Any], env: str) -> None:
    assert samconfig[env]["deploy"]["parameters"]["confirm_changeset"] is True


@pytest.mark.parametrize("env", ENVS)
def test_every_env_shares_its_values_with_sam_sync_and_ends_with_its_computed_include(
    samconfig: dict[str, Any], env: str
) -> None:
    """In the global section, deploy and sync read the same values; the include wins."""
    assert "parameter_overrides" not in samconfig[env].get("deploy", {}).get("parameters", {})
    target = next(t for t in stacks.load_plan(samconfig).targets() if t.env == env)
    assert _overrides(samconfig, env)[-1] == f"{stacks.INCLUDE_PREFIX}{target.params_file}"


def test_the_stacks_with_a_transform_accept_it(samconfig: dict[str, Any]) -> None:
    for env in ENVS:
        template_file = samconfig[env]["global"]["parameters"]["template_file"]
        if "Transform" not in load_template(REPO_ROOT / template_file):
            continue
        capabilities = samconfig[env]["global"]["parameters"]["capabilities"].split()
        assert "CAPABILITY_AUTO_EXPAND" in capabilities, env
    assert "Transform" in load_template(REPO_ROOT / "stacks" / "global.yaml")


def test_both_regions_get_the_same_control_plane_parameters(samconfig: dict[str, Any]) -> None:
    """Each region carries a complete copy: only the stack's region differs."""
    assert _overrides(samconfig, "control-us-east-1") == _overrides(samconfig, "control-us-west-2")


@pytest.mark.parametrize("env", ENVS)
def test_static_values_satisfy_their_templates_parameters(
    samconfig: dict[str, Any], env: str
) -> None:
    template_file = samconfig[env]["global"]["parameters"]["template_file"]
    parameters = load_template(REPO_ROOT / template_file)["Parameters"]
    static = _static(samconfig, env)
    assert set(static) <= set(parameters), "overrides for unknown parameters"
    for name, value in static.items():
        spec = parameters[name]
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], value), f"{name}={value!r}"
        if "AllowedValues" in spec:
            assert value in {str(v) for v in spec["AllowedValues"]}, f"{name}={value!r}"
        if spec["Type"] == "Number":
            number = float(value)
            assert spec.get("MinValue", number) <= number <= spec.get("MaxValue", number), name
