"""Verify the end state from the target region's point of view."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from failover import compute, estate_view, health, readings
from failover.clients import best_effort, client
from failover.errors import VerificationFailed
from failover.models import plain

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import Request, StageInput


@dataclass(frozen=True)
class Verdict:
    name: str
    passed: bool
    detail: str


def run(settings: Settings, request: Request, required: int) -> list[Verdict]:
    estate = settings.estate
    home = request.target_region
    target = estate.regions[home]
    view = estate_view.observe(estate, client, home, peers=best_effort)
    found = [
        Verdict(
            "writer_is_target",
            view.writer_region == home and not view.promotion_in_flight,
            f"writer {view.writer_region}, status {view.global_status}",
        )
    ]
    dials = {name: state.dial for name, state in view.regions.items()}
    applied = all(d == (100.0 if name == home else 0.0) for name, d in dials.items())
    if not applied and request.mode == "unplanned" and None in dials.values():
        # The GA API (us-west-2) cannot be read: GA's own health checks already steer new
        # connections away from the failed region (data plane). Reported, not failed.
        found.append(
            Verdict("traffic_dials", True, f"dials unreadable, GA health checks steer: {dials}")
        )
    else:
        found.append(Verdict("traffic_dials", applied, f"dials {dials}"))
    service = readings.read(
        "ecs:DescribeServices",
        lambda: compute.describe_service(
            client("ecs", home), target.ecs_cluster, target.ecs_service
        ),
    ).value
    found.append(
        Verdict(
            "compute_stable",
            service is not None and service.stable_at(required),
            str(service) if service else "service not found",
        )
    )
    probe = health.probe(target.health_url)
    found.append(
        Verdict(
            "health_endpoint", probe.healthy, f"GET {probe.url} -> {probe.status or probe.error}"
        )
    )
    return found


def verify(settings: Settings, stage: StageInput) -> dict[str, Any]:
    """VerifyFailover: every verdict passes, or VerificationFailed lists the ones that do not
    (the state machine retries it at fixed intervals while the estate settles)."""
    required = int(stage.part("plan")["compute"]["required"])
    found = run(settings, stage.request, required)
    failed = [v for v in found if not v.passed]
    error = stage.part("error")
    if error:
        # The failure path (a compute failure after the writer, traffic and app config moved):
        # the run fails with its own error whatever this finds; verify once and say what held,
        # so the record tells what moved (no retries: there is nothing to wait for).
        return {
            "passed": not failed,
            "checks": plain(found),
            "after_failure": error.get("Error"),
        }
    if failed:
        raise VerificationFailed(json.dumps(plain(failed)))
    return {"passed": True, "checks": plain(found)}
