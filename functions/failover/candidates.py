"""Choosing the failover target: the first eligible region in priority order.

Aurora's ``FailoverGlobalCluster`` and ``SwitchoverGlobalCluster`` promote the cluster they are
given; they do not choose one. So the run chooses. The candidates are every region but the one
being left, in the estate's priority order (template ``Regions``, ESTATE_CONFIG ``regions``),
and each is judged on what can be read of it now:

Hard checks (a region that fails one is never the target; Aurora would refuse it, or it would
lose the database):

- ``member``: its cluster is a member of the global cluster;
- ``available``: its cluster's ``Status`` is ``available`` (read in its own region);
- ``instance``: its cluster has at least one DB instance (a headless secondary has no writer
  to promote);
- ``engine_version``: its cluster runs the global cluster's ``EngineVersion``;
- ``connected``: its ``SynchronizationStatus`` is ``connected``. After an unplanned failover
  Aurora rebuilds every other secondary to the new primary's point in time
  (``pending-resync``), which takes minutes to hours; until then it is not a target.

Soft checks (a region that fails one is passed over for a later one that passes everything;
when none does, the first region that passes the hard checks is still the target and the
run's own gates decide, as with two regions: the data-loss gate asks a person or wants
``accept_data_loss``, a planned move's Preflight refuses):

- ``lag``: its RPO lag (else replication lag) is known, from a datapoint no older than
  ``data_loss.STALE_AFTER``, and within the budget (``MaxDataLossSeconds`` unplanned,
  ``MaxSwitchoverLagSeconds`` planned);
- ``ready``: its latest Readiness evaluation is fresher than :data:`READINESS_FRESH` and has no
  FAIL of a check that would make the move fail (``data_loss.GATING_CHECKS``). A missing or
  stale one is held against it too: the region's control plane, which would run the move, has
  not shown it is alive (its schedule stores one every 15 minutes). Evaluations that cannot be
  read at all are said, not held against anyone.

Every control plane that an alarm reaches evaluates the same candidates from the same readings
(none of them in the failed region), so they agree on the target unless they see the estate
differently; if two ever both act, the lease serialises them and the second finds the writer
moved (``aurora.start_promotion``'s compare-and-set: Superseded).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from failover import aurora, data_loss, readings, table
from failover.clients import Profile, client
from failover.items import READINESS_PK
from failover.observability import logger

if TYPE_CHECKING:
    from failover.aurora import GlobalClusterView
    from failover.config import Settings

READINESS_FRESH = timedelta(hours=1)
"""An evaluation older than this says nothing of now: four missed runs of the default
ReadinessSchedule (every 15 minutes)."""

Status = Literal["target", "rejected", "eligible"]
"""The target; rejected (with its reasons); or eligible but after the target in priority."""


@dataclass(frozen=True)
class Candidate:
    region: str
    hard: list[str] = field(default_factory=list)
    """Why this region can never be the target now."""
    soft: list[str] = field(default_factory=list)
    """Why another region is preferred to it."""
    notes: list[str] = field(default_factory=list)
    """What could not be judged (a stale readiness evaluation), held against nothing."""

    @property
    def eligible(self) -> bool:
        return not self.hard and not self.soft


FALLBACK = "no candidate passed every check; it passes the hard ones"
"""Why a target chosen by the hard checks alone is the target (the summary, the notices)."""


@dataclass(frozen=True)
class Choice:
    target: str | None
    candidates: list[Candidate]
    fallback: bool = False
    """No candidate passed every check: the target passed the hard ones only."""

    def entries(self) -> list[dict[str, Any]]:
        """One entry per candidate, in priority order: what the run records."""
        found = []
        for candidate in self.candidates:
            status: Status
            if candidate.region == self.target:
                status = "target"
                reasons = [*candidate.soft, *candidate.notes]
            elif candidate.hard or candidate.soft:
                status = "rejected"
                reasons = [*candidate.hard, *candidate.soft]
            else:
                status = "eligible"
                reasons = [f"eligible, but after {self.target} in priority order"]
            found.append({"region": candidate.region, "status": status, "reasons": reasons})
        return found

    @property
    def why(self) -> str:
        """Why the target is the target."""
        return FALLBACK if self.fallback else "the first eligible region in priority order"

    def rejections(self) -> str:
        """ "rejected: <region> (<reasons>), ..." for the regions ruled out, else ""."""
        rejected = [
            f"{e['region']} ({'; '.join(e['reasons'])})"
            for e in self.entries()
            if e["status"] == "rejected"
        ]
        return f"rejected: {', '.join(rejected)}" if rejected else ""

    def summary(self) -> str:
        head = f"target {self.target}" if self.target else "no eligible target"
        if self.fallback and self.target:
            head += f" ({FALLBACK})"
        rejections = self.rejections()
        return head + (f"; {rejections}" if rejections else "")


def evaluations_of(settings: Settings) -> readings.Reading[dict[str, dict[str, Any]]]:
    """Every region's latest Readiness evaluation, in one query of the failover table."""

    def query(ddb: Any) -> dict[str, dict[str, Any]]:
        items = ddb.query(
            TableName=settings.table_name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": READINESS_PK}},
            ConsistentRead=True,
        ).get("Items", [])
        found: dict[str, dict[str, Any]] = {}
        for item in items:
            evaluation = json.loads(item["evaluation"]["S"])
            found[str(evaluation.get("region"))] = evaluation
        return found

    return readings.read("dynamodb:Query", lambda: table.call(settings, query))


