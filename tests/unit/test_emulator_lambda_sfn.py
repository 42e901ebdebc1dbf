"""In-process Lambda (emulator.services.lambda_runtime) and modelled Step Functions time
(emulator.services.sfn_time, emulator.services.sfn_events).

The latency model here is simple on purpose: every API call 0.1 s, a cold start 1 s, a warm
invoke nothing, so each test states its modelled times exactly."""

from __future__ import annotations

import io
import itertools
import json
import os
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.config import DefaultConfig

from emulator import Emulator, LatencyModel
from emulator.faults import code_for
from emulator.services import lambda_runtime

HANDLERS = "tests.unit.emulator_fixture_handler"
REGION = "us-west-2"
API, COLD = 0.1, 1.0
TRANSITION = 0.01  # every state entered costs this (latency.sfn_transition_seconds)
LATENCY = LatencyModel(
    sfn_transition_seconds=TRANSITION,
    api_call_seconds=API,
    api_call_seconds_by_service={},
    lambda_invoke_seconds=0.0,
    lambda_runtime_init_seconds=COLD,
    imports={},
    default_import_seconds=0.0,
    lambda_async_queue_seconds=0.0,
)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "")
    return buffer.getvalue()


@pytest.fixture(params=[True, False], ids=["docker-backend", "simple-backend"])
def emu(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    config: DefaultConfig = {
        "core": {"reset_boto3_session": False},  # clients are built 10x faster
        "stepfunctions": {"execute_state_machine": True},
        "lambda": {"use_docker": request.param},
    }
    with mock_aws(config=config):
        emulator = Emulator.install(latency=LATENCY)
        try:
            yield emulator
        finally:
            emulator.uninstall()


@pytest.fixture
def role(emu: Emulator) -> str:
    iam = boto3.client("iam", region_name="us-east-1")
    return str(iam.create_role(RoleName="runner", AssumeRolePolicyDocument="{}")["Role"]["Arn"])


@pytest.fixture
def function(role: str) -> Callable[..., str]:
    def create(name: str, handler: str, region: str = REGION, timeout: int = 30, **env: str) -> str:
        client = boto3.client("lambda", region_name=region)
        created = client.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role,
            Handler=f"{HANDLERS}.{handler}",
            Code={"ZipFile": _zip()},
            Timeout=timeout,
            MemorySize=256,
            Environment={"Variables": env},
        )
        return str(created["FunctionArn"])

    return create


def run(role: str, definition: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = sfn.create_state_machine(
        name=f"m{time.monotonic_ns()}", definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps(payload))
    deadline = time.monotonic() + 60  # real seconds: generous under load, left as soon as done
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.01)
    raise AssertionError("execution did not finish")


