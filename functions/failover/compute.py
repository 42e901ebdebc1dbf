"""Compute: the ECS Fargate service in each region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_ecs import ECSClient


@dataclass(frozen=True)
class ServiceView:
    cluster: str
    service: str
    status: str
    desired: int
    running: int
    deployments: int
    rollout_state: str | None

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"

    def stable_at(self, required: int) -> bool:
        return (
            self.active
            and self.deployments == 1
            and self.rollout_state in (None, "COMPLETED")
            and self.desired >= required
            and self.running == self.desired
        )


def describe_service(ecs: ECSClient, cluster: str, service: str) -> ServiceView | None:
    response = ecs.describe_services(cluster=cluster, services=[service])
    services = response.get("services", [])
    if not services:
        return None
    found = services[0]
    deployments = found.get("deployments", [])
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    return ServiceView(
        cluster=cluster,
        service=service,
        status=found.get("status", "UNKNOWN"),
        desired=int(found.get("desiredCount", 0)),
        running=int(found.get("runningCount", 0)),
        deployments=len(deployments),
        rollout_state=primary.get("rolloutState") if primary else None,
    )


def scale_up(ecs: ECSClient, cluster: str, service: str, required: int) -> bool:
    """Raise the desired count to ``required``; never lowers it. Returns whether it changed."""
    view = describe_service(ecs, cluster, service)
    if view is not None and view.desired >= required:
        return False
    ecs.update_service(cluster=cluster, service=service, desiredCount=required)
    return True
