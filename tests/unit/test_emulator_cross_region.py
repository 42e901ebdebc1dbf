"""A call from one Region to another pays a modelled round trip, and a cut-off Region reaches
no other (emulator.core ``_on_call``, emulator.latency ``cross_region_round_trip_seconds``).

The caller's Region is a Lambda function's own (its ``AWS_REGION``) or, for a Step Functions
Task's integration, the state machine's; test code has none and pays nothing extra. The latency
model is simple on purpose (every API call 0.1 s, no cold start), so each test states its
modelled seconds exactly."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from failover import geography
from moto import mock_aws
from moto.core.config import DefaultConfig

from emulator import Emulator, LatencyModel
from emulator.clock import ActorThread

HANDLERS = "tests.unit.emulator_fixture_handler"
ACCOUNT = "123456789012"
API = 0.1
LATENCY = LatencyModel(
    api_call_seconds=API,
    api_call_seconds_by_service={},
    lambda_invoke_seconds=0.0,
    lambda_runtime_init_seconds=0.0,
    imports={},
    default_import_seconds=0.0,
    lambda_async_queue_seconds=0.0,
    sfn_transition_seconds=0.0,
)
MOTO: DefaultConfig = {
    "core": {"reset_boto3_session": False},
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with mock_aws(config=MOTO):
        emulator = Emulator.install(latency=LATENCY)
        try:
            yield emulator
        finally:
            emulator.uninstall()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "")
    return buffer.getvalue()


@pytest.fixture
def role(emu: Emulator) -> str:
    iam = boto3.client("iam", region_name="us-east-1")
    return str(iam.create_role(RoleName="runner", AssumeRolePolicyDocument="{}")["Role"]["Arn"])


@pytest.fixture
def function(role: str) -> Callable[[str, str], str]:
    def create(name: str, region: str) -> str:
        created = boto3.client("lambda", region_name=region).create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role,
            Handler=f"{HANDLERS}.put_parameter_in",
            Code={"ZipFile": _zip()},
            Timeout=60,
            MemorySize=1769,
        )
        return str(created["FunctionArn"])

    return create


def invoke(name: str, region: str, payload: dict[str, Any]) -> dict[str, Any]:
    response = boto3.client("lambda", region_name=region).invoke(
        FunctionName=name, Payload=json.dumps(payload)
    )
    assert "FunctionError" not in response, response
    found: dict[str, Any] = json.loads(response["Payload"].read())
    return found


def test_a_lambda_pays_the_round_trip_to_another_region_and_none_in_its_own(
    function: Callable[[str, str], str],
) -> None:
    # given a function in eu-west-1
    function("writer", "eu-west-1")
    floor = geography.round_trip_floor_seconds("eu-west-1", "us-east-1")

    # when it writes in its own region, then in us-east-1
    own = invoke("writer", "eu-west-1", {"region": "eu-west-1", "name": "/own"})
    far = invoke("writer", "eu-west-1", {"region": "us-east-1", "name": "/far"})

    # then the far call cost the pair's fibre floor on top (the floor model's factor is 1)
    assert (own["error"], far["error"]) == (None, None)
    assert own["waited"] == pytest.approx(API)
    assert far["waited"] == pytest.approx(API + floor)
    assert 0.05 < floor < 0.06  # Dublin - Northern Virginia, about 5,450 km
    # and both writes landed where they were sent
    ssm = boto3.client("ssm", region_name="us-east-1")
    assert ssm.get_parameter(Name="/far")["Parameter"]["Value"] == "v"


def test_test_code_on_an_actor_pays_no_round_trip(emu: Emulator) -> None:
    # given code on an actor thread that is neither a Lambda function nor a Task
    took: list[float] = []

    def call() -> None:
        began = emu.clock.now()
        boto3.client("ssm", region_name="ap-southeast-2").describe_parameters()
        took.append(emu.clock.now() - began)

    # when it calls a far region
    actor = ActorThread(target=call, name="tester")
    actor.start()
    actor.join(timeout=30)

    # then it paid the call only
    assert took == [pytest.approx(API)]


def run_machine(
    emu: Emulator, role: str, states: dict[str, Any], cut_off: str | None = None
) -> tuple[str, list[Any]]:
    """Run a us-west-2 state machine that first waits 10 s; ``cut_off`` is cut off during the
    wait (the machine runs on inside its region). Its status and history."""
    sfn = boto3.client("stepfunctions", region_name="us-west-2")
    definition = {
        "StartAt": "Wait",
        "States": {"Wait": {"Type": "Wait", "Seconds": 10, "Next": next(iter(states))}, **states},
    }
    machine = sfn.create_state_machine(name="m", definition=json.dumps(definition), roleArn=role)[
        "stateMachineArn"
    ]
    with emu.clock.held():
        execution = sfn.start_execution(stateMachineArn=machine)["executionArn"]
        if cut_off is not None:
            emu.faults.unreachable_regions.add(cut_off)
    from moto.stepfunctions.responses import get_backend

    backend = get_backend(ACCOUNT, "us-west-2")  # read inside the region: no API call
    deadline = time.monotonic() + 60
    while backend.describe_execution(execution).status == "RUNNING":
        assert time.monotonic() < deadline, "execution did not finish"
        time.sleep(0.01)
    emu.faults.unreachable_regions.clear()  # the run is over: test code reads it
    status = sfn.describe_execution(executionArn=execution)["status"]
    events = sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]
    return status, list(events)


def task_seconds(events: list[Any]) -> list[float]:
    """Each Task's modelled seconds, from TaskStarted to its end."""
    started = [e["timestamp"] for e in events if e["type"] == "TaskStarted"]
    ended = [e["timestamp"] for e in events if e["type"] in ("TaskSucceeded", "TaskFailed")]
    return [(b - a).total_seconds() for a, b in zip(started, ended, strict=True)]