def invoke(name: str, payload: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    response = boto3.client("lambda", region_name=REGION).invoke(
        FunctionName=name, Payload=json.dumps(payload)
    )
    return json.loads(response["Payload"].read()), response.get("FunctionError")


def test_invoke_runs_the_handler_in_process_with_its_environment(
    function: Callable[..., str],
) -> None:
    # given a function with an environment variable
    arn = function("echo", "echo", COLOUR="blue")
    region_before = os.environ.get("AWS_REGION")

    # when it is invoked
    result, error = invoke("echo", {"a": 1})

    # then the handler saw its event, environment and a Lambda-shaped context
    assert error is None
    assert result["event"] == {"a": 1}
    assert (result["region"], result["default_region"]) == (REGION, REGION)
    assert (result["colour"], result["trace_disabled"]) == ("blue", "1")
    assert result["function_env"] == result["function_name"] == "echo"
    assert result["arn"] == arn
    assert result["memory"] == 256
    assert 0 < result["remaining_ms"] <= 30_000
    assert result["request_id"]
    # and the process environment is restored
    assert os.environ.get("AWS_REGION") == region_before
    assert "COLOUR" not in os.environ
    assert "HANDLER_WAS_HERE" not in os.environ


def test_each_function_has_its_own_warm_execution_environment(
    function: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given isolated execution environments and two functions with the same handler module
    monkeypatch.setattr(lambda_runtime, "ISOLATE_EXECUTION_ENVIRONMENTS", True)
    function("one", "echo")
    function("two", "echo")

    # when they are invoked, then module state is per function and survives warm invokes
    assert invoke("one", {})[0]["invocations"] == 1
    assert invoke("one", {})[0]["invocations"] == 2
    assert invoke("two", {})[0]["invocations"] == 1


def test_exception_becomes_the_lambda_error_payload(function: Callable[..., str]) -> None:
    # given a handler that raises
    function("fail", "fail")

    # when invoked
    result, error = invoke("fail", {"who": "me"})

    # then Lambda's error payload names the exception class, starting at the handler frame
    assert error == "Unhandled"
    assert result["errorType"] == "QuotaExhausted"
    assert result["errorMessage"] == "no quota left for me"
    assert result["requestId"]
    assert "emulator_fixture_handler.py" in result["stackTrace"][0]


def test_handler_calls_reach_moto_in_the_function_region(function: Callable[..., str]) -> None:
    # given a handler that writes an SSM parameter with a default client
    function("writer", "put_parameter")

    # when invoked
    result, error = invoke("writer", {"name": "/shop/active", "value": REGION})

    # then the call went to the function's region in moto
    assert (error, result) == (None, {"region": REGION})
    ssm = boto3.client("ssm", region_name=REGION)
    assert ssm.get_parameter(Name="/shop/active")["Parameter"]["Value"] == REGION


def test_state_machine_runs_handlers_catches_by_class_name_and_waits_instantly(
    emu: Emulator, role: str, function: Callable[..., str]
) -> None:
    # given a machine: plain-ARN Task, an hour's Wait, a failing Task retried then caught
    echo = function("echo", "echo")
    fail = function("fail", "fail")
    definition = {
        "StartAt": "Echo",
        "States": {
            "Echo": {"Type": "Task", "Resource": echo, "ResultPath": "$.echo", "Next": "Hold"},
            "Hold": {"Type": "Wait", "Seconds": 3600, "Next": "Fail"},
            "Fail": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": fail, "Payload.$": "$"},
                "Retry": [
                    {
                        "ErrorEquals": ["QuotaExhausted"],
                        "IntervalSeconds": 10,
                        "MaxAttempts": 2,
                        "BackoffRate": 2.0,
                    }
                ],
                "Catch": [
                    {"ErrorEquals": ["QuotaExhausted"], "ResultPath": "$.error", "Next": "Done"}
                ],
                "End": True,
            },
            "Done": {"Type": "Pass", "End": True},
        },
    }
    started = time.monotonic()

    # when it runs
    described = run(role, definition, {"who": "me"})

    # then it finished in real milliseconds, advancing modelled time by 3600 + 10 + 20 s,
    # four Invoke calls (Echo, Fail x 3), two cold starts (each function's first invoke)
    # and four states entered (Echo, Hold, Fail, Done)
    assert time.monotonic() - started < 3
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["echo"]["event"] == {"who": "me"}
    assert output["error"]["Error"] == "QuotaExhausted"
    assert json.loads(output["error"]["Cause"])["errorMessage"] == "no quota left for me"
    assert emu.clock.now() == pytest.approx(3630 + 4 * API + 2 * COLD + 4 * TRANSITION)


def test_uncaught_handler_error_fails_the_execution_with_its_class_name(
    role: str, function: Callable[..., str]
) -> None:
    # given a machine whose only Task raises
    fail = function("fail", "fail")

    # when it runs, then the execution error is the Python exception's class name
    described = run(
        role, {"StartAt": "F", "States": {"F": {"Type": "Task", "Resource": fail, "End": True}}}, {}
    )
    assert (described["status"], described["error"]) == ("FAILED", "QuotaExhausted")


def test_unreachable_region_does_not_block_a_healthy_region_run(
    emu: Emulator, role: str, function: Callable[..., str]
) -> None:
    # given us-east-1 is unreachable
    emu.faults.unreachable_regions.add("us-east-1")
    echo = function("echo", "echo")

    # when a us-west-2 machine invokes a us-west-2 function, then it works
    described = run(
        role, {"StartAt": "E", "States": {"E": {"Type": "Task", "Resource": echo, "End": True}}}, {}
    )
    assert described["status"] == "SUCCEEDED", described


def test_lambda_service_errors_are_named_for_retry(
    emu: Emulator, role: str, function: Callable[..., str]
) -> None:
    # given the next Invoke is throttled and a function in an unreachable region
    echo = function("echo", "echo")
    far = function("far", "echo", region="us-east-1")
    emu.faults.fail("lambda", "Invoke", "TooManyRequestsException", "Rate exceeded")
    emu.faults.unreachable_regions.add("us-east-1")
    retry = {"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 2}
    definition = {
        "StartAt": "Near",
        "States": {
            "Near": {"Type": "Task", "Resource": echo, "Retry": [retry], "Next": "Far"},
            "Far": {
                "Type": "Task",
                "Resource": far,
                "Catch": [
                    {
                        "ErrorEquals": ["Lambda.SdkClientException"],
                        "ResultPath": "$.e",
                        "Next": "Done",
                    }
                ],
                "End": True,
            },
            "Done": {"Type": "Pass", "End": True},
        },
    }

    # when it runs, then the throttle was retried and the unreachable call caught by name
    described = run(role, definition, {})
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"])["e"]["Error"] == "Lambda.SdkClientException"
    # the throttled call, the 2 s retry interval, the invoke that ran (cold), then Step
    # Functions' own connect timeout to the unreachable region (one attempt); three states
    # entered (Near, Far, Done)
    connect = emu.latency.sfn_integration_connect_timeout_seconds
    assert emu.clock.now() == pytest.approx(API + 2 + API + COLD + connect + 3 * TRANSITION)


def history(arn: str) -> list[Any]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    return list(sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"])


def parameter(name: str, within: float = 30.0) -> str | None:
    """An SSM parameter's value, waiting (real time) for a late write to land."""
    ssm = boto3.client("ssm", region_name=REGION)
    deadline = time.monotonic() + within
    while True:
        try:
            return str(ssm.get_parameter(Name=name)["Parameter"]["Value"])
        except ssm.exceptions.ParameterNotFound:
            if time.monotonic() > deadline:
                return None
            time.sleep(0.01)


def seconds_between(start: Any, end: Any) -> float:
    return float((end - start).total_seconds())


def test_a_handler_sleeps_in_modelled_time(emu: Emulator, function: Callable[..., str]) -> None:
    # given a handler that sleeps a modelled minute before it writes
    function("sleeper", "sleep_then_put", timeout=90)
    started = time.monotonic()

    # when it is invoked
    result, error = invoke("sleeper", {"seconds": 60, "name": "/t/slept"})

    # then it took 60 modelled seconds (its monotonic clock agrees) and no real minute
    assert error is None
    assert result["ended"] - result["began"] == pytest.approx(60 + API)
    assert time.monotonic() - started < 5
    assert emu.clock.now() == pytest.approx(COLD + 60 + API)


def test_a_function_timeout_is_sandbox_timedout_and_the_handler_lands_later(
    emu: Emulator, role: str, function: Callable[..., str]
) -> None:
    # given a function with a 5 s timeout whose handler sleeps 8 s, then writes a parameter
    slow = function("slow", "sleep_then_put", timeout=5)
    definition = {
        "StartAt": "Slow",
        "States": {
            "Slow": {
                "Type": "Task",
                "Resource": slow,
                "Parameters": {"seconds": 8, "name": "/t/late"},
                "Catch": [{"ErrorEquals": ["Sandbox.Timedout"], "ResultPath": "$.e", "Next": "Ok"}],
                "End": True,
            },
            "Ok": {"Type": "Pass", "End": True},
        },
    }

    # when the state machine runs it
    described = run(role, definition, {})

    # then Step Functions saw Lambda's timeout error, at the function's deadline
    assert described["status"] == "SUCCEEDED", described
    caught = json.loads(described["output"])["e"]
    assert caught["Error"] == "Sandbox.Timedout"
    cause = json.loads(caught["Cause"])
    assert cause["errorType"] == "Sandbox.Timedout"
    assert cause["errorMessage"].endswith("Error: Task timed out after 5.00 seconds")
    failed = next(e for e in history(described["executionArn"]) if "Failed" in e["type"])
    started = next(e for e in history(described["executionArn"]) if e["type"] == "TaskStateEntered")
    assert seconds_between(started["timestamp"], failed["timestamp"]) == pytest.approx(
        API + COLD + 5, abs=0.01
    )
    # and the handler ran on: its write landed after the execution had ended
    written = parameter("/t/late")
    assert written is not None
    assert datetime.fromisoformat(written) > described["stopDate"]


def test_parallel_branches_invoke_concurrently_and_keep_their_own_time(
    emu: Emulator, role: str, function: Callable[..., str]
) -> None:
    # given two branches, each invoking a handler that sleeps 30 s
    sleeper = function("sleeper", "sleep_then_put", timeout=60)

    def branch(name: str) -> dict[str, Any]:
        return {
            "StartAt": name,
            "States": {
                name: {
                    "Type": "Task",
                    "Resource": sleeper,
                    "Parameters": {"seconds": 30, "name": f"/t/{name}"},
                    "End": True,
                }
            },
        }

    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {"Type": "Parallel", "Branches": [branch("a"), branch("b")], "End": True}
        },
    }

    # when it runs
    described = run(role, definition, {})

    # then the two handlers overlapped in modelled time, and the Parallel state took one
    # branch's time (two cold starts side by side), not the sum
    assert described["status"] == "SUCCEEDED", described
    a, b = json.loads(described["output"])
    assert a["began"] < b["ended"]
    assert b["began"] < a["ended"]
    events = history(described["executionArn"])
    entered = next(e for e in events if e["type"] == "ParallelStateEntered")
    exited = next(e for e in events if e["type"] == "ParallelStateExited")
    assert seconds_between(entered["timestamp"], exited["timestamp"]) == pytest.approx(
        API + COLD + 30 + API, abs=0.01
    )


def test_map_iterations_invoke_concurrently_and_keep_their_own_time(
    emu: Emulator, role: str, function: Callable[..., str]
) -> None:
    # given an inline Map of three items, each invoking a handler that sleeps 30 s
    sleeper = function("sleeper", "sleep_then_put", timeout=60)
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "QueryLanguage": "JSONata",
                "Items": ["a", "b", "c"],
                "MaxConcurrency": 0,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Sleep",
                    "States": {
                        "Sleep": {
                            "Type": "Task",
                            "QueryLanguage": "JSONata",
                            "Resource": sleeper,
                            "Arguments": {"seconds": 30, "name": "{% '/t/' & $states.input %}"},
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    }

    # when it runs
    described = run(role, definition, {})

    # then the iterations overlapped in modelled time: the Map took one iteration's time (three
    # cold starts side by side), not the sum
    assert described["status"] == "SUCCEEDED", described
    outputs = json.loads(described["output"])
    assert len(outputs) == 3
    assert max(o["began"] for o in outputs) < min(o["ended"] for o in outputs)
    events = history(described["executionArn"])
    entered = next(e for e in events if e["type"] == "MapStateEntered")
    exited = next(e for e in events if e["type"] == "MapStateExited")
    assert seconds_between(entered["timestamp"], exited["timestamp"]) == pytest.approx(
        API + COLD + 30 + API, abs=0.01
    )


def test_a_cancelled_branch_keeps_running_and_its_call_lands_after_the_run_failed(
    emu: Emulator, role: str, function: Callable[..., str]
) -> None:
    # given a Parallel whose first branch fails after 1 s while the second's handler is
    # still sleeping before its write
    fail = function("fail", "fail")
    sleeper = function("sleeper", "sleep_then_put")
    definition = {
        "StartAt": "Act",
        "States": {
            "Act": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Pause",
                        "States": {
                            "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Fail"},
                            "Fail": {"Type": "Task", "Resource": fail, "End": True},
                        },
                    },
                    {
                        "StartAt": "Write",
                        "States": {
                            "Write": {
                                "Type": "Task",
                                "Resource": sleeper,
                                "Parameters": {"seconds": 20, "name": "/t/cancelled"},
                                "End": True,
                            }
                        },
                    },
                ],
                "End": True,
            }
        },
    }

    # when it runs, then the execution fails with the first branch's error
    described = run(role, definition, {})
    assert (described["status"], described["error"]) == ("FAILED", "QuotaExhausted")

    # and the cancelled branch's handler still wrote, after the run had ended
    written = parameter("/t/cancelled")
    assert written is not None
    assert datetime.fromisoformat(written) > described["stopDate"]


