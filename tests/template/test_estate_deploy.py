"""The deploy plan's pure logic (scripts/estate.py): samconfig -> plan, outputs -> parameters.

No AWS here: stack outputs are given as the dicts describe_stacks would yield.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from scripts import estate
from scripts.deploy import describe
from tests.template.cfn_yaml import REPO_ROOT, load_template

ACCOUNT = "111122223333"


def samconfig(**changes: Any) -> dict[str, Any]:
    """A samconfig.toml as tomllib reads it, shaped like the repository's."""

    def env(stack: str, region: str, template: str, overrides: list[str]) -> dict[str, Any]:
        return {
            "global": {
                "parameters": {"stack_name": stack, "region": region, "template_file": template}
            },
            "deploy": {"parameters": {"parameter_overrides": overrides}},
        }

    config = {
        "version": 0.1,
        "region-primary": env(
            "shop-region",
            "us-east-1",
            "stacks/region.yaml",
            ["EstateName=shop", "Role=primary", "RecordName=app.example.com"],
        ),
        "region-secondary": env(
            "shop-region",
            "us-west-2",
            "stacks/region.yaml",
            ["EstateName=shop", "Role=secondary", "VpcCidr=10.1.0.0/16", "DesiredCount=1"],
        ),
        "global": env(
            "shop-global", "us-east-1", "stacks/global.yaml", ["RecordName=app.example.com"]
        ),
        "primary": env(
            "shop-control", "us-east-1", "template.yaml", ["EstateName=shop", "FullCapacity=4"]
        ),
        "secondary": env(
            "shop-control", "us-west-2", "template.yaml", ["EstateName=shop", "FullCapacity=4"]
        ),
    }
    config.update(changes)
    return config


def region_outputs(region: str, role: str) -> dict[str, str]:
    return {
        "Region": region,
        "Role": role,
        "AlbArn": f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT}:loadbalancer/app/shop/0f",
        "AlbDnsName": f"shop-{region}-1.{region}.elb.amazonaws.com",
        "AlbCanonicalHostedZoneId": "Z35SXDOTRQ7X7K" if region == "us-east-1" else "Z1H1FL5HABSF5",
        "HealthUrl": f"https://{region}.app.example.com/health",
        "EcsClusterName": f"shop-{region}",
        "EcsServiceName": "shop-web",
        "DesiredCount": "2" if role == "primary" else "1",
        "DbClusterIdentifier": f"shop-{region}",
        "DbClusterArn": f"arn:aws:rds:{region}:{ACCOUNT}:cluster:shop-{region}",
        "GlobalClusterId": "shop-global",
        "GlobalWriterEndpoint": "",
        "DbSecretArn": f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:DbMasterSecret-x1-AbC123",
        "BucketName": f"shop-data-{ACCOUNT}-{region}",
        "BucketArn": f"arn:aws:s3:::shop-data-{ACCOUNT}-{region}",
        "LogsBucketName": f"shop-logs-{ACCOUNT}-{region}",
        "KmsKeyArn": f"arn:aws:kms:{region}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "KmsKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"
        if role == "primary"
        else "9999abcd-12ab-34cd-56ef-1234567890ab",
        "ReplicationEnabled": "true",
        "ActiveRegionParameterName": "/shop/failover/active-region",
    }


