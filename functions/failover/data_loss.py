"""The data-loss gate of an unplanned failover: move only when it is worth the data.

``FailoverGlobalCluster`` with ``AllowDataLoss`` throws away the writes the target had not
received. At the decision (Preflight), the run reads how far behind the target is, from the
target's own region (so it can be read with the primary down):

- ``AuroraGlobalDBRPOLag`` (AWS/RDS, dimension ``DBClusterIdentifier``, milliseconds: "the
  recovery point objective (RPO) lag time ... how far the secondary cluster is behind the
  primary cluster in terms of user transactions", available in the secondary only,
  https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html);
- else ``AuroraGlobalDBReplicationLag`` (same namespace, dimension and unit: the storage lag,
  a close bound where the RPO metric is not published);
- a datapoint older than :data:`STALE_AFTER` is not a reading: no fresh datapoint is unknown.

Then, against the budget (``MaxDataLossSeconds``):

- within it: the move goes ahead;
- over it, or unknown: an automatic run does not promote; it asks a person (RequestApproval,
  whose notice states the lag, the budget and what approving costs). A manual unplanned run
  needs ``"accept_data_loss": true`` in its input, or it is refused
  (``DataLossNotAccepted``), before anything moves.

The latest Readiness evaluation gates automation too: a FAIL of a check that would make the
move fail or unsafe (:data:`GATING_CHECKS`) makes an automatic run ask instead of act, naming
the check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from failover import aurora
from failover.errors import DataLossNotAccepted
from failover.plan import Approval

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mypy_boto3_cloudwatch import CloudWatchClient

    from failover.config import Settings
    from failover.models import Request
    from failover.plan import FailingCheck

RPO_LAG_METRIC = "AuroraGlobalDBRPOLag"
REPLICATION_LAG_METRIC = aurora.REPLICATION_LAG_METRIC
STALE_AFTER = timedelta(seconds=180)
"""Aurora publishes its metrics every minute ("Amazon Aurora automatically sends metrics to
CloudWatch every minute for each active database",
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/MonitoringAurora.html): a latest
datapoint three periods old means the metric stopped, and its value says nothing of now."""
GATING_CHECKS = frozenset(
    {
        "database.member",
        "database.replication_lag",
        "compute.service",
        "compute.image",
        "compute.warm_standby",
        "compute.fargate_quota",
        "traffic.endpoint_groups",
        "traffic.target_health",
        "data.s3_replication",
    }
)
"""Readiness checks whose FAIL makes an unplanned move fail (the target cannot take the writer,
the load or the traffic) or unsafe (the target does not answer /health, its data is behind).
Detection and control-plane checks (the watch on the peer, the lease, notices) say nothing
about whether the move would work; nor does ``database.global_endpoint``: the global writer
endpoint names the failed writer until the promotion moves it, which is what the move fixes."""

Verdict = Literal["within_budget", "over_budget", "unknown", "not_applicable"]


@dataclass(frozen=True)
class Lag:
    """The target's lag as read at one moment: the value, which metric, and how old it was."""

    lag_ms: float | None
    metric: str | None
    at: str | None
    age_seconds: float | None
    problem: str | None = None


@dataclass(frozen=True)
class Gate:
    verdict: Verdict
    lag: Lag
    budget_seconds: float
    approval_required: bool
    accepted_by_input: bool
    reasons: list[str] = field(default_factory=list)
    readiness_failing: list[str] = field(default_factory=list)
    cost: str = ""


def read_lag(cloudwatch: CloudWatchClient, cluster_arn: str, now: datetime) -> Lag:
    """The target's RPO lag, else its replication lag; unknown when neither is fresh."""
    problems = []
    for metric in (RPO_LAG_METRIC, REPLICATION_LAG_METRIC):
        found = aurora.latest_metric(cloudwatch, metric, cluster_arn, now)
        if found is None:
            problems.append(
                f"no {metric} datapoint in the last {aurora.LAG_LOOKBACK.seconds // 60} min"
            )
            continue
        value, at = found
        age = (now - at).total_seconds()
        if age > STALE_AFTER.total_seconds():
            problems.append(f"{metric}'s latest datapoint is {age:.0f} s old (stale)")
            continue
        return Lag(value, metric, at.isoformat(), round(max(age, 0.0), 1))
    return Lag(None, None, None, None, "; ".join(problems))


def decide(
    settings: Settings, request: Request, lag: Lag, readiness_failing: list[dict[str, Any]]
) -> Gate:
    """The gate's verdict for an unplanned run (planned moves lose no data: not applicable).

    Raises ``DataLossNotAccepted`` for a manual run over budget or unknown without
    ``accept_data_loss``: nothing has moved yet."""
    budget = settings.max_data_loss_seconds
    if request.planned:
        return Gate("not_applicable", lag, budget, False, False)
    if lag.lag_ms is None:
        verdict: Verdict = "unknown"
        reasons = [f"the target's replication lag is unknown ({lag.problem})"]
    elif lag.lag_ms > budget * 1000:
        verdict = "over_budget"
        reasons = [
            f"{lag.metric} is {lag.lag_ms / 1000:.1f} s, over the {budget:g} s budget "
            f"(MaxDataLossSeconds)"
        ]
    else:
        verdict, reasons = "within_budget", []
    cost = (
        f"approving promotes the target with AllowDataLoss: the writes of the last "
        f"{lag.lag_ms / 1000:.1f} s before the outage (or more) may be lost"
        if lag.lag_ms is not None
        else "approving promotes the target with AllowDataLoss: how many writes are lost is "
        "unknown (the lag could not be read)"
    )
    gating = [c for c in readiness_failing if c.get("name") in GATING_CHECKS]
    failing = [f"{c['name']}: {c.get('reason', '')}" for c in gating]
    automatic = request.trigger == "alarm"
    if automatic:
        reasons += [f"readiness FAIL {line}" for line in failing]
        return Gate(verdict, lag, budget, bool(reasons), False, reasons, failing, cost)
    accepted = request.accept_data_loss
    if verdict != "within_budget" and not accepted:
        raise DataLossNotAccepted(
            f"{reasons[0]}; an unplanned failover would lose those writes. Re-run with "
            '"accept_data_loss": true to accept that, or wait for the lag to come down'
        )
    return Gate(verdict, lag, budget, False, accepted, reasons, failing, cost)


@dataclass(frozen=True)
class PlanPart:
    data_loss: dict[str, Any] | None
    approval: Approval


def gate(
    settings: Settings,
    request: Request,
    target_region: str,
    now: datetime,
    readiness_failing: Sequence[FailingCheck],
    already_writer: bool,
) -> PlanPart:
    """Preflight's ``data_loss`` and ``approval`` parts of the plan (see :func:`decide`)."""
    from failover import readings
    from failover.clients import client
    from failover.models import plain

    if already_writer or request.planned:
        return PlanPart(None, Approval())
    arn = settings.estate.regions[target_region].db_cluster_arn
    found = readings.read(
        "cloudwatch:GetMetricStatistics",
        lambda: read_lag(client("cloudwatch", target_region), arn, now),
    )
    lag = found.value or Lag(None, None, None, None, found.problem)
    failing = [{"name": c.name, "reason": c.reason} for c in readiness_failing]
    decided = decide(settings, request, lag, failing)
    return PlanPart(plain(decided), Approval(decided.approval_required, decided.reasons))
