"""The deploy tooling (scripts/stacks.py, scripts/deploy.py), seen from outside.

- samconfig -> plan, and the plan `make deploy-plan` prints;
- outputs -> parameters, checked against the templates' own parameter constraints;
- the deploy itself, run with a stand-in `sam` executable that records the command it was given
  and the computed-parameters file it found, and a stand-in for the few boto3 reads;
- the refusals that happen before any AWS call (placeholders, a missing or stale build).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from failover.config import GLOBAL_ACCELERATOR_REGION

from scripts import deploy, stacks
from tests.template.cfn_yaml import REPO_ROOT, load_template

ACCOUNT = "111122223333"


PAIR = ("us-east-1", "us-west-2")
THREE = ("us-east-1", "eu-west-1", "us-west-2")
ALB_ZONES = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-west-2": "Z1H1FL5HABSF5",
    "eu-west-1": "Z32O12XQLNTSW2",
}


def samconfig(regions: tuple[str, ...] = PAIR, **changes: Any) -> dict[str, Any]:
    """A samconfig.toml as tomllib reads it, shaped like the repository's, for ``regions`` in
    priority order."""

    def env(
        name: str, stack: str, region: str, template: str, overrides: list[str]
    ) -> dict[str, Any]:
        include = f"file://.estate/{stacks.params_file_name(name)}"
        config: dict[str, Any] = {
            "global": {
                "parameters": {
                    "stack_name": stack,
                    "region": region,
                    "template_file": template,
                    "parameter_overrides": [*overrides, include],
                }
            },
            "deploy": {"parameters": {"confirm_changeset": True}},
        }
        if name.startswith(stacks.CONTROL_ENV_PREFIX):
            config["deploy"]["parameters"]["template_file"] = stacks.BUILT_TEMPLATE
        return config

    config: dict[str, Any] = {
        "version": 0.1,
        "lease": env(
            "lease",
            "shop-lease",
            "us-east-1",
            "stacks/lease.yaml",
            ["LeaseRegions=us-east-1,us-east-2,us-west-2"],
        ),
        "global": env(
            "global",
            "shop-global",
            "us-east-1",
            "stacks/global.yaml",
            [
                "EstateName=shop",
                f"Regions={','.join(regions)}",
                "RecordName=app.shop.io",
                "Topology=active-passive",
                "ExistingHostedZoneId=Z0ZONE",
            ],
        ),
    }
    for number, region in enumerate(regions):
        count = "DesiredCount=2" if number == 0 else "DesiredCount=1"
        config[stacks.region_env(region)] = env(
            stacks.region_env(region),
            "shop-region",
            region,
            "stacks/region.yaml",
            [f"VpcCidr=10.{number}.0.0/16", count],
        )
        config[stacks.control_env(region)] = env(
            stacks.control_env(region), "shop-control", region, "template.yaml", []
        )
    config.update(changes)
    return config


def kms_key_id(region: str) -> str:
    return f"{sum(map(ord, region)):08x}-12ab-34cd-56ef-1234567890ab"


def region_outputs(region: str, role: str) -> dict[str, str]:
    return {
        "Region": region,
        "Role": role,
        "VpcId": f"vpc-{role}",
        "AlbArn": f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT}:loadbalancer/app/shop/0f",
        "AlbDnsName": f"shop-{region}-1.{region}.elb.amazonaws.com",
        "HttpsListenerArn": (
            f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT}:listener/app/shop/0f/1a"
        ),
        "AlbCanonicalHostedZoneId": ALB_ZONES[region],
        "HealthUrl": f"https://{region}.app.shop.io/health",
        "EcsClusterName": f"shop-{region}",
        "EcsServiceName": "shop-web",
        "DesiredCount": "2" if role == "primary" else "1",
        "DbClusterIdentifier": f"shop-{region}",
        "DbClusterArn": f"arn:aws:rds:{region}:{ACCOUNT}:cluster:shop-{region}",
        "DbWriterEndpoint": f"shop-{region}.cluster-abc.{region}.rds.amazonaws.com",
        "DbReaderEndpoint": f"shop-{region}.cluster-ro-abc.{region}.rds.amazonaws.com",
        "GlobalClusterId": "shop-global",
        "DbSecretArn": f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:DbMasterSecret-x1-AbC123",
        "BucketName": f"shop-data-{ACCOUNT}-{region}",
        "BucketArn": f"arn:aws:s3:::shop-data-{ACCOUNT}-{region}",
        "LogsBucketName": f"shop-logs-{ACCOUNT}-{region}",
        "KmsKeyArn": f"arn:aws:kms:{region}:{ACCOUNT}:key/{kms_key_id(region)}",
        "KmsKeyId": kms_key_id(region),
        "ReplicationRegions": "",
        "Topology": "active-passive",
        "ActiveRegionParameterName": "/shop/failover/active-region",
    }


def outputs_of(plan: stacks.Plan, *existing: str) -> dict[str, dict[str, str] | None]:
    """Each region's stack outputs, None for a region whose stack does not exist."""
    return {
        region: region_outputs(region, "primary" if region == plan.primary_region else "s")
        if region in existing
        else None
        for region in plan.regions
    }


LEASE_OUTPUTS = {
    "FailoverTableName": "shop-failover",
    "LeaseRegions": "us-east-1,us-east-2,us-west-2",
    "FailoverTableArn": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/shop-failover",
}

ACCELERATOR = f"arn:aws:globalaccelerator::{ACCOUNT}:accelerator/abcd-1234"


def global_outputs(regions: tuple[str, ...]) -> dict[str, str]:
    per_region: dict[str, str] = {}
    for region in regions:
        key = stacks.key(region)
        per_region |= {
            f"HealthCheckId{key}": f"00000000-0000-0000-0000-{sum(map(ord, region)):012x}",
            f"HealthAlarmName{key}": f"shop-health-{region}",
            f"HealthUrl{key}": f"https://{region}.app.shop.io/health",
            f"EndpointGroupArn{key}": f"{ACCELERATOR}/listener/0a1b/endpoint-group/{key}",
        }
    return {
        "HostedZoneId": "Z0123456789ABCDEFGHIJ",
        "RecordName": "app.shop.io",
        "Topology": "active-passive",
        "AcceleratorArn": ACCELERATOR,
        "AcceleratorDnsName": "a1234.awsglobalaccelerator.com",
        "ListenerArn": f"{ACCELERATOR}/listener/0a1b",
        **per_region,
    }


GLOBAL_OUTPUTS = global_outputs(PAIR)


@pytest.fixture
def plan() -> stacks.Plan:
    return stacks.load_plan(samconfig())


def repository_plan() -> stacks.Plan:
    with (REPO_ROOT / "samconfig.toml").open("rb") as handle:
        return stacks.load_plan(tomllib.load(handle))


def required_parameters(template: str) -> set[str]:
    parameters = load_template(REPO_ROOT / template)["Parameters"]
    return {name for name, spec in parameters.items() if "Default" not in spec}