GLOBAL_OUTPUTS = {
    "HostedZoneId": "Z0123456789ABCDEFGHIJ",
    "RecordName": "app.example.com",
    "PrimaryHealthCheckId": "00000000-0000-0000-0000-0000000000e1",
    "SecondaryHealthCheckId": "00000000-0000-0000-0000-0000000000e2",
    "PrimaryHealthAlarmName": "shop-health-us-east-1",
    "SecondaryHealthAlarmName": "shop-health-us-west-2",
    "PrimaryHealthUrl": "https://us-east-1.app.example.com/health",
    "SecondaryHealthUrl": "https://us-west-2.app.example.com/health",
    "AcceleratorArn": f"arn:aws:globalaccelerator::{ACCOUNT}:accelerator/abcd-1234",
    "AcceleratorDnsName": "a1234.awsglobalaccelerator.com",
    "ListenerArn": f"arn:aws:globalaccelerator::{ACCOUNT}:accelerator/abcd-1234/listener/0a1b",
    "PrimaryEndpointGroupArn": (
        f"arn:aws:globalaccelerator::{ACCOUNT}:accelerator/abcd-1234/listener/0a1b/endpoint-group/e1"
    ),
    "SecondaryEndpointGroupArn": (
        f"arn:aws:globalaccelerator::{ACCOUNT}:accelerator/abcd-1234/listener/0a1b/endpoint-group/e2"
    ),
}
WRITER = "shop-global.global-abc123.global.rds.amazonaws.com"


@pytest.fixture
def plan() -> estate.Plan:
    return estate.load_plan(samconfig())


def required_parameters(template: str) -> set[str]:
    parameters = load_template(REPO_ROOT / template)["Parameters"]
    return {name for name, spec in parameters.items() if "Default" not in spec}


# --------------------------------------------------------------------------- samconfig -> plan


def test_parameter_overrides_are_read_in_both_samconfig_forms() -> None:
    as_string = estate.parse_parameter_overrides(
        "EstateName=shop NotificationEmail=\"\" Note='two words'"
    )
    as_list = estate.parse_parameter_overrides(
        ["EstateName=shop", 'NotificationEmail=""', "Note=two words"]
    )
    assert (
        as_string == as_list == {"EstateName": "shop", "NotificationEmail": "", "Note": "two words"}
    )


def test_a_malformed_override_is_refused() -> None:
    with pytest.raises(estate.PlanError, match="KEY=VALUE"):
        estate.parse_parameter_overrides(["EstateName"])


