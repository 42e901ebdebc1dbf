"""IAM stays proven: every AWS call each function makes is allowed by that function's role.

One estate runs the representative runs (an automatic failover, a planned failback run by
the other region's copy, an approval, a contended lease, a readiness evaluation, CloseRun on
an aborted run); every call the handlers make is recorded; template.yaml is translated by
SAM and resolved for the copy each function belongs to; each call's IAM authorisations must
be allowed by its role's statements, resource-level conditions included. And the check can
fail: with a grant removed, it reports exactly that call.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Any

import pytest

from testbed.estate import LocalEstate
from testbed.template import expand_foreach, load_template
from tests.helpers import build, load_event, once_per_run, wait_for_approval_token
from tests.iam.calls import Call, Recorder, recording, requests_for
from tests.iam.policy import Request, Resolver, allowed, role_statements
from tests.template.support import FUNCTIONS, translate

PRIMARY, SECONDARY = "us-east-1", "us-west-2"


# template.yaml's per-region list parameters -> ESTATE_CONFIG's columns (failover.config).
COLUMNS = {
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


def parameters(estate: LocalEstate) -> dict[str, str | list[str]]:
    """The control plane's parameters as the deploy would pass them for this estate (a
    CommaDelimitedList as its list of entries)."""
    spec, config = estate.spec, estate.estate_config()
    values: dict[str, str | list[str]] = {
        key: str(spec_value["Default"])
        for key, spec_value in estate.template["Parameters"].items()
        if "Default" in spec_value and not spec_value["Type"].startswith("AWS::SSM")
    }
    for key, spec_value in estate.template["Parameters"].items():
        if spec_value["Type"] == "CommaDelimitedList" and key in values:
            values[key] = str(values[key]).split(",")
    values.update(
        {
            "EstateName": spec.name,
            "Regions": list(config["regions"]),
            "GlobalClusterId": spec.global_cluster_id,
            "AcceleratorArn": estate.accelerator_arn,
            "HostedZoneId": estate.hosted_zone_id,
            "RecordName": estate.record_name,
            "ActiveRegionParameterName": spec.parameter,
            "FullCapacity": str(spec.full_capacity),
            **{parameter: list(config[column]) for parameter, column in COLUMNS.items()},
        }
    )
    return values


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    """template.yaml as CloudFormation sees it for the test estate's Regions."""
    return translate(expand_foreach(load_template(), {"Regions": [PRIMARY, SECONDARY]}))


@dataclass(frozen=True)
class Evidence:
    """What the representative runs leave to check: every call, and the estate's names."""

    calls: list[Call]
    function_arns: dict[str, dict[str, str]]  # region -> logical id -> ARN
    parameters: dict[str, str | list[str]]
    table_name: str
    estate_name: str


def record() -> dict[str, Any]:
    """Run the representative runs on a fresh estate; the evidence, as JSON."""
    recorder: Recorder
    with recording() as recorder:
        for estate in build():
            run_the_representative_runs(estate)
            return {
                "calls": [asdict(call) for call in recorder.calls],
                "function_arns": estate.function_arns,
                "parameters": parameters(estate),
                "table_name": estate.spec.table_name,
                "estate_name": estate.spec.name,
            }
    raise AssertionError("build() yielded no estate")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Evidence:
    """The evidence, recorded once per test run (the runs take seconds; under xdist the
    module's tests may land on both workers, which then share one recording)."""
    found = once_per_run(tmp_path_factory, "iam-coverage", record)
    return Evidence(
        calls=[Call(**call) for call in found["calls"]],
        function_arns=found["function_arns"],
        parameters=found["parameters"],
        table_name=found["table_name"],
        estate_name=found["estate_name"],
    )


def invoke(estate: LocalEstate, region: str, logical_id: str, event: dict[str, Any]) -> None:
    estate.client("lambda", region).invoke(
        FunctionName=estate.function_arns[region][logical_id], Payload=json.dumps(event)
    )


