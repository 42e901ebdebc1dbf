"""SNS notices: a plain-text body for people, with commands to paste; JSON for machines.

The body is text: what happened, the outcome, and ready-to-paste AWS CLI commands (follow
the execution; approve or reject it; re-run after a failure), each argument quoted with
:func:`shlex.quote`, so a shell reads exactly the JSON meant. Machines read the message
attributes: ``kind``, ``outcome``, ``execution`` and ``detail`` (the notice as JSON).

A notice that cannot reach this region's topic goes to the peer region's topic (same name),
and a ``NotificationFailed`` metric says so.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from failover import arns
from failover.clients import Profile, client
from failover.observability import emit_metric, logger
from failover.outcome import error_summary, lag_at_cutover, outcome_of, unfinished_fence

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

    from failover.config import Settings

TITLES: dict[str, str] = {
    "started": "Failover started",
    "succeeded": "Failover succeeded",
    "failed": "Failover FAILED",
    "superseded": "Failover superseded: the other direction won",
    "already_in_progress": "Failover already in progress",
    "false_alarm": "Failover not needed: outage not confirmed",
    "skipped_cooldown": "Failover skipped: inside the cooldown window",
    "dry_run": "Failover dry run: action plan",
    "nothing_to_do": "Failover not needed: the target is already fully active",
    "invalid_input": "Failover input rejected",
    "approval_requested": "Failover waiting for approval",
    "control_plane_fault": "Failover control plane fault: record, notice or lease",
    "timed_out": "Failover run TIMED OUT (the execution hit its timeout)",
    "not_ready": "Failover readiness: this region could NOT take over now",
    "ready_again": "Failover readiness: this region is ready to take over again",
    "aborted": "Failover run ABORTED (the execution was stopped)",
}
"""Every kind of notice. ``started`` and ``approval_requested`` report a run still going."""

IN_PROGRESS_KINDS = {"started": "in_progress", "approval_requested": "waiting_for_approval"}


@dataclass(frozen=True)
class Notice:
    kind: str
    outcome: str
    subject: str
    text: str
    detail: dict[str, Any]


def _region_of(arn: str) -> str:
    """The ARN's region, or "" when there is no (valid) ARN: a notice is sent regardless."""
    try:
        return arns.region_of(arn)
    except ValueError:
        return ""


def _state_machine_arn(execution_arn: str) -> str:
    try:
        return arns.state_machine_of(execution_arn)
    except ValueError:
        return ""


def commands(state: dict[str, Any], kind: str, token: str | None = None) -> dict[str, str]:
    """The commands an operator pastes, by purpose."""
    execution = str((state.get("execution") or {}).get("id") or "")
    region = _region_of(execution)
    found: dict[str, str] = {}
    if execution:
        found["follow"] = shlex.join(
            [
                "aws",
                "stepfunctions",
                "describe-execution",
                "--region",
                region,
                "--execution-arn",
                execution,
            ]
        )
    if token:
        approval = json.dumps({"approved_by": "YOUR-NAME"})
        found["approve"] = shlex.join(
            [
                "aws",
                "stepfunctions",
                "send-task-success",
                "--region",
                region,
                "--task-token",
                token,
                "--task-output",
                approval,
            ]
        )
        found["reject"] = shlex.join(
            [
                "aws",
                "stepfunctions",
                "send-task-failure",
                "--region",
                region,
                "--task-token",
                token,
                "--error",
                "ApprovalRejected",
                "--cause",
                "WHY",
            ]
        )
    if (kind in ("failed", "timed_out", "aborted") or unfinished_fence(state)) and execution:
        request = state.get("request") or {}
        rerun = {
            "mode": request.get("mode") or "unplanned",
            "target_region": request.get("target_region") or region,
            "reason": f"re-run after {execution.rsplit(':', 1)[-1]} "
            + (kind if kind != "succeeded" else "left the old region unfenced"),
            "requested_by": "YOUR-NAME",
        }
        found["rerun"] = shlex.join(
            [
                "aws",
                "stepfunctions",
                "start-execution",
                "--region",
                region,
                "--state-machine-arn",
                _state_machine_arn(execution),
                "--input",
                json.dumps(rerun),
            ]
        )
    return found


