"""The run's record: the audit row (stage timings, RPO evidence, where the estate stands)
and the outcome metrics.

One row per run under ``pk = RUN`` in the failover table, sorted by start time; a re-write
replaces it. Metrics go out as CloudWatch Embedded Metric Format (no API call, no grant):
``FailoverOutcome`` (Region, Outcome), ``StageDuration`` (Region, Stage), ``RecoveryTime``
(Region) and ``ReplicationLagAtCutover`` (Region), all with Powertools' ``service``
dimension.

RTO is measured from the outage for alarm-started runs (the alarm's state change) and from
the execution's start for manual runs, to the end of VerifyFailover: the moment the estate
was verified serving from the target.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from failover import estate_view, history, lease, notify, table
from failover.clients import client
from failover.errors import INPUT_ERRORS
from failover.history import Span, failed_stage, rto_seconds, spans
from failover.observability import emit_metric
from failover.outcome import error_summary, lag_at_cutover, outcome_of
from failover.plan import ActionPlan

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from failover.config import Settings


def _ddb_value(value: Any) -> Any:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, dict):
        return {"M": {str(k): _ddb_value(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [_ddb_value(v) for v in value]}
    return {"S": str(value)}


def recovery_time(state: dict[str, Any], found: list[Span]) -> float | None:
    """The run's RTO (:func:`failover.history.rto_seconds`), when it succeeded: from the
    alarm's state change (alarm-started runs) or the execution's start (manual ones)."""
    if outcome_of(state) != "succeeded":
        return None
    request = state.get("request") or {}
    began = request.get("alarm_time") or (state.get("execution") or {}).get("start_time")
    return rto_seconds(found, parse_time(str(began))) if began else None


def parse_time(text: str) -> datetime:
    """An ISO 8601 time as the run carries it (alarm timestamps look like
    2026-11-25T08:04:40.989+0000)."""
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def build_row(
    state: dict[str, Any],
    events: list[dict[str, Any]],
    recorded_at: datetime,
    estate_after: dict[str, Any] | None,
) -> dict[str, Any]:
    outcome = outcome_of(state)
    found = spans(events)
    request = state.get("request") or {}
    execution = state.get("execution") or {}
    raw_plan = state.get("plan")
    plan = ActionPlan.parse(raw_plan) if raw_plan else None
    return {
        "execution_id": execution.get("id"),
        "execution_name": execution.get("name"),
        "started_at": execution.get("start_time"),
        "recorded_at": recorded_at.isoformat(),
        "outcome": outcome,
        "trigger": request.get("trigger"),
        "mode": request.get("mode"),
        "target_region": request.get("target_region"),
        "source_region": request.get("source_region"),
        "reason": request.get("reason"),
        "requested_by": request.get("requested_by"),
        "dry_run": request.get("dry_run"),
        "force": request.get("force"),
        "candidates": request.get("candidates") or None,
        "input": state.get("input") if not request else None,
        "stages": [
            {
                "stage": s.stage,
                "started_at": s.start.isoformat(),
                "ended_at": s.end.isoformat() if s.end else None,
                "seconds": s.seconds,
            }
            for s in found
        ],
        "failed_stage": failed_stage(events) if outcome == "failed" else None,
        "error": error_summary(state.get("error")),
        "rto_seconds": recovery_time(state, found),
        "replication_lag_at_preflight_ms": plan.replication_lag_ms if plan else None,
        "replication_lag_at_cutover_ms": lag_at_cutover(state),
        "data_loss": plan.data_loss if plan else None,
        "lease": state.get("lease"),
        "outage": state.get("outage"),
        "plan": plan.to_dict() if plan else None,
        "readiness_failing": (
            [asdict(check) for check in plan.readiness.failing] if plan else None
        ),
        "actions": state.get("actions"),
        "fence": state.get("fence"),
        "post_recovery": state.get("post_recovery"),
        "verification": state.get("verification"),
        "estate_after": estate_after,
    }


def write_row(ddb: DynamoDBClient, table: str, row: dict[str, Any]) -> None:
    item = {key: _ddb_value(value) for key, value in row.items()}
    item["pk"] = {"S": "RUN"}
    item["sk"] = {"S": f"{row['started_at']}#{row['execution_name']}"}
    ddb.put_item(TableName=table, Item=item)


def emit_metrics(namespace: str, region: str, row: dict[str, Any]) -> None:
    dims = {"Region": region}
    emit_metric(namespace, "FailoverOutcome", 1, "Count", {**dims, "Outcome": row["outcome"]})
    for stage in row["stages"]:
        if stage["seconds"] is not None:
            emit_metric(
                namespace,
                "StageDuration",
                stage["seconds"],
                "Seconds",
                {**dims, "Stage": stage["stage"]},
            )
    if row["rto_seconds"] is not None:
        emit_metric(namespace, "RecoveryTime", row["rto_seconds"], "Seconds", dims)
    if row["replication_lag_at_cutover_ms"] is not None:
        emit_metric(
            namespace,
            "ReplicationLagAtCutover",
            row["replication_lag_at_cutover_ms"],
            "Milliseconds",
            dims,
        )


def record(settings: Settings, state: dict[str, Any], now: datetime) -> dict[str, Any]:
    """RecordOutcome: read the run's own history, write its row, emit its metrics.

    A run that did not succeed also records where the estate stands now (every piece, every
    region, an Aurora ``FailoverState`` still in flight included), so nothing is half-changed
    without saying so.
    """
    home = settings.home_region
    execution_id = str((state.get("execution") or {}).get("id"))
    events = history.history(client("stepfunctions", home), execution_id)
    outcome = outcome_of(state)
    after = None
    if outcome in ("failed", "superseded"):
        after = estate_view.observe(
            settings.estate,
            client,
            home,
            read_lease=lambda: table.call(
                settings, lambda ddb: lease.current(ddb, settings.table_name)
            ),
        ).to_dict()
    row = build_row(state, events, now, after)
    table.call(settings, lambda ddb: write_row(ddb, settings.table_name, row))
    emit_metrics(settings.metrics_namespace, home, row)
    keep = (
        "outcome",
        "failed_stage",
        "rto_seconds",
        "replication_lag_at_cutover_ms",
        "estate_after",
    )
    return {key: row[key] for key in keep} | {"stages": row["stages"]}


def _row_exists(ddb: DynamoDBClient, table: str, execution_arn: str, started: datetime) -> bool:
    """Whether the run wrote its own row (sort keys start with the ISO start time)."""
    found = ddb.query(
        TableName=table,
        KeyConditionExpression="pk = :run AND sk >= :since",
        FilterExpression="execution_id = :arn",
        ExpressionAttributeValues={
            ":run": {"S": "RUN"},
            ":since": {"S": started.date().isoformat()},
            ":arn": {"S": execution_arn},
        },
        ConsistentRead=True,
    )
    return bool(found.get("Items"))


UNCATCHABLE = frozenset({"States.Runtime", "States.DataLimitExceeded"})
"""Errors no Catch (not even States.ALL) catches: the execution fails at once, a Parallel's
other branch possibly with a Lambda in flight."""


def close_run(settings: Settings, event: dict[str, Any], now: datetime) -> dict[str, Any]:
    """CloseRun: an execution of this region's machine ended (EventBridge "Step Functions
    Execution Status Change"). Release a lease it left, or, for a run stopped, timed out or
    failed abruptly, let it lapse once the run's last Lambda can have ended
    (:data:`failover.lease.SETTLE_SECONDS`); and for a run that ended without its
    own record (timed out, stopped, or failed where no Catch reaches: States.Runtime,
    States.DataLimitExceeded), write the record and send the notice it could not."""
    detail = event.get("detail") or {}
    arn, status = str(detail.get("executionArn")), str(detail.get("status"))
    name = settings.table_name
    if status in ("ABORTED", "TIMED_OUT") or detail.get("error") in UNCATCHABLE:
        # Not released at once: a Lambda of a stopped, timed-out or abruptly failed run may
        # still be running (Step Functions does not stop them); the lease lapses when the
        # longest can have ended.
        released = table.call(settings, lambda ddb: lease.settle(ddb, name, arn, now))
    else:
        # the run reached its end (ReleaseLease, then Done or FailRun): nothing is in flight
        released = table.call(settings, lambda ddb: lease.release(ddb, name, arn))
    started = datetime.fromtimestamp(int(detail.get("startDate") or 0) / 1000, tz=now.tzinfo)
    rejected = status == "FAILED" and detail.get("error") in INPUT_ERRORS
    if (
        rejected
        or status == "SUCCEEDED"
        or table.call(settings, lambda ddb: _row_exists(ddb, name, arn, started))
    ):
        # a rejected input changed nothing, took no lease and was told by NotifyInvalidInput
        return {"execution": arn, "status": status, "released": released, "recorded": False}
    state = {
        "execution": {"id": arn, "name": detail.get("name"), "start_time": started.isoformat()},
        "error": {
            "Error": detail.get("error") or f"Execution{status.title()}",
            "Cause": detail.get("cause") or status,
        },
        "input": detail.get("input"),
    }
    row = build_row(
        state, [], now, estate_view.observe(settings.estate, client, settings.home_region).to_dict()
    )
    row["outcome"] = status.lower()
    table.call(settings, lambda ddb: write_row(ddb, name, row))
    emit_metrics(settings.metrics_namespace, settings.home_region, row)
    notify.send(notify.compose(status.lower(), settings.estate.estate_name, state), settings)
    return {"execution": arn, "status": status, "released": released, "recorded": True}
