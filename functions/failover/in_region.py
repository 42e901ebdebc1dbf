"""In-region recovery is not a regional outage: what the failed region says about itself.

Before an automatic run confirms an outage, it asks the failed region's own APIs (read only,
best effort, from the recovery region):

- its Aurora cluster: ``DescribeDBClusters`` ``Status`` in :data:`AURORA_RECOVERING` (an
  in-region writer failover or a reboot; Aurora: "service is typically restored in less than
  60 seconds, and often less than 30 seconds",
  https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.AuroraHighAvailability.html),
  or a ``failover`` RDS event of the cluster within :data:`RECENT_EVENTS`;
- its ECS service: a deployment with ``rolloutState`` IN_PROGRESS (a rolling deployment,
  which replaces tasks behind the ALB: target churn).

Either means the region is healing itself: the automatic run holds (a bounded time,
:data:`HOLD_SECONDS`) instead of moving the writer with data loss allowed.

When both APIs cannot be reached at all, the region's control plane is gone too: that is the
overwhelming evidence of a regional event (an Aurora failover or an ECS deployment does not
take a region's API endpoints away), and the required outage is shorter
(:data:`UNREACHABLE_MIN_OUTAGE_SECONDS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from failover import readings
from failover.arns import resource_name
from failover.clients import Profile

if TYPE_CHECKING:
    from collections.abc import Callable

    from failover.config import Settings

AURORA_RECOVERING = frozenset({"failing-over", "rebooting", "maintenance", "upgrading"})
"""DBCluster ``Status`` values of a cluster that is recovering or changing in its own region
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/accessing-monitoring.html#Aurora.Status)."""

RECENT_EVENTS = timedelta(minutes=5)
"""A ``failover`` RDS event this recent means an in-region failover just ran: its cluster may
already read "available" while the application reconnects."""

HOLD_SECONDS = 300
"""How long an automatic run holds for in-region recovery before a sustained outage moves the
region anyway: five times Aurora's "typically restored in less than 60 seconds" (above), and
longer than an ECS rolling replacement of the estate's tasks behind the ALB (Fargate task start,
the service's HealthCheckGracePeriodSeconds 60 and HealthyThresholdCount 2 x 10 s in
stacks/region.yaml). Past it, a region that still fails is not recovering by itself."""

UNREACHABLE_MIN_OUTAGE_SECONDS = 60
"""The outage required when the failed region's RDS and ECS APIs are unreachable from the
recovery region as well: two full probe windows (3 x 10 s each). Shorter than MinOutageSeconds
because an in-region event (the reason for the long wait) leaves the region's API endpoints
up; a network problem between the two regions alone cannot confirm it, because the quorum
still needs a second observer family (Route 53's checkers in several regions, or Global
Accelerator's edge)."""


@dataclass(frozen=True)
class InRegion:
    """What the failed region's own APIs say: recovering (why), or unreachable."""

    recovering: str | None
    apis_unreachable: bool
    detail: str


def observe(
    settings: Settings, region: str, now: datetime, clients: Callable[..., Any]
) -> InRegion:
    cfg = settings.estate.regions[region]
    rds = clients("rds", region, Profile.OBSERVE)
    ecs = clients("ecs", region, Profile.OBSERVE)
    cluster = readings.read(
        "rds:DescribeDBClusters",
        lambda: rds.describe_db_clusters(DBClusterIdentifier=cfg.db_cluster_arn)["DBClusters"],
    )
    service = readings.read(
        "ecs:DescribeServices",
        lambda: ecs.describe_services(cluster=cfg.ecs_cluster, services=[cfg.ecs_service])[
            "services"
        ],
    )
    unreachable = all((r.problem or "").startswith("unreachable") for r in (cluster, service))
    if unreachable:
        return InRegion(None, True, f"{region}'s RDS and ECS APIs are unreachable")
    reasons: list[str] = []
    status = (cluster.value or [{}])[0].get("Status") if cluster.value else None
    if status in AURORA_RECOVERING:
        reasons.append(f"Aurora cluster {resource_name(cfg.db_cluster_arn)} is {status}")
    elif cluster.known:
        events = readings.read(
            "rds:DescribeEvents",
            lambda: rds.describe_events(
                SourceIdentifier=resource_name(cfg.db_cluster_arn),
                SourceType="db-cluster",
                StartTime=now - RECENT_EVENTS,
                EndTime=now,
                EventCategories=["failover"],
            )["Events"],
        )
        recent = [e for e in events.value or [] if _recent(e.get("Date"), now)]
        if recent:
            reasons.append(
                f"Aurora cluster {resource_name(cfg.db_cluster_arn)} failed over in-region "
                f"at {recent[-1]['Date'].isoformat()}: {recent[-1].get('Message', '')}"
            )
    for found in service.value or []:
        rolling = [
            d for d in found.get("deployments", []) if d.get("rolloutState") == "IN_PROGRESS"
        ]
        if len(found.get("deployments", [])) > 1 and rolling:
            reasons.append(
                f"ECS service {cfg.ecs_service} is mid-deployment "
                f"({len(found['deployments'])} deployments, rollout IN_PROGRESS)"
            )
    detail = "; ".join(reasons) or f"no in-region recovery seen (Aurora {status or 'unknown'})"
    return InRegion("; ".join(reasons) or None, False, detail)


def _recent(date: Any, now: datetime) -> bool:
    return isinstance(date, datetime) and now - date <= RECENT_EVENTS
