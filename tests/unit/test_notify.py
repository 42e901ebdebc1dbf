"""Notices: a text body whose commands paste into a shell, JSON for machines, the right
outcome on every kind, and the peer region's topic when this region's cannot take it."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from failover import clients, notify
from failover.handlers import notify as notify_handler
from moto import mock_aws

from tests.unit.estate_settings import PRIMARY, SECONDARY, settings

ASL = Path(__file__).resolve().parents[2] / "statemachines" / "failover.asl.json"


@pytest.fixture
def asl_timeout() -> int:
    return int(json.loads(ASL.read_text())["States"]["RequestApproval"]["TimeoutSeconds"])


EXECUTION = "arn:aws:states:us-west-2:123456789012:execution:shop-failover:run-1"
TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAZ+token/with+slashes=="
STATE: dict[str, Any] = {
    "request": {
        "trigger": "manual",
        "mode": "planned",
        "target_region": SECONDARY,
        "source_region": PRIMARY,
        "reason": "it's a drill: O'Brien's \"test\"",
        "requested_by": "alice",
    },
    "execution": {"id": EXECUTION, "name": "run-1", "start_time": "2026-11-25T08:00:00Z"},
}


def argument(command: str, flag: str) -> str:
    words = shlex.split(command)
    return words[words.index(flag) + 1]


def test_the_approval_commands_paste_into_a_shell() -> None:
    notice = notify.compose("approval_requested", "shop", STATE, TOKEN)

    approve = notice.detail["commands"]["approve"]
    assert approve in notice.text
    assert json.loads(argument(approve, "--task-output")) == {"approved_by": "YOUR-NAME"}
    assert argument(approve, "--task-token") == TOKEN
    assert argument(notice.detail["commands"]["reject"], "--error") == "ApprovalRejected"
    assert notice.outcome == "waiting_for_approval"


def test_a_failure_notice_carries_a_rerun_command_whose_input_parses() -> None:
    failed = {**STATE, "error": {"Error": "DatabasePromotionFailed", "Cause": "boom"}}

    notice = notify.compose(None, "shop", failed)

    assert (notice.kind, notice.outcome) == ("failed", "failed")
    rerun = notice.detail["commands"]["rerun"]
    assert json.loads(argument(rerun, "--input"))["mode"] == "planned"
    assert argument(rerun, "--state-machine-arn") == (
        "arn:aws:states:us-west-2:123456789012:stateMachine:shop-failover"
    )
    assert "Error: DatabasePromotionFailed" in notice.text.splitlines()
    assert "Cause: boom" in notice.text.splitlines()


@pytest.mark.parametrize(
    ("kind", "state_extra", "outcome"),
    [
        ("started", {}, "in_progress"),
        ("approval_requested", {}, "waiting_for_approval"),
        (None, {"verification": {"passed": True}}, "succeeded"),
        (None, {"error": {"Error": "Superseded", "Cause": "x"}}, "superseded"),
        (None, {"error": {"Error": "LeaseHeld", "Cause": "x"}}, "already_in_progress"),
        (None, {"outage": {"decision": "false_alarm"}}, "false_alarm"),
        (None, {"outage": {"decision": "cooldown"}}, "skipped_cooldown"),
        ("invalid_input", {"error": {"Error": "UnknownMode", "Cause": "x"}}, "rejected"),
    ],
)
def test_every_kind_of_notice_says_the_right_outcome(
    kind: str | None, state_extra: dict[str, Any], outcome: str
) -> None:
    notice = notify.compose(kind, "shop", {**STATE, **state_extra})

    assert notice.outcome == outcome
    assert f"Outcome: {outcome}" in notice.text
    assert notice.kind in notify.TITLES


@pytest.fixture
def topics() -> Iterator[dict[str, str]]:
    with mock_aws():
        clients.reset()
        queues = {}
        for region in (PRIMARY, SECONDARY):
            sns = boto3.client("sns", region_name=region)
            sqs = boto3.client("sqs", region_name=region)
            topic = sns.create_topic(Name="shop-failover")["TopicArn"]
            url = sqs.create_queue(QueueName="notices")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
            queues[region] = url
        yield queues
        clients.reset()


def received(region: str, url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=region)
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_a_notice_is_text_for_people_and_json_for_machines(topics: dict[str, str]) -> None:
    delivery = notify.send(notify.compose("approval_requested", "shop", STATE, TOKEN), settings())

    assert delivery.fell_back is False
    (envelope,) = received(SECONDARY, topics[SECONDARY])
    body = envelope["Message"]
    approve = next(line.strip() for line in body.splitlines() if "send-task-success" in line)
    assert json.loads(argument(approve, "--task-output")) == {"approved_by": "YOUR-NAME"}
    detail = json.loads(envelope["MessageAttributes"]["detail"]["Value"])
    assert detail["kind"] == "approval_requested"
    assert envelope["MessageAttributes"]["outcome"]["Value"] == "waiting_for_approval"


def test_a_notice_this_region_cannot_take_goes_to_the_peer(topics: dict[str, str]) -> None:
    # given this region's topic is gone, and the peer has one of the same name
    boto3.client("sns", region_name=PRIMARY).create_topic(Name="only-in-the-peer")
    home = settings(topic_arn="arn:aws:sns:us-west-2:123456789012:only-in-the-peer")

    delivery = notify.send(notify.compose(None, "shop", STATE), home)

    assert delivery.fell_back is True
    assert delivery.topic_arn == "arn:aws:sns:us-east-1:123456789012:only-in-the-peer"


# --------------------------------------------------------------------- notices one can act on
# A real-length execution ARN: the drill's runs are named by a UUID (36 characters).
LONG = (
    "arn:aws:states:us-west-2:123456789012:execution:shop-failover:"
    "8237f349-fa4d-4754-9e6d-13a64d1f1451"
)
PLAN: dict[str, Any] = {
    "mode": "unplanned",
    "target_region": SECONDARY,
    "source_region": PRIMARY,
    "converged": False,
    "gaps": ["database", "traffic", "compute", f"active_region:{PRIMARY}"],
    "replication_lag_ms": 120.0,
    "cooldown": None,
    "checks": [],
    "readiness": {"evaluated_at": "2026-11-25T07:45:00Z", "failing": []},
    "database": {
        "action": "failover",
        "global_cluster_id": "shop-global",
        "target_cluster_arn": "arn:aws:rds:us-west-2:123456789012:cluster:shop-us-west-2",
        "source_cluster_arn": "arn:aws:rds:us-east-1:123456789012:cluster:shop-us-east-1",
        "writer_region": PRIMARY,
        "planned_from": PRIMARY,
        "allow_data_loss": True,
    },
    "traffic": {
        "action": "shift",
        "dials": {
            PRIMARY: {"current": 100.0, "desired": 0.0},
            SECONDARY: {"current": 0.0, "desired": 100.0},
        },
        "global_accelerator_reachable": True,
    },
    "compute": {
        "cluster": "shop-us-west-2",
        "service": "shop-app",
        "current_desired": 1,
        "required": 4,
        "source_observed_desired": 4,
        "action": "scale",
    },
    "active_region": {
        "parameter": "/shop/active-region",
        "current": {PRIMARY: PRIMARY, SECONDARY: PRIMARY},
        "desired": SECONDARY,
        "action": "set",
    },
    "fence": {"region": PRIMARY, "action": "fence"},
}
ESTATE_AFTER: dict[str, Any] = {
    "writer_region": PRIMARY,
    "global_status": "available",
    "failover_state": None,
    "regions": {
        PRIMARY: {"dial": 100.0, "desired": 4, "running": 0, "active_region": PRIMARY},
        SECONDARY: {"dial": 0.0, "desired": 4, "running": 4, "active_region": PRIMARY},
    },
    "lease_holder": LONG,
    "problems": [],
}
RICH: dict[str, Any] = {
    **STATE,
    "request": {**STATE["request"], "mode": "unplanned", "trigger": "alarm"},
    "execution": {"id": LONG, "name": LONG.rsplit(":", 1)[1], "start_time": "2026-11-25T08:00Z"},
    "plan": PLAN,
}
SUCCEEDED = {
    **RICH,
    "verification": {
        "passed": True,
        "checks": [
            {"name": "writer_is_target", "passed": True, "detail": "writer us-west-2, available"},
            {"name": "traffic_dials", "passed": True, "detail": "dials us-east-1 0, us-west-2 100"},
        ],
    },
    "record": {"outcome": "succeeded", "rto_seconds": 74.3, "replication_lag_at_cutover_ms": 120},
}
FAILED = {
    **RICH,
    "error": {
        "Error": "DatabasePromotionFailed",
        "Cause": json.dumps(
            {"errorType": "DatabasePromotionFailed", "errorMessage": "the writer did not move"}
        ),
    },
    "record": {
        "outcome": "failed",
        "failed_stage": "PromoteDatabase",
        "estate_after": ESTATE_AFTER,
    },
}


def every_notice() -> list[notify.Notice]:
    found = []
    for kind in notify.TITLES:
        if kind in ("not_ready", "ready_again"):
            continue
        state = FAILED if kind in ("failed", "timed_out", "aborted", "invalid_input") else SUCCEEDED
        found.append(notify.compose(kind, "shop", state, TOKEN if "approval" in kind else None))
    found.append(notify.compose(None, "shop", FAILED))
    for ready in (True, False):
        evaluation = {
            "region": SECONDARY,
            "ready": ready,
            "evaluated_at": "2026-11-25T08:00Z",
            "checks": [{"name": "lease", "status": "FAIL", "reason": f"held by {LONG}"}],
        }
        found.append(notify.readiness_notice("shop", evaluation))
    return found


@pytest.mark.parametrize("notice", every_notice(), ids=lambda n: n.kind)
def test_no_notice_breaks_an_arn_across_lines(notice: notify.Notice) -> None:
    chatbot = notify.chatbot_message(notice)
    texts = [notice.text, chatbot["content"]["description"], *chatbot["content"]["nextSteps"]]
    for text in texts:
        for line in text.splitlines():
            # wherever the ARN starts on a line, the whole ARN is on that line
            assert line.count(LONG[:50]) == line.count(LONG), line
    assert LONG in notice.text


def test_an_approval_notice_carries_the_plan_and_the_deadline(asl_timeout: int) -> None:
    now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)

    notice = notify.compose("approval_requested", "shop", RICH, TOKEN, now=now)

    assert asl_timeout == notify.APPROVAL_TIMEOUT_SECONDS
    assert notice.detail["approval_deadline"] == "2026-11-25T08:30:00+00:00"
    assert "Approve or reject by 2026-11-25T08:30:00+00:00 (30 min)" in notice.text
    lines = notice.text.splitlines()
    assert any(line.startswith("  Database: failover (writer now us-east-1") for line in lines)
    assert "  Traffic: shift: us-east-1 100% -> 0%, us-west-2 0% -> 100%" in lines
    assert "  Compute: scale: shop-app desired 1 -> 4" in lines


def test_a_dry_run_notice_carries_the_plan() -> None:
    notice = notify.compose("dry_run", "shop", {**RICH, "request": {**RICH["request"]}})

    assert "  Fence: fence us-east-1" in notice.text.splitlines()
    assert "approval_deadline" not in notice.detail


def test_a_success_notice_says_rto_data_loss_writer_and_traffic() -> None:
    lines = notify.compose(None, "shop", SUCCEEDED).text.splitlines()

    assert "RTO: 74.3 s" in lines
    assert any(
        line.startswith("Data-loss window: up to 120 ms of the last writes") for line in lines
    )
    assert "New writer: writer us-west-2, available" in lines
    assert "Traffic: dials us-east-1 0, us-west-2 100" in lines


def test_a_failure_notice_is_readable_with_a_console_link_in_the_runs_partition() -> None:
    notice = notify.compose(None, "shop", FAILED)
    lines = notice.text.splitlines()

    assert "Failed at: PromoteDatabase" in lines
    assert "Cause: the writer did not move" in lines
    assert (
        f"  https://console.aws.amazon.com/states/home?region=us-west-2#/v2/executions/details/{LONG}"
        in lines
    )
    assert "  us-east-1: dial 100%, tasks 0/4, active-region parameter us-east-1" in lines
    assert not any(line.lstrip().startswith("{") for line in lines)  # no JSON blob
    china = LONG.replace("arn:aws:", "arn:aws-cn:").replace("us-west-2", "cn-north-1")
    assert notify.console_url(china).startswith(
        "https://console.amazonaws.cn/states/home?region=cn-north-1#"
    )


def test_the_chatbot_payload_follows_the_custom_notification_schema() -> None:
    notice = notify.compose(None, "shop", FAILED)
    structure = json.loads(notify.message_structure(notice))

    assert structure["default"] == structure["email"] == notice.text
    chatbot = json.loads(structure["https"])
    assert (chatbot["version"], chatbot["source"]) == ("1.0", "custom")
    assert chatbot["content"]["title"] == notice.subject
    assert chatbot["content"]["textType"] == "client-markdown"
    assert "Cause: the writer did not move" in chatbot["content"]["description"]
    assert chatbot["metadata"]["threadId"] == LONG
    assert any("rerun" in step for step in chatbot["content"]["nextSteps"])


@pytest.mark.parametrize(
    ("trigger", "mailed"), [("alarm", False), ("manual", True)], ids=["alarm", "operator"]
)
def test_a_run_with_nothing_to_do_is_mailed_only_when_a_person_asked(
    topics: dict[str, str], trigger: str, mailed: bool
) -> None:
    state = {**STATE, "request": {**STATE["request"], "trigger": trigger, "ignored": True}}

    delivery = notify_handler.handle({"state": state}, settings())

    assert delivery.sent is mailed
    assert len(received(SECONDARY, topics[SECONDARY])) == (1 if mailed else 0)