def test_an_async_invoke_is_accepted_at_once_retried_twice_then_sent_to_its_destination(
    emu: Emulator, function: Callable[..., str]
) -> None:
    # given a failing function whose asynchronous failures go to a queue
    function("fail", "fail")
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="failures")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    lam = boto3.client("lambda", region_name=REGION)
    lam.put_function_event_invoke_config(
        FunctionName="fail", DestinationConfig={"OnFailure": {"Destination": queue_arn}}
    )

    # when it is invoked asynchronously
    accepted = lam.invoke(FunctionName="fail", InvocationType="Event", Payload=b'{"who": "x"}')

    # then Lambda accepted it at once, and the failure record arrives after three attempts
    assert accepted["StatusCode"] == 202
    deadline = time.monotonic() + 60
    messages: list[Any] = []
    while not messages and time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=queue).get("Messages", [])
    (message,) = messages
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"who": "x"}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "QuotaExhausted"
    # and the attempts were one and two modelled minutes apart (the documented delays)
    logs = boto3.client("logs", region_name=REGION)
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/fail")["logStreams"]
    starts = sorted(
        event["timestamp"]
        for stream in streams
        for event in logs.get_log_events(
            logGroupName="/aws/lambda/fail", logStreamName=stream["logStreamName"]
        )["events"]
        if event["message"].startswith("START")
    )
    assert [b - a for a, b in itertools.pairwise(starts)] == [60_000, 120_000]