@dataclass(frozen=True)
class Readings:
    """What one candidate is judged on, as read."""

    cluster: readings.Reading[GlobalClusterView]
    described: readings.Reading[aurora.ClusterView]
    lag: readings.Reading[data_loss.Lag]
    evaluations: readings.Reading[dict[str, dict[str, Any]]]


def read(
    settings: Settings,
    region: str,
    cluster: readings.Reading[GlobalClusterView],
    evaluations: readings.Reading[dict[str, dict[str, Any]]],
    now: datetime,
) -> Readings:
    """One candidate's readings, in its own region, fast and best effort."""
    arn = settings.estate.regions[region].db_cluster_arn
    described = readings.read(
        "rds:DescribeDBClusters",
        lambda: aurora.describe_cluster(client("rds", region, Profile.OBSERVE), arn),
    )
    lag = readings.read(
        "cloudwatch:GetMetricStatistics",
        lambda: data_loss.read_lag(client("cloudwatch", region, Profile.OBSERVE), arn, now),
    )
    return Readings(cluster, described, lag, evaluations)


def judge(region: str, arn: str, seen: Readings, budget_seconds: float, now: datetime) -> Candidate:
    """Every check of one candidate on its readings (no I/O)."""
    hard: list[str] = []
    soft: list[str] = []
    notes: list[str] = []
    view = seen.cluster.value
    if view is None:
        hard.append(f"member: the global cluster could not be read ({seen.cluster.problem})")
    elif arn not in view.member_arns:
        hard.append(f"member: {arn} is not a member of {view.identifier}")
    else:
        synchronization = (view.synchronization or {}).get(arn)
        if synchronization not in (None, "connected"):
            hard.append(
                f"connected: SynchronizationStatus is {synchronization} (Aurora is rebuilding it "
                "to the new primary's point in time; not a failover target until connected)"
            )
    found = seen.described.value
    if found is None:
        hard.append(f"available: its cluster could not be read ({seen.described.problem})")
    else:
        if found.status != "available":
            hard.append(f"available: its cluster is {found.status}")
        if found.instances < 1:
            hard.append("instance: its cluster has no DB instance to promote")
        wanted = view.engine_version if view else None
        if wanted and found.engine_version and found.engine_version != wanted:
            hard.append(
                f"engine_version: it runs {found.engine_version}, the global cluster {wanted}"
            )
    lag = seen.lag.value
    if lag is None or lag.lag_ms is None:
        soft.append(f"lag: unknown ({seen.lag.problem or (lag.problem if lag else '')})")
    elif lag.lag_ms > budget_seconds * 1000:
        soft.append(f"lag: {lag.lag_ms / 1000:.1f} s, over the {budget_seconds:g} s budget")
    evaluations = seen.evaluations
    evaluation = (evaluations.value or {}).get(region)
    if evaluations.value is None:
        notes.append(f"ready: the readiness evaluations could not be read ({evaluations.problem})")
    elif evaluation is None:
        soft.append("ready: its control plane has stored no readiness evaluation")
    else:
        at = datetime.fromisoformat(str(evaluation.get("evaluated_at")))
        failing = [
            str(check.get("name"))
            for check in evaluation.get("checks", [])
            if check.get("status") == "FAIL" and check.get("name") in data_loss.GATING_CHECKS
        ]
        if now - at > READINESS_FRESH:
            soft.append(
                f"ready: its latest readiness evaluation is from {at.isoformat()}: its control "
                "plane may not be running"
            )
        elif failing:
            soft.append(f"ready: readiness FAILs {', '.join(failing)} ({at.isoformat()})")
    return Candidate(region, hard, soft, notes)


