"""samconfig.toml agrees with template.yaml: envs, regions, capabilities, parameter values."""

from __future__ import annotations

import re
from typing import Any

import pytest
from samcli.cli.types import CfnParameterOverridesType

CONTROL_PLANE_ENVS = {"primary": "us-east-1", "secondary": "us-west-2"}


def _overrides(samconfig: dict[str, Any], env: str) -> dict[str, str]:
    raw = samconfig[env]["deploy"]["parameters"]["parameter_overrides"]
    parsed: dict[str, str] = CfnParameterOverridesType().convert(raw, None, None)
    return parsed


def test_default_env_serves_validate_and_build(samconfig: dict[str, Any]) -> None:
    default = samconfig["default"]
    assert default["global"]["parameters"]["template_file"] == "template.yaml"
    assert default["validate"]["parameters"]["lint"] is True
    assert "deploy" not in default, "deploys name their env: --config-env primary|secondary"


@pytest.mark.parametrize(("env", "region"), sorted(CONTROL_PLANE_ENVS.items()))
def test_control_plane_env_deploys_this_template_to_its_region(
    samconfig: dict[str, Any], env: str, region: str
) -> None:
    global_parameters = samconfig[env]["global"]["parameters"]
    deploy = samconfig[env]["deploy"]["parameters"]
    assert global_parameters["template_file"] == "template.yaml"
    assert global_parameters["region"] == region
    assert global_parameters["stack_name"]
    assert set(deploy["capabilities"].split()) == {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
    assert deploy["resolve_s3"] is True


def test_both_regions_get_the_same_estate_parameters(samconfig: dict[str, Any]) -> None:
    """Each region carries a complete copy: only the stack's region differs."""
    assert _overrides(samconfig, "primary") == _overrides(samconfig, "secondary")


@pytest.mark.parametrize("env", sorted(CONTROL_PLANE_ENVS))
def test_overrides_satisfy_the_template_parameters(
    samconfig: dict[str, Any], template: dict[str, Any], env: str
) -> None:
    overrides = _overrides(samconfig, env)
    parameters = template["Parameters"]
    assert set(overrides) <= set(parameters), "overrides for unknown parameters"
    missing = {name for name, spec in parameters.items() if "Default" not in spec} - set(overrides)
    assert missing == set(), "parameters without a default need a value"
    for name, value in overrides.items():
        spec = parameters[name]
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], value), f"{name}={value!r}"
        if "AllowedValues" in spec:
            assert value in {str(v) for v in spec["AllowedValues"]}, f"{name}={value!r}"
        if spec["Type"] == "Number":
            number = float(value)
            assert spec.get("MinValue", number) <= number <= spec.get("MaxValue", number), name
    assert (overrides["PrimaryRegion"], overrides["SecondaryRegion"]) == (
        CONTROL_PLANE_ENVS["primary"],
        CONTROL_PLANE_ENVS["secondary"],
    )