def violations(template: str, values: dict[str, str]) -> list[str]:
    """What CloudFormation would refuse among these parameter values."""
    parameters = load_template(REPO_ROOT / template)["Parameters"]
    problems = [f"{name} is not declared" for name in values if name not in parameters]
    for name, value in values.items():
        spec = parameters.get(name, {})
        # A CommaDelimitedList's AllowedPattern applies to each member.
        members = value.split(",") if spec.get("Type") == "CommaDelimitedList" else [value]
        for member in members:
            if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], member):
                problems.append(f"{name}={member!r} does not match {spec['AllowedPattern']}")
        if "AllowedValues" in spec and value not in {str(v) for v in spec["AllowedValues"]}:
            problems.append(f"{name}={value!r} is not one of {spec['AllowedValues']}")
        if spec.get("Type") == "Number":
            number = float(value)
            if not spec.get("MinValue", number) <= number <= spec.get("MaxValue", number):
                problems.append(f"{name}={value} is out of range")
    return problems


# --------------------------------------------------------------------------- samconfig -> plan


def test_parameter_overrides_are_read_in_both_samconfig_forms() -> None:
    as_string = stacks.parse_parameter_overrides(
        "EstateName=shop NotificationEmail=\"\" Note='two words' file://.estate/x.yaml"
    )
    as_list = stacks.parse_parameter_overrides(
        ["EstateName=shop", 'NotificationEmail=""', "Note=two words", "file://.estate/x.yaml"]
    )
    assert (
        as_string == as_list == {"EstateName": "shop", "NotificationEmail": "", "Note": "two words"}
    )
    assert stacks.override_includes(["A=1", "file://.estate/x.yaml"]) == (".estate/x.yaml",)


def test_a_malformed_override_is_refused() -> None:
    with pytest.raises(stacks.PlanError, match="KEY=VALUE"):
        stacks.parse_parameter_overrides(["EstateName"])


def test_plan_takes_stacks_regions_and_estate_wide_values_from_samconfig(
    plan: stacks.Plan,
) -> None:
    assert plan.estate_name == "shop"
    assert plan.regions == ("us-east-1", "us-west-2")
    assert plan.global_.template_file == "stacks/global.yaml"
    assert plan.control_planes[0].deploys == stacks.BUILT_TEMPLATE
    assert plan.region_stacks[1].parameters["DesiredCount"] == "1"
    assert plan.topology == "active-passive"
    assert plan.active_region_parameter_name == "/shop/failover/active-region"


def _with(env: str, **parameters: Any) -> dict[str, Any]:
    config = samconfig()
    for key, value in parameters.items():
        if env == "global" and key == "parameter_overrides":
            # [global] always names the estate and its regions
            value = ["EstateName=shop", "Regions=us-east-1,us-west-2", *value]
        config[env]["global"]["parameters"][key] = value
    return config


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (_with("global", region="us-west-2"), "us-east-1"),
        (_with("control-us-west-2", region="eu-west-1"), "not us-west-2"),
        (_with("region-us-west-2", region="us-east-1"), "not us-west-2"),
        (
            _with("region-us-west-2", parameter_overrides=["EstateName=other"]),
            "EstateName differs",
        ),
        (
            _with(
                "region-us-west-2",
                parameter_overrides=["Topology=read-local", "file://.estate/region-us-west-2.yaml"],
            ),
            "set it once",
        ),
        # The order is the priority, set once in [global]: a region stack with its own Role
        # would disagree with it.
        (
            _with(
                "region-us-west-2",
                parameter_overrides=["Role=primary", "file://.estate/region-us-west-2.yaml"],
            ),
            "Role must be secondary",
        ),
        (
            _with(
                "control-us-east-1",
                parameter_overrides=[
                    "Regions=us-west-2,us-east-1",
                    "file://.estate/control-plane.yaml",
                ],
            ),
            "sets Regions",
        ),
        (
            _with("global", parameter_overrides=["Topology=hub", "file://.estate/global.yaml"]),
            "not one of",
        ),
        # Without its include, `sam deploy --config-env global` would miss the computed values.
        (_with("global", parameter_overrides=["RecordName=app.shop.io"]), "must end with"),
        # The lease stack creates the table from one of its replicas: the first of the set.
        (_with("lease", region="us-west-2"), "first of LeaseRegions, us-east-1"),
        (
            _with(
                "lease",
                region="us-east-1",
                parameter_overrides=[
                    "LeaseRegions=us-east-1,eu-west-1,us-west-2",
                    "file://.estate/lease.yaml",
                ],
            ),
            "not of one multi-Region strong consistency set",
        ),
        (
            _with(
                "lease",
                parameter_overrides=["LeaseRegions=us-east-1,us-east-1,us-west-2"],
            ),
            "three distinct regions",
        ),
        # Set once, in [lease]: a control plane with its own list would disagree with the table.
        (
            _with(
                "control-us-east-1",
                parameter_overrides=[
                    "LeaseRegions=eu-west-1,eu-west-2,eu-west-3",
                    "file://.estate/control-plane.yaml",
                ],
            ),
            "set it once, in \\[lease\\]",
        ),
    ],
)
def test_an_inconsistent_samconfig_is_refused_before_anything_deploys(
    config: dict[str, Any], message: str
) -> None:
    with pytest.raises(stacks.PlanError, match=message):
        stacks.load_plan(config)


def test_a_control_plane_that_would_deploy_the_source_template_is_refused() -> None:
    config = samconfig()
    config["control-us-east-1"]["deploy"]["parameters"]["template_file"] = "template.yaml"
    with pytest.raises(
        stacks.PlanError, match=r"\[control-us-east-1\] deploys template.yaml, not the sam"
    ):
        stacks.load_plan(config)


def test_a_missing_config_env_is_named() -> None:
    config = samconfig()
    del config["global"]
    with pytest.raises(stacks.PlanError, match=r"\[global"):
        stacks.load_plan(config)
    config = samconfig(THREE)
    del config["control-eu-west-1"]
    with pytest.raises(stacks.PlanError, match=r"no \[control-eu-west-1\.\*\]"):
        stacks.load_plan(config)


@pytest.mark.parametrize(
    ("regions", "message"),
    [
        (("us-east-1",), "2 to 4 regions, not 1"),
        (("us-east-1", "eu-west-1", "us-west-2", "eu-west-2", "ap-south-1"), "2 to 4 regions"),
        (("us-east-1", "us-west-2", "us-east-1"), "names a region twice"),
        (("us-east-1", "US-WEST-2"), "not region names"),
    ],
)
def test_regions_of_the_wrong_number_or_shape_are_refused(
    regions: tuple[str, ...], message: str
) -> None:
    config = samconfig(tuple(dict.fromkeys(r.lower() for r in regions)))
    overrides = config["global"]["global"]["parameters"]["parameter_overrides"]
    overrides[1] = f"Regions={','.join(regions)}"
    with pytest.raises(stacks.PlanError, match=message):
        stacks.load_plan(config)


