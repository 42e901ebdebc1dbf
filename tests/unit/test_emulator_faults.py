"""Fault injection: failing calls and unreachable regions, for every boto3 client."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from emulator import ActorThread, Emulator

# Keep boto3's default session between tests: clients are built 10x faster.


@pytest.fixture
def ssm(emu: Emulator) -> Any:
    client = boto3.client("ssm", region_name="us-west-2")
    client.put_parameter(Name="/shop/active", Value="us-east-1", Type="String")
    return client


def code_of(call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_throttling_fails_the_next_count_calls_only(emu: Emulator, ssm: Any) -> None:
    # given two throttled GetParameter calls
    emu.faults.fail("ssm", "GetParameter", "ThrottlingException", "Rate exceeded", count=2)

    # when called three times, then the first two are throttled (400) and the third works
    def call() -> Any:
        return ssm.get_parameter(Name="/shop/active")

    assert code_of(call) == ("ThrottlingException", 400)
    assert code_of(call) == ("ThrottlingException", 400)
    assert call()["Parameter"]["Value"] == "us-east-1"
    # other operations were never affected
    assert ssm.describe_parameters()["Parameters"]


def test_modelled_error_codes_raise_the_modelled_exception(emu: Emulator) -> None:
    # given an injected modelled GA error
    emu.faults.fail("globalaccelerator", "ListListeners", "InternalServiceErrorException")
    ga = boto3.client("globalaccelerator", region_name="us-west-2")
    arn = (
        "arn:aws:globalaccelerator::123456789012:accelerator/"
        + "0" * 8
        + "-0000" * 3
        + "-"
        + "0" * 12
    )

    # then the client raises that exception class, as a 5xx, once
    with pytest.raises(ga.exceptions.InternalServiceErrorException) as caught:
        ga.list_listeners(AcceleratorArn=arn)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    with pytest.raises(ga.exceptions.AcceleratorNotFoundException):
        ga.list_listeners(AcceleratorArn=arn)


def test_every_call_fails_until_cleared_and_region_scoping(emu: Emulator) -> None:
    # given ECS UpdateService unavailable in us-east-1 only, for every call
    emu.faults.fail(
        "ecs", "ListClusters", "ServiceUnavailableException", count=None, region="us-east-1"
    )
    east = boto3.client("ecs", region_name="us-east-1")
    west = boto3.client("ecs", region_name="us-west-2")

    # then us-east-1 keeps failing with a 5xx, us-west-2 works, and clear() ends it
    for _ in range(3):
        assert code_of(east.list_clusters)[0] == "ServiceUnavailableException"
    assert west.list_clusters()["clusterArns"] == []
    emu.faults.clear()
    assert east.list_clusters()["clusterArns"] == []


def test_unreachable_region_cannot_be_connected_to(emu: Emulator, ssm: Any) -> None:
    # given us-east-1 is unreachable
    emu.faults.unreachable_regions.add("us-east-1")

    # then its endpoints cannot be reached, other regions can
    with pytest.raises(EndpointConnectionError, match=r"ssm\.us-east-1\.amazonaws\.com"):
        boto3.client("ssm", region_name="us-east-1").get_parameter(Name="/x")
    assert ssm.get_parameter(Name="/shop/active")["Parameter"]["Value"] == "us-east-1"


def test_route53_counts_as_us_east_1(emu: Emulator) -> None:
    # given us-east-1 is unreachable
    emu.faults.unreachable_regions.add("us-east-1")

    # then Route 53 is unreachable from a client in any region
    with pytest.raises(EndpointConnectionError, match=r"route53\.amazonaws\.com"):
        boto3.client("route53", region_name="us-west-2").list_hosted_zones()


def test_fail_rejects_unknown_operations(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="UpdateEndpointGroups"):
        emu.faults.fail("globalaccelerator", "UpdateEndpointGroups", "ThrottlingException")


def test_faults_reach_clients_created_by_the_step_functions_interpreter(
    emu: Emulator, ssm: Any
) -> None:
    # given a machine reading a parameter through the AWS SDK integration
    emu.faults.fail("ssm", "GetParameter", "InternalServerError", "boom")
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    sfn = boto3.client("stepfunctions", region_name="us-west-2")
    definition = {
        "StartAt": "Read",
        "States": {
            "Read": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:ssm:getParameter",
                "Parameters": {"Name": "/shop/active"},
                "End": True,
            }
        },
    }
    machine = sfn.create_state_machine(
        name="read", definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]

    # when it runs
    arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    described = sfn.describe_execution(executionArn=arn)
    while described["status"] == "RUNNING":
        time.sleep(0.01)
        described = sfn.describe_execution(executionArn=arn)

    # then the task failed with the injected error, named as Step Functions names it
    assert described["status"] == "FAILED"
    assert described["error"] == "Ssm.InternalServerErrorException"
    assert "boom" in described["cause"]


def call_as_actor(emu: Emulator, call: Any) -> dict[str, Any]:
    """Run ``call`` on an actor (as a handler would) and wait for it; what it saw, and when."""
    outcome: dict[str, Any] = {}

    def actor() -> None:
        began = emu.clock.now()
        try:
            outcome["result"] = call()
        except Exception as error:  # noqa: BLE001 - the test reads what the caller saw
            outcome["error"] = type(error).__name__
        outcome["took"] = emu.clock.now() - began

    thread = ActorThread(target=actor, daemon=True)
    thread.start()
    thread.join()
    return outcome


def version(name: str) -> int | None:
    ssm = boto3.client("ssm", region_name="us-west-2")
    try:
        return int(ssm.get_parameter(Name=name)["Parameter"]["Version"])
    except ssm.exceptions.ParameterNotFound:
        return None


def test_a_slow_call_lands_late_and_its_caller_waits_for_it(emu: Emulator) -> None:
    # given SSM writes that are processed 5 modelled seconds late
    emu.faults.slow("ssm", "PutParameter", 5)
    ssm = boto3.client("ssm", region_name="us-west-2", config=Config(read_timeout=10))
    latency = emu.latency.api_call("ssm")

    # when a handler writes (time held between the test's looks)
    with emu.clock.held():
        seen = call_as_actor(
            emu, lambda: ssm.put_parameter(Name="/p", Value="v", Type="String")["Version"]
        )

        # then the call took its latency plus the 5 s, and it had landed when it returned
        assert seen == {"result": 1, "took": pytest.approx(latency + 5)}
        assert version("/p") == 1


def test_past_the_read_timeout_the_caller_gives_up_and_every_attempt_lands_later(
    emu: Emulator,
) -> None:
    # given SSM writes processed 30 s late, and a client that waits 10 s, twice
    emu.faults.slow("ssm", "PutParameter", 30)
    ssm = boto3.client(
        "ssm",
        region_name="us-west-2",
        config=Config(read_timeout=10, retries={"total_max_attempts": 2}),
    )
    latency = emu.latency.api_call("ssm")

    with emu.clock.held():
        # when a handler writes
        seen = call_as_actor(
            emu,
            lambda: ssm.put_parameter(Name="/p", Value="v", Type="String", Overwrite=True),
        )

        # then it gave up after two read timeouts, with nothing written yet
        assert seen == {"error": "ReadTimeoutError", "took": pytest.approx(latency + 20)}
        assert version("/p") is None
        # and each attempt landed 30 s after it was sent: at 30 s, then at 40 s
        emu.clock.advance(30 - 20 + 1)
        assert version("/p") == 1
        emu.clock.advance(10)
        assert version("/p") == 2


def test_an_unreachable_region_costs_the_connect_timeout_of_every_attempt(
    emu: Emulator,
) -> None:
    # given us-west-2 unreachable and a client that tries three times, 2 s each
    emu.faults.unreachable_regions.add("us-west-2")
    ssm = boto3.client(
        "ssm",
        region_name="us-west-2",
        config=Config(connect_timeout=2, retries={"total_max_attempts": 3}),
    )

    # when a handler calls it, then it fails after 3 x 2 modelled seconds
    with emu.clock.held():
        seen = call_as_actor(emu, lambda: ssm.get_parameter(Name="/p"))
    assert seen == {"error": "EndpointConnectionError", "took": pytest.approx(6)}