def test_plan_takes_stacks_regions_and_static_parameters_from_samconfig(
    plan: estate.Plan,
) -> None:
    assert plan.estate_name == "shop"
    assert (plan.primary_region, plan.secondary_region) == ("us-east-1", "us-west-2")
    assert plan.global_.template_file == "stacks/global.yaml"
    assert plan.region_secondary.parameters["DesiredCount"] == "1"
    assert plan.active_region_parameter_name == "/shop/failover/active-region"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"global": {"global": {"parameters": {"stack_name": "g", "region": "us-west-2"}}}},
            "us-east-1",
        ),
        (
            {"secondary": {"global": {"parameters": {"stack_name": "c", "region": "eu-west-1"}}}},
            "secondary",
        ),
        (
            {
                "region-secondary": {
                    "global": {"parameters": {"stack_name": "r", "region": "us-west-2"}},
                    "deploy": {"parameters": {"parameter_overrides": "EstateName=other"}},
                }
            },
            "EstateName differs",
        ),
        (
            {
                "region-secondary": {
                    "global": {"parameters": {"stack_name": "r", "region": "us-east-1"}},
                    "deploy": {"parameters": {"parameter_overrides": "EstateName=shop"}},
                }
            },
            "different regions",
        ),
    ],
)
def test_an_inconsistent_samconfig_is_refused_before_anything_deploys(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(estate.PlanError, match=message):
        estate.load_plan(samconfig(**change))


def test_a_missing_config_env_is_named() -> None:
    config = samconfig()
    del config["global"]
    with pytest.raises(estate.PlanError, match=r"\[global"):
        estate.load_plan(config)


def test_dry_run_lists_the_documented_order(plan: estate.Plan) -> None:
    envs = [line.split("[")[1].split("]")[0] for line in describe(plan)]
    assert envs == [
        "region-primary",
        "region-secondary",
        "region-primary",
        "global",
        "primary",
        "secondary",
    ]


# --------------------------------------------------------------------------- outputs -> parameters


def test_primary_first_pass_has_no_replication_and_its_own_endpoint(plan: estate.Plan) -> None:
    overrides = estate.region_primary_overrides(plan, None, None)
    assert overrides["Role"] == "primary"
    assert overrides["PeerRegion"] == "us-west-2"
    assert overrides["EnableReplication"] == "false"
    assert overrides["PeerKmsKeyId"] == ""
    assert overrides["GlobalWriterEndpoint"] == ""


def test_primary_replicates_once_the_secondary_exists(plan: estate.Plan) -> None:
    secondary = region_outputs("us-west-2", "secondary")
    overrides = estate.region_primary_overrides(plan, secondary, WRITER)
    assert overrides["EnableReplication"] == "true"
    assert overrides["PeerKmsKeyId"] == secondary["KmsKeyId"]
    assert overrides["GlobalWriterEndpoint"] == WRITER


def test_secondary_joins_with_the_primarys_secret_key_and_writer(plan: estate.Plan) -> None:
    primary = region_outputs("us-east-1", "primary")
    overrides = estate.region_secondary_overrides(plan, primary, WRITER)
    assert overrides == {
        "EstateName": "shop",
        "Role": "secondary",
        "PeerRegion": "us-east-1",
        "ActiveRegionParameterName": "/shop/failover/active-region",
        "GlobalWriterEndpoint": WRITER,
        "DbSecretName": "DbMasterSecret-x1-AbC123",
        "EnableReplication": "true",
        "PeerKmsKeyId": primary["KmsKeyId"],
    }


def test_secondary_needs_the_global_writer_endpoint(plan: estate.Plan) -> None:
    with pytest.raises(estate.PlanError, match="writer endpoint"):
        estate.region_secondary_overrides(plan, region_outputs("us-east-1", "primary"), "")


def test_a_missing_output_names_the_stack_and_the_output(plan: estate.Plan) -> None:
    primary = region_outputs("us-east-1", "primary")
    del primary["KmsKeyId"]
    with pytest.raises(estate.PlanError, match=r"shop-region.*KmsKeyId"):
        estate.region_secondary_overrides(plan, primary, WRITER)


def test_secret_name_is_the_arn_after_secret() -> None:
    arn = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:shop/db:master-AbC123"
    assert estate.secret_name_from_arn(arn) == "shop/db:master-AbC123"
    with pytest.raises(estate.PlanError):
        estate.secret_name_from_arn("arn:aws:s3:::bucket")


def test_global_stack_gets_both_albs_and_the_us_east_1_logs_bucket(plan: estate.Plan) -> None:
    primary, secondary = region_outputs("us-east-1", "primary"), region_outputs("us-west-2", "s")
    overrides = estate.global_overrides(plan, primary, secondary)
    assert overrides["PrimaryAlbArn"] == primary["AlbArn"]
    assert overrides["SecondaryAlbDnsName"] == secondary["AlbDnsName"]
    assert overrides["SecondaryAlbHostedZoneId"] == "Z1H1FL5HABSF5"
    assert overrides["FlowLogsBucketName"] == f"shop-logs-{ACCOUNT}-us-east-1"
    assert overrides["SecondaryDbClusterIdentifier"] == "shop-us-west-2"


def test_control_plane_gets_every_estate_identifier(plan: estate.Plan) -> None:
    overrides = estate.control_plane_overrides(
        plan,
        region_outputs("us-east-1", "primary"),
        region_outputs("us-west-2", "secondary"),
        GLOBAL_OUTPUTS,
    )
    assert overrides["PrimaryDbClusterArn"].endswith(":cluster:shop-us-east-1")
    assert overrides["SecondaryEcsCluster"] == "shop-us-west-2"
    assert overrides["FullCapacity"] == "2"  # no configured count: the larger region's
    assert overrides["SecondaryEndpointGroupArn"] == GLOBAL_OUTPUTS["SecondaryEndpointGroupArn"]
    assert overrides["PrimaryHealthUrl"] == "https://us-east-1.app.example.com/health"


def test_full_capacity_is_the_primarys_configured_count_not_a_scaled_down_one() -> None:
    config = samconfig()
    config["region-primary"]["deploy"]["parameters"]["parameter_overrides"].append("DesiredCount=6")
    plan = estate.load_plan(config)
    scaled_down = {**region_outputs("us-east-1", "primary"), "DesiredCount": "0"}
    assert estate.full_capacity(plan, scaled_down, region_outputs("us-west-2", "s")) == "6"


# --------------------------------------------------------------------------- against the templates


def test_every_required_control_plane_parameter_is_computed_or_configured(
    plan: estate.Plan,
) -> None:
    computed = estate.control_plane_overrides(
        plan,
        region_outputs("us-east-1", "primary"),
        region_outputs("us-west-2", "secondary"),
        GLOBAL_OUTPUTS,
    )
    declared = set(load_template(REPO_ROOT / "template.yaml")["Parameters"])
    kept, _ = estate.filter_declared(computed, declared)
    missing = (
        required_parameters("template.yaml") - set(kept) - set(plan.control_primary.parameters)
    )
    assert missing == set()


def test_every_required_estate_stack_parameter_is_computed_or_configured(
    plan: estate.Plan,
) -> None:
    primary, secondary = region_outputs("us-east-1", "primary"), region_outputs("us-west-2", "s")
    cases = [
        (
            "stacks/region.yaml",
            plan.region_primary,
            estate.region_primary_overrides(plan, None, None),
        ),
        (
            "stacks/region.yaml",
            plan.region_secondary,
            estate.region_secondary_overrides(plan, primary, WRITER),
        ),
        ("stacks/global.yaml", plan.global_, estate.global_overrides(plan, primary, secondary)),
    ]
    region_static = {"RecordName", "ContainerImage"}  # the operator's own values, in samconfig
    for template, target, computed in cases:
        declared = set(load_template(REPO_ROOT / template)["Parameters"])
        assert set(computed) <= declared, f"{template} does not declare {set(computed) - declared}"
        missing = required_parameters(template) - set(computed) - set(target.parameters)
        assert missing <= region_static, f"{target.env} lacks {missing - region_static}"


def _assert_valid_for(template: str, values: dict[str, str]) -> None:
    parameters = load_template(REPO_ROOT / template)["Parameters"]
    for name, value in values.items():
        spec = parameters[name]
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], value), f"{template} {name}={value!r}"
        if "AllowedValues" in spec:
            assert value in {str(v) for v in spec["AllowedValues"]}, f"{template} {name}={value!r}"


