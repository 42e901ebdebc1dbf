"""SNS notices a person can act on: what happened, what to do, ready-to-paste commands.

Each notice is published once with ``MessageStructure="json"`` (SNS Publish API: "a different
message for each protocol"): e-mail (and every protocol without its own key, via ``default``)
gets the plain text; ``https``, the protocol AWS Chatbot (Amazon Q Developer in chat
applications) subscribes with, gets a Chatbot custom notification (schema version "1.0",
source "custom": https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html),
which it renders into Slack or Teams. One topic serves both, so a subscriber added later
cannot miss one kind. Machines read the message attributes: ``kind``, ``outcome``,
``execution`` and ``detail`` (the notice as JSON).

What each kind carries:
- dry run and approval: the action plan (database, traffic, compute, app config, fence), and
  for an approval the deadline (RequestApproval's timeout, :data:`APPROVAL_TIMEOUT_SECONDS`);
- success: the RTO, the data-loss window, the new writer and the traffic split;
- failure: the failed stage, a readable cause, the console link of the execution (in its own
  partition and region), where the estate stands, and the re-run command.

Every command argument is quoted with :func:`shlex.quote`. An ARN is never split across
lines: the text is not wrapped, and each ARN or command has a line of its own.

A run that found nothing to do because an alarm fired while the estate was already where it
should be (the late health alarm after a recovery), or that an alarm started while another run
held the lease, is recorded and logged but not published (:func:`worth_sending`): the run in
hand speaks for itself. An operator's own run always gets its answer.

A notice that cannot reach this region's topic goes to the other regions' topics (same name),
in priority order until one takes it, and a ``NotificationFailed`` metric says so.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from datetime import datetime, timedelta
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

APPROVAL_TIMEOUT_SECONDS = 1800
"""RequestApproval's TimeoutSeconds in the ASL (a test reads it): the approval deadline."""

QUIET_WHEN_AUTOMATIC = frozenset({"nothing_to_do", "already_in_progress"})
"""Kinds an alarm-started run records without publishing (:func:`worth_sending`)."""

CONSOLE_HOSTS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}
"""The AWS Management Console's host per partition."""


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
            + (kind if kind != "succeeded" else "left a region unfenced"),
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


def console_url(execution_arn: str) -> str:
    """The execution's page in the Step Functions console, in the execution's partition and
    region ("" without a valid ARN)."""
    try:
        partition, region = arns.partition_of(execution_arn), arns.region_of(execution_arn)
    except ValueError:
        return ""
    host = CONSOLE_HOSTS.get(partition, CONSOLE_HOSTS["aws"])
    return f"https://{host}/states/home?region={region}#/v2/executions/details/{execution_arn}"


def _percent(value: Any) -> str:
    return "unknown" if value is None else f"{float(value):g}%"


def plan_lines(plan: dict[str, Any]) -> list[str]:
    """The action plan as a person reads it: one line per piece, current -> planned."""
    if not plan:
        return ["Plan: none (the run ended before Preflight made one)"]
    database, traffic = plan.get("database") or {}, plan.get("traffic") or {}
    compute, active = plan.get("compute") or {}, plan.get("active_region") or {}
    fence = plan.get("fence") or {}
    lag = plan.get("replication_lag_ms")
    db_action = database.get("action")
    lines = [
        f"Plan ({plan.get('mode')} into {plan.get('target_region')} "
        f"from {plan.get('source_region')}):",
        f"  Database: {db_action} (writer now {database.get('writer_region')}"
        + (f", replication lag {lag:g} ms" if lag is not None else "")
        + (", data loss allowed" if database.get("allow_data_loss") else "")
        + ")",
    ]
    dials = traffic.get("dials") or {}
    lines.append(
        f"  Traffic: {traffic.get('action')}: "
        + ", ".join(
            f"{name} {_percent(d.get('current'))} -> {_percent(d.get('desired'))}"
            for name, d in sorted(dials.items())
        )
    )
    lines.append(
        f"  Compute: {compute.get('action')}: {compute.get('service')} desired "
        f"{compute.get('current_desired')} -> {compute.get('required')}"
    )
    current = active.get("current") or {}
    lines.append(
        f"  App config: {active.get('action')}: {active.get('parameter')} -> "
        f"{active.get('desired')} (now "
        + ", ".join(f"{name} names {value}" for name, value in sorted(current.items()))
        + ")"
    )
    lines.append(f"  Fence: {fence.get('action')} {fence.get('region')}")
    if plan.get("gaps") is not None:
        lines.append(f"  Not yet converged: {', '.join(plan['gaps']) or 'nothing'}")
    failing = (plan.get("readiness") or {}).get("failing") or []
    for check in failing:
        lines.append(f"  Readiness FAILING: {check.get('name')}: {check.get('reason')}")
    return lines


