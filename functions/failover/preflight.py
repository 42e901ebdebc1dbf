"""Preflight the target region and build the action plan. Reads only; changes nothing.

The plan covers only what is not yet converged (:meth:`EstateView.gaps`): a re-run after a
partial failure, or a run into a region that is already the writer, completes what is
missing and repeats nothing. Manual runs meet the cooldown here (automatic runs met it in
ConfirmOutage).

The checks are the shared ones (:mod:`failover.checks`). A planned move is not in a hurry:
it runs every Readiness check live and refuses, by the check's named error, on a FAIL that
would make it fail. An unplanned one runs only the checks it cannot do without, and lists
what the latest Readiness evaluation found failing, in its plan and so in its record.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from failover import (
    aurora,
    checks,
    compute,
    cooldown,
    data_loss,
    estate_view,
    readiness,
    readings,
    traffic,
)
from failover.clients import Profile, best_effort, client
from failover.config import GLOBAL_ACCELERATOR_REGION, Settings
from failover.errors import Superseded
from failover.models import Request, plain


def required_capacity(settings: Settings, request: Request, source_desired: int | None) -> int:
    """The capacity the target must take: the larger full capacity, or what the source ran
    (``source_desired``, as the estate view read it; None when the source cannot be read)."""
    source = settings.estate.regions[request.source_region]
    target = settings.estate.regions[request.target_region]
    return max(source.full_capacity, target.full_capacity, source_desired or 0)


def build_plan(settings: Settings, request: Request, now: datetime) -> dict[str, Any]:
    estate = settings.estate
    home, source_region = request.target_region, request.source_region
    target, source = estate.regions[home], estate.regions[source_region]
    decision = None
    if request.trigger == "manual":
        last = cooldown.last_move(client("dynamodb", home), settings.table_name)
        decision = cooldown.decide(request, last, now, settings.cooldown_minutes)

    view = estate_view.observe(estate, client, home, peers=best_effort)
    moving_to = (view.failover_state or {}).get("ToDbClusterArn")
    if view.promotion_in_flight and moving_to not in (None, target.db_cluster_arn):
        raise Superseded(f"the database is being moved to {moving_to}")
    observed = view.regions[source_region].desired
    required = required_capacity(settings, request, observed)
    gaps = view.gaps(home, required)
    already_writer = "database" not in gaps

    rds = client("rds", home)
    cluster = readings.read(
        "rds:DescribeGlobalClusters",
        lambda: aurora.describe_global_cluster(rds, estate.global_cluster_id),
    )
    lag = (
        readings.Reading[float | None](0.0)
        if already_writer
        else readings.read(
            "cloudwatch:GetMetricStatistics",
            lambda: aurora.replication_lag_ms(
                client("cloudwatch", home), target.db_cluster_arn, now
            ),
        )
    )
    service = readings.read(
        "ecs:DescribeServices",
        lambda: compute.describe_service(
            client("ecs", home), target.ecs_cluster, target.ecs_service
        ),
    )
    ga = client("globalaccelerator", GLOBAL_ACCELERATOR_REGION)
    groups = {
        name: readings.read(
            "globalaccelerator:DescribeEndpointGroup",
            functools.partial(traffic.dial_of, ga, cfg.endpoint_group_arn),
        )
        for name, cfg in estate.regions.items()
    }
    found = [
        checks.database_member(
            cluster,
            target.db_cluster_arn,
            readings.read(
                "rds:DescribeDBClusters", lambda: aurora.cluster_status(rds, target.db_cluster_arn)
            ),
        ),
        checks.replication_lag(lag, settings.max_switchover_lag_seconds * 1000, already_writer),
        checks.compute_service(service, f"{target.ecs_cluster}/{target.ecs_service}"),
        checks.endpoint_groups(groups),
    ]
    if request.planned:
        source_status = readings.read(
            "rds:DescribeDBClusters",
            lambda: aurora.cluster_status(
                client("rds", source_region, Profile.OBSERVE), source.db_cluster_arn
            ),
        )
        found.append(checks.source_healthy(cluster, source_status, already_writer))
        ran = {check.name for check in found}
        found += [c for c in readiness.evaluate(settings, now).checks if c.name not in ran]
        known: dict[str, Any] | None = {"evaluated_at": now.isoformat(), "live": True}
    else:
        known = readings.read("dynamodb:GetItem", lambda: readiness.latest(settings)).value
    checks.refuse_blocking(found, request.mode)
    failing = [c for c in (known or {}).get("checks", []) if c["status"] == "FAIL"]
    if known and known.get("live"):
        failing = [{"name": c.name, "reason": c.reason} for c in found if c.status == "FAIL"]

    current_desired = service.value.desired if service.value else 0
    gate = data_loss.plan_part(
        settings,
        request,
        client("cloudwatch", home),
        target.db_cluster_arn,
        now,
        failing,
        already_writer,
    )
    return {
        **gate,
        "mode": request.mode,
        "target_region": home,
        "source_region": source_region,
        "converged": not gaps,
        "gaps": gaps,
        "replication_lag_ms": lag.value,
        "cooldown": plain(decision),
        "checks": [{"name": c.name, "status": c.status, "reason": c.reason} for c in found],
        "readiness": {
            "evaluated_at": (known or {}).get("evaluated_at"),
            "failing": failing,
        },
        "database": {
            "action": "none" if already_writer else "switchover" if request.planned else "failover",
            "global_cluster_id": estate.global_cluster_id,
            "target_cluster_arn": target.db_cluster_arn,
            "source_cluster_arn": source.db_cluster_arn,
            "writer_region": view.writer_region,
            "planned_from": cluster.value.writer_arn if cluster.value else None,
            "allow_data_loss": not request.planned,
        },
        "traffic": {
            "action": "shift" if "traffic" in gaps else "none",
            "dials": {
                name: {"current": r.value, "desired": 100.0 if name == home else 0.0}
                for name, r in groups.items()
            },
            "global_accelerator_reachable": all(r.known for r in groups.values()),
        },
        "compute": {
            "cluster": target.ecs_cluster,
            "service": target.ecs_service,
            "current_desired": current_desired,
            "required": required,
            "source_observed_desired": observed,
            "action": "scale" if current_desired < required else "none",
        },
        "active_region": {
            "parameter": estate.active_region_parameter,
            "current": {name: state.active_region for name, state in view.regions.items()},
            "desired": home,
            "action": "set" if any(g.startswith("active_region") for g in gaps) else "none",
        },
        "fence": {
            "region": source_region,
            "action": f"point {source_region}'s active-region parameter at {home} (best effort)",
        },
    }