def test_emf_lines_become_high_resolution_datapoints_at_their_modelled_time(
    emu: Emulator, function: Callable[..., str]
) -> None:
    # given a handler that prints one Embedded Metric Format line
    function("metrics", "emit_metric")
    emu.clock.advance(100)

    # when it is invoked
    result, error = invoke("metrics", {"value": 0})

    # then CloudWatch holds the datapoint, stamped at the modelled time it was printed
    assert (error, result) == (None, {"printed": True})
    printed_at = emu.utcnow()
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    found = cloudwatch.get_metric_statistics(
        Namespace="Drill",
        MetricName="Probe",
        Dimensions=[{"Name": "Region", "Value": REGION}],
        StartTime=printed_at - timedelta(seconds=5),
        EndTime=printed_at + timedelta(seconds=5),
        Period=1,
        Statistics=["Minimum"],
    )["Datapoints"]
    assert [point["Minimum"] for point in found] == [0.0]
    # and the line is in the function's log group, between START and REPORT
    logs = boto3.client("logs", region_name=REGION)
    (stream,) = logs.describe_log_streams(logGroupName="/aws/lambda/metrics")["logStreams"]
    lines = [
        event["message"]
        for event in logs.get_log_events(
            logGroupName="/aws/lambda/metrics", logStreamName=stream["logStreamName"]
        )["events"]
    ]
    assert lines[0].startswith("START")
    assert lines[-1].startswith("REPORT")
    assert '"_aws"' in lines[1]
    assert "Init Duration: 1000.00 ms" in lines[-1]


