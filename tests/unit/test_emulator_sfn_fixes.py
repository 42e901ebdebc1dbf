"""moto's Step Functions interpreter, corrected to AWS behaviour by emulator.services.sfn_fixes."""

from __future__ import annotations

import io
import itertools
import json
import time
import zipfile
from datetime import timedelta
from typing import Any

import boto3
import pytest

from emulator import Emulator
from emulator.services.sfn_fixes import is_definite_json_path, sdk_error_name

# Keep boto3's default session between tests: clients are built 10x faster.


REGION = "us-west-2"
ONE_MS = timedelta(milliseconds=1)


@pytest.fixture
def role(emu: Emulator) -> str:
    iam = boto3.client("iam", region_name="us-east-1")
    return str(iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"])


def run(role: str, definition: dict[str, Any], payload: Any = None) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = sfn.create_state_machine(
        name=f"m{time.monotonic_ns()}", definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(payload or {}))[
        "executionArn"
    ]
    deadline = time.monotonic() + 60  # real seconds: generous under load, left as soon as done
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.01)
    raise AssertionError("execution did not finish")


def single(state: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": "S", "States": {"S": {**state, "End": True}}}


@pytest.mark.parametrize(
    ("path", "definite"),
    [
        ("$.X[0].Y", True),
        ("$.X[1]", True),
        ("$.a.b", True),
        ("$.X[*].Y", False),
        ("$..Y", False),
        ("$.X[0:1]", False),
        ("$.X[?(@.Y == 2)]", False),
        ("$.X[0,1]", False),
    ],
)
def test_definite_json_paths(path: str, definite: bool) -> None:
    assert is_definite_json_path(path) is definite


def test_indexed_json_path_selects_a_single_value(role: str) -> None:
    # given a Pass state selecting by index, by wildcard and in a Choice
    definition = {
        "StartAt": "Pick",
        "States": {
            "Pick": {
                "Type": "Pass",
                "Parameters": {"one.$": "$.X[0].Y", "all.$": "$.X[*].Y"},
                "Next": "Check",
            },
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.one", "NumericEquals": 1, "Next": "Ok"}],
                "Default": "Wrong",
            },
            "Ok": {"Type": "Succeed"},
            "Wrong": {"Type": "Fail", "Error": "WrongBranch"},
        },
    }

    # when it runs, then the indexed path is a scalar, the wildcard a list
    described = run(role, definition, {"X": [{"Y": 1}, {"Y": 2}]})
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"one": 1, "all": [1, 2]}


def test_unnamed_executions_get_unique_names(role: str) -> None:
    # given a machine started twice without a name
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = sfn.create_state_machine(
        name="twice", definition=json.dumps(single({"Type": "Pass"})), roleArn=role
    )["stateMachineArn"]

    # then both executions exist under different ARNs
    first = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    second = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    assert first != second
    assert not first.endswith(":None")


def test_context_object_times_are_strings(role: str) -> None:
    # given a state that selects the execution's start time and name
    state = {
        "Type": "Pass",
        "Parameters": {"start.$": "$$.Execution.StartTime", "name.$": "$$.Execution.Name"},
    }

    # when it runs, then describe_execution works and the time is ISO 8601
    described = run(role, single(state))
    output = json.loads(described["output"])
    assert output["start"].endswith("Z")
    assert described["executionArn"].endswith(output["name"])


def test_aws_sdk_integration_speaks_pascal_case_and_iso_times(role: str) -> None:
    # given an ECS service and an SSM parameter
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName="shop")
    ecs.create_service(cluster="shop", serviceName="web", desiredCount=0)
    boto3.client("ssm", region_name=REGION).put_parameter(Name="/p", Value="v", Type="String")
    definition = {
        "StartAt": "Services",
        "States": {
            "Services": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:ecs:describeServices",
                "Parameters": {"Cluster": "shop", "Services": ["web"]},
                "ResultSelector": {"name.$": "$.Services[0].ServiceName"},
                "ResultPath": "$.ecs",
                "Next": "Parameter",
            },
            "Parameter": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:ssm:getParameter",
                "Parameters": {"Name": "/p"},
                "ResultPath": "$.ssm",
                "End": True,
            },
        },
    }

    # when it runs
    described = run(role, definition)

    # then PascalCase parameters reached the API and the results are PascalCase JSON
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["ecs"] == {"name": "web"}
    assert output["ssm"]["Parameter"]["Value"] == "v"
    assert output["ssm"]["Parameter"]["LastModifiedDate"].endswith("Z")