def test_computed_values_pass_each_templates_parameter_constraints(plan: estate.Plan) -> None:
    primary, secondary = region_outputs("us-east-1", "primary"), region_outputs("us-west-2", "s")
    _assert_valid_for(
        "stacks/region.yaml", estate.region_primary_overrides(plan, secondary, WRITER)
    )
    _assert_valid_for(
        "stacks/region.yaml", estate.region_secondary_overrides(plan, primary, WRITER)
    )
    _assert_valid_for("stacks/global.yaml", estate.global_overrides(plan, primary, secondary))
    control = estate.control_plane_overrides(plan, primary, secondary, GLOBAL_OUTPUTS)
    declared = set(load_template(REPO_ROOT / "template.yaml")["Parameters"])
    _assert_valid_for("template.yaml", estate.filter_declared(control, declared)[0])


def test_every_output_the_plan_reads_is_declared_by_its_stack(plan: estate.Plan) -> None:
    """Outputs named after the templates' own Outputs keys satisfy every mapping."""
    region_keys = load_template(REPO_ROOT / "stacks" / "region.yaml")["Outputs"]
    global_keys = load_template(REPO_ROOT / "stacks" / "global.yaml")["Outputs"]
    primary = {k: f"arn:aws:secretsmanager:r:{ACCOUNT}:secret:{k}" for k in region_keys}
    primary["DesiredCount"] = "2"
    secondary = dict(primary)
    glob = {k: k for k in global_keys}
    estate.region_primary_overrides(plan, secondary, WRITER)
    estate.region_secondary_overrides(plan, primary, WRITER)
    estate.global_overrides(plan, primary, secondary)
    estate.control_plane_overrides(plan, primary, secondary, glob)