def data_loss_window(state: dict[str, Any]) -> str:
    """What the run could have lost, from how it moved the writer."""
    plan = state.get("plan") or {}
    action = (plan.get("database") or {}).get("action")
    lag = (state.get("record") or {}).get("replication_lag_at_cutover_ms")
    if lag is None:
        lag = plan.get("replication_lag_ms")
    if action == "switchover":
        return "none (planned switchover: Aurora synchronises the secondary first)"
    if action == "failover":
        shown = f"{float(lag):g} ms" if lag is not None else "unknown (lag not read)"
        return f"up to {shown} of the last writes (unplanned failover, replication lag at cutover)"
    return "none (the writer did not move)"


def success_lines(state: dict[str, Any]) -> list[str]:
    record = state.get("record") or {}
    plan = state.get("plan") or {}
    rto = record.get("rto_seconds")
    checks = {c.get("name"): c for c in (state.get("verification") or {}).get("checks") or []}
    writer = checks.get("writer_is_target", {}).get("detail") or (
        f"writer {plan.get('target_region')}"
    )
    dials = (plan.get("traffic") or {}).get("dials") or {}
    traffic = checks.get("traffic_dials", {}).get("detail") or ", ".join(
        f"{name} {_percent(d.get('desired'))}" for name, d in sorted(dials.items())
    )
    return [
        f"RTO: {rto:.1f} s" if rto is not None else "RTO: not measured",
        f"Data-loss window: {data_loss_window(state)}",
        f"New writer: {writer}",
        f"Traffic: {traffic}",
    ]


def estate_lines(estate_after: dict[str, Any]) -> list[str]:
    lines = [
        "Where the estate stands:",
        f"  writer {estate_after.get('writer_region')}, global cluster "
        f"{estate_after.get('global_status')}"
        + (
            f", failover in flight {json.dumps(estate_after['failover_state'], default=str)}"
            if estate_after.get("failover_state")
            else ""
        ),
    ]
    for name, region in sorted((estate_after.get("regions") or {}).items()):
        lines.append(
            f"  {name}: dial {_percent(region.get('dial'))}, tasks {region.get('running')}/"
            f"{region.get('desired')}, active-region parameter {region.get('active_region')}"
            + (f"; problems: {'; '.join(region['problems'])}" if region.get("problems") else "")
        )
    if estate_after.get("lease_holder"):
        lines += ["  lease held by:", f"  {estate_after['lease_holder']}"]
    return lines


