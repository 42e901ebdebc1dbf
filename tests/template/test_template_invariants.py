"""Invariants of template.yaml, read as written and as SAM translates it (no tools, no AWS)."""

from __future__ import annotations

import ast
import fnmatch
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from failover.config import PER_REGION_FIELDS, EstateConfig

from testbed.template import expand_foreach
from tests.iam import sar
from tests.iam.policy import Resolver
from tests.template.cfn_yaml import REPO_ROOT
from tests.template.support import FUNCTIONS, MACHINE_FUNCTIONS

# docs/DESIGN.md, "Function environment".
DESIGN_ENVIRONMENT = {
    "ESTATE_CONFIG",
    "FAILOVER_TABLE_NAME",
    "LEASE_REGIONS",
    "FAILOVER_TOPIC_ARN",
    "COOLDOWN_MINUTES",
    "LEASE_SECONDS",
    "MAX_SWITCHOVER_LAG_SECONDS",
    "OUTAGE_QUORUM",
    "APPROVAL_FOR_AUTOMATIC",
    "METRICS_NAMESPACE",
    "POWERTOOLS_TRACE_DISABLED",
    "WARM_STANDBY_TASKS",
    "MIN_OUTAGE_SECONDS",
    "ACKNOWLEDGE_SHORT_OUTAGE",
    "MAX_DATA_LOSS_SECONDS",
    "FAILOVER_EVENT_BUS_ARN",
    "FAILOVER_STATE_MACHINE_ARN",
    "VALIDATE_INPUT_FUNCTION_NAME",
}

# One CommaDelimitedList per per-region field, one entry per region in the order of Regions:
# parameter -> ESTATE_CONFIG column (failover.config.PER_REGION_FIELDS).
PER_REGION_PARAMETERS = {
    "DbClusterArns": "db_cluster_arn",
    "EcsClusters": "ecs_cluster",
    "EcsServices": "ecs_service",
    "EndpointGroupArns": "endpoint_group_arn",
    "HealthCheckIds": "health_check_id",
    "HealthUrls": "health_url",
    "AlbDnsNames": "alb_dns_name",
    "AlbHostedZoneIds": "alb_hosted_zone_id",
    "DataBuckets": "data_bucket",
    "DbSecretArns": "db_secret_arn",
}

PARAMETERS = {
    "EstateName",
    "Regions",
    *PER_REGION_PARAMETERS,
    "HttpsListenerArns",
    "GameDayOutageMinutes",
    "LeaseRegions",
    "GlobalClusterId",
    "FullCapacity",
    "AcceleratorArn",
    "WarmStandbyTasks",
    "ReadinessSchedule",
    "HostedZoneId",
    "RecordName",
    "Topology",
    "ActiveRegionParameterName",
    "NotificationEmail",
    "CooldownMinutes",
    "LeaseSeconds",
    "MaxSwitchoverLagSeconds",
    "OutageQuorum",
    "ProbeAlarmDatapoints",
    "MinOutageSeconds",
    "AcknowledgeShortOutage",
    "MaxDataLossSeconds",
    "ApprovalForAutomatic",
    "TraceAwsCalls",
    "LogRetentionDays",
    "PowertoolsLayerArn",
}
OUTPUTS = {
    "StateMachineArn",
    "FailoverTableName",
    "FailoverTopicArn",
    "EventBusArn",
    "DeadLetterQueueUrl",
    "EstateConfigFunctionName",
    "GameDayStopTasksTemplateId",
    "GameDayAlb503TemplateId",
    "GameDayNetworkTemplateId",
}


# IAM actions that support no resource-level permissions, so "Resource": "*" is their only form.
def needs_star(action: str) -> bool:
    """The Service Authorization Reference lists no resource types for the action: only
    Resource "*" works (tests/iam/sar.json, not a list written by hand)."""
    return sar.action(action).needs_star


# The only managed policies SAM may attach: basic logging and X-Ray (tracing).
MANAGED_POLICIES = {"AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess"}

ACCOUNT = "123456789012"


def _of_type(resources: dict[str, Any], type_: str) -> dict[str, Any]:
    return {key: value for key, value in resources.items() if value["Type"] == type_}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return _as_list(document.get("Statement", []))


