"""In-process Lambda (emulator.services.lambda_runtime) and modelled Step Functions time
(emulator.services.sfn_time)."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.config import DefaultConfig

from emulator import Emulator, ManualClock
from emulator.services import lambda_runtime

HANDLERS = "tests.unit.emulator_fixture_handler"
REGION = "us-west-2"


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
        emulator = Emulator.install(clock=ManualClock())
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
    def create(name: str, handler: str, region: str = REGION, **env: str) -> str:
        client = boto3.client("lambda", region_name=region)
        created = client.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role,
            Handler=f"{HANDLERS}.{handler}",
            Code={"ZipFile": _zip()},
            Timeout=30,
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
    deadline = time.monotonic() + 5
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

    # then it finished in real milliseconds, advancing modelled time by 3600 + 10 + 20 s
    # plus the modelled duration of its 4 Lambda tasks (Echo, Fail x 3)
    assert time.monotonic() - started < 3
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["echo"]["event"] == {"who": "me"}
    assert output["error"]["Error"] == "QuotaExhausted"
    assert json.loads(output["error"]["Cause"])["errorMessage"] == "no quota left for me"
    assert emu.clock.now() == pytest.approx(3630 + 4 * emu.latency.lambda_task_seconds)


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
    # the 2 s retry interval plus the one invoke that ran (the throttled one never did)
    assert emu.clock.now() == pytest.approx(2 + emu.latency.lambda_task_seconds)