def run_the_representative_runs(estate: LocalEstate) -> None:
    # an approval gate (the wait releases the lease), rejected
    waiting = estate.start(SECONDARY, load_event("manual-with-approval.json"))
    token = wait_for_approval_token(estate)
    estate.client("stepfunctions", SECONDARY).send_task_failure(
        taskToken=token, error="ApprovalRejected"
    )
    estate.wait(waiting)
    # an automatic failover into us-west-2, then a planned failback run by us-east-1's copy,
    # which a second failback meets holding the lease (InspectLease)
    estate.outage(PRIMARY)
    assert estate.run(SECONDARY, estate.alarm_event(PRIMARY))["status"] == "SUCCEEDED"
    estate.recover(PRIMARY)
    # (Aurora rebuilds the old primary after the failover: pending-resync meanwhile)
    estate.await_rebuild()
    # post-recovery in the region that took over: the old primary's point-of-failure snapshot
    # kept, its standby and active-region parameter restored
    recovery = load_event("manual-post-recovery.json")
    assert estate.run(SECONDARY, recovery)["status"] == "SUCCEEDED"
    failback = load_event("manual-failback.json", force=True)
    first = estate.start(PRIMARY, failback)
    estate.wait_until(
        lambda: estate.view().lease_holder == first and estate.view().promotion_in_flight,
        limit=600,
        what="the failback promoting",
    )
    assert estate.run(PRIMARY, failback)["status"] == "SUCCEEDED"  # already in progress
    assert estate.wait(first)["status"] == "SUCCEEDED"
    # the functions outside the machine
    for region in (PRIMARY, SECONDARY):
        invoke(estate, region, "EvaluateReadinessFunction", {})
    stopped = estate.start(SECONDARY, load_event("manual-with-approval.json", force=True))
    wait_for_approval_token(estate)
    estate.client("stepfunctions", SECONDARY).stop_execution(executionArn=stopped)
    detail = {
        "executionArn": stopped,
        "status": "ABORTED",
        "name": stopped.rsplit(":", 1)[-1],
        "startDate": int(time.time() * 1000),
        "stateMachineArn": estate.state_machine_arns[SECONDARY],
    }
    ended = {"detail-type": "Step Functions Execution Status Change", "detail": detail}
    invoke(estate, SECONDARY, "CloseRunFunction", ended)


def logical_id(evidence: Evidence, call: Call) -> str:
    arns = evidence.function_arns[call.home]
    by_name = {arn.rsplit(":", 1)[-1]: lid for lid, arn in arns.items()}
    return by_name[call.function]


def statements_for(
    translated: dict[str, Any], evidence: Evidence, function: str, home: str
) -> list[dict[str, Any]]:
    resolver = Resolver(evidence.parameters, home, translated["Resources"])
    resolver.evaluate_conditions(translated["Conditions"])
    return role_statements(translated, f"{function}Role", resolver)


def denied_calls(
    translated: dict[str, Any], evidence: Evidence, calls: list[Call]
) -> list[tuple[str, Request]]:
    found = []
    cache: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for call in calls:
        function = logical_id(evidence, call)
        key = (function, call.home)
        if key not in cache:
            cache[key] = statements_for(translated, evidence, function, call.home)
        for request in requests_for(call):
            if not allowed(cache[key], request):
                found.append((function, request))
    return found


def test_every_call_of_every_function_is_allowed_by_its_role(
    translated: dict[str, Any], recorded: Evidence
) -> None:
    denied = denied_calls(translated, recorded, recorded.calls)
    assert denied == [], "\n".join(
        f"{f}: {r.action} on {r.resource} {r.context}" for f, r in denied
    )
    # the proof covers the functions: every one made calls here, but the scheduled probe
    # (its one call, PutMetricData, is proven by tests/template's namespace condition test)
    seen = {logical_id(recorded, call) for call in recorded.calls}
    assert set(FUNCTIONS) - seen == {"ProbeHealthFunction"}


def test_the_proof_fails_when_a_grant_is_removed(
    translated: dict[str, Any], recorded: Evidence
) -> None:
    broken = json.loads(json.dumps(translated))
    for policy in broken["Resources"]["SetActiveRegionFunctionRole"]["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            statement["Action"] = [a for a in actions if a != "ssm:PutParameter"] or [
                "ssm:GetParameter"
            ]

    denied = denied_calls(broken, recorded, recorded.calls)

    assert {(f, r.action) for f, r in denied} == {("SetActiveRegionFunction", "ssm:PutParameter")}


def asl_requests(evidence: Evidence, region: str) -> list[Request]:
    """What the state machine's role must allow: each Task's integration, on its resource."""
    import re

    from testbed.template import STATE_MACHINE

    text = STATE_MACHINE.read_text(encoding="utf-8")
    table = f"arn:aws:dynamodb:{region}:123456789012:table/{evidence.table_name}"
    resources = load_template()["Resources"]
    found: list[Request] = []
    for action in re.findall(r"states:::dynamodb:(\w+)", text):
        found.append(Request(f"dynamodb:{action[0].upper()}{action[1:]}", table))
    for function in set(re.findall(r"\$\{(\w+)FunctionArn\}", text)):
        name = resources[f"{function}Function"]["Properties"]["FunctionName"]
        resolved = name["Fn::Sub"].replace("${EstateName}", evidence.estate_name)
        arn = f"arn:aws:lambda:{region}:123456789012:function:{resolved}"
        found.append(Request("lambda:InvokeFunction", arn))
    return found


def test_the_state_machine_role_allows_every_integration_the_asl_uses(
    translated: dict[str, Any], recorded: Evidence
) -> None:
    for region in (PRIMARY, SECONDARY):
        statements = statements_for(translated, recorded, "FailoverStateMachine", region)
        required = asl_requests(recorded, region)
        # every task is a Lambda: the lease's writes too (failover.table picks the replica,
        # which a service integration, bound to its own region, could not)
        assert {r.action for r in required} == {"lambda:InvokeFunction"}
        assert [r for r in required if not allowed(statements, r)] == []