def test_executions_send_their_status_changes_to_eventbridge_as_aws_shapes_them(
    emu: Emulator, role: str, function: Callable[..., str]
) -> None:
    # given a rule on the default bus that forwards Step Functions status changes to a queue
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="runs")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events = boto3.client("events", region_name=REGION)
    pattern = {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"status": ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]},
    }
    events.put_rule(Name="runs", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="runs", Targets=[{"Id": "q", "Arn": queue_arn}])
    fail = function("fail", "fail")

    # when one execution fails
    described = run(
        role,
        {"StartAt": "F", "States": {"F": {"Type": "Task", "Resource": fail, "End": True}}},
        {"a": 1},
    )

    # then, once EventBridge delivered it, one event arrived, shaped as Step Functions sends it
    emu.clock.advance(emu.latency.eventbridge_delivery_seconds)
    (message,) = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    event = json.loads(message["Body"])
    assert (event["source"], event["detail-type"]) == (
        "aws.states",
        "Step Functions Execution Status Change",
    )
    assert (event["region"], event["resources"]) == (REGION, [described["executionArn"]])
    detail = event["detail"]
    assert detail["executionArn"] == described["executionArn"]
    assert detail["stateMachineArn"] == described["stateMachineArn"]
    assert (detail["status"], detail["error"]) == ("FAILED", "QuotaExhausted")
    assert json.loads(detail["cause"])["errorType"] == "QuotaExhausted"
    assert json.loads(detail["input"]) == {"a": 1}
    assert detail["output"] is None
    assert detail["startDate"] == int(described["startDate"].timestamp() * 1000)
    assert detail["stopDate"] == int(described["stopDate"].timestamp() * 1000)
    assert detail["stopDate"] - detail["startDate"] == round((API + COLD + TRANSITION) * 1000)
    assert detail["redriveStatus"] == "REDRIVABLE"