def compose(
    kind: str | None, estate: str, state: dict[str, Any], token: str | None = None
) -> Notice:
    """The notice for ``state``: ``kind`` defaults to the run's outcome."""
    outcome = outcome_of(state)
    kind = kind or outcome
    shown_outcome = IN_PROGRESS_KINDS.get(kind, "failed" if kind == "invalid_input" else outcome)
    request = state.get("request") or {}
    target = request.get("target_region")
    subject = (f"[{estate}] {TITLES.get(kind, kind)}" + (f" -> {target}" if target else ""))[:100]
    detail: dict[str, Any] = {
        "kind": kind,
        "outcome": shown_outcome,
        "estate": estate,
        "request": request or None,
        "execution": state.get("execution"),
        "error": error_summary(state.get("error")),
    }
    for key in ("lease", "outage", "plan", "verification", "fence", "post_recovery", "record"):
        if state.get(key) is not None:
            detail[key] = state[key]
    wanted = commands(state, kind, token)
    detail["commands"] = wanted
    lines = [TITLES.get(kind, kind), "", f"Outcome: {shown_outcome}"]
    if request:
        lines.append(
            f"Request: {request.get('mode')} into {target} from {request.get('source_region')}, "
            f"{request.get('trigger')} ({request.get('requested_by')}): {request.get('reason')}"
        )
    if detail["error"]:
        lines.append(f"Error: {detail['error']['error']}: {detail['error']['message']}")
    if why := unfinished_fence(state):
        lines.append(
            f"Fence: {why}. That region's active-region parameter may still name itself; "
            "a re-run into the same target completes it."
        )
    lines += data_loss_lines(state) + lost_writes_lines(state)
    record = state.get("record") or {}
    if record.get("estate_after"):
        lines.append(f"Where the estate stands: {json.dumps(record['estate_after'], default=str)}")
    labels = {
        "follow": "Follow the execution",
        "approve": "Approve (replace YOUR-NAME)",
        "reject": "Reject (replace WHY)",
        "rerun": "Re-run once the cause is fixed (it completes what is missing)",
    }
    for purpose, command in wanted.items():
        lines += ["", f"{labels[purpose]}:", f"  {command}"]
    return Notice(kind, shown_outcome, subject, "\n".join(lines), detail)


def data_loss_lines(state: dict[str, Any]) -> list[str]:
    """The data-loss gate's reading (failover.data_loss): why a person is asked, the lag at the
    decision and at cutover, the budget, and what approving costs."""
    plan = state.get("plan") or {}
    gate = plan.get("data_loss") or {}
    if not gate:
        return []
    lag = gate.get("lag") or {}
    shown = (
        f"{lag['lag_ms'] / 1000:.1f} s ({lag.get('metric')}, "
        f"a datapoint {lag.get('age_seconds')} s old)"
        if lag.get("lag_ms") is not None
        else f"unknown ({lag.get('problem')})"
    )
    lines = [
        f"Data loss: lag at the decision {shown}; budget {gate.get('budget_seconds')} s "
        f"(MaxDataLossSeconds): {gate.get('verdict')}"
    ]
    for reason in (plan.get("approval") or {}).get("reasons") or []:
        lines.append(f"Approval needed: {reason}")
    if (plan.get("approval") or {}).get("required"):
        lines.append(f"What approving costs: {gate.get('cost')}")
    cutover = lag_at_cutover(state)
    if cutover is not None:
        lines.append(f"Lag at cutover: {cutover / 1000:.1f} s")
    return lines


