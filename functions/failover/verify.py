"""Verify the end state from the target region's point of view."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from failover import aurora, compute, health, traffic
from failover.appconfig import active_region
from failover.clients import GLOBAL_ACCELERATOR_REGION, Profile, client
from failover.errors import UNREACHABLE_ERRORS, PreflightFailed

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import Request


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


def run_checks(settings: Settings, request: Request, required_capacity: int) -> list[Check]:
    estate = settings.estate
    target = estate.regions[request.target_region]
    source = estate.regions[request.source_region]
    home = request.target_region
    checks: list[Check] = []

    view = aurora.describe_global_cluster(client("rds", home), estate.global_cluster_id)
    checks.append(
        Check(
            "writer_is_target",
            aurora.promotion_complete(view, target.db_cluster_arn),
            f"writer is {view.writer_arn}, status {view.status}",
        )
    )

    ga = client("globalaccelerator", GLOBAL_ACCELERATOR_REGION)
    try:
        dials = {
            region: traffic.describe_endpoint_group(ga, cfg.endpoint_group_arn).dial
            for region, cfg in ((home, target), (request.source_region, source))
        }
        applied = dials[home] == 100.0 and dials[request.source_region] == 0.0
        checks.append(Check("traffic_dials", applied, f"dials {dials}"))
    except UNREACHABLE_ERRORS as error:
        # Only unplanned runs get here with the GA API down: GA's own health checks steer
        # traffic away from the failed region (data plane), so this is reported, not failed.
        checks.append(Check("traffic_dials", not request.planned, f"GA API unreachable: {error}"))

    service = compute.describe_service(client("ecs", home), target.ecs_cluster, target.ecs_service)
    checks.append(
        Check(
            "compute_stable",
            service is not None and service.stable_at(required_capacity),
            f"{service}" if service else "service not found",
        )
    )

    probe = health.probe(target.health_url)
    checks.append(
        Check(
            "health_endpoint",
            probe.healthy,
            f"GET {probe.url} -> {probe.status or probe.error}",
        )
    )
    return checks


def observe_estate(settings: Settings, request: Request) -> dict[str, Any]:
    """Where the estate stands now, as far as the target region can see. Never raises.

    Written into the record of a failed run, so that nothing is half-changed without saying so.
    """
    estate = settings.estate
    home = request.target_region
    seen: dict[str, Any] = {}

    def look(name: str, read: Callable[[], Any]) -> None:
        try:
            seen[name] = read()
        except (ClientError, BotoCoreError, PreflightFailed) as error:
            seen[name] = f"unknown ({type(error).__name__})"

    look(
        "writer_region",
        lambda: (
            aurora.describe_global_cluster(
                client("rds", home), estate.global_cluster_id
            ).writer_region
        ),
    )
    ga = client("globalaccelerator", GLOBAL_ACCELERATOR_REGION, Profile.BEST_EFFORT)
    look(
        "dials",
        lambda: {
            region: traffic.describe_endpoint_group(ga, cfg.endpoint_group_arn).dial
            for region, cfg in estate.regions.items()
        },
    )
    target = estate.regions[home]
    look(
        "target_desired_count",
        lambda: getattr(
            compute.describe_service(client("ecs", home), target.ecs_cluster, target.ecs_service),
            "desired",
            None,
        ),
    )
    look(
        "active_region_parameter",
        lambda: active_region(client("ssm", home), estate.active_region_parameter),
    )
    return seen


def as_dicts(checks: list[Check]) -> list[dict[str, Any]]:
    return [asdict(check) for check in checks]