# --------------------------------------------------------------------------- the printed plan


def _steps(lines: list[str]) -> list[re.Match[str]]:
    pattern = re.compile(
        r"^\d+\. \[(?P<env>[a-z0-9-]+)\]\s+\S+ in (?P<region>[a-z0-9-]+): deploys (?P<template>\S+)"
    )
    return [m for m in map(pattern.match, lines) if m]


def test_the_plan_lists_the_documented_order(plan: stacks.Plan) -> None:
    envs = [m["env"] for m in _steps(stacks.describe(plan))]
    assert envs == [
        "lease",
        "region-us-east-1",
        "region-us-west-2",
        "region-us-east-1",
        "global",
        "control-us-east-1",
        "control-us-west-2",
    ]


def test_a_three_region_plan_deploys_every_region_in_priority_order() -> None:
    plan = stacks.load_plan(samconfig(THREE))
    steps = _steps(stacks.describe(plan))
    assert [(m["env"], m["region"]) for m in steps] == [
        ("lease", "us-east-1"),
        ("region-us-east-1", "us-east-1"),
        ("region-eu-west-1", "eu-west-1"),
        ("region-us-west-2", "us-west-2"),
        ("region-us-east-1", "us-east-1"),
        ("region-eu-west-1", "eu-west-1"),
        ("global", "us-east-1"),
        ("control-us-east-1", "us-east-1"),
        ("control-eu-west-1", "eu-west-1"),
        ("control-us-west-2", "us-west-2"),
    ]
    assert "priority 1 (primary): creates the Aurora global cluster" in steps[1].string
    assert "priority 3: joins the global cluster; replicates to us-east-1, eu-west-1" in (
        steps[3].string
    )
    assert "first deploy only: replication to eu-west-1, us-west-2 on" in steps[4].string
    assert "first deploy only: replication to us-west-2 on" in steps[5].string


def test_the_plan_deploys_each_region_stack_at_most_twice(plan: stacks.Plan) -> None:
    region_steps = [
        m["region"] for m in _steps(stacks.describe(plan)) if m["env"].startswith("region-")
    ]
    assert {region: region_steps.count(region) for region in region_steps} == {
        "us-east-1": 2,
        "us-west-2": 1,
    }
    third = _steps(stacks.describe(plan))[3]
    assert (third["env"], "first deploy only" in third.string) == ("region-us-east-1", True)


def test_the_plan_shows_the_build_deployed_and_review_on(plan: stacks.Plan) -> None:
    lines = stacks.describe(plan)
    control = [m for m in _steps(lines) if m["env"].startswith(stacks.CONTROL_ENV_PREFIX)]
    assert {m["template"] for m in control} == {stacks.BUILT_TEMPLATE}
    assert all("(the sam build output); review on" in m.string for m in control)
    assert all("review on" in m.string for m in _steps(lines))
    assert "REVIEWED" in lines[1]


def test_opting_out_of_review_shows_in_the_plan_and_in_the_command(plan: stacks.Plan) -> None:
    lines = stacks.describe(plan, review=False)
    assert "NOT reviewed" in lines[1]
    assert all("review OFF" in m.string for m in _steps(lines))
    assert "--no-confirm-changeset" in stacks.sam_deploy_argv("sam", plan.global_, review=False)
    assert "--confirm-changeset" in stacks.sam_deploy_argv("sam", plan.global_)


def test_the_plan_warns_while_the_regions_run_different_engine_versions() -> None:
    config = samconfig()
    overrides = config["region-us-west-2"]["global"]["parameters"]["parameter_overrides"]
    overrides.insert(0, "DbEngineVersion=16.8")
    lines = stacks.describe(stacks.load_plan(config))
    assert any("DbEngineVersion differs" in line for line in lines)
    assert not any("DbEngineVersion differs" in line for line in stacks.describe(repository_plan()))


def test_make_deploy_plan_on_the_repository_prints_the_plan_and_the_placeholders(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="estate.deploy"):
        # Not deployable (placeholders): the plan says so and the exit code too.
        assert deploy.main(["--dry-run", "--profile", "prod"]) == 2
    text = caplog.text
    assert (
        "$ sam deploy --config-file samconfig.toml --config-env region-us-east-1 "
        "--confirm-changeset --region us-east-1 --profile prod"
    ) in text
    assert (
        "--config-env control-us-west-2 --confirm-changeset --region us-west-2 --profile prod"
        in text
    )
    assert "deploys .aws-sam/build/template.yaml (the sam build output); review on" in text
    assert "Region-stack passes per region: us-east-1 2, us-west-2 1" in text
    assert "PlaceholderNotReplaced" in text
    assert "[global] RecordName='app.example.com'" in text


# --------------------------------------------------------------------------- placeholders


def test_every_placeholder_of_the_repositorys_samconfig_is_named_with_its_env() -> None:
    found = {(p.env, p.key) for p in stacks.find_placeholders(repository_plan())}
    assert found == {
        ("region-us-east-1", "ContainerImage"),
        ("region-us-west-2", "ContainerImage"),
        ("global", "RecordName"),
        ("global", "ExistingHostedZoneId"),
    }


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("ZCHANGEME00000", "CHANGEME"),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1", "example account"),
        ("shop.example.org", "example domain"),
        ("ops@example.com", "example domain"),
    ],
)
def test_placeholders_are_recognised(value: str, kind: str) -> None:
    config = _with(
        "global",
        parameter_overrides=[f"NotificationEmail={value}", "file://.estate/global.yaml"],
    )
    (found,) = stacks.find_placeholders(stacks.load_plan(config))
    assert (found.env, found.key, found.value) == ("global", "NotificationEmail", value)
    assert kind in found.kind


def test_real_values_are_not_placeholders(plan: stacks.Plan) -> None:
    assert stacks.find_placeholders(plan) == []


