"""Move only when it is worth the data (issue 20): blips, in-region recovery, the data-loss
gate. Each scenario injects something that must *not* move the writer on its own, and checks
that nothing moved, or that it moved only once a person approved."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from drill import final_state
from drill.model import Check, Report
from drill.scenarios.registry import scenario

if TYPE_CHECKING:
    from drill.harness import LocalDrill

SETTLE_AFTER_BLIP = 420.0
"""Modelled seconds to let pass after a blip: longer than ConfirmOutage's whole window (the
families' 90 s to agree, then MinOutageSeconds 180 s, polled every 10 s) plus the probe's
alarm window, so a run the blip started has ended before the checks."""

OVER_BUDGET_LAG_MS = 30_000.0  # 30 s behind; the budget (MaxDataLossSeconds) is 5 s
WAIT_BEFORE_ANSWER = 300.0  # a person takes five modelled minutes to answer


def writer_region(drill: LocalDrill) -> str | None:
    state = drill.observe()
    return state.writer_region


def promotions_with_data_loss(drill: LocalDrill) -> list[dict[str, Any]]:
    """The audit rows of runs that promoted with AllowDataLoss (in either region)."""
    rows = []
    for region in drill.spec.regions:
        for row in final_state.audit_rows(drill.client, drill.table, region):
            plan = row.get("plan") or {}
            database = plan.get("database") or {}
            if database.get("action") == "failover" and row.get("outcome") == "succeeded":
                rows.append(row)
    return rows


def blip_outcome(drill: LocalDrill, seconds: float, phase: float) -> dict[str, Any]:
    """A /health blip of ``seconds`` starting ``phase`` s into a probe period; then the world
    settles. What happened: the runs it started, their outcomes, whether the writer moved."""
    drill.to_probe_period_start()
    if phase:
        drill.advance(phase)
    before = writer_region(drill)
    first = len(drill.started_executions())
    drill.estate.health.set_healthy(drill.primary, False)
    drill.mark(f"blip: {drill.primary} /health answers 503 for {seconds:g} s")
    drill.advance(seconds)
    drill.estate.health.set_healthy(drill.primary, True)
    drill.mark(f"blip over: {drill.primary} /health answers 200")
    drill.advance(SETTLE_AFTER_BLIP)
    drill.settle_executions()
    started = drill.started_executions()[first:]
    outcomes = [drill.outcome_of(arn) for arn in started]
    return {
        "blip_s": seconds,
        "phase_s": phase,
        "runs": len(started),
        "outcomes": outcomes,
        "executions": started,
        "writer_before": before,
        "writer_after": writer_region(drill),
    }


@scenario(
    "blip",
    help="the primary's /health fails for --blip-seconds (at --blip-phase into a probe "
    "period), then answers again: nothing moves",
)
def blip(drill: LocalDrill, report: Report) -> None:
    seconds, phase = drill.options.blip_seconds, drill.options.blip_phase
    t0 = drill.begin(f"blip: {drill.primary} fails for {seconds:g} s, {phase:g} s into a period")
    began = time.monotonic()
    seen = blip_outcome(drill, seconds, phase)
    for arn in seen["executions"]:
        followed = drill.follow_run(arn, t0)
        report.runs.append(
            drill.run_record(
                "blip run", "alarm", arn.split(":")[3], followed, t0, time.monotonic() - began, None
            )
        )
    report.checks += [
        Check(
            "writer did not move",
            str(seen["writer_before"]),
            str(seen["writer_after"]),
            seen["writer_after"] == seen["writer_before"] == drill.primary,
        ),
        Check(
            "runs the blip started ended without acting",
            "false_alarm / already_in_progress (or none)",
            ",".join(str(o) for o in seen["outcomes"]) or "none",
            all(o in ("false_alarm", "already_in_progress") for o in seen["outcomes"]),
        ),
        Check(
            "promotions with AllowDataLoss",
            "0",
            str(len(promotions_with_data_loss(drill))),
            not promotions_with_data_loss(drill),
        ),
    ]
    report.notes.append(
        f"a {seconds:g} s blip {phase:g} s into a probe period started {seen['runs']} run(s); "
        "MinOutageSeconds (template.yaml) is how long the families must agree before a move"
    )


@scenario(
    "in-region-failover",
    help="the primary's Aurora cluster fails over in-region and /health fails meanwhile: "
    "the automatic run holds, nothing moves across regions",
)
def in_region_failover(drill: LocalDrill, report: Report) -> None:
    rds = drill.client("rds", drill.primary)
    cluster = drill.spec.cluster_id(drill.primary)
    rds.create_db_instance(
        DBInstanceIdentifier=f"{cluster}-2",
        DBClusterIdentifier=cluster,
        Engine="aurora-postgresql",
        DBInstanceClass="db.serverless",
    )
    drill.to_probe_period_start()
    t0 = drill.begin(f"in-region failover: {cluster} promotes its reader in {drill.primary}")
    began = time.monotonic()
    first = len(drill.started_executions())
    rds.failover_db_cluster(DBClusterIdentifier=cluster)
    drill.estate.health.set_healthy(drill.primary, False)
    # The application's /health depends on its database: it fails while the writer moves and
    # while the connection pools reconnect (longer than MinOutageSeconds here, on purpose, so
    # only the in-region hold keeps the writer where it is).
    outage = 240.0
    drill.mark(
        f"FailoverDBCluster {cluster}: Status failing-over for "
        f"{drill.emu.latency.aurora_in_region_failover_seconds:g} s; "
        f"{drill.primary} /health answers 503 for {outage:g} s"
    )
    drill.advance(outage)
    drill.estate.health.set_healthy(drill.primary, True)
    drill.mark(f"{drill.primary} /health answers 200 again")
    drill.advance(SETTLE_AFTER_BLIP)
    drill.settle_executions()
    started = drill.started_executions()[first:]
    holds = []
    for arn in started:
        followed = drill.follow_run(arn, t0)
        run = drill.run_record(
            "held run", "alarm", arn.split(":")[3], followed, t0, time.monotonic() - began, None
        )
        report.runs.append(run)
        row = final_state.audit_row(drill.client, drill.table, arn.split(":")[3], arn) or {}
        if row.get("outage"):  # a run that confirmed (not one that found the lease held)
            holds.append(((row.get("outage") or {}).get("hold") or {}).get("reason"))
    report.checks += [
        Check(
            "writer did not move across regions",
            drill.primary,
            str(writer_region(drill)),
            writer_region(drill) == drill.primary,
        ),
        Check(
            "the automatic run held for in-region recovery, and says why",
            "Aurora cluster ... failed over / failing-over",
            "; ".join(str(h) for h in holds) or "no run",
            bool(holds) and all(h and "Aurora cluster" in h for h in holds),
        ),
        Check(
            "promotions with AllowDataLoss",
            "0",
            str(len(promotions_with_data_loss(drill))),
            not promotions_with_data_loss(drill),
        ),
    ]


def gated_failover(
    drill: LocalDrill, report: Report, title: str, approve: bool
) -> tuple[dict[str, Any], Any]:
    """The primary fails; the automatic run asks a person; nothing moves until they answer;
    then they approve (or reject). The approval notice and the run."""
    drill.to_probe_period_start()
    t0 = drill.begin(title)
    began = time.monotonic()
    drill.estate.health.set_healthy(drill.primary, False)
    drill.mark(f"outage injected: {drill.primary} /health answers 503")
    arn = drill.wait_for_execution(drill.second)
    token, notice = drill.approval_requested(drill.second)
    drill.advance(WAIT_BEFORE_ANSWER)
    unmoved = writer_region(drill)
    drill.answer_approval(drill.second, token, approve, "drill-operator")
    followed = drill.follow_run(arn, t0)
    drill.settle_executions()
    expect = drill.second if approve else None
    run = drill.run_record(
        "failover", "alarm", drill.second, followed, t0, time.monotonic() - began, expect
    )
    # The RTO of a run that waited for a person includes that person's time: it is reported,
    # not checked against the target (the gate exists to spend that time).
    run.checks = [c for c in run.checks if c.name != "RTO within target"]
    if run.rto is not None and run.rto.modelled_seconds is not None:
        report.notes.append(
            f"{title}: RTO {run.rto.modelled_seconds:.1f} s includes the "
            f"{WAIT_BEFORE_ANSWER:.0f} s the person took to answer"
        )
    run.checks.insert(
        0,
        Check(
            "nothing moves until a person answers",
            drill.primary,
            str(unmoved),
            unmoved == drill.primary,
        ),
    )
    report.runs.append(run)
    return notice, run


def gate_checks(notice: dict[str, Any], lag_shown: str) -> list[Check]:
    text = notice["text"]
    return [
        Check("approval notice: the lag", lag_shown, _line(text, "Data loss:"), lag_shown in text),
        Check(
            "approval notice: the budget",
            "budget 5 s",
            _line(text, "Data loss:"),
            "budget 5 s" in text,
        ),
        Check(
            "approval notice: what approving costs",
            "AllowDataLoss",
            _line(text, "What approving costs:"),
            "AllowDataLoss" in text,
        ),
    ]


def _line(text: str, prefix: str) -> str:
    return next((line for line in text.splitlines() if line.startswith(prefix)), "missing")


@scenario(
    "rpo-over-budget",
    help="the standby is 30 s behind (budget 5 s) when the primary fails: a person is asked, "
    "nothing moves until they approve, then the move records the lag",
)
def rpo_over_budget(drill: LocalDrill, report: Report) -> None:
    drill.estate.publish_replication_lag(OVER_BUDGET_LAG_MS, drill.second)
    drill.advance(60.0)
    notice, run = gated_failover(
        drill, report, f"rpo over budget: {drill.second} is 30 s behind", approve=True
    )
    row = final_state.audit_row(drill.client, drill.table, drill.second, run.execution_arn or "")
    gate = (row or {}).get("data_loss") or {}
    lag = (gate.get("lag") or {}).get("lag_ms")
    run.checks += [
        *gate_checks(notice, "lag at the decision 30.0 s"),
        Check("run outcome", "succeeded", run.outcome, run.outcome == "succeeded"),
        Check(
            "record: lag at the decision",
            f"{OVER_BUDGET_LAG_MS:.0f} ms",
            str(lag),
            lag is not None and float(lag) == OVER_BUDGET_LAG_MS,
        ),
        Check(
            "record: lag at cutover",
            "recorded",
            str((row or {}).get("replication_lag_at_cutover_ms")),
            (row or {}).get("replication_lag_at_cutover_ms") is not None,
        ),
    ]
    drill.estate.publish_replication_lag(drill.spec.replication_lag_ms, drill.second)
    drill.failback(report)


@scenario(
    "rpo-unknown",
    help="the standby's lag metrics stop before the primary fails: handled like over budget "
    "(a person is asked); they reject it and nothing moves",
)
def rpo_unknown(drill: LocalDrill, report: Report) -> None:
    drill.estate.publish_replication_lag(None, drill.second)
    drill.mark(f"{drill.second}'s Aurora lag metrics stop (unknown once stale)")
    drill.advance(240.0)
    notice, run = gated_failover(
        drill, report, f"rpo unknown: {drill.second}'s lag cannot be read", approve=False
    )
    run.checks += [
        *gate_checks(notice, "lag at the decision unknown")[:1],
        Check(
            "run outcome",
            "failed (ApprovalRejected)",
            run.outcome,
            run.outcome.startswith("failed"),
        ),
        Check(
            "writer did not move",
            drill.primary,
            str(writer_region(drill)),
            writer_region(drill) == drill.primary,
        ),
    ]
    drill.estate.publish_replication_lag(drill.spec.replication_lag_ms, drill.second)
    drill.estate.health.set_healthy(drill.primary, True)
    report.notes.append("the person rejected the move: there is nothing to fail back")


@scenario(
    "lost-writes",
    help="us-east-1 goes down and the estate fails over; it comes back; post-recovery keeps "
    "Aurora's snapshot of its volume and records the window of writes that may be lost",
)
def lost_writes(drill: LocalDrill, report: Report) -> None:
    down = drill.primary
    drill.to_probe_period_start()
    t0 = drill.begin(f"lost writes: {down} unreachable, the estate fails over")
    began = time.monotonic()
    drill.emu.faults.unreachable_regions.add(down)
    drill.estate.health.set_healthy(down, False)
    drill.mark(f"outage injected: {down} unreachable (every API) and its /health fails")
    arn = drill.wait_for_execution(drill.second)
    followed = drill.follow_run(arn, t0)
    drill.settle_executions()
    report.runs.append(
        drill.run_record(
            "failover", "alarm", drill.second, followed, t0, time.monotonic() - began, None
        )
    )
    t1 = drill.begin(f"post-recovery: {down} answers again")
    began = time.monotonic()
    drill.emu.faults.unreachable_regions.discard(down)
    drill.estate.health.set_healthy(down, True)
    drill.mark(f"{down} answers again (its APIs and /health)")
    drill.advance(60.0)
    # post-recovery is refused until Aurora has rebuilt the old primary as a secondary
    # (OldRegionNotRecovered while it is pending-resync): the operator waits for it
    drill.wait_for_rebuild()
    recovery = drill.start_manual(drill.second, "manual-post-recovery.json")
    again = drill.follow_run(recovery, t1)
    run = drill.run_record(
        "post-recovery", "manual", drill.second, again, t1, time.monotonic() - began, None
    )
    row = final_state.audit_row(drill.client, drill.table, drill.second, recovery) or {}
    found = row.get("post_recovery") or {}
    snapshot = found.get("snapshot") or {}
    window = found.get("lost_writes") or {}
    rds = drill.client("rds", down)
    kept = [
        s["DBClusterSnapshotIdentifier"]
        for s in rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    ]
    standby = drill.observe()
    run.checks += [
        Check("run outcome", "succeeded", run.outcome, run.outcome == "succeeded"),
        Check(
            "old primary rejoined as a secondary",
            "connected",
            str((found.get("rejoined") or {}).get("synchronization_status")),
            (found.get("rejoined") or {}).get("synchronization_status") == "connected",
        ),
        Check(
            "Aurora's point-of-failure snapshot copied to a manual one",
            "rds:unplanned-global-failover-* -> " + f"{drill.spec.name}-lost-writes-*",
            f"{snapshot.get('source')} -> {snapshot.get('copy')}",
            bool(snapshot.get("copy")) and snapshot.get("copy") in kept,
        ),
        Check(
            "window of possibly lost writes recorded",
            "from < to",
            f"{window.get('from')} .. {window.get('to')} (lag {window.get('lag_ms')} ms)",
            bool(window.get("from")) and str(window.get("from")) < str(window.get("to")),
        ),
        Check(
            f"warm standby restored in {down}",
            str(drill.spec.standby_capacity),
            str(standby.desired.get(down)),
            standby.desired.get(down) == drill.spec.standby_capacity,
        ),
    ]
    report.runs.append(run)
    report.notes.append(
        f"writes possibly lost: {window.get('from')} .. {window.get('to')}; "
        f"how to diff them: {window.get('how_to_diff')}"
    )
