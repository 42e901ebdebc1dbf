"""Preflight the target region and build the action plan. Reads only; changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from failover import aurora, compute, traffic
from failover.appconfig import active_region
from failover.clients import GLOBAL_ACCELERATOR_REGION, Profile, client
from failover.errors import (
    UNREACHABLE_ERRORS,
    PreflightFailed,
    ReplicationLagTooHigh,
    ReplicationLagUnknown,
    SourceUnhealthy,
)

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import Request


def _source_desired_count(settings: Settings, request: Request) -> int | None:
    """Best effort: the source may be the failed region. Short timeouts, never raises."""
    source = settings.estate.regions[request.source_region]
    ecs = client("ecs", request.source_region, Profile.BEST_EFFORT)
    try:
        view = compute.describe_service(ecs, source.ecs_cluster, source.ecs_service)
    except (ClientError, BotoCoreError):
        return None
    return view.desired if view else None


def build_plan(settings: Settings, request: Request, now: datetime) -> dict[str, Any]:
    estate = settings.estate
    target = estate.regions[request.target_region]
    source = estate.regions[request.source_region]
    home = request.target_region
    problems: list[str] = []

    # --- Database ---------------------------------------------------------------------------
    rds = client("rds", home)
    view = aurora.describe_global_cluster(rds, estate.global_cluster_id)
    if target.db_cluster_arn not in view.member_arns:
        raise PreflightFailed(
            f"{target.db_cluster_arn} is not a member of global cluster {view.identifier}"
        )
    target_status = aurora.cluster_status(rds, target.db_cluster_arn)
    if target_status != "available":
        problems.append(f"target cluster status is {target_status}, not available")
    already_writer = aurora.promotion_complete(view, target.db_cluster_arn)
    lag_ms = (
        0.0
        if already_writer
        else aurora.replication_lag_ms(client("cloudwatch", home), target.db_cluster_arn, now)
    )
    if request.planned:
        if lag_ms is None:
            raise ReplicationLagUnknown(
                f"no {aurora.REPLICATION_LAG_METRIC} datapoint for {target.db_cluster_arn} "
                f"in the last {int(aurora.LAG_LOOKBACK.total_seconds() // 60)} minutes"
            )
        limit_ms = settings.max_switchover_lag_seconds * 1000
        if lag_ms > limit_ms:
            raise ReplicationLagTooHigh(
                f"replication lag {lag_ms:.0f} ms is over the switchover limit {limit_ms:.0f} ms"
            )
        if not already_writer:
            source_status = aurora.cluster_status(
                client("rds", request.source_region), source.db_cluster_arn
            )
            if source_status != "available" or view.status != "available":
                raise SourceUnhealthy(
                    f"source cluster is {source_status} and global cluster is {view.status}; "
                    "a planned switchover needs both available (use mode=unplanned)"
                )
    db_action = "none" if already_writer else ("switchover" if request.planned else "failover")

    # --- Compute ----------------------------------------------------------------------------
    ecs = client("ecs", home)
    service = compute.describe_service(ecs, target.ecs_cluster, target.ecs_service)
    if service is None or not service.active:
        raise PreflightFailed(f"ECS service {target.ecs_cluster}/{target.ecs_service} not active")
    observed = _source_desired_count(settings, request)
    required = max(source.full_capacity, target.full_capacity, observed or 0)

    # --- Traffic ----------------------------------------------------------------------------
    ga = client("globalaccelerator", GLOBAL_ACCELERATOR_REGION)
    groups: dict[str, Any] = {}
    ga_reachable = True
    try:
        for region_name, desired in ((home, 100.0), (request.source_region, 0.0)):
            group = traffic.describe_endpoint_group(
                ga, estate.regions[region_name].endpoint_group_arn
            )
            groups[region_name] = {
                "arn": group.arn,
                "current_dial": group.dial,
                "desired_dial": desired,
                "health": group.health,
            }
    except ClientError as error:
        raise PreflightFailed(f"Global Accelerator endpoint group check failed: {error}") from error
    except UNREACHABLE_ERRORS as error:
        if request.planned:
            raise PreflightFailed(f"Global Accelerator API unreachable: {error}") from error
        ga_reachable = False

    if problems:
        raise PreflightFailed("; ".join(problems))

    parameter_value = active_region(client("ssm", home), estate.active_region_parameter)
    return {
        "mode": request.mode,
        "target_region": home,
        "source_region": request.source_region,
        "replication_lag_ms": lag_ms,
        "database": {
            "action": db_action,
            "global_cluster_id": view.identifier,
            "target_cluster_arn": target.db_cluster_arn,
            "source_cluster_arn": source.db_cluster_arn,
            "writer_region": view.writer_region,
            "allow_data_loss": not request.planned,
        },
        "traffic": {
            "global_accelerator_reachable": ga_reachable,
            "endpoint_groups": groups,
            "dns": "steer source record to target" if request.planned else "health checks",
        },
        "compute": {
            "cluster": target.ecs_cluster,
            "service": target.ecs_service,
            "current_desired": service.desired,
            "required": required,
            "source_observed_desired": observed,
            "action": "scale" if service.desired < required else "none",
        },
        "app_config": {
            "parameter": estate.active_region_parameter,
            "current": parameter_value,
            "desired": home,
            "action": "none" if parameter_value == home else "set",
        },
        "fence": {
            "region": request.source_region,
            "action": f"point {request.source_region}'s app config at {home} (best effort)",
        },
    }