def pick(judged: list[Candidate]) -> Choice:
    """The first candidate that passes every check, else the first that passes the hard ones
    (``fallback``), else none."""
    target = next((c.region for c in judged if c.eligible), None)
    fallback = False
    if target is None:
        target = next((c.region for c in judged if not c.hard), None)
        fallback = target is not None
    return Choice(target, judged, fallback)


def choose(
    settings: Settings,
    leaving: str,
    cluster: readings.Reading[GlobalClusterView],
    planned: bool,
    now: datetime,
    only: str | None = None,
) -> Choice:
    """The target for a move out of ``leaving``: the first candidate in priority order that
    passes every check, else the first that passes the hard ones (``fallback``), else None.
    ``only`` judges a single named region (a manual run's ``target_region``).

    Every rejection is logged with its reasons."""
    evaluations = evaluations_of(settings)
    regions = [only] if only else list(settings.estate.others(leaving))
    budget = settings.max_switchover_lag_seconds if planned else settings.max_data_loss_seconds
    choice = pick(
        [
            judge(
                region,
                settings.estate.regions[region].db_cluster_arn,
                read(settings, region, cluster, evaluations, now),
                budget,
                now,
            )
            for region in regions
        ]
    )
    target, fallback = choice.target, choice.fallback
    for entry in choice.entries():
        if entry["status"] == "rejected":
            logger.info(
                "failover candidate rejected",
                extra={"candidate": entry["region"], "reasons": entry["reasons"]},
            )
    logger.info(
        "failover target chosen", extra={"target": target, "leaving": leaving, "fallback": fallback}
    )
    return choice


def ready_now(evaluation: dict[str, Any] | None, now: datetime) -> bool | None:
    """Whether a region's latest readiness evaluation says it is ready (no FAIL), when it is
    fresh; None when there is none or it is stale."""
    if not evaluation:
        return None
    at = datetime.fromisoformat(str(evaluation.get("evaluated_at")))
    if now - at > READINESS_FRESH:
        return None
    return bool(evaluation.get("ready"))


def chooser(
    settings: Settings, cluster: readings.Reading[GlobalClusterView] | None, now: datetime
) -> Callable[[str, bool, str | None], Choice]:
    """:func:`choose` bound to a run's readings: (leaving, planned, only) -> the choice."""
    seen = cluster or readings.Reading(None, "not read")

    def bound(leaving: str, planned: bool, only: str | None) -> Choice:
        return choose(settings, leaving, seen, planned, now, only)

    return bound