def _policy_documents(translated: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM / resource policy document in the translated template."""
    for key, resource in translated["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in properties.get("Policies", []):
                yield f"{key}/{policy['PolicyName']}", policy["PolicyDocument"]
        for field in ("PolicyDocument", "Policy"):
            if isinstance(properties.get(field), dict):
                yield f"{key}/{field}", properties[field]


def _sub_text(value: Any) -> str:
    """The template string of a Fn::Sub (either form)."""
    sub = value["Fn::Sub"]
    text: str = sub[0] if isinstance(sub, list) else sub
    return text


def _resolve_sub(text: str, parameters: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        return parameters[match.group(1)]

    return re.sub(r"\$\{([A-Za-z0-9]+)\}", replace, text)


def _resolver(
    template: dict[str, Any], parameters: dict[str, str], region: str
) -> tuple[Resolver, dict[str, Any]]:
    """A resolver for one copy of the control plane (CommaDelimitedList values as lists, the
    template's conditions evaluated) and its template after Fn::ForEach."""
    given = {
        **{
            key: str(spec["Default"])
            for key, spec in template["Parameters"].items()
            if "Default" in spec and not spec["Type"].startswith("AWS::SSM")
        },
        **parameters,
    }
    values: dict[str, str | list[str]] = {
        key: value.split(",")
        if template["Parameters"][key]["Type"] == "CommaDelimitedList"
        else value
        for key, value in given.items()
        if key in template["Parameters"]
    }
    expanded = expand_foreach(template, values)
    resolver = Resolver(values, region, expanded["Resources"])
    resolver.evaluate_conditions(expanded["Conditions"])
    return resolver, expanded


def _environment(
    template: dict[str, Any], parameters: dict[str, str], region: str
) -> dict[str, str]:
    """Every function's Globals environment as CloudFormation renders it for this copy."""
    resolver, _ = _resolver(template, parameters, region)
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    return {name: str(resolver.resolve(value)) for name, value in variables.items()}


def _sample_parameters(template: dict[str, Any], samconfig: dict[str, Any]) -> dict[str, str]:
    # samconfig.toml holds the static values; the deploy computes the estate identifiers from
    # the estate stacks' outputs (.estate/, docs/DEPLOY.md). The sample is both, as SAM reads it.
    from tests.template.test_estate_deploy import sample_parameters

    values: dict[str, str] = {
        key: str(spec["Default"])
        for key, spec in template["Parameters"].items()
        if "Default" in spec
    }
    values.update(sample_parameters("control-us-east-1"))
    return values


# ------------------------------------------------------------------------------- shape


def test_parameters_and_outputs_are_the_agreed_ones(template: dict[str, Any]) -> None:
    assert set(template["Parameters"]) == PARAMETERS
    assert set(template["Outputs"]) == OUTPUTS


def test_home_is_a_position_of_regions_and_every_other_position_is_watched(
    template: dict[str, Any],
) -> None:
    conditions = template["Conditions"]
    for position in (1, 2, 3, 4):
        equals = conditions[f"HomeIsRegion{position}"]["Fn::Equals"]
        assert equals[0] == {"Ref": "AWS::Region"}
        assert equals[1]["Fn::Select"][0] == position - 1
    identifier, collection, fragment = conditions["Fn::ForEach::WatchedRegions"]
    assert collection == {"Ref": "Regions"}
    assert fragment == {
        f"Watches&{{{identifier}}}": {
            "Fn::Not": [{"Fn::Equals": [{"Ref": "AWS::Region"}, {"Ref": identifier}]}]
        }
    }


@pytest.mark.parametrize("home", ["us-east-1", "eu-west-1", "us-west-2", "ap-northeast-1"])
def test_each_copy_of_a_four_region_estate_knows_its_position_and_watches_the_others(
    template: dict[str, Any], home: str
) -> None:
    regions = ["us-east-1", "eu-west-1", "us-west-2", "ap-northeast-1"]
    resolver, expanded = _resolver(template, four_region_parameters(), home)
    conditions = resolver.conditions
    position = regions.index(home) + 1
    assert [conditions[f"HomeIsRegion{n}"] for n in (1, 2, 3, 4)] == [
        n == position for n in (1, 2, 3, 4)
    ]
    assert [conditions[f"WatchesRegion{n}"] for n in (1, 2, 3, 4)] == [
        n != position for n in (1, 2, 3, 4)
    ]
    # one health-alarm rule, probe rule and probe alarm per other region, none for its own
    made = {
        logical_id
        for logical_id, resource in expanded["Resources"].items()
        if conditions.get(resource.get("Condition", ""), True)
        and logical_id.startswith(("HealthAlarmRule", "ProbeAlarm"))
    }
    stripped = [r.replace("-", "") for r in regions if r != home]
    assert made == {
        f"{kind}{region}"
        for kind in ("HealthAlarmRule", "ProbeAlarmRule", "ProbeAlarm")
        for region in stripped
    }
    # this copy scales and reads only its own service
    home_service = resolver.resolve(
        expanded["Resources"]["ScaleComputeFunction"]["Properties"]["Policies"][1]["Statement"][0][
            "Resource"
        ]
    )
    name = "a-twenty-char-estate"
    assert home_service == f"arn:aws:ecs:{home}:{ACCOUNT}:service/{name}-{home}/{name}-web"


def test_two_region_copies_select_nothing_past_the_end(template: dict[str, Any]) -> None:
    parameters = four_region_parameters(2)
    for home in parameters["Regions"].split(","):
        resolver, _ = _resolver(template, {**parameters, "HttpsListenerArns": ""}, home)
        assert resolver.conditions["HasRegion3"] is resolver.conditions["HasRegion4"] is False
        assert resolver.conditions["HasHomeListener"] is False


def test_the_watchers_logical_ids_do_not_move_when_the_priority_order_does(
    template: dict[str, Any],
) -> None:
    one = expand_foreach(template, {"Regions": ["us-east-1", "eu-west-1", "us-west-2"]})
    other = expand_foreach(template, {"Regions": ["us-west-2", "us-east-1", "eu-west-1"]})
    assert set(one["Resources"]) == set(other["Resources"])
    assert one["Resources"]["ProbeAlarmeuwest1"] == other["Resources"]["ProbeAlarmeuwest1"]


def test_functions_are_the_design_table(resources: dict[str, Any]) -> None:
    functions = _of_type(resources, "AWS::Serverless::Function")
    assert set(functions) == set(FUNCTIONS)
    for logical_id, module in FUNCTIONS.items():
        properties = functions[logical_id]["Properties"]
        assert properties["CodeUri"] == "functions/", logical_id
        assert properties["Handler"] == f"failover.handlers.{module}.lambda_handler", logical_id


@pytest.mark.parametrize("module", sorted(FUNCTIONS.values()))
def test_every_handler_module_exists_and_defines_lambda_handler(module: str) -> None:
    path = REPO_ROOT / "functions" / "failover" / "handlers" / f"{module}.py"
    assert path.exists(), f"{path} is missing"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assigned = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert "lambda_handler" in assigned, "lambda_handler = stage_handler(handle)"
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 30, f"{path} is over 30 lines"


def test_functions_ship_no_requirements_txt() -> None:
    """`sam build` without containers needs this; Powertools comes from the managed layer."""
    assert not (REPO_ROOT / "functions" / "requirements.txt").exists()


def test_globals_carry_runtime_arch_tracing_and_the_powertools_layer(
    template: dict[str, Any],
) -> None:
    function_globals = template["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.13"
    assert function_globals["Architectures"] == ["arm64"]
    assert function_globals["Tracing"] == "Active"
    assert isinstance(function_globals["Timeout"], int)
    assert isinstance(function_globals["MemorySize"], int)
    assert function_globals["Layers"] == [{"Ref": "PowertoolsLayerArn"}]


def test_the_powertools_layer_is_the_release_the_tests_run(template: dict[str, Any]) -> None:
    """Powertools publishes each release's layer ARN as a public SSM parameter,
    /aws/service/powertools/python/{arch}/{python}/{version}; it must name the dev pin."""
    layer = template["Parameters"]["PowertoolsLayerArn"]
    assert layer["Type"] == "AWS::SSM::Parameter::Value<String>"
    match = re.fullmatch(
        r"/aws/service/powertools/python/arm64/python3\.13/(\d+\.\d+\.\d+)", layer["Default"]
    )
    assert match, layer["Default"]
    pins = (REPO_ROOT / "requirements-dev.in").read_text(encoding="utf-8")
    pinned = re.search(r"^aws-lambda-powertools==(\S+)$", pins, re.MULTILINE)
    assert pinned, "requirements-dev.in pins aws-lambda-powertools"
    assert match.group(1) == pinned.group(1)


def test_translated_functions_are_traced_arm64_python313(translated: dict[str, Any]) -> None:
    functions = _of_type(translated["Resources"], "AWS::Lambda::Function")
    assert set(functions) == set(FUNCTIONS)
    for logical_id, function in functions.items():
        properties = function["Properties"]
        assert properties["TracingConfig"] == {"Mode": "Active"}, logical_id
        assert properties["Architectures"] == ["arm64"], logical_id
        assert properties["Runtime"] == "python3.13", logical_id


def test_environment_has_every_design_variable(template: dict[str, Any]) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert set(variables) >= DESIGN_ENVIRONMENT
    # Anything beyond the design is a literal, so local runners need no mapping for it.
    for name in set(variables) - DESIGN_ENVIRONMENT:
        assert isinstance(variables[name], str), name
    assert variables["FAILOVER_TABLE_NAME"] == {"Fn::Sub": "${EstateName}-failover"}
    assert variables["FAILOVER_TOPIC_ARN"] == {"Ref": "FailoverTopic"}


def test_the_names_readiness_checks_are_the_resources_names(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    """The bus, the machine and ValidateInputFunction reach the code from the template, in
    the stack's partition (Readiness builds no ARN of its own)."""
    variables = template["Globals"]["Function"]["Environment"]["Variables"]

    def name(logical_id: str, key: str) -> str:
        return str(resources[logical_id]["Properties"][key]["Fn::Sub"])

    bus = variables["FAILOVER_EVENT_BUS_ARN"]["Fn::Sub"]
    machine = variables["FAILOVER_STATE_MACHINE_ARN"]["Fn::Sub"]
    assert bus.startswith("arn:${AWS::Partition}:events:${AWS::Region}:")
    assert bus.endswith(":event-bus/" + name("FailoverEventBus", "Name"))
    assert machine.startswith("arn:${AWS::Partition}:states:${AWS::Region}:")
    assert machine.endswith(":stateMachine:" + name("FailoverStateMachine", "Name"))
    assert variables["VALIDATE_INPUT_FUNCTION_NAME"] == {
        "Fn::Sub": name("ValidateInputFunction", "FunctionName")
    }


def test_the_lease_is_short_and_outlasts_a_live_runs_longest_renewal_gap(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    """One lease length everywhere (the functions' LEASE_SECONDS: AcquireLease is one): the
    LeaseSeconds parameter, short (a dead holder blocks the surviving region for at most it)
    and never shorter than the longest gap between two renewals of a live run."""
    from failover.lease import LONGEST_RENEWAL_GAP, SETTLE_SECONDS

    definition = json.loads(
        (REPO_ROOT / "statemachines" / "failover.asl.json").read_text(encoding="utf-8")
    )
    parameter = template["Parameters"]["LeaseSeconds"]
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    substitutions = resources["FailoverStateMachine"]["Properties"]["DefinitionSubstitutions"]
    assert variables["LEASE_SECONDS"] == {"Ref": "LeaseSeconds"}
    assert "LeaseSeconds" not in substitutions, "the lease's length has one home: LEASE_SECONDS"
    assert LONGEST_RENEWAL_GAP < parameter["MinValue"] <= parameter["Default"] <= 180
    # the gap's parts: a function's timeout, VerifyFailover's longest Retry interval, init
    timeout = template["Globals"]["Function"]["Timeout"]
    verify = definition["States"]["VerifyFailover"]["Retry"][0]
    longest_interval = verify["IntervalSeconds"] * verify["BackoffRate"] ** (
        verify["MaxAttempts"] - 1
    )
    assert timeout + longest_interval + 10 <= LONGEST_RENEWAL_GAP
    # a stopped run's last Lambda ends before its lease can be taken (init is capped at 10 s)
    assert definition["States"]["SettleBranches"]["Seconds"] == SETTLE_SECONDS >= timeout + 10
    approval = definition["States"]["RequestApproval"]["TimeoutSeconds"]
    assert approval < definition["TimeoutSeconds"]


def test_estate_config_is_valid_design_json(
    template: dict[str, Any], samconfig: dict[str, Any]
) -> None:
    """ESTATE_CONFIG, rendered with samconfig's values, is failover.config's columnar JSON:
    the regions in priority order and one column per list parameter, entry for entry."""
    parameters = _sample_parameters(template, samconfig)
    regions = parameters["Regions"].split(",")
    raw = _environment(template, parameters, regions[0])["ESTATE_CONFIG"]
    config = json.loads(raw)

    assert set(config) == {
        "estate_name",
        "topology",
        "global_cluster_id",
        "active_region_parameter",
        "hosted_zone_id",
        "record_name",
        "full_capacity",
        "regions",
        *PER_REGION_FIELDS,
    }
    assert set(PER_REGION_PARAMETERS.values()) == set(PER_REGION_FIELDS)
    assert config["regions"] == regions
    for parameter, column in PER_REGION_PARAMETERS.items():
        assert config[column] == parameters[parameter].split(","), parameter
    assert config["full_capacity"] == int(parameters["FullCapacity"])
    estate = EstateConfig.from_dict(config)
    assert estate.priority == tuple(regions)
    name = parameters["EstateName"]
    for region, entry in estate.regions.items():
        assert entry.health_alarm_name == f"{name}-health-{region}"
        assert entry.probe_alarm_name == f"{name}-probe-{region}"


LAMBDA_ENVIRONMENT_LIMIT = 4096
"""Lambda's limit on one function's environment variables, keys and values together: 4 KB
(https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)."""


def four_region_parameters(count: int = 4) -> dict[str, str]:
    """An estate of ``count`` regions with the longest values the parameters' patterns and the
    stacks' naming produce in practice: a 20-character estate name, ap-northeast-1, the region
    stacks' names (stacks/region.yaml), Global Accelerator's and Secrets Manager's id formats."""
    regions = ["us-east-1", "eu-west-1", "us-west-2", "ap-northeast-1"][:count]
    name = long_name = "a-twenty-char-estate"
    group = (
        f"arn:aws:globalaccelerator::{ACCOUNT}:accelerator/1234abcd-abcd-1234-abcd-1234abcdef01"
        "/listener/0123abcd/endpoint-group"
    )

    def column(make: Any) -> str:
        return ",".join(make(region) for region in regions)

    return {
        "EstateName": name,
        "Regions": ",".join(regions),
        "LeaseRegions": "us-east-1,us-east-2,us-west-2",
        "GlobalClusterId": f"{long_name}-global",
        "FullCapacity": "1000",
        "AcceleratorArn": group.split("/listener")[0],
        "HostedZoneId": "Z0123456789ABCDEFGHIJ",
        "RecordName": "application.an-example-domain.example.com",
        "Topology": "active-passive",
        "ActiveRegionParameterName": f"/{long_name}/failover/active-region",
        "DbClusterArns": column(lambda r: f"arn:aws:rds:{r}:{ACCOUNT}:cluster:{long_name}-{r}"),
        "EcsClusters": column(lambda r: f"{name}-{r}"),
        "EcsServices": column(lambda r: f"{name}-web"),
        "EndpointGroupArns": column(lambda r: f"{group}/{r.replace('-', '')}0a1b2c"),
        "HealthCheckIds": column(lambda r: "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"),
        "HealthUrls": column(
            lambda r: f"https://{r}.application.an-example-domain.example.com/health"
        ),
        "AlbDnsNames": column(lambda r: f"{long_name}-alb-1234567890.{r}.elb.amazonaws.com"),
        "AlbHostedZoneIds": column(lambda r: "Z2YN17T5R711GT"),
        "DataBuckets": column(lambda r: f"{long_name}-data-{ACCOUNT}-{r}"),
        "DbSecretArns": column(
            lambda r: (
                f"arn:aws:secretsmanager:{r}:{ACCOUNT}:secret:DbMasterSecret-AbCdEfGhIjKl-AbC123"
            )
        ),
        "HttpsListenerArns": column(
            lambda r: (
                f"arn:aws:elasticloadbalancing:{r}:{ACCOUNT}:listener/app/{long_name}/0123456789abcdef/fedcba9876543210"
            )
        ),
    }


def test_four_regions_environment_fits_lambdas_4_kb(template: dict[str, Any]) -> None:
    """failover.config.MAX_REGIONS is what fits: four regions' environment, rendered as
    CloudFormation renders it, stays under Lambda's 4 KB with room to spare; the functions add
    no variables of their own."""
    from failover.config import MAX_REGIONS

    assert MAX_REGIONS == 4
    defaults = {
        key: str(spec["Default"])
        for key, spec in template["Parameters"].items()
        if "Default" in spec and not spec["Type"].startswith("AWS::SSM")
    }
    parameters = {**defaults, **four_region_parameters()}
    for logical_id in FUNCTIONS:
        assert "Environment" not in template["Resources"][logical_id]["Properties"], logical_id
    environment = _environment(template, parameters, "ap-northeast-1")
    size = sum(len(key) + len(value) for key, value in environment.items())
    config = EstateConfig.from_dict(json.loads(environment["ESTATE_CONFIG"]))
    assert len(config.regions) == 4
    # Measured (these values): 2 regions 2,581 bytes, 3 regions 3,199, 4 regions 3,862 (3,056 of
    # them ESTATE_CONFIG). Each region adds about 620 bytes, so a fifth does not fit.
    assert size <= LAMBDA_ENVIRONMENT_LIMIT, size


# ------------------------------------------------------------------------------- logs


def test_every_log_group_has_retention(resources: dict[str, Any]) -> None:
    log_groups = _of_type(resources, "AWS::Logs::LogGroup")
    assert log_groups
    for key, log_group in log_groups.items():
        assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, key


def test_every_function_logs_to_its_own_log_group(resources: dict[str, Any]) -> None:
    """Fixed names + LoggingConfig.LogGroup: the group exists before the function runs."""
    seen = set()
    for logical_id in FUNCTIONS:
        properties = resources[logical_id]["Properties"]
        group_ref = properties["LoggingConfig"]["LogGroup"]["Ref"]
        group = resources[group_ref]
        assert group["Type"] == "AWS::Logs::LogGroup"
        assert _sub_text(group["Properties"]["LogGroupName"]) == (
            "/aws/lambda/" + _sub_text(properties["FunctionName"])
        )
        seen.add(group_ref)
    assert len(seen) == len(FUNCTIONS)


def test_state_machine_logs_to_a_retained_group_without_execution_data(
    resources: dict[str, Any],
) -> None:
    logging = resources["FailoverStateMachine"]["Properties"]["Logging"]
    assert logging["Level"] in {"ALL", "ERROR"}
    assert logging["IncludeExecutionData"] is False
    [destination] = logging["Destinations"]
    arn = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]
    assert arn == {"Fn::GetAtt": ["FailoverStateMachineLogGroup", "Arn"]}


# -------------------------------------------------------------------------------- IAM


def test_no_policy_statement_allows_a_wildcard_action(translated: dict[str, Any]) -> None:
    for where, document in _policy_documents(translated):
        for statement in _statements(document):
            if statement["Effect"] != "Allow":
                continue
            for action in _as_list(statement["Action"]):
                assert "*" not in action, f"{where}: {action}"


def test_resource_star_only_where_the_api_allows_nothing_else(
    translated: dict[str, Any],
) -> None:
    for where, document in _policy_documents(translated):
        for statement in _statements(document):
            if statement["Effect"] != "Allow" or "*" not in _as_list(statement.get("Resource")):
                continue
            actions = set(_as_list(statement["Action"]))
            broad = {a for a in actions if not needs_star(a)}
            # Else "*" only narrowed by the service's own condition key (ecs:ListTasks on a
            # Fargate cluster names no container instance: ecs:cluster scopes it).
            keys = {k for test in statement.get("Condition", {}).values() for k in test}
            scoped = any(k.split(":")[0] == a.split(":")[0] for k in keys for a in broad)
            assert not broad or scoped, f"{where}: {broad} support resource types; name them"
            if "cloudwatch:PutMetricData" in actions:
                condition = statement["Condition"]["StringEquals"]["cloudwatch:namespace"]
                assert condition == "FailoverControlPlane", where


def test_metrics_namespace_is_one_value_everywhere(
    resources: dict[str, Any], template: dict[str, Any]
) -> None:
    namespace = template["Globals"]["Function"]["Environment"]["Variables"]["METRICS_NAMESPACE"]
    probes = _of_type(resources, "AWS::CloudWatch::Alarm")
    probes = {k: v for k, v in probes.items() if k.startswith("ProbeAlarm")}
    assert len(probes) == 2  # the default Regions
    for alarm in probes.values():
        assert alarm["Properties"]["Namespace"] == namespace
    assert namespace == "FailoverControlPlane"


def test_roles_attach_only_the_expected_managed_policies(translated: dict[str, Any]) -> None:
    """AWS-managed: logging and X-Ray; the stack's own: estate view, notices, readiness, lease."""
    own = {"EstateViewPolicy", "NoticePolicy", "ReadinessPolicy", "LeasePolicy"}
    for key, role in _of_type(translated["Resources"], "AWS::IAM::Role").items():
        for arn in role["Properties"].get("ManagedPolicyArns", []):
            if isinstance(arn, dict):
                assert arn.get("Ref") in own, f"{key}: {arn}"
                continue
            assert arn.rsplit("/", 1)[-1] in MANAGED_POLICIES, f"{key}: {arn}"


def test_every_function_has_its_own_role(translated: dict[str, Any]) -> None:
    functions = _of_type(translated["Resources"], "AWS::Lambda::Function")
    roles = {fn["Properties"]["Role"]["Fn::GetAtt"][0] for fn in functions.values()}
    assert len(roles) == len(functions)


def test_state_machine_role_invokes_exactly_the_machine_functions(
    resources: dict[str, Any],
) -> None:
    statements = resources["FailoverStateMachine"]["Properties"]["Policies"][0]["Statement"]
    invoke = [s for s in statements if "lambda:InvokeFunction" in _as_list(s["Action"])]
    assert len(invoke) == 1
    assert _as_list(invoke[0]["Action"]) == ["lambda:InvokeFunction"]
    expected = []
    for logical_id in MACHINE_FUNCTIONS:
        expected += [
            {"Fn::GetAtt": [logical_id, "Arn"]},
            {"Fn::Sub": "${" + logical_id + ".Arn}:*"},
        ]
    assert invoke[0]["Resource"] == expected


def test_state_machine_substitutions_name_every_machine_function(
    resources: dict[str, Any],
) -> None:
    properties = resources["FailoverStateMachine"]["Properties"]
    assert properties["DefinitionSubstitutions"] == {
        "Partition": {"Ref": "AWS::Partition"},
        **{
            f"{logical_id}Arn": {"Fn::GetAtt": [logical_id, "Arn"]}
            for logical_id in MACHINE_FUNCTIONS
        },
    }
    assert properties["Type"] == "STANDARD"
    assert properties["Name"] == {"Fn::Sub": "${EstateName}-failover"}
    assert properties["DefinitionUri"] == "statemachines/failover.asl.json"
    assert properties["Tracing"] == {"Enabled": True}


def test_execution_history_grant_uses_the_fixed_machine_name(resources: dict[str, Any]) -> None:
    policies = resources["RecordOutcomeFunction"]["Properties"]["Policies"]
    statements = [
        s for policy in policies if isinstance(policy, dict) for s in policy.get("Statement", [])
    ]
    [history] = [s for s in statements if s["Action"] == "states:GetExecutionHistory"]
    assert _sub_text(history["Resource"]).endswith(":execution:${EstateName}-failover:*")


# ------------------------------------------------------------------------ data at rest


def test_topic_is_encrypted_and_tls_only(resources: dict[str, Any]) -> None:
    assert resources["FailoverTopic"]["Properties"]["KmsMasterKeyId"]
    policy = resources["FailoverTopicPolicy"]["Properties"]
    assert policy["Topics"] == [{"Ref": "FailoverTopic"}]
    [deny] = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert "sns:Publish" in deny["Action"]


def test_email_subscription_is_optional_and_redriven(resources: dict[str, Any]) -> None:
    subscription = resources["FailoverEmailSubscription"]
    assert subscription["Condition"] == "HasNotificationEmail"
    redrive = subscription["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]
    assert redrive == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}


def test_dead_letter_queue_is_encrypted(resources: dict[str, Any]) -> None:
    properties = resources["DeadLetterQueue"]["Properties"]
    assert properties.get("SqsManagedSseEnabled") is True or properties.get("KmsMasterKeyId")


def test_active_region_parameter_starts_at_the_primary(resources: dict[str, Any]) -> None:
    properties = resources["ActiveRegionParameter"]["Properties"]
    assert properties["Name"] == {"Ref": "ActiveRegionParameterName"}
    assert properties["Type"] == "String"
    assert properties["Value"] == {"Fn::Select": [0, {"Ref": "Regions"}]}


# --------------------------------------------------------------- triggers and observer


def _assert_targets_state_machine(rule: dict[str, Any]) -> None:
    [target] = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Ref": "FailoverStateMachine"}
    assert target["RoleArn"] == {"Fn::GetAtt": ["EventBridgeStartExecutionRole", "Arn"]}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] >= 60
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}}
    assert "InputTransformer" not in target, "pass the event as AWS sends it"
    assert "Input" not in target, "pass the event as AWS sends it"


def _alarm_pattern(rule: dict[str, Any]) -> dict[str, Any]:
    pattern: dict[str, Any] = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.cloudwatch"]
    assert pattern["detail-type"] == ["CloudWatch Alarm State Change"]
    assert pattern["detail"]["state"] == {"value": ["ALARM"]}
    return pattern


def test_custom_bus_has_a_deterministic_name_and_same_account_policy(
    resources: dict[str, Any],
) -> None:
    bus = resources["FailoverEventBus"]["Properties"]
    assert bus["Name"] == {"Fn::Sub": "${EstateName}-failover"}
    [statement] = bus["Policy"]["Statement"]
    assert statement["Action"] == "events:PutEvents"
    assert statement["Principal"] == {
        "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
    }


REGIONS = ("us-east-1", "us-west-2")  # template.yaml's default Regions


def _watches(resources: dict[str, Any], logical_id: str, region: str) -> dict[str, Any]:
    """A watcher Fn::ForEach made for ``region``, under that region's Watches condition."""
    resource: dict[str, Any] = resources[f"{logical_id}{region.replace('-', '')}"]
    assert resource["Condition"] == f"Watches{region.replace('-', '')}"
    return resource


@pytest.mark.parametrize("region", REGIONS)
def test_each_other_regions_health_alarm_rule_on_the_custom_bus_starts_the_machine(
    resources: dict[str, Any], region: str
) -> None:
    rule = _watches(resources, "HealthAlarmRule", region)
    assert rule["Properties"]["EventBusName"] == {"Ref": "FailoverEventBus"}
    assert rule["Properties"]["Name"] == {"Fn::Sub": f"${{EstateName}}-watch-health-{region}"}
    pattern = _alarm_pattern(rule)
    assert pattern["detail"]["alarmName"] == [{"Fn::Sub": f"${{EstateName}}-health-{region}"}]
    _assert_targets_state_machine(rule)


@pytest.mark.parametrize("region", REGIONS)
def test_each_other_regions_probe_alarm_rule_on_the_default_bus_starts_the_machine(
    resources: dict[str, Any], region: str
) -> None:
    rule = _watches(resources, "ProbeAlarmRule", region)
    assert "EventBusName" not in rule["Properties"], "alarm events land on the default bus"
    assert rule["Properties"]["Name"] == {"Fn::Sub": f"${{EstateName}}-watch-probe-{region}"}
    alarm = _watches(resources, "ProbeAlarm", region)["Properties"]["AlarmName"]
    assert _alarm_pattern(rule)["detail"]["alarmName"] == [alarm]
    _assert_targets_state_machine(rule)


def test_a_watcher_exists_only_where_its_region_is_not_this_one(
    template: dict[str, Any],
) -> None:
    for home in REGIONS:
        resolver, _ = _resolver(template, {}, home)
        for region in REGIONS:
            assert resolver.conditions[f"Watches{region.replace('-', '')}"] is (region != home)


def test_eventbridge_role_may_only_start_the_machine(resources: dict[str, Any]) -> None:
    properties = resources["EventBridgeStartExecutionRole"]["Properties"]
    [trust] = properties["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    [policy] = properties["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "states:StartExecution",
            "Resource": {"Ref": "FailoverStateMachine"},
        }
    ]


