"""Notices: a text body whose commands paste into a shell, JSON for machines, the right
outcome on every kind, and the peer region's topic when this region's cannot take it."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from failover import clients, notify
from moto import mock_aws

from tests.unit.estate_settings import PRIMARY, SECONDARY, settings

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
    assert "Error: DatabasePromotionFailed: boom" in notice.text


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
        ("invalid_input", {"error": {"Error": "UnknownMode", "Cause": "x"}}, "failed"),
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
