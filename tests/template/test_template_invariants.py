"""Invariants of template.yaml, read as written and as SAM translates it (no tools, no AWS)."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from failover.config import EstateConfig

from tests.iam import sar
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

PARAMETERS = {
    "EstateName",
    "PrimaryHttpsListenerArn",
    "SecondaryHttpsListenerArn",
    "GameDayOutageMinutes",
    "PrimaryRegion",
    "SecondaryRegion",
    "LeaseRegions",
    "GlobalClusterId",
    "PrimaryDbClusterArn",
    "SecondaryDbClusterArn",
    "PrimaryEcsCluster",
    "PrimaryEcsService",
    "SecondaryEcsCluster",
    "SecondaryEcsService",
    "FullCapacity",
    "PrimaryEndpointGroupArn",
    "SecondaryEndpointGroupArn",
    "AcceleratorArn",
    "PrimaryHealthCheckId",
    "SecondaryHealthCheckId",
    "PrimaryDataBucket",
    "SecondaryDataBucket",
    "PrimaryDbSecretArn",
    "SecondaryDbSecretArn",
    "WarmStandbyTasks",
    "ReadinessSchedule",
    "PrimaryHealthUrl",
    "SecondaryHealthUrl",
    "PrimaryAlbDnsName",
    "SecondaryAlbDnsName",
    "PrimaryAlbHostedZoneId",
    "SecondaryAlbHostedZoneId",
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

PEER_REGION = {"Fn::If": ["IsPrimary", {"Ref": "SecondaryRegion"}, {"Ref": "PrimaryRegion"}]}


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


def test_home_and_peer_come_from_the_is_primary_condition(template: dict[str, Any]) -> None:
    assert template["Conditions"]["IsPrimary"] == {
        "Fn::Equals": [{"Ref": "AWS::Region"}, {"Ref": "PrimaryRegion"}]
    }


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
    """ESTATE_CONFIG, resolved with samconfig's values, parses as failover.config.EstateConfig."""
    parameters = _sample_parameters(template, samconfig)
    raw = template["Globals"]["Function"]["Environment"]["Variables"]["ESTATE_CONFIG"]
    config = json.loads(_resolve_sub(_sub_text(raw), parameters))

    assert set(config) == {
        "estate_name",
        "topology",
        "global_cluster_id",
        "active_region_parameter",
        "hosted_zone_id",
        "record_name",
        "regions",
    }
    primary, secondary = parameters["PrimaryRegion"], parameters["SecondaryRegion"]
    assert set(config["regions"]) == {primary, secondary}
    name = parameters["EstateName"]
    for region, prefix in ((primary, "Primary"), (secondary, "Secondary")):
        entry = config["regions"][region]
        assert set(entry) == {
            "db_cluster_arn",
            "ecs_cluster",
            "ecs_service",
            "full_capacity",
            "endpoint_group_arn",
            "health_check_id",
            "health_url",
            "health_alarm_name",
            "probe_alarm_name",
            "alb_dns_name",
            "alb_hosted_zone_id",
            "record_set_identifier",
            "data_bucket",
            "db_secret_arn",
        }
        assert entry["db_cluster_arn"] == parameters[f"{prefix}DbClusterArn"]
        assert entry["endpoint_group_arn"] == parameters[f"{prefix}EndpointGroupArn"]
        assert entry["full_capacity"] == int(parameters["FullCapacity"])
        assert entry["health_alarm_name"] == f"{name}-health-{region}"
        assert entry["probe_alarm_name"] == f"{name}-probe-{region}"
        assert entry["record_set_identifier"] == region
    EstateConfig.from_dict(config)


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
    assert resources["PeerProbeAlarm"]["Properties"]["Namespace"] == namespace
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
    assert properties["Value"] == {"Ref": "PrimaryRegion"}


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


def test_peer_health_alarm_rule_on_the_custom_bus_starts_the_machine(
    resources: dict[str, Any],
) -> None:
    rule = resources["PeerHealthAlarmRule"]
    assert rule["Properties"]["EventBusName"] == {"Ref": "FailoverEventBus"}
    pattern = _alarm_pattern(rule)
    assert pattern["detail"]["alarmName"] == [
        {"Fn::Sub": ["${EstateName}-health-${PeerRegion}", {"PeerRegion": PEER_REGION}]}
    ]
    _assert_targets_state_machine(rule)


def test_probe_alarm_rule_on_the_default_bus_starts_the_machine(
    resources: dict[str, Any],
) -> None:
    rule = resources["PeerProbeAlarmRule"]
    assert "EventBusName" not in rule["Properties"], "alarm events land on the default bus"
    assert _alarm_pattern(rule)["detail"]["alarmName"] == [{"Ref": "PeerProbeAlarm"}]
    _assert_targets_state_machine(rule)


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
    sources = events["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert {"Fn::GetAtt": ["PeerHealthAlarmRule", "Arn"]} in sources
    assert {"Fn::GetAtt": ["PeerProbeAlarmRule", "Arn"]} in sources
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

    alarm = resources["PeerProbeAlarm"]["Properties"]
    assert alarm["AlarmName"] == {
        "Fn::Sub": ["${EstateName}-probe-${PeerRegion}", {"PeerRegion": PEER_REGION}]
    }
    assert alarm["MetricName"] == "PeerHealthy"
    assert alarm["Dimensions"] == [{"Name": "Region", "Value": PEER_REGION}]
    assert alarm["Period"] == 10
    assert (
        alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == {"Ref": "ProbeAlarmDatapoints"}
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
    admitted = _as_list(statement["Condition"]["ArnEquals"]["aws:SourceArn"])
    for name, rule in _of_type(resources, "AWS::Events::Rule").items():
        targets = rule["Properties"].get("Targets", [])
        if not any("DeadLetterConfig" in t for t in targets):
            continue
        rule_name = rule["Properties"].get("Name")
        by_name = [
            a
            for a in admitted
            if rule_name is not None
            and "Fn::Sub" in a
            and _sub_text(a).endswith(f":rule/{_sub_text(rule_name)}")
        ]
        assert {"Fn::GetAtt": [name, "Arn"]} in admitted or by_name, name


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