def test_dead_letter_queue_accepts_exactly_the_rules_and_the_topic(
    resources: dict[str, Any],
) -> None:
    statements = resources["DeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    by_sid = {s["Sid"]: s for s in statements}
    events = by_sid["EventBridgeRuleTargets"]
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    sources = events["Condition"]["ArnLike"]["aws:SourceArn"]
    schedule_name = _sub_text(
        resources["ProbeHealthFunction"]["Properties"]["Events"]["ProbeSchedule"]["Properties"][
            "Name"
        ]
    )
    subs = [_sub_text(source) for source in sources if "Fn::Sub" in source]
    assert [text for text in subs if text.endswith(f":rule/{schedule_name}")], sources
    sns = by_sid["SnsSubscriptionRedrive"]
    assert sns["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Ref": "FailoverTopic"}


def test_probe_watches_every_10_seconds_and_its_alarm_is_high_resolution(
    resources: dict[str, Any],
) -> None:
    probe = resources["ProbeHealthFunction"]["Properties"]
    schedule = probe["Events"]["ProbeSchedule"]
    assert schedule["Type"] == "Schedule"
    assert schedule["Properties"]["Schedule"] == "rate(1 minute)"
    assert schedule["Properties"]["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
    }
    assert probe["Timeout"] > 60, "six probes 10 s apart, each with a timeout"
    on_failure = probe["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
    assert on_failure["Destination"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}

    for region in REGIONS:
        # failover.health publishes PeerHealthy with dimension Region=<watched>; the alarm has
        # the same name in every watching region (failover.config: <estate>-probe-<region>).
        alarm = _watches(resources, "ProbeAlarm", region)["Properties"]
        assert alarm["AlarmName"] == {"Fn::Sub": f"${{EstateName}}-probe-{region}"}
        assert alarm["MetricName"] == "PeerHealthy"
        assert alarm["Dimensions"] == [{"Name": "Region", "Value": region}]
        assert alarm["Period"] == 10
        assert (
            alarm["EvaluationPeriods"]
            == alarm["DatapointsToAlarm"]
            == {"Ref": "ProbeAlarmDatapoints"}
        )


def test_close_run_hears_every_ending_of_this_regions_machine(resources: dict[str, Any]) -> None:
    event = resources["CloseRunFunction"]["Properties"]["Events"]["RunEnded"]
    assert event["Type"] == "EventBridgeRule"
    pattern = event["Properties"]["Pattern"]
    assert pattern["source"] == ["aws.states"]
    assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
    assert pattern["detail"]["stateMachineArn"] == [{"Ref": "FailoverStateMachine"}]
    assert set(pattern["detail"]["status"]) == {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
    assert event["Properties"]["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
    }


def test_every_rule_that_dead_letters_to_the_queue_may_send_to_it(
    translated: dict[str, Any],
) -> None:
    """EventBridge delivers a target's dead letters only if the queue policy admits its rule
    (aws:SourceArn): a rule left out loses its failed deliveries silently."""
    resources = translated["Resources"]
    policy = resources["DeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]
    [statement] = [
        s for s in _statements(policy) if s.get("Principal") == {"Service": "events.amazonaws.com"}
    ]
    admitted = _as_list(statement["Condition"]["ArnLike"]["aws:SourceArn"])
    checked = 0
    for name, rule in _of_type(resources, "AWS::Events::Rule").items():
        targets = rule["Properties"].get("Targets", [])
        if not any("DeadLetterConfig" in t for t in targets):
            continue
        rule_name = _sub_text(rule["Properties"]["Name"])
        bus = rule["Properties"].get("EventBusName")
        path = rule_name if bus is None else "${EstateName}-failover/" + rule_name
        patterns = [_sub_text(a).split(":rule/", 1)[1] for a in admitted if "Fn::Sub" in a]
        assert any(fnmatch.fnmatchcase(path, p) for p in patterns), name
        checked += 1
    assert checked >= 4 + 3  # two watch rules per default region, the schedules, run-ended


def test_a_minimum_outage_below_the_safe_floor_needs_an_acknowledgement(
    template: dict[str, Any],
) -> None:
    """The template refuses, at deploy time, a MinOutageSeconds below the floor that
    failover.config enforces, unless AcknowledgeShortOutage is true."""
    from failover.config import SAFE_MIN_OUTAGE_SECONDS

    allowed = [int(v) for v in template["Parameters"]["MinOutageSeconds"]["AllowedValues"]]
    rule = template["Rules"]["ShortOutageAcknowledged"]
    short = rule["RuleCondition"]["Fn::Contains"][0]
    assert sorted(int(v) for v in short) == [v for v in allowed if v < SAFE_MIN_OUTAGE_SECONDS]
    assert rule["Assertions"][0]["Assert"] == {
        "Fn::Equals": [{"Ref": "AcknowledgeShortOutage"}, "true"]
    }
    assert int(template["Parameters"]["MinOutageSeconds"]["Default"]) >= SAFE_MIN_OUTAGE_SECONDS


def _conditions_used(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Condition" and isinstance(value, str):
                yield value
            elif key == "Fn::If" and isinstance(value, list):
                yield value[0]
            yield from _conditions_used(value)
    elif isinstance(node, list):
        for value in node:
            yield from _conditions_used(value)


@pytest.mark.parametrize(
    "regions", [["us-east-1", "us-west-2"], ["eu-west-1", "us-east-1", "ap-northeast-1"]]
)
def test_every_condition_is_used_and_every_used_condition_exists(
    template: dict[str, Any], regions: list[str]
) -> None:
    """What cfn-lint's W8001 and E3015 cannot check through Fn::ForEach (template Metadata)."""
    expanded = expand_foreach(template, {"Regions": regions})
    declared = set(expanded["Conditions"])
    used = set(_conditions_used({k: v for k, v in expanded.items() if k != "Parameters"}))
    assert used == declared
    assert {f"Watches{r.replace('-', '')}" for r in regions} <= declared


def test_a_wrong_regions_list_fails_the_deploy_where_no_rule_can_catch_it(
    template: dict[str, Any],
) -> None:
    """Rules cannot count or compare a list's entries (README "More than two regions"): a
    repeated region repeats a Fn::ForEach logical id, and one region selects past its end."""
    with pytest.raises(ValueError, match="appears twice"):
        expand_foreach(template, {"Regions": ["us-east-1", "eu-west-1", "us-east-1"]})
    with pytest.raises(IndexError):
        _resolver(template, {"Regions": "us-east-1"}, "us-east-1")
    resolver, _ = _resolver(template, {"Regions": "us-east-1,eu-west-1"}, "eu-west-1")
    assert resolver.conditions["HomeIsRegion2"] is True