def lost_writes_lines(state: dict[str, Any]) -> list[str]:
    """Post-recovery (failover.post_recovery): the snapshot kept and the window of writes that
    may be lost, with how to diff them."""
    found = state.get("post_recovery") or {}
    if not found:
        return []
    snapshot = found.get("snapshot") or {}
    window = found.get("lost_writes") or {}
    return [
        f"Old primary rejoined: {(found.get('rejoined') or {}).get('cluster')}",
        f"Point-of-failure snapshot: {snapshot.get('source')} kept as {snapshot.get('copy')}",
        f"Writes possibly lost: from {window.get('from')} to {window.get('to')} "
        f"(lag {window.get('lag_ms')} ms)",
        f"How to diff them: {window.get('how_to_diff')}",
        f"Warm standby: {json.dumps(found.get('standby'), default=str)}",
    ]


def readiness_notice(estate: str, evaluation: dict[str, Any]) -> Notice:
    """A change of readiness, with every check that is not PASS."""
    kind = "ready_again" if evaluation["ready"] else "not_ready"
    region = evaluation["region"]
    lines = [TITLES[kind], "", f"Region: {region}, evaluated at {evaluation['evaluated_at']}"]
    for check in evaluation["checks"]:
        if check["status"] != "PASS":
            lines.append(f"  {check['status']:4}  {check['name']}: {check['reason']}")
    detail = {
        "kind": kind,
        "outcome": "ready" if evaluation["ready"] else "not_ready",
        **evaluation,
    }
    subject = f"[{estate}] {TITLES[kind]} ({region})"[:100]
    return Notice(kind, detail["outcome"], subject, "\n".join(lines), detail)


def publish(sns: SNSClient, topic_arn: str, notice: Notice) -> str:
    detail = json.dumps(notice.detail, default=str)
    return sns.publish(
        TopicArn=topic_arn,
        Subject=notice.subject,
        Message=notice.text,
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": notice.kind},
            "outcome": {"DataType": "String", "StringValue": notice.outcome},
            "execution": {
                "DataType": "String",
                "StringValue": str((notice.detail.get("execution") or {}).get("id") or "-"),
            },
            "detail": {"DataType": "String", "StringValue": detail},
        },
    )["MessageId"]


@dataclass(frozen=True)
class Delivery:
    kind: str
    topic_arn: str
    message_id: str
    fell_back: bool


def send(notice: Notice, settings: Settings) -> Delivery:
    """Publish to this region's topic; if it cannot take the notice, to the peer's.

    The fallback is logged and counted (``NotificationFailed``). When the peer fails too,
    the home error is raised for the state machine's Retry and Catch.
    """
    home = settings.home_region
    try:
        message_id = publish(client("sns", home), settings.topic_arn, notice)
        return Delivery(notice.kind, settings.topic_arn, message_id, False)
    except (ClientError, BotoCoreError) as error:
        logger.error("notice not delivered to this region's topic", extra={"error": str(error)})
        emit_metric(settings.metrics_namespace, "NotificationFailed", 1, "Count", {"Region": home})
        peer = client("sns", settings.peer_region, Profile.BEST_EFFORT)
        try:
            message_id = publish(peer, settings.peer_topic_arn, notice)
        except (ClientError, BotoCoreError):
            raise error from None
        return Delivery(notice.kind, settings.peer_topic_arn, message_id, True)


def surface_faults(state: dict[str, Any], settings: Settings) -> list[str]:
    """Count each failed step of the run's own bookkeeping (``ControlPlaneFault``)."""
    failed = [step for step in ("record", "notify", "release") if state.get(f"{step}_error")]
    for step in failed:
        logger.error("control plane fault", extra={"step": step, "error": state[f"{step}_error"]})
        emit_metric(
            settings.metrics_namespace,
            "ControlPlaneFault",
            1,
            "Count",
            {"Region": settings.home_region, "Step": step},
        )
    return failed