SDK = "arn:aws:states:::aws-sdk"
OWN_REGION = {"Type": "Task", "Resource": f"{SDK}:ssm:describeParameters", "Parameters": {}}
GLOBAL = {"Type": "Task", "Resource": f"{SDK}:route53:listHostedZones", "Parameters": {}}


def test_a_task_integration_leaves_from_its_state_machine_region(emu: Emulator, role: str) -> None:
    # given a us-west-2 state machine whose Tasks call SSM (its own region) and Route 53
    # (a global service, served from us-east-1)
    states = {"Own": OWN_REGION | {"Next": "Global"}, "Global": GLOBAL | {"End": True}}

    # when it runs
    status, events = run_machine(emu, role, states)

    # then the Route 53 call paid the us-west-2 <-> us-east-1 round trip, the SSM call none
    assert status == "SUCCEEDED"
    hop = geography.round_trip_floor_seconds("us-west-2", "us-east-1")
    # (history timestamps are milliseconds)
    assert task_seconds(events) == [
        pytest.approx(API, abs=1e-3),
        pytest.approx(API + hop, abs=1e-3),
    ]


def test_a_task_in_a_cut_off_region_reaches_no_other_region(emu: Emulator, role: str) -> None:
    # given a us-west-2 state machine calling Route 53 (us-east-1), and us-west-2 cut off while
    # it runs
    states = {"Global": GLOBAL | {"End": True}}

    # when it runs
    status, events = run_machine(emu, role, states, cut_off="us-west-2")

    # then the call failed as a dead endpoint does, after Step Functions' connect timeout
    assert status == "FAILED"
    failed = [e for e in events if e["type"] == "TaskFailed"]
    assert len(failed) == 1
    assert "Could not connect" in failed[0]["taskFailedEventDetails"].get("cause", "")
    assert task_seconds(events) == [
        pytest.approx(emu.latency.sfn_integration_connect_timeout_seconds, abs=1e-3)
    ]


def test_a_lambda_in_a_cut_off_region_reaches_no_other_region(
    emu: Emulator, function: Callable[[str, str], str]
) -> None:
    # given a function in us-west-2, and us-west-2 cut off
    function("writer", "us-west-2")
    emu.faults.unreachable_regions.add("us-west-2")

    # when it writes in its own region and in us-east-1
    own = invoke_despite_the_cut("writer", {"region": "us-west-2", "name": "/own"}, emu)
    far = invoke_despite_the_cut("writer", {"region": "us-east-1", "name": "/far"}, emu)

    # then both fail as a dead endpoint does, after the client's connect timeout (5 s, 1 try)
    assert own == {"error": "EndpointConnectionError", "waited": pytest.approx(5.0)}
    assert far == {"error": "EndpointConnectionError", "waited": pytest.approx(5.0)}
    # and nothing landed in us-east-1, which test code still reaches
    ssm = boto3.client("ssm", region_name="us-east-1")
    assert ssm.describe_parameters()["Parameters"] == []


def invoke_despite_the_cut(name: str, payload: dict[str, Any], emu: Emulator) -> dict[str, Any]:
    """Run a function of a cut-off region as its own region's schedule or rule would: inside
    the region (the Lambda service itself, no API call from outside)."""
    from moto.awslambda.utils import get_backend

    moto_function = get_backend(ACCOUNT, "us-west-2").get_function(name)
    result = emu.service("lambda").invoke(moto_function, payload)
    assert not result.errored, result.payload
    found: dict[str, Any] = json.loads(result.payload)
    return found
