"""Readiness: the standby quietly stops being ready before the outage."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from drill import final_state
from drill.model import Check, Report
from drill.scenarios.registry import scenario

if TYPE_CHECKING:
    from drill.harness import LocalDrill

NOT_READY_LAG_MS = 30_000.0  # the standby's replication lag (limit: 5 s)


def evaluate_readiness(drill: LocalDrill, region: str) -> dict[str, Any]:
    """Invoke ``region``'s EvaluateReadiness as its schedule does (every 15 minutes)."""
    from drill.readiness_cli import invoke

    function = drill.estate.function_arns[region]["EvaluateReadinessFunction"]
    evaluation = invoke(drill.client("lambda", region), function)
    failing = [c["name"] for c in evaluation["checks"] if c["status"] == "FAIL"]
    drill.mark(
        f"readiness of {region}: "
        + ("ready" if evaluation["ready"] else f"NOT READY ({', '.join(failing)})")
    )
    return evaluation


def overall_readiness(drill: LocalDrill, region: str) -> float | None:
    """The latest overall ``Readiness`` datapoint (1 ready, 0 a FAIL): what the
    ReadinessAlarm and the dashboard read."""
    cloudwatch = drill.client("cloudwatch", region)
    found = cloudwatch.list_metrics(
        Namespace="FailoverControlPlane",
        MetricName="Readiness",
        Dimensions=[{"Name": "Region", "Value": region}, {"Name": "Check", "Value": "overall"}],
    )["Metrics"]
    now = drill.emu.utcnow()
    points = [
        point
        for metric in found
        for point in cloudwatch.get_metric_statistics(
            Namespace="FailoverControlPlane",
            MetricName="Readiness",
            Dimensions=metric["Dimensions"],
            StartTime=now - timedelta(minutes=5),
            EndTime=now + timedelta(minutes=1),
            Period=60,
            Statistics=["Minimum"],
        )["Datapoints"]
    ]
    if not points:
        return None
    return float(max(points, key=lambda p: p["Timestamp"])["Minimum"])


@scenario(
    "not-ready",
    help="the standby falls behind, readiness flags it, then the outage: the automatic run "
    "asks a person (naming the check), who approves",
)
def not_ready(drill: LocalDrill, report: Report) -> None:
    """The standby quietly stops being ready (its replication falls 30 s behind) before the
    outage: readiness flags it; then the outage comes, and the automatic run asks a person
    instead of acting (the notice names the failing check and the lag); once approved the
    failover proceeds and records what was failing."""
    standby = drill.second
    drill.begin(f"not-ready: {standby} falls behind before the outage")
    before = evaluate_readiness(drill, standby)
    drill.estate.notices(standby)  # what came before the break
    drill.estate.publish_replication_lag(NOT_READY_LAG_MS, standby)
    drill.mark(
        f"break: {standby}'s Aurora replication lag grows to "
        f"{NOT_READY_LAG_MS / 1000:.0f} s (the limit is "
        f"{drill.spec.max_switchover_lag_seconds:.0f} s)"
    )
    drill.advance(60.0)  # the next minute's datapoint; then the schedule's evaluation
    after = evaluate_readiness(drill, standby)
    found = {c["name"]: c for c in after["checks"]}
    lag = found.get("database.replication_lag", {})
    kinds = [n["kind"] for n in drill.estate.notices(standby)]
    overall = overall_readiness(drill, standby)
    report.checks += [
        Check("ready before the break", "True", str(before["ready"]), before["ready"]),
        Check(
            "readiness flags the break",
            "database.replication_lag FAIL",
            f"database.replication_lag {lag.get('status')}: {lag.get('reason')}",
            lag.get("status") == "FAIL",
        ),
        Check("not ready after the break", "False", str(after["ready"]), not after["ready"]),
        Check("not-ready notice sent", "not_ready", ",".join(kinds), "not_ready" in kinds),
        Check("overall Readiness metric (the alarm's input)", "0.0", str(overall), overall == 0.0),
    ]
    from drill.scenarios.safety import gated_failover

    notice, run = gated_failover(
        drill, report, f"failover: outage of {drill.primary}, automatic path", approve=True
    )
    row = final_state.audit_row(drill.client, drill.table, standby, run.execution_arn or "")
    recorded = [str(c.get("name")) for c in (row or {}).get("readiness_failing") or []]
    cutover = run.rpo.lag_ms_at_cutover if run.rpo else None
    run.checks += [
        Check(
            "the approval notice names the failing check",
            "database.replication_lag",
            next((ln for ln in notice["text"].splitlines() if "readiness FAIL" in ln), "missing"),
            "readiness FAIL database.replication_lag" in notice["text"],
        ),
        Check("approved failover proceeds", "succeeded", run.outcome, run.outcome == "succeeded"),
        Check(
            "record lists the failing checks",
            "database.replication_lag",
            ",".join(recorded) or "none",
            "database.replication_lag" in recorded,
        ),
        Check(
            "RPO evidence: lag at cutover",
            f"{NOT_READY_LAG_MS:.0f} ms",
            "unknown" if cutover is None else f"{cutover:.0f} ms",
            cutover == NOT_READY_LAG_MS,
        ),
    ]
    report.notes.append(
        "EvaluateReadiness ran as its schedule runs it (an invoke); its notice went to the "
        f"{standby} topic and its overall Readiness metric feeds the ReadinessAlarm "
        "(hourly period: not waited for here)"
    )
    drill.estate.publish_replication_lag(drill.spec.replication_lag_ms, standby)
    drill.failback(report)
