"""Compute: the ECS Fargate service in each region, and the compute stage of a run.

ScaleCompute raises the target's desired count to the capacity the source had (never lowers
it); CheckCompute is one poll of the Wait -> Check -> Choice loop (10 s apart), with a
deadline, until the service is stable at that capacity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from failover.clients import client
from failover.errors import ComputeNotStable
from failover.plan import ActionPlan

if TYPE_CHECKING:
    from mypy_boto3_ecs import ECSClient

    from failover.config import Settings
    from failover.models import StageInput

POLL_LIMIT = 90
"""90 polls 10 s apart: 15 minutes for the new tasks to start and pass their health checks."""


@dataclass(frozen=True)
class TaskDefinitionView:
    arn: str
    images: list[str]
    vcpu: float  # the task's CPU units / 1024


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


def task_definition(ecs: ECSClient, cluster: str, service: str) -> TaskDefinitionView | None:
    """The task definition the service runs: its images and its vCPU."""
    found = ecs.describe_services(cluster=cluster, services=[service]).get("services", [])
    if not found:
        return None
    arn = found[0]["taskDefinition"]
    definition = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
    images = [c["image"] for c in definition.get("containerDefinitions", []) if "image" in c]
    return TaskDefinitionView(arn, images, int(definition.get("cpu") or 0) / 1024)


def scale_up(ecs: ECSClient, cluster: str, service: str, required: int) -> bool:
    """Raise the desired count to ``required``; never lowers it. Returns whether it changed."""
    view = describe_service(ecs, cluster, service)
    if view is not None and view.desired >= required:
        return False
    ecs.update_service(cluster=cluster, service=service, desiredCount=required)
    return True


def scale(settings: Settings, stage: StageInput) -> dict[str, Any]:
    required = ActionPlan.parse(stage.part("plan")).compute.required
    target = settings.estate.regions[stage.request.target_region]
    ecs = client("ecs", stage.request.target_region)
    changed = scale_up(ecs, target.ecs_cluster, target.ecs_service, required)
    view = describe_service(ecs, target.ecs_cluster, target.ecs_service)
    stable = view is not None and view.stable_at(required)
    return {"required": required, "scaled": changed, "stable": stable, "polls": 0}


def poll(settings: Settings, stage: StageInput) -> dict[str, Any]:
    previous = stage.part("compute")
    polls = int(previous.get("polls", 0)) + 1
    required = int(previous["required"])
    target = settings.estate.regions[stage.request.target_region]
    ecs = client("ecs", stage.request.target_region)
    view = describe_service(ecs, target.ecs_cluster, target.ecs_service)
    stable = view is not None and view.stable_at(required)
    if not stable and polls >= POLL_LIMIT:
        raise ComputeNotStable(f"{target.ecs_service} not stable after {polls} polls: {view}")
    running, desired = (view.running, view.desired) if view else (0, 0)
    return {**previous, "stable": stable, "running": running, "desired": desired, "polls": polls}