def test_aws_sdk_errors_are_named_service_dot_exception(role: str) -> None:
    # given a read of a missing parameter, caught by its Step Functions error name
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:ssm:getParameter",
        "Parameters": {"Name": "/missing"},
        "Catch": [
            {"ErrorEquals": ["Ssm.ParameterNotFoundException"], "ResultPath": "$.e", "Next": "Ok"}
        ],
        "Next": "Ok",
    }
    definition = {"StartAt": "S", "States": {"S": state, "Ok": {"Type": "Succeed"}}}

    # when it runs, then the Catch matched
    described = run(role, definition)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"])["e"]["Error"] == "Ssm.ParameterNotFoundException"


@pytest.mark.parametrize(
    ("service", "code", "name"),
    [
        ("rds", "DBClusterNotFoundFault", "Rds.DbClusterNotFoundException"),
        ("dynamodb", "ConditionalCheckFailedException", "DynamoDb.ConditionalCheckFailedException"),
        (
            "globalaccelerator",
            "EndpointGroupNotFoundException",
            "GlobalAccelerator.EndpointGroupNotFoundException",
        ),
        ("s3", "BucketAlreadyExists", "S3.BucketAlreadyExistsException"),
        ("route53", "NoSuchHealthCheck", "Route53.NoSuchHealthCheckException"),
        ("ecs", None, "Ecs.EcsException"),
    ],
)
def test_sdk_error_names(service: str, code: str | None, name: str) -> None:
    assert sdk_error_name(service, code) == name


def test_missing_transition_target_is_an_invalid_definition(emu: Emulator, role: str) -> None:
    # given a definition whose Next names no state
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}

    # then creating it fails as on AWS
    with pytest.raises(sfn.exceptions.InvalidDefinition, match="Missing 'Next' target: Nowhere"):
        sfn.create_state_machine(name="bad", definition=json.dumps(definition), roleArn=role)


def test_fail_state_paths_and_intrinsics_work(role: str) -> None:
    # given a Fail state with ErrorPath/CausePath built by States.Format
    definition = {
        "StartAt": "Build",
        "States": {
            "Build": {
                "Type": "Pass",
                "Parameters": {
                    "error": "PreflightFailed",
                    "cause.$": "States.Format('region {} is not ready', $.region)",
                },
                "Next": "Stop",
            },
            "Stop": {"Type": "Fail", "ErrorPath": "$.error", "CausePath": "$.cause"},
        },
    }

    # when it runs, then the execution fails with the computed error and cause
    described = run(role, definition, {"region": "us-west-2"})
    assert (described["error"], described["cause"]) == (
        "PreflightFailed",
        "region us-west-2 is not ready",
    )


def test_jsonata_and_assign_evaluate(role: str) -> None:
    # given a JSONPath state assigning a variable and a JSONata state reading it
    definition = {
        "StartAt": "Remember",
        "States": {
            "Remember": {"Type": "Pass", "Assign": {"target.$": "$.region"}, "Next": "Compute"},
            "Compute": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": {"target": "{% $target %}", "dial": "{% $states.input.dial * 2 %}"},
                "End": True,
            },
        },
    }

    # when it runs, then both evaluate as on AWS
    described = run(role, definition, {"region": "us-west-2", "dial": 50})
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"target": "us-west-2", "dial": 100}