def test_undeclared_parameters_are_dropped_not_passed() -> None:
    kept, dropped = estate.filter_declared({"A": "1", "B": "2"}, {"A", "C"})
    assert (kept, dropped) == ({"A": "1"}, ["B"])


def test_computed_values_replace_samconfig_placeholders_and_keep_the_rest() -> None:
    merged = estate.merge_parameters(
        {"PrimaryDbClusterArn": "CHANGEME", "CooldownMinutes": "30"},
        {"PrimaryDbClusterArn": "arn:aws:rds:us-east-1:1:cluster:x"},
    )
    assert merged == {
        "PrimaryDbClusterArn": "arn:aws:rds:us-east-1:1:cluster:x",
        "CooldownMinutes": "30",
    }


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
    assert estate.preserve_runtime_value(configured, deployed, live) == kept


def test_sam_deploy_argv_round_trips_through_sam_clis_own_parser(plan: estate.Plan) -> None:
    from samcli.cli.types import CfnParameterOverridesType

    parameters = {"EstateName": "shop", "NotificationEmail": "", "Note": 'say "hi" twice'}
    argv = estate.sam_deploy_argv("sam", plan.control_primary, parameters)
    assert argv[:6] == [
        "sam",
        "deploy",
        "--config-file",
        "samconfig.toml",
        "--config-env",
        "primary",
    ]
    assert "--no-confirm-changeset" in argv
    items = argv[argv.index("--parameter-overrides") + 1 :]
    assert CfnParameterOverridesType().convert(tuple(items), None, None) == parameters


# --------------------------------------------------------------------------- teardown


def test_teardown_is_the_reverse_of_the_deploy(plan: estate.Plan) -> None:
    envs = [t.env for t in estate.teardown_order(plan)]
    assert envs == ["secondary", "primary", "global", "region-secondary", "region-primary"]


def test_readers_leave_the_global_cluster_before_the_writer() -> None:
    members = [
        {"DBClusterArn": "arn:aws:rds:us-east-1:1:cluster:a", "IsWriter": True},
        {"DBClusterArn": "arn:aws:rds:us-west-2:1:cluster:b", "IsWriter": False},
    ]
    order = estate.global_cluster_detach_order(members)
    assert order == ["arn:aws:rds:us-west-2:1:cluster:b", "arn:aws:rds:us-east-1:1:cluster:a"]
    assert [estate.region_of_arn(a) for a in order] == ["us-west-2", "us-east-1"]


def test_retained_buckets_are_the_deterministic_names(plan: estate.Plan) -> None:
    assert estate.retained_buckets(plan, ACCOUNT) == [
        ("us-east-1", f"shop-data-{ACCOUNT}-us-east-1"),
        ("us-east-1", f"shop-logs-{ACCOUNT}-us-east-1"),
        ("us-west-2", f"shop-data-{ACCOUNT}-us-west-2"),
        ("us-west-2", f"shop-logs-{ACCOUNT}-us-west-2"),
    ]


# --------------------------------------------------------------------------- the real samconfig


def test_the_repositorys_samconfig_is_a_deployable_plan() -> None:
    with (REPO_ROOT / "samconfig.toml").open("rb") as handle:
        plan = estate.load_plan(tomllib.load(handle))
    assert plan.global_.region == estate.GLOBAL_STACK_REGION
    for target in (plan.region_primary, plan.region_secondary, plan.global_):
        declared = set(load_template(REPO_ROOT / target.template_file)["Parameters"])
        assert set(target.parameters) <= declared, f"[{target.env}] sets undeclared parameters"
        _assert_valid_for(target.template_file, target.parameters)


# --------------------------------------------------------------------------- the deploy's order


