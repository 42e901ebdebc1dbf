"""SNS notices: start, success, failure and the clean endings."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

NoticeKind = Literal[
    "started",
    "succeeded",
    "failed",
    "false_alarm",
    "skipped_cooldown",
    "dry_run",
    "already_in_progress",
    "invalid_input",
    "approval_requested",
]

_TITLES: dict[str, str] = {
    "started": "Failover started",
    "succeeded": "Failover succeeded",
    "failed": "Failover FAILED",
    "false_alarm": "Failover not needed: outage not confirmed",
    "skipped_cooldown": "Failover skipped: inside the cooldown window",
    "dry_run": "Failover dry run: action plan",
    "already_in_progress": "Failover already in progress",
    "invalid_input": "Failover input rejected",
    "approval_requested": "Failover waiting for approval",
}


def subject(kind: str, estate: str, target: str | None) -> str:
    text = f"[{estate}] {_TITLES.get(kind, kind)}" + (f" -> {target}" if target else "")
    return text[:100]  # SNS subjects are limited to 100 characters


def publish(sns: SNSClient, topic_arn: str, kind: str, estate: str, body: dict[str, Any]) -> str:
    """Publish one notice; the body is JSON so that subscribers can parse it."""
    request = body.get("request") or {}
    target = request.get("target_region") if isinstance(request, dict) else None
    message = json.dumps({"kind": kind, "estate": estate, **body}, default=str, indent=2)
    return sns.publish(
        TopicArn=topic_arn,
        Subject=subject(kind, estate, target),
        Message=message,
        MessageAttributes={"kind": {"DataType": "String", "StringValue": kind}},
    )["MessageId"]