def test_state_and_machine_timeouts_are_modelled_seconds(
    emu: Emulator, role: str, function: Callable[..., str]
) -> None:
    # given a Task whose state allows 3 s for a handler that needs 10 s, then an hour's Wait
    # in a machine that allows two minutes
    slow = function("slow", "sleep_then_put")
    definition = {
        "StartAt": "Slow",
        "TimeoutSeconds": 120,
        "States": {
            "Slow": {
                "Type": "Task",
                "Resource": slow,
                "Parameters": {"seconds": 10, "name": "/t/timeout"},
                "TimeoutSeconds": 3,
                "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.e", "Next": "Hold"}],
                "End": True,
            },
            "Hold": {"Type": "Wait", "Seconds": 3600, "End": True},
        },
    }
    started = time.monotonic()

    # when it runs
    described = run(role, definition, {})

    # then the state timed out after 3 modelled seconds and the execution after 120, in far
    # less real time than 120 s (a loose bound: the machine may be loaded)
    assert time.monotonic() - started < 30
    assert described["status"] == "TIMED_OUT", described
    events = history(described["executionArn"])
    entered = next(e for e in events if e["type"] == "TaskStateEntered")
    timed_out = next(e for e in events if e["type"] == "LambdaFunctionTimedOut")
    assert timed_out["lambdaFunctionTimedOutEventDetails"]["error"] == "States.Timeout"
    assert seconds_between(entered["timestamp"], timed_out["timestamp"]) == pytest.approx(3)
    assert seconds_between(described["startDate"], described["stopDate"]) == pytest.approx(120)