class FakeAws:
    """Just the reads scripts/deploy.py makes, answered from what the fake deploys created."""

    def __init__(self) -> None:
        self.stacks: dict[tuple[str, str], dict[str, Any]] = {}
        self.live_dials = {"e1": 100.0, "e2": 0.0}
        self.live_desired: dict[str, int] = {}

    def client(self, service: str, region: str) -> Any:
        return getattr(self, f"_{service}")(region)

    def _cloudformation(self, region: str) -> Any:
        fake = self

        class CloudFormation:
            def describe_stacks(self, StackName: str) -> dict[str, Any]:
                from botocore.exceptions import ClientError

                stack = fake.stacks.get((region, StackName))
                if stack is None:
                    error = {"Error": {"Code": "ValidationError", "Message": "does not exist"}}
                    raise ClientError(error, "DescribeStacks")  # type: ignore[arg-type]
                return {"Stacks": [stack]}

        return CloudFormation()

    def _rds(self, region: str) -> Any:
        fake = self

        class Rds:
            def describe_global_clusters(self, GlobalClusterIdentifier: str) -> dict[str, Any]:
                created = ("us-east-1", "shop-region") in fake.stacks
                return {"GlobalClusters": [{"Endpoint": WRITER} if created else {}]}

        return Rds()

    def _globalaccelerator(self, region: str) -> Any:
        assert region == estate.GLOBAL_ACCELERATOR_API_REGION
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


def run_deploy(
    plan: estate.Plan, aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, dict[str, str]]]:
    from scripts import deploy

    calls: list[tuple[str, dict[str, str]]] = []

    def fake_deploy(
        self: deploy.Deployer, target: estate.StackTarget, computed: dict[str, str]
    ) -> dict[str, str]:
        calls.append((target.env, dict(computed)))
        if target.env == "global":
            outputs = GLOBAL_OUTPUTS
        elif target.env.startswith("region-"):
            outputs = region_outputs(target.region, target.env.removeprefix("region-"))
            aws.live_desired.setdefault(target.region, int(outputs["DesiredCount"]))
        else:
            outputs = {}
        parameters = estate.merge_parameters(target.parameters, computed)
        aws.stacks[(target.region, target.stack_name)] = {
            "StackStatus": "CREATE_COMPLETE",
            "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        }
        return dict(outputs)

    monkeypatch.setattr(deploy.Deployer, "deploy", fake_deploy)
    deploy.Deployer(plan, aws, confirm=False).run()  # type: ignore[arg-type]
    return calls


def test_first_deploy_wires_every_stack_from_the_ones_before(
    plan: estate.Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = run_deploy(plan, FakeAws(), monkeypatch)
    assert [env for env, _ in calls] == [
        "region-primary",
        "region-secondary",
        "region-primary",
        "global",
        "primary",
        "secondary",
    ]
    first, secondary, again, global_, control_p, control_s = (c for _, c in calls)
    assert (first["EnableReplication"], first["GlobalWriterEndpoint"]) == ("false", "")
    assert secondary["GlobalWriterEndpoint"] == WRITER
    assert (again["EnableReplication"], again["GlobalWriterEndpoint"]) == ("true", WRITER)
    assert global_["SecondaryAlbArn"].startswith("arn:aws:elasticloadbalancing:us-west-2:")
    assert control_p == control_s
    assert control_p["AcceleratorArn"] == GLOBAL_OUTPUTS["AcceleratorArn"]


def test_a_redeploy_after_a_failover_keeps_the_dials_and_the_scaled_service(
    plan: estate.Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws = FakeAws()
    run_deploy(plan, aws, monkeypatch)
    # The control plane failed over into us-west-2: dials swapped, the standby scaled up.
    aws.live_dials = {"e1": 0.0, "e2": 100.0}
    aws.live_desired["us-west-2"] = 2
    calls = dict(reversed(run_deploy(plan, aws, monkeypatch)))
    assert (calls["global"]["PrimaryTrafficDial"], calls["global"]["SecondaryTrafficDial"]) == (
        "0",
        "100",
    )
    assert calls["region-secondary"]["DesiredCount"] == "2"
    assert calls["region-primary"]["EnableReplication"] == "true"