def compose(
    kind: str | None,
    estate: str,
    state: dict[str, Any],
    token: str | None = None,
    now: datetime | None = None,
) -> Notice:
    """The notice for ``state``: ``kind`` defaults to the run's outcome. ``now`` (an approval's
    start) dates the approval deadline."""
    outcome = outcome_of(state)
    kind = kind or outcome
    shown_outcome = IN_PROGRESS_KINDS.get(kind, "rejected" if kind == "invalid_input" else outcome)
    request = state.get("request") or {}
    target = request.get("target_region")
    subject = (f"[{estate}] {TITLES.get(kind, kind)}" + (f" -> {target}" if target else ""))[:100]
    execution = str((state.get("execution") or {}).get("id") or "")
    record = state.get("record") or {}
    detail: dict[str, Any] = {
        "kind": kind,
        "outcome": shown_outcome,
        "estate": estate,
        "request": request or None,
        "execution": state.get("execution"),
        "console_url": console_url(execution) or None,
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
        lines += candidate_lines(request.get("candidates") or [])
    if kind == "approval_requested":
        at = now or datetime.now().astimezone()
        deadline = at + timedelta(seconds=APPROVAL_TIMEOUT_SECONDS)
        detail["approval_deadline"] = deadline.isoformat(timespec="seconds")
        lines.append(
            f"Approve or reject by {detail['approval_deadline']} "
            f"({APPROVAL_TIMEOUT_SECONDS // 60} min); after that the run ends without acting."
        )
    if kind in ("dry_run", "approval_requested"):
        lines += ["", *plan_lines(state.get("plan") or {})]
    if kind == "succeeded":
        detail["data_loss_window"] = data_loss_window(state)
        lines += ["", *success_lines(state)]
    if detail["error"]:
        failed_stage = record.get("failed_stage")
        if failed_stage:
            lines.append(f"Failed at: {failed_stage}")
        lines.append(f"Error: {detail['error']['error']}")
        lines.append(f"Cause: {detail['error']['message']}")
    if why := unfinished_fence(state):
        lines.append(
            f"Fence: {why}. That region's active-region parameter may still name itself; "
            "a re-run into the same target completes it."
        )
    lines += data_loss_lines(state) + lost_writes_lines(state)
    if record.get("estate_after"):
        lines += ["", *estate_lines(record["estate_after"])]
    if execution:
        lines += ["", "Execution:", f"  {execution}"]
        if detail["console_url"]:
            lines += ["Console:", f"  {detail['console_url']}"]
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
    budget = gate.get("budget_seconds")
    budget_shown = f"{budget:g}" if isinstance(budget, int | float) else str(budget)
    lines = [
        f"Data loss: lag at the decision {shown}; budget {budget_shown} s "
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


def worth_sending(notice: Notice) -> bool:
    """Whether a person should get this notice. An alarm-started run that found nothing to do
    (the estate is already where it should be) or that found another run holding the lease is
    recorded, logged and left out of the drill's and the dashboard's accounts, not mailed."""
    request = notice.detail.get("request") or {}
    return not (notice.kind in QUIET_WHEN_AUTOMATIC and request.get("trigger") == "alarm")


def chatbot_message(notice: Notice) -> dict[str, Any]:
    """The notice as an AWS Chatbot custom notification (schema version "1.0")."""
    detail = notice.detail
    execution = str((detail.get("execution") or {}).get("id") or "")
    body = [line for line in notice.text.split("\n")[2:] if line.strip()]
    description = "\n".join(
        f"`{line.strip()}`" if line.startswith("  ") and " " not in line.strip() else line
        for line in body
        if not line.startswith("  aws ")
    )
    next_steps = [f"{p}: `{c}`" for p, c in (detail.get("commands") or {}).items()]
    if detail.get("console_url"):
        next_steps.insert(0, f"<{detail['console_url']}|Open the execution in the console>")
    message: dict[str, Any] = {
        "version": "1.0",
        "source": "custom",
        "content": {
            "textType": "client-markdown",
            "title": notice.subject,
            "description": description[:8000],
            "nextSteps": next_steps,
            "keywords": [notice.kind, notice.outcome, str(detail.get("estate"))],
        },
        "metadata": {
            "summary": notice.subject,
            "eventType": notice.kind,
            "additionalContext": {"outcome": notice.outcome, "execution": execution or "-"},
        },
    }
    if execution:
        message["metadata"]["threadId"] = execution
        message["metadata"]["relatedResources"] = [execution]
    return message


def message_structure(notice: Notice) -> str:
    """The Publish ``Message`` for ``MessageStructure="json"``: text by e-mail and by default,
    the Chatbot custom notification over https (the protocol AWS Chatbot subscribes with)."""
    return json.dumps(
        {
            "default": notice.text,
            "email": notice.text,
            "https": json.dumps(chatbot_message(notice), default=str),
        }
    )


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
        Message=message_structure(notice),
        MessageStructure="json",
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
    sent: bool = True
    """False for a notice :func:`worth_sending` kept back (recorded and logged, not mailed)."""


def candidate_lines(entries: list[dict[str, Any]]) -> list[str]:
    """How the target was chosen, one line per candidate (failover.candidates)."""
    if len(entries) < 2 and not any(e.get("status") == "rejected" for e in entries):
        return []
    lines = ["Target chosen in priority order:"]
    for entry in entries:
        reasons = "; ".join(entry.get("reasons") or [])
        lines.append(
            f"  {entry.get('region')}: {entry.get('status')}" + (f" ({reasons})" if reasons else "")
        )
    return lines


def send(notice: Notice, settings: Settings) -> Delivery:
    """Publish to this region's topic; if it cannot take the notice, to the other regions'
    topics in priority order, until one does.

    The fallback is logged and counted (``NotificationFailed``). When every topic fails, the
    home error is raised for the state machine's Retry and Catch.
    """
    home = settings.home_region
    try:
        message_id = publish(client("sns", home), settings.topic_arn, notice)
        return Delivery(notice.kind, settings.topic_arn, message_id, False)
    except (ClientError, BotoCoreError) as error:
        logger.error("notice not delivered to this region's topic", extra={"error": str(error)})
        emit_metric(settings.metrics_namespace, "NotificationFailed", 1, "Count", {"Region": home})
        for region in settings.other_regions:
            topic_arn = settings.topic_arn_in(region)
            try:
                message_id = publish(client("sns", region, Profile.BEST_EFFORT), topic_arn, notice)
            except (ClientError, BotoCoreError) as other:
                logger.warning(
                    "notice not delivered to another region's topic",
                    extra={"region": region, "error": str(other)},
                )
                continue
            return Delivery(notice.kind, topic_arn, message_id, True)
        raise error from None


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