def test_a_fault_scoped_to_a_function_fails_only_that_functions_calls(
    emu: Emulator, function: Callable[..., str]
) -> None:
    # given two functions making the same call, and a persistent fault on one of them
    function("writer", "put_parameter")
    function("bystander", "put_parameter")
    emu.faults.fail("*", "*", "AccessDeniedException", count=None, caller="writer")

    # when both are invoked, and test code makes the call itself
    failed, failed_error = invoke("writer", {"name": "/a", "value": "x"})
    worked, worked_error = invoke("bystander", {"name": "/b", "value": "y"})
    boto3.client("ssm", region_name=REGION).put_parameter(Name="/c", Value="z", Type="String")

    # then only the scoped function's call was denied, named as the service names it
    assert failed_error == "Unhandled"
    assert "AccessDeniedException" in failed["errorMessage"]
    assert (worked_error, worked) == (None, {"region": REGION})
    assert parameter("/a", within=0) is None
    assert parameter("/b") == "y"


def test_a_fault_scoped_to_a_task_state_fails_only_that_states_integration(
    emu: Emulator, role: str
) -> None:
    # given a machine whose two Task states make the same native call
    boto3.client("sns", region_name=REGION).create_topic(Name="t")
    topic = f"arn:aws:sns:{REGION}:123456789012:t"
    publish = {"Type": "Task", "Resource": "arn:aws:states:::sns:publish"}
    definition = {
        "StartAt": "First",
        "States": {
            "First": {**publish, "Parameters": {"TopicArn": topic, "Message": "1"}}
            | {"Next": "Second"},
            "Second": {**publish, "Parameters": {"TopicArn": topic, "Message": "2"}}
            | {"End": True},
        },
    }
    # and an unreachable endpoint for the second state only
    emu.faults.fail("*", "*", "unreachable", count=None, caller="Second")

    # when it runs
    described = run(role, definition, {})

    # then the first state published, the second could not connect (States.TaskFailed-style)
    assert described["status"] == "FAILED"
    events = history(described["executionArn"])
    failed = [e for e in events if e["type"] == "TaskFailed"]
    succeeded = [e for e in events if e["type"] == "TaskSucceeded"]
    assert len(succeeded) == 1
    assert len(failed) == 1
    assert "Could not connect" in failed[0]["taskFailedEventDetails"].get("cause", "")


def test_a_fault_scoped_to_one_tasks_handler_spares_other_tasks_invoking_the_same_function(
    emu: Emulator, role: str, function: Callable[..., str]
) -> None:
    # given two Task states invoking the same function, and a denial for the second's work
    arn = function("writer", "put_parameter")
    definition = {
        "StartAt": "First",
        "States": {
            "First": {"Type": "Task", "Resource": arn, "Next": "Second"}
            | {"Parameters": {"name": "/first", "value": "1"}, "ResultPath": None},
            "Second": {"Type": "Task", "Resource": arn, "End": True}
            | {"Parameters": {"name": "/second", "value": "2"}},
        },
    }
    emu.faults.fail("*", "*", "denied", count=None, caller="Second/writer")

    # when it runs
    described = run(role, definition, {})

    # then the first Task's call landed and the second's was denied, as SSM names a denial
    assert described["status"] == "FAILED"
    assert "AccessDeniedException" in described["cause"]
    assert parameter("/first") == "1"
    assert parameter("/second", within=0) is None


@pytest.mark.parametrize(
    ("kind", "service", "code"),
    [
        ("throttled", "ssm", "ThrottlingException"),
        ("throttled", "sns", "Throttling"),
        ("throttled", "lambda", "TooManyRequestsException"),
        ("denied", "rds", "AccessDenied"),
        ("denied", "dynamodb", "AccessDeniedException"),
        ("server-error", "globalaccelerator", "InternalFailure"),
        ("server-error", "dynamodb", "InternalServerError"),
    ],
)
def test_a_kind_of_error_is_named_as_each_service_names_it(
    kind: str, service: str, code: str
) -> None:
    assert code_for(kind, service) == code