def test_history_reads_back_when_a_parallel_branch_stops_a_starting_task(role: str) -> None:
    # given a Parallel whose first branch fails at once, while the second starts a Lambda task
    # with a TimeoutSeconds and Parameters that take a while to evaluate (moto stops the second
    # branch's task frame mid-way; before the fix its TaskScheduled event recorded the state's
    # input, a dict, as timeoutInSeconds, and GetExecutionHistory failed to serialise it)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handler.py", "")
    function = boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="echo",
        Runtime="python3.13",
        Role=role,
        Handler="tests.unit.emulator_fixture_handler.echo",
        Code={"ZipFile": archive.getvalue()},
    )["FunctionArn"]
    slow_parameters = {f"k{index}.$": "$.v" for index in range(150)}
    definition = single(
        {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Boom"}}},
                single(
                    {
                        "Type": "Task",
                        "Resource": function,
                        "TimeoutSeconds": 60,
                        "Parameters": slow_parameters,
                    }
                ),
            ],
        }
    )
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = sfn.create_state_machine(
        name="stopped-branch", definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]

    # when a few executions run to their end
    arns = [
        sfn.start_execution(stateMachineArn=machine, input='{"v": 1}')["executionArn"]
        for _ in range(4)
    ]
    deadline = time.monotonic() + 60
    while any(sfn.describe_execution(executionArn=a)["status"] == "RUNNING" for a in arns):
        assert time.monotonic() < deadline, "executions did not finish"
        time.sleep(0.05)
    time.sleep(0.3)  # the stopped branch's task thread records its last events

    # then every history reads back, and a scheduled task carries its TimeoutSeconds
    for arn in arns:
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        assert events[-1]["type"] != "ExecutionStarted"
        for event in events:
            scheduled = event.get("lambdaFunctionScheduledEventDetails", {})
            assert scheduled.get("timeoutInSeconds", 60) == 60


def test_history_pages_reverses_and_leaves_out_execution_data_as_aws_does(role: str) -> None:
    # given an execution of 1 + 2 x 60 + 1 = 122 events (more than one default page)
    states: dict[str, dict[str, Any]] = {
        f"P{i}": {"Type": "Pass", "Result": {"i": i}, "ResultPath": "$.last", "Next": f"P{i + 1}"}
        for i in range(59)
    }
    states["P59"] = {"Type": "Pass", "End": True}
    described = run(role, {"StartAt": "P0", "States": states}, {"secret": "s3cr3t"})
    sfn = boto3.client("stepfunctions", region_name=REGION)
    arn = described["executionArn"]

    # when it is read with the defaults, the first page is AWS's default page of 100
    first = sfn.get_execution_history(executionArn=arn)
    assert len(first["events"]) == 100
    assert first["events"][0]["type"] == "ExecutionStarted"

    # and the rest follows the token, to the last event
    rest = sfn.get_execution_history(executionArn=arn, nextToken=first["nextToken"])
    assert "nextToken" not in rest
    events = first["events"] + rest["events"]
    assert [e["id"] for e in events] == list(range(1, 123))
    assert events[-1]["type"] == "ExecutionSucceeded"
    assert all(a["timestamp"] <= b["timestamp"] for a, b in itertools.pairwise(events))
    # each event's time is the moment it happened, between the execution's start and stop
    start, stop = described["startDate"], described["stopDate"]
    assert all(start - ONE_MS <= e["timestamp"] <= stop + ONE_MS for e in events), (start, stop)

    # reverseOrder lists the newest first
    newest = sfn.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=5)
    assert [e["id"] for e in newest["events"]] == [122, 121, 120, 119, 118]

    # the execution data is there by default, and left out when asked
    assert "s3cr3t" in json.dumps(events, default=str)
    slim = sfn.get_execution_history(executionArn=arn, maxResults=1000, includeExecutionData=False)[
        "events"
    ]
    assert "s3cr3t" not in json.dumps(slim, default=str)
    assert [(e["id"], e["type"]) for e in slim] == [(e["id"], e["type"]) for e in events]
    assert slim[1]["stateEnteredEventDetails"]["name"] == "P0"
    assert "input" not in slim[1]["stateEnteredEventDetails"]

    # a token that is not one is AWS's InvalidToken
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.get_execution_history(executionArn=arn, nextToken="bm90LWEtdG9rZW4=")
