"""RecordOutcome: the audit row (per-stage timings, RPO evidence) and metrics.

Used by RecordOutcome (every clean ending) and RecordFailure (the failure path). Stage
timings and the failed stage come from this execution's own history.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import audit, cooldown, outcome, verify
from failover.clients import client
from failover.config import get_settings
from failover.errors import transient_aws_errors
from failover.models import StageInput
from failover.observability import logger, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def _lag_at_cutover(state: dict[str, Any]) -> float | None:
    for branch in state.get("actions") or []:
        if isinstance(branch, dict) and branch.get("branch") == "database":
            value = branch.get("lag_at_cutover_ms")
            return float(value) if value is not None else None
    return None


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    stage = StageInput.model_validate(event)
    result = outcome.outcome_of(event)
    home = settings.home_region
    now = datetime.now(UTC)
    with transient_aws_errors():
        events = audit.history(client("stepfunctions", home), stage.execution.id)
    timings = audit.stage_timings(events)
    failed_stage = audit.failed_stage(events) if result == "failed" else None
    verify_end = next((t.ended_at for t in timings if t.stage == "verify"), None)
    started = datetime.fromisoformat(stage.execution.start_time)
    rto = (
        round((datetime.fromisoformat(verify_end) - started).total_seconds(), 3)
        if verify_end and result == "succeeded"
        else None
    )
    plan = stage.plan or {}
    lag_at_cutover = _lag_at_cutover(event)
    row: dict[str, Any] = {
        "execution_id": stage.execution.id,
        "execution_name": stage.execution.name,
        "started_at": stage.execution.start_time,
        "recorded_at": now.isoformat(),
        "outcome": result,
        "trigger": stage.request.trigger,
        "mode": stage.request.mode,
        "target_region": stage.request.target_region,
        "source_region": stage.request.source_region,
        "reason": stage.request.reason,
        "requested_by": stage.request.requested_by,
        "dry_run": stage.request.dry_run,
        "force": stage.request.force,
        "stages": [asdict(t) for t in timings],
        "failed_stage": failed_stage,
        "error": outcome.error_summary(event.get("error")),
        "rto_seconds": rto,
        "replication_lag_at_preflight_ms": plan.get("replication_lag_ms"),
        "replication_lag_at_cutover_ms": lag_at_cutover,
        "quorum": event.get("outage"),
        "plan": plan or None,
        "actions": event.get("actions"),
        "fence": event.get("fence"),
        "verification": event.get("verification"),
        "estate_after": verify.observe_estate(settings, stage.request)
        if result == "failed"
        else None,
    }
    with transient_aws_errors():
        ddb = client("dynamodb", home)
        audit.write_audit_row(ddb, settings.table_name, row)
        if result == "succeeded":
            cooldown.remember_failover(
                ddb,
                settings.table_name,
                cooldown.LastFailover(
                    now.isoformat(), stage.request.target_region, stage.execution.id
                ),
            )
        audit.emit_metrics(
            client("cloudwatch", home),
            settings.metrics_namespace,
            home,
            result,
            timings,
            rto,
            lag_at_cutover,
        )
    logger.info("run recorded", extra={"audit": {"outcome": result, "failed_stage": failed_stage}})
    return {
        "outcome": result,
        "failed_stage": failed_stage,
        "rto_seconds": rto,
        "stages": [asdict(t) for t in timings],
        "replication_lag_at_cutover_ms": lag_at_cutover,
        "estate_after": row["estate_after"],
    }