def _write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "samconfig.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_placeholder_is_refused_before_any_aws_call(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A named profile that does not exist would make boto3 raise: the refusal comes first."""
    config = _write_config(tmp_path, (REPO_ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    for args in ([], ["--write-params"]):
        caplog.clear()
        argv = ["--config", str(config), "--profile", "no-such-profile-anywhere", *args]
        assert deploy.main(argv) == 2
        assert "deploy stopped: PlaceholderNotReplaced:" in caplog.text
        assert "[region-us-east-1] ContainerImage='111122223333.dkr.ecr" in caplog.text
        assert "[global] ExistingHostedZoneId='ZCHANGEME00000' (CHANGEME)" in caplog.text


def _deployable_samconfig() -> str:
    text = (REPO_ROOT / "samconfig.toml").read_text(encoding="utf-8")
    for placeholder, value in (
        ("ZCHANGEME00000", "Z0123456789ABC"),
        ("111122223333", "210987654321"),
        (":CHANGEME", ":v1"),
        ("app.example.com", "app.shop.io"),
    ):
        text = text.replace(placeholder, value)
    return text


def test_a_missing_build_is_refused_before_any_aws_call(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "ROOT", tmp_path)
    config = _write_config(tmp_path, _deployable_samconfig())
    argv = ["--config", str(config), "--profile", "no-such-profile-anywhere"]
    assert deploy.main(argv) == 2
    assert (
        "deploy stopped: BuildMissing: .aws-sam/build/template.yaml does not exist" in caplog.text
    )


def test_a_stale_build_is_refused(tmp_path: Path) -> None:
    built = tmp_path / stacks.BUILT_TEMPLATE
    built.parent.mkdir(parents=True)
    built.write_text("built", encoding="utf-8")
    source = tmp_path / "functions" / "failover" / "aurora.py"
    source.parent.mkdir(parents=True)
    source.write_text("# edited after the build", encoding="utf-8")
    (tmp_path / "template.yaml").write_text("source", encoding="utf-8")
    then = built.stat().st_mtime
    os.utime(tmp_path / "template.yaml", (then - 10, then - 10))
    os.utime(source, (then + 10, then + 10))
    with pytest.raises(stacks.BuildMissing, match=r"older than functions/failover/aurora.py"):
        deploy.check_build(tmp_path)
    os.utime(source, (then - 10, then - 10))
    deploy.check_build(tmp_path)


# --------------------------------------------------------------------------- outputs -> parameters


def test_the_primarys_first_pass_has_no_replication(plan: stacks.Plan) -> None:
    overrides = stacks.region_overrides(plan, plan.region_stacks[0], outputs_of(plan))
    assert overrides["Role"] == "primary"
    assert overrides["OtherRegions"] == "us-west-2"
    assert (overrides["ReplicationRegions"], overrides["ReplicaKmsKeyIds"]) == ("", "")
    assert "DbSecretName" not in overrides


def test_a_region_replicates_to_every_other_region_whose_stack_exists() -> None:
    plan = stacks.load_plan(samconfig(THREE))
    first, second, third = plan.region_stacks
    # A first deploy: eu-west-1 after the primary, us-west-2 after both.
    overrides = stacks.region_overrides(plan, second, outputs_of(plan, "us-east-1"))
    assert (overrides["Role"], overrides["OtherRegions"]) == ("secondary", "us-east-1,us-west-2")
    assert overrides["ReplicationRegions"] == "us-east-1"
    assert overrides["ReplicaKmsKeyIds"] == kms_key_id("us-east-1")
    every = outputs_of(plan, *THREE)
    overrides = stacks.region_overrides(plan, third, every)
    assert overrides["ReplicationRegions"] == "us-east-1,eu-west-1"
    # The replication pass: the primary to both others, keys in the same order.
    overrides = stacks.region_overrides(plan, first, every)
    assert overrides["ReplicationRegions"] == "eu-west-1,us-west-2"
    assert overrides["ReplicaKmsKeyIds"] == f"{kms_key_id('eu-west-1')},{kms_key_id('us-west-2')}"


def test_a_secondary_joins_with_the_primarys_secret_and_key_only(plan: stacks.Plan) -> None:
    """No writer endpoint crosses regions: the tasks use their own cluster's endpoints."""
    outputs = outputs_of(plan, "us-east-1")
    overrides = stacks.region_overrides(plan, plan.region_stacks[1], outputs)
    assert overrides == {
        "EstateName": "shop",
        "Topology": "active-passive",
        "Role": "secondary",
        "OtherRegions": "us-east-1",
        "ActiveRegionParameterName": "/shop/failover/active-region",
        "RecordName": "app.shop.io",
        "CertificateHostedZoneId": "Z0ZONE",
        "DbSecretName": "DbMasterSecret-x1-AbC123",
        "ReplicationRegions": "us-east-1",
        "ReplicaKmsKeyIds": kms_key_id("us-east-1"),
    }


def test_a_secondary_before_the_primary_is_refused(plan: stacks.Plan) -> None:
    with pytest.raises(stacks.PlanError, match="needs the primary's stack"):
        stacks.region_overrides(plan, plan.region_stacks[1], outputs_of(plan))


def test_estate_wide_values_are_set_once_and_reach_every_stack(plan: stacks.Plan) -> None:
    every = outputs_of(plan, *PAIR)
    for overrides in (
        stacks.region_overrides(plan, plan.region_stacks[0], outputs_of(plan)),
        stacks.region_overrides(plan, plan.region_stacks[1], every),
        stacks.global_overrides(plan, every),
        stacks.control_plane_overrides(plan, every, GLOBAL_OUTPUTS),
    ):
        assert (overrides["EstateName"], overrides["Topology"]) == ("shop", "active-passive")


def test_a_region_with_its_own_certificate_is_not_given_the_zone() -> None:
    config = _with(
        "region-us-west-2",
        parameter_overrides=[
            "CertificateArn=arn:aws:acm:x",
            "file://.estate/region-us-west-2.yaml",
        ],
    )
    plan = stacks.load_plan(config)
    assert "CertificateHostedZoneId" not in stacks.base_overrides(plan, plan.region_stacks[1])


def test_a_missing_output_names_the_stack_and_the_output(plan: stacks.Plan) -> None:
    primary = region_outputs("us-east-1", "primary")
    del primary["KmsKeyId"]
    outputs = {**outputs_of(plan), "us-east-1": primary}
    with pytest.raises(stacks.PlanError, match=r"shop-region.*KmsKeyId"):
        stacks.region_overrides(plan, plan.region_stacks[1], outputs)


def test_secret_name_is_the_arn_after_secret() -> None:
    arn = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:shop/db:master-AbC123"
    assert stacks.secret_name_from_arn(arn) == "shop/db:master-AbC123"
    with pytest.raises(stacks.PlanError):
        stacks.secret_name_from_arn("arn:aws:s3:::bucket")


def test_the_global_stack_gets_every_regions_alb_keyed_by_region_and_the_logs_bucket() -> None:
    plan = stacks.load_plan(samconfig(THREE))
    every = outputs_of(plan, *THREE)
    overrides = stacks.global_overrides(plan, every)
    assert overrides["Regions"] == "us-east-1,eu-west-1,us-west-2"
    assert overrides["AlbArns"] == ",".join(f"{r}={every[r]['AlbArn']}" for r in THREE)  # type: ignore[index]
    assert overrides["AlbHostedZoneIds"] == (
        "us-east-1=Z35SXDOTRQ7X7K,eu-west-1=Z32O12XQLNTSW2,us-west-2=Z1H1FL5HABSF5"
    )
    assert overrides["FlowLogsBucketName"] == f"shop-logs-{ACCOUNT}-us-east-1"


def test_the_control_plane_gets_one_list_per_value_in_priority_order() -> None:
    plan = stacks.load_plan(samconfig(THREE))
    every = outputs_of(plan, *THREE)
    overrides = stacks.control_plane_overrides(plan, every, global_outputs(THREE))
    assert overrides["Regions"] == "us-east-1,eu-west-1,us-west-2"
    assert overrides["DbClusterArns"].split(",") == [
        f"arn:aws:rds:{r}:{ACCOUNT}:cluster:shop-{r}" for r in THREE
    ]
    assert overrides["EndpointGroupArns"].split(",")[1].endswith("/euwest1")
    assert overrides["HealthUrls"].split(",")[2] == "https://us-west-2.app.shop.io/health"
    assert overrides["DataBuckets"].split(",")[0] == f"shop-data-{ACCOUNT}-us-east-1"


def test_full_capacity_is_the_primarys_configured_count_not_a_scaled_down_one(
    plan: stacks.Plan,
) -> None:
    outputs = outputs_of(plan, *PAIR)
    outputs["us-east-1"] = {**region_outputs("us-east-1", "primary"), "DesiredCount": "0"}
    assert stacks.full_capacity(plan, outputs) == "2"


def test_undeclared_parameters_are_dropped_not_passed() -> None:
    kept, dropped = stacks.filter_declared({"A": "1", "B": "2"}, {"A", "C"})
    assert (kept, dropped) == ({"A": "1"}, ["B"])


@pytest.mark.parametrize(
    ("configured", "deployed", "live", "kept"),
    [
        ("100", "100", "0", "0"),  # a failover moved the dial: keep it
        ("100", "100", "100", "100"),  # nothing changed at run time
        ("50", "100", "100", "50"),  # the operator changed the configuration
        ("2", None, None, "2"),  # first deploy
    ],
)
def test_a_value_set_by_a_failover_survives_a_redeploy(
    configured: str, deployed: str | None, live: str | None, kept: str
) -> None:
    assert stacks.preserve_runtime_value(configured, deployed, live) == kept


# --------------------------------------------------------------------------- plain SAM


def computed_sample(plan: stacks.Plan) -> dict[str, dict[str, str]]:
    """What a first deploy computes last for each env (only what its template declares), from
    outputs shaped like the templates' own."""
    every = outputs_of(plan, *plan.regions)
    control = stacks.control_plane_overrides(plan, every, global_outputs(plan.regions))
    computed = {
        stacks.LEASE: stacks.base_overrides(plan, plan.lease),
        stacks.GLOBAL: stacks.global_overrides(plan, every),
        **{t.env: stacks.region_overrides(plan, t, every) for t in plan.region_stacks},
        **{t.env: control for t in plan.control_planes},
    }
    samples = {}
    for target in plan.targets():
        declared = load_template(REPO_ROOT / target.template_file)["Parameters"]
        samples[target.env] = stacks.filter_declared(computed[target.env], declared)[0]
    return samples


def sample_parameters(env: str) -> dict[str, str]:
    """The complete parameter set `sam deploy --config-env <env>` sends on a first deploy:
    the repository's samconfig.toml static values, then the computed include."""
    plan = repository_plan()
    target = next(t for t in plan.targets() if t.env == env)
    return {**target.parameters, **computed_sample(plan)[env]}


def _computed_files(plan: stacks.Plan, root: Path) -> None:
    """The .estate/ files a first deploy writes."""
    samples = computed_sample(plan)
    for target in plan.targets():
        path = root / target.params_file
        path.parent.mkdir(exist_ok=True)
        path.write_text(stacks.render_params_file(target, samples[target.env]), encoding="utf-8")


REPOSITORY_ENVS = [
    "lease",
    "region-us-east-1",
    "region-us-west-2",
    "global",
    "control-us-east-1",
    "control-us-west-2",
]


def control_plane_converted() -> bool:
    """template.yaml takes Regions (the n-cp conversion); until then its envs are skipped."""
    return "Regions" in load_template(REPO_ROOT / "template.yaml")["Parameters"]


@pytest.mark.parametrize("env", REPOSITORY_ENVS)
@pytest.mark.parametrize("command", ["deploy", "sync"])
def test_sam_deploy_config_env_alone_gets_a_complete_valid_parameter_set(
    env: str, command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read the repository's samconfig.toml and the written includes with SAM CLI's own code."""
    from samcli.cli.types import CfnParameterOverridesType
    from samcli.lib.config.samconfig import SamConfig

    if env.startswith("control-") and not control_plane_converted():
        pytest.skip("template.yaml does not declare Regions yet (the control plane's conversion)")
    plan = repository_plan()
    _computed_files(plan, tmp_path)
    monkeypatch.chdir(tmp_path)  # SAM resolves file:// includes against the working directory
    settings = SamConfig(str(REPO_ROOT), "samconfig.toml").get_all([command], "parameters", env=env)
    values = CfnParameterOverridesType().convert(settings["parameter_overrides"], None, None)
    target = next(t for t in plan.targets() if t.env == env)
    missing = required_parameters(target.template_file) - set(values)
    assert missing == set(), f"sam {command} --config-env {env} lacks {missing}"
    assert violations(target.template_file, values) == []
    assert values == sample_parameters(env)  # what SAM reads is what the deploy computed


def test_a_bare_sam_deploy_names_the_config_envs() -> None:
    from samcli.lib.config.samconfig import SamConfig

    settings = SamConfig(str(REPO_ROOT), "samconfig.toml").get_all(["deploy"], "parameters")
    # SAM stops with "Template file not found at .../<this text>" before any AWS call.
    assert not (REPO_ROOT / settings["template_file"]).exists()
    assert all(
        env in settings["template_file"]
        for env in ("lease", "region-<region>", "global", "control-<region>")
    )


# --------------------------------------------------------------------------- the deploy, run


FAKE_SAM = """#!{python}
# Stands in for `sam deploy`: records its arguments and the computed file SAM would include.
import json, pathlib, sys
argv = sys.argv[1:]
env = argv[argv.index("--config-env") + 1]
file = "control-plane.yaml" if env.startswith("control-") else env + ".yaml"
params = pathlib.Path(".estate", file).read_text(encoding="utf-8")
with open("sam-calls.jsonl", "a", encoding="utf-8") as log:
    log.write(json.dumps({{"env": env, "argv": argv, "params": params}}) + "\\n")
"""


class RecordedAws:
    """The AWS the deploy reads, built from what the stand-in sam deployed (sam-calls.jsonl)."""

    def __init__(self, root: Path, plan: stacks.Plan) -> None:
        self.root = root
        self.plan = plan
        self.live_dials = {
            stacks.key(r): 100.0 if r == plan.primary_region else 0.0 for r in plan.regions
        }
        self.live_desired: dict[str, int] = {}

    def calls(self) -> list[dict[str, Any]]:
        log = self.root / "sam-calls.jsonl"
        if not log.exists():
            return []
        calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        for call in calls:
            call["params"] = yaml.safe_load(call["params"]) or {}
        return calls

    def client(self, service: str, region: str) -> Any:
        return getattr(self, f"_{service}")(region)

    def _stack(self, region: str, name: str) -> dict[str, Any] | None:
        deployed = [
            c
            for c in self.calls()
            for t in self.plan.targets()
            if t.env == c["env"] and (t.region, t.stack_name) == (region, name)
        ]
        if not deployed:
            return None
        env = deployed[-1]["env"]
        if env == "global":
            outputs = global_outputs(self.plan.regions)
        elif env == "lease":
            outputs = LEASE_OUTPUTS
        elif env.startswith("region-"):
            role = "primary" if region == self.plan.primary_region else "secondary"
            outputs = region_outputs(region, role)
            self.live_desired.setdefault(region, int(outputs["DesiredCount"]))
        else:
            outputs = {}
        target = next(t for t in self.plan.targets() if t.env == env)
        parameters = {**target.parameters, **deployed[-1]["params"]}
        return {
            "StackStatus": "UPDATE_COMPLETE",
            "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        }

    def _cloudformation(self, region: str) -> Any:
        fake = self

        class CloudFormation:
            def describe_stacks(self, StackName: str) -> dict[str, Any]:
                from botocore.exceptions import ClientError

                stack = fake._stack(region, StackName)
                if stack is None:
                    error = {"Error": {"Code": "ValidationError", "Message": "does not exist"}}
                    raise ClientError(error, "DescribeStacks")  # type: ignore[arg-type]
                return {"Stacks": [stack]}

        return CloudFormation()

    def _globalaccelerator(self, region: str) -> Any:
        assert region == GLOBAL_ACCELERATOR_REGION
        fake = self

        class GlobalAccelerator:
            def describe_endpoint_group(self, EndpointGroupArn: str) -> dict[str, Any]:
                dial = fake.live_dials[EndpointGroupArn.rsplit("/", 1)[1]]
                return {"EndpointGroup": {"TrafficDialPercentage": dial}}

        return GlobalAccelerator()

    def _ecs(self, region: str) -> Any:
        fake = self

        class Ecs:
            def describe_services(self, cluster: str, services: list[str]) -> dict[str, Any]:
                return {"services": [{"desiredCount": fake.live_desired[region]}]}

        return Ecs()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout with the templates and a `sam` that records instead of deploying."""
    for template in (
        "template.yaml",
        "stacks/lease.yaml",
        "stacks/region.yaml",
        "stacks/global.yaml",
    ):
        (tmp_path / template).parent.mkdir(exist_ok=True)
        (tmp_path / template).write_text((REPO_ROOT / template).read_text(encoding="utf-8"))
    sam = tmp_path / "bin" / "sam"
    sam.parent.mkdir()
    sam.write_text(FAKE_SAM.format(python=sys.executable), encoding="utf-8")
    sam.chmod(0o755)
    monkeypatch.setattr(deploy, "SAM", str(sam))
    return tmp_path


def run_deploy(workdir: Path, aws: RecordedAws, *, review: bool = True) -> list[dict[str, Any]]:
    before = len(aws.calls())
    deploy.Deployer(aws.plan, aws, review=review, root=workdir).run()  # type: ignore[arg-type]
    return aws.calls()[before:]


def test_a_first_deploy_runs_sam_per_env_with_review_and_the_computed_values(
    plan: stacks.Plan, workdir: Path
) -> None:
    calls = run_deploy(workdir, RecordedAws(workdir, plan))
    assert [c["env"] for c in calls] == [
        "lease",
        "region-us-east-1",
        "region-us-west-2",
        "region-us-east-1",
        "global",
        "control-us-east-1",
        "control-us-west-2",
    ]
    for call in calls:
        assert call["argv"][:5] == [
            "deploy",
            "--config-file",
            "samconfig.toml",
            "--config-env",
            call["env"],
        ]
        # Nothing else but the account: samconfig says it all, the region is named so sam
        # cannot take another from the shell, and no profile was chosen.
        region = next(t.region for t in plan.targets() if t.env == call["env"])
        assert call["argv"][5:] == ["--confirm-changeset", "--region", region]
    lease, first, secondary, again, global_, control_p, control_s = (c["params"] for c in calls)
    # The lease stack first, in the first of LeaseRegions; the control planes get the same set.
    assert lease == {"EstateName": "shop", "LeaseRegions": "us-east-1,us-east-2,us-west-2"}
    assert (first["ReplicationRegions"], again["ReplicationRegions"]) == ("", "us-west-2")
    assert again["ReplicaKmsKeyIds"] == kms_key_id("us-west-2")
    assert secondary["DbSecretName"] == "DbMasterSecret-x1-AbC123"
    assert secondary["ReplicationRegions"] == "us-east-1"
    assert "GlobalWriterEndpoint" not in first | secondary | again
    assert global_["AlbArns"].split(",")[1].startswith("us-west-2=arn:aws:elasticloadbalancing:")
    assert global_["TrafficDials"] == "us-east-1=100,us-west-2=0"
    assert global_["Topology"] == "active-passive"
    assert control_p == control_s
    # The control plane gets only what template.yaml declares.
    declared = load_template(REPO_ROOT / "template.yaml")["Parameters"]
    assert set(control_p) <= set(declared)


def test_a_three_region_first_deploy_replicates_every_way_once_every_bucket_exists(
    workdir: Path,
) -> None:
    plan = stacks.load_plan(samconfig(THREE))
    calls = run_deploy(workdir, RecordedAws(workdir, plan))
    regions = [(c["env"], c["params"].get("ReplicationRegions")) for c in calls]
    assert regions[1:6] == [
        ("region-us-east-1", ""),
        ("region-eu-west-1", "us-east-1"),
        ("region-us-west-2", "us-east-1,eu-west-1"),
        ("region-us-east-1", "eu-west-1,us-west-2"),
        ("region-eu-west-1", "us-east-1,us-west-2"),
    ]
    assert [c["env"] for c in calls[6:]] == [
        "global",
        "control-us-east-1",
        "control-eu-west-1",
        "control-us-west-2",
    ]
    assert calls[6]["params"]["TrafficDials"] == "us-east-1=100,eu-west-1=0,us-west-2=0"


def test_a_redeploy_skips_the_replication_pass_and_keeps_what_a_failover_set(
    plan: stacks.Plan, workdir: Path
) -> None:
    aws = RecordedAws(workdir, plan)
    run_deploy(workdir, aws)
    # The control plane failed over into us-west-2: dials swapped, the standby scaled up.
    aws.live_dials = {"useast1": 0.0, "uswest2": 100.0}
    aws.live_desired["us-west-2"] = 2
    calls = run_deploy(workdir, aws)
    assert [c["env"] for c in calls] == [
        "lease",
        "region-us-east-1",
        "region-us-west-2",
        "global",
        "control-us-east-1",
        "control-us-west-2",
    ]
    by_env = {c["env"]: c["params"] for c in calls}
    assert by_env["global"]["TrafficDials"] == "us-east-1=0,us-west-2=100"
    assert by_env["region-us-west-2"]["DesiredCount"] == "2"
    assert by_env["region-us-east-1"]["ReplicationRegions"] == "us-west-2"


def test_an_operator_can_opt_out_of_review(plan: stacks.Plan, workdir: Path) -> None:
    calls = run_deploy(workdir, RecordedAws(workdir, plan), review=False)
    assert {c["argv"][5] for c in calls} == {"--no-confirm-changeset"}


def test_estate_params_writes_what_exists_and_says_what_to_deploy_next(
    plan: stacks.Plan, workdir: Path
) -> None:
    aws = RecordedAws(workdir, plan)
    notes = deploy.write_estate_params(plan, aws, workdir)  # type: ignore[arg-type]
    assert notes == [
        "[region-us-west-2] is not deployable yet: deploy [region-us-east-1] first",
        "[global] is not deployable yet: deploy [region-us-east-1] and [region-us-west-2] first",
        "[control-us-east-1] is not deployable yet: deploy [region-us-east-1] and "
        "[region-us-west-2] and [global] first",
    ]
    written = yaml.safe_load((workdir / ".estate" / "region-us-east-1.yaml").read_text())
    assert written["ReplicationRegions"] == ""
    assert {p.name for p in (workdir / ".estate").iterdir()} == {
        "lease.yaml",
        "region-us-east-1.yaml",
        "region-us-west-2.yaml",
        "global.yaml",
        "control-plane.yaml",
    }


# --------------------------------------------------------------------------- teardown


def test_teardown_is_the_reverse_of_the_deploy(plan: stacks.Plan) -> None:
    envs = [t.env for t in stacks.teardown_order(plan)]
    assert envs == [
        "control-us-west-2",
        "control-us-east-1",
        "global",
        "region-us-west-2",
        "region-us-east-1",
        "lease",
    ]


def test_retained_buckets_are_the_deterministic_names(plan: stacks.Plan) -> None:
    assert stacks.retained_buckets(plan, ACCOUNT) == [
        ("us-east-1", f"shop-data-{ACCOUNT}-us-east-1"),
        ("us-east-1", f"shop-logs-{ACCOUNT}-us-east-1"),
        ("us-west-2", f"shop-data-{ACCOUNT}-us-west-2"),
        ("us-west-2", f"shop-logs-{ACCOUNT}-us-west-2"),
    ]


# --------------------------------------------------------------------------- one account


def test_the_chosen_profile_and_region_reach_every_sam_deploy(
    plan: stacks.Plan, workdir: Path
) -> None:
    aws = RecordedAws(workdir, plan)
    aws.profile = "prod"  # type: ignore[attr-defined]
    calls = run_deploy(workdir, aws)
    assert len(calls) == 7
    for call in calls:
        region = next(t.region for t in plan.targets() if t.env == call["env"])
        argv = call["argv"]
        assert argv[argv.index("--profile") + 1] == "prod"
        assert argv[argv.index("--region") + 1] == region


def test_deploy_plan_previews_change_sets_without_executing_them(
    plan: stacks.Plan, workdir: Path
) -> None:
    aws = RecordedAws(workdir, plan)
    run_deploy(workdir, aws)  # an estate that exists
    seen: list[list[str]] = []
    aws.profile = "prod"  # type: ignore[attr-defined]
    deploy.preview_changesets(plan, aws, root=workdir, run=lambda argv, cwd: seen.append(argv))  # type: ignore[arg-type]
    assert [a[a.index("--config-env") + 1] for a in seen] == [
        "lease",
        "region-us-east-1",
        "region-us-west-2",
        "global",
        "control-us-east-1",
        "control-us-west-2",
    ]
    for argv in seen:
        assert argv[-1] == "--no-execute-changeset"
        assert argv[argv.index("--profile") + 1] == "prod"


class DestroyAws:
    """What the teardown reads and changes, recorded: one account, two region stacks."""

    def __init__(self, plan: stacks.Plan, profile: str | None, ga_polls: int = 2) -> None:
        self.plan = plan
        self.profile = profile
        self.calls: list[tuple[str, str, str, dict[str, Any]]] = []
        self.ga_polls = ga_polls
        self.tables = {stacks.failover_table_name(plan)}
        # The MRSC table's replicas besides the first of LeaseRegions.
        self.replicas = ["us-east-2", "us-west-2"]

    def client(self, service: str, region: str) -> Any:
        fake = self

        class Client:
            def __getattr__(self, operation: str) -> Any:
                def call(**params: Any) -> Any:
                    fake.calls.append((service, region, operation, params))
                    return fake.answer(service, region, operation, params)

                return call

        return Client()

    def answer(self, service: str, region: str, operation: str, params: dict[str, Any]) -> Any:
        from botocore.exceptions import ClientError

        if operation == "get_caller_identity":
            return {"Account": ACCOUNT}
        if operation == "describe_stacks":
            role = "primary" if region == "us-east-1" else "secondary"
            outputs = region_outputs(region, role) if "region" in params["StackName"] else {}
            return {
                "Stacks": [
                    {
                        "StackStatus": "CREATE_COMPLETE",
                        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                    }
                ]
            }
        if operation == "describe_network_interfaces":
            if self.ga_polls > 0:
                self.ga_polls -= 1
                return {"NetworkInterfaces": [{"NetworkInterfaceId": "eni-ga"}]}
            return {"NetworkInterfaces": []}
        if operation == "describe_secret":
            return {"ReplicationStatus": [{"Region": "us-west-2"}]}
        if operation == "describe_table" and params["TableName"] not in self.tables:
            error = {"Error": {"Code": "ResourceNotFoundException", "Message": "no"}}
            raise ClientError(error, "DescribeTable")  # type: ignore[arg-type]
        if operation == "describe_table":
            regions = [region, *self.replicas]
            return {
                "Table": {"TableStatus": "ACTIVE", "Replicas": [{"RegionName": r} for r in regions]}
            }
        if operation == "update_table" and "ReplicaUpdates" in params:
            gone = {u["Delete"]["RegionName"] for u in params["ReplicaUpdates"]}
            self.replicas = [r for r in self.replicas if r not in gone]
        if operation == "delete_table":
            if self.replicas:
                error = {"Error": {"Code": "ValidationException", "Message": "MRSC replicas"}}
                raise ClientError(error, "DeleteTable")  # type: ignore[arg-type]
            if params["TableName"] not in self.tables:
                error = {"Error": {"Code": "ResourceNotFoundException", "Message": "no"}}
                raise ClientError(error, "DeleteTable")  # type: ignore[arg-type]
            self.tables.discard(params["TableName"])
        return {}


def run_destroy(
    aws: DestroyAws, args: list[str], typed: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, list[list[str]]]:
    from scripts import destroy

    monkeypatch.setattr(destroy, "load_plan", lambda _config: aws.plan)
    monkeypatch.setattr(destroy, "POLL_SECONDS", 0)
    ran: list[list[str]] = []

    def run(argv: list[str], cwd: Path) -> None:
        ran.append(argv)
        aws.calls.append(("sam", "", "delete", {"argv": argv}))

    code = destroy.main(
        args,
        run=run,
        aws_factory=lambda profile: aws,  # type: ignore[arg-type,return-value]
        ask=lambda prompt: typed,
    )
    return code, ran


def test_make_destroy_deletes_only_after_a_typed_confirmation_naming_account_and_regions(
    plan: stacks.Plan, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    aws = DestroyAws(plan, "prod")
    with caplog.at_level(logging.INFO):
        code, ran = run_destroy(
            aws, ["--confirm", "shop", "--profile", "prod"], "destroy shop", monkeypatch
        )
    assert code == 2
    assert ran == []  # nothing deleted
    assert not [c for c in aws.calls if c[2].startswith(("modify", "delete", "remove"))]
    assert f"account {ACCOUNT} (profile prod), regions us-east-1, us-west-2" in caplog.text
    assert f"destroy shop in {ACCOUNT} us-east-1 us-west-2" in caplog.text


def test_the_chosen_profile_reaches_every_sam_delete_and_ga_interfaces_go_first(
    plan: stacks.Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws = DestroyAws(plan, "prod")
    code, ran = run_destroy(
        aws,
        ["--confirm", "shop", "--profile", "prod", "--purge-table"],
        f"destroy shop in {ACCOUNT} us-east-1 us-west-2",
        monkeypatch,
    )
    assert code == 0
    assert [a[a.index("--stack-name") + 1] for a in ran] == [
        t.stack_name for t in stacks.teardown_order(plan)
    ]
    for argv, target in zip(ran, stacks.teardown_order(plan), strict=True):
        assert argv[1] == "delete"
        assert argv[argv.index("--profile") + 1] == "prod"
        assert argv[argv.index("--region") + 1] == target.region
    # The region stacks went only once no GA interface was left in either VPC.
    polls = [c for c in aws.calls if c[2] == "describe_network_interfaces"]
    assert aws.ga_polls == 0
    assert len(polls) >= 3
    deletes = [i for i, c in enumerate(aws.calls) if c[0] == "sam"]
    last_poll = max(i for i, c in enumerate(aws.calls) if c[2] == "describe_network_interfaces")
    assert deletes[2] < last_poll < deletes[3]  # global stack, GA gone, then the regions
    assert {"Name": "interface-type", "Values": ["global_accelerator_managed"]} in polls[0][3][
        "Filters"
    ]
    # CloudFormation's DBCluster handler removes each cluster from the global cluster: the
    # script never does it by hand.
    assert not [c for c in aws.calls if c[2] == "remove_from_global_cluster"]
    # The table: protection off in each of its three replicas, deleted from the first.
    updates = [(c[1], c[3]) for c in aws.calls if c[2] == "update_table"]
    unprotected = [region for region, p in updates if "DeletionProtectionEnabled" in p]
    assert unprotected == ["us-east-1", "us-east-2", "us-west-2"]
    # MRSC: the two other replicas go in one UpdateTable from the first, then the table.
    [(region, replica_delete)] = [(r, p) for r, p in updates if "ReplicaUpdates" in p]
    assert region == "us-east-1"
    assert replica_delete["ReplicaUpdates"] == [
        {"Delete": {"RegionName": "us-east-2"}},
        {"Delete": {"RegionName": "us-west-2"}},
    ]
    assert [c[1] for c in aws.calls if c[2] == "delete_table"] == ["us-east-1"]
    assert aws.tables == set()


def test_a_redeploy_under_a_kept_tables_name_is_refused_before_anything_deploys(
    plan: stacks.Plan,
) -> None:
    aws = DestroyAws(plan, None)

    def no_control_plane(**params: Any) -> Any:
        from botocore.exceptions import ClientError

        error = {"Error": {"Code": "ValidationError", "Message": "does not exist"}}
        raise ClientError(error, "DescribeStacks")  # type: ignore[arg-type]

    real_client = aws.client

    def client(service: str, region: str) -> Any:
        if service == "cloudformation":
            return type("Cfn", (), {"describe_stacks": staticmethod(no_control_plane)})()
        return real_client(service, region)

    aws.client = client  # type: ignore[method-assign]
    with pytest.raises(deploy.TableKeptFromEarlierEstate, match="shop-failover"):
        deploy.refuse_kept_table(plan, aws)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- game day


class GameDayAws(DestroyAws):
    """The control-plane stacks with their FIS template outputs, and FIS."""

    def answer(self, service: str, region: str, operation: str, params: dict[str, Any]) -> Any:
        if operation == "describe_stacks":
            outputs = {"GameDayAlb503TemplateId": f"EXT{region[-1]}503"}
            return {
                "Stacks": [
                    {
                        "StackStatus": "CREATE_COMPLETE",
                        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                    }
                ]
            }
        if operation == "start_experiment":
            import botocore.session
            from botocore.validate import validate_parameters

            model = botocore.session.get_session().get_service_model("fis")
            shape = model.operation_model("StartExperiment").input_shape
            assert shape is not None
            validate_parameters(params, shape)
            return {"experiment": {"id": "EXPabc", "state": {"status": "initiating"}}}
        return super().answer(service, region, operation, params)


def test_a_game_day_starts_the_regions_experiment_only_once_confirmed(
    plan: stacks.Plan,
) -> None:
    from scripts import gameday

    aws = GameDayAws(plan, "prod")
    with pytest.raises(gameday.GameDayRefused, match="not confirmed"):
        gameday.start(aws, plan, "us-east-1", "alb-503", phrase="yes")  # type: ignore[arg-type]
    assert not [c for c in aws.calls if c[2] == "start_experiment"]
    started = gameday.start(
        aws,  # type: ignore[arg-type]
        plan,
        "us-east-1",
        "alb-503",
        phrase=f"start alb-503 in {ACCOUNT} us-east-1",
    )
    assert started["id"] == "EXPabc"
    [(_, region, _, params)] = [c for c in aws.calls if c[2] == "start_experiment"]
    assert (region, params["experimentTemplateId"]) == ("us-east-1", "EXT1503")
    with pytest.raises(gameday.GameDayRefused, match="not an estate region"):
        gameday.start(aws, plan, "eu-west-1", "alb-503", phrase="x")  # type: ignore[arg-type]
    with pytest.raises(gameday.GameDayRefused, match="GameDayStopTasksTemplateId"):
        gameday.start(aws, plan, "us-east-1", "stop-tasks", phrase="x")  # type: ignore[arg-type]
