"""ECS service rollouts that take modelled time.

moto (``moto/ecs/models.py``) sets ``runningCount = desiredCount`` the instant UpdateService
is called, and a created service never leaves ``runningCount = 0`` / rollout IN_PROGRESS.
On AWS, new tasks go PROVISIONING -> PENDING -> RUNNING, which takes tens of seconds on
Fargate; the deployment's ``rolloutState`` is IN_PROGRESS until the service reaches a
steady state, then COMPLETED.

Patches ``EC2ContainerServiceBackend.create_service`` / ``update_service`` /
``describe_services`` (reverted by ``Emulator.uninstall``):

* Scale-out (CreateService, or UpdateService raising ``desiredCount``): the new tasks are
  pending; after ``latency.ecs_task_start_seconds`` of modelled time, and (behind an ALB,
  ``Ecs.alb``) once the target group's ``HealthyThresholdCount`` checks passed, they are
  running and serving.
  Meanwhile the PRIMARY deployment shows ``rolloutState`` IN_PROGRESS with matching
  ``pendingCount``/``runningCount``; then COMPLETED, and the service gets the events
  "(service X) has started N tasks: ..." and "(service X) has reached a steady state."
* A new task definition or ``forceNewDeployment`` starts a new PRIMARY deployment; the old
  one stays ACTIVE (its tasks still serving) until the new one completes.
* Scale-in is immediate ("has stopped N running tasks").

Evaluated lazily from ``world.clock`` whenever a service is described or updated.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..world import Service, register

if TYPE_CHECKING:
    from .._patching import Patcher
    from ..world import World
    from .health_checkers import AlbHealthCheck

__all__ = ["Ecs"]

_ATTR = "_emulator_rollout"


@dataclass
class _Rollout:
    target: int
    done_at: float
    started_tasks: int


@register
class Ecs(Service):
    """``world.ecs``: in-flight ECS service rollouts."""

    name = "ecs"

    def __init__(self, world: World) -> None:
        super().__init__(world)
        #: The ALB target group's health check the services' tasks must pass before they
        #: serve (the testbed sets it from stacks/region.yaml); None: no ALB.
        self.alb: AlbHealthCheck | None = None
        #: service ARN -> the seconds its last scale-out's tasks took to pass the ALB checks
        self.registrations: dict[str, float] = {}

    # -------------------------------------------------------------------- model

    def _event(self, service: Any, message: str) -> None:
        service.events.insert(
            0, {"id": str(uuid.uuid4()), "createdAt": self.world.utcnow(), "message": message}
        )

    @staticmethod
    def _primary(service: Any) -> dict[str, Any] | None:
        for deployment in service.deployments:
            if deployment.get("status") == "PRIMARY":
                return deployment  # type: ignore[no-any-return]
        return None

    def _settle(self, backend: Any, service: Any) -> None:
        with self._lock:
            rollout: _Rollout | None = service.__dict__.get(_ATTR)
            if rollout is None or self.world.clock.now() < rollout.done_at:
                return
            self._complete(backend, service, rollout)

    def _complete(self, backend: Any, service: Any, rollout: _Rollout) -> None:
        cluster = backend.clusters.get(service.cluster_name)
        started = max(rollout.target - service.running_count, 0)
        if cluster is not None:
            backend.update_cluster_resources(cluster, -service.pending_count, "PENDING")
            backend.update_cluster_resources(
                cluster, rollout.target - service.running_count, "RUNNING"
            )
        service.running_count = rollout.target
        service.pending_count = 0
        primary = self._primary(service)
        service.deployments[:] = [d for d in service.deployments if d.get("status") == "PRIMARY"]
        if primary is not None:
            primary.update(
                {
                    "desiredCount": rollout.target,
                    "runningCount": rollout.target,
                    "pendingCount": 0,
                    "rolloutState": "COMPLETED",
                    "rolloutStateReason": f"ECS deployment {primary['id']} completed.",
                    "updatedAt": self.world.utcnow(),
                }
            )
        del service.__dict__[_ATTR]
        if started:
            tasks = " ".join(f"(task {uuid.uuid4().hex})" for _ in range(started))
            self._event(service, f"(service {service.name}) has started {started} tasks: {tasks}.")
        self._event(service, f"(service {service.name}) has reached a steady state.")

    def _start(self, backend: Any, service: Any, running: int, new_deployment: bool) -> None:
        """After moto applied an update: put the service back to ``running`` tasks and roll
        out towards ``service.desired_count``."""
        desired = int(service.desired_count or 0)
        existing: _Rollout | None = service.__dict__.get(_ATTR)
        if existing is not None and existing.target == desired and not new_deployment:
            return  # the same scale-out is already under way
        cluster = backend.clusters.get(service.cluster_name)
        now_dt = self.world.utcnow()
        primary = self._primary(service)
        if new_deployment and primary is not None:
            primary["status"] = "ACTIVE"
            new_primary = dict(primary)
            deployment_id = f"ecs-svc/{uuid.uuid4().int % 10**19:019d}"
            new_primary.update(
                {
                    "id": deployment_id,
                    "status": "PRIMARY",
                    "taskDefinition": service.task_definition,
                    "runningCount": 0,
                    "failedTasks": 0,
                    "createdAt": now_dt,
                }
            )
            service.deployments.insert(0, new_primary)
            primary = new_primary
        if desired <= running and not new_deployment:
            # Scale-in (or no change): tasks stop at once.
            stopped = running - desired
            if cluster is not None:
                backend.update_cluster_resources(
                    cluster, desired - service.running_count, "RUNNING"
                )
            service.running_count = desired
            service.pending_count = 0
            service.__dict__.pop(_ATTR, None)
            if primary is not None:
                primary.update(
                    {"desiredCount": desired, "runningCount": desired, "pendingCount": 0}
                )
            if stopped:
                tasks = " ".join(f"(task {uuid.uuid4().hex})" for _ in range(stopped))
                self._event(
                    service,
                    f"(service {service.name}) has stopped {stopped} running tasks: {tasks}.",
                )
            return
        pending = desired if new_deployment else desired - running
        if cluster is not None:
            backend.update_cluster_resources(cluster, running - service.running_count, "RUNNING")
            backend.update_cluster_resources(cluster, pending - service.pending_count, "PENDING")
        service.running_count = running
        service.pending_count = pending
        if primary is not None:
            primary.update(
                {
                    "desiredCount": desired,
                    "pendingCount": pending,
                    "runningCount": 0 if new_deployment else running,
                    "rolloutState": "IN_PROGRESS",
                    "rolloutStateReason": f"ECS deployment {primary['id']} in progress.",
                    "updatedAt": now_dt,
                }
            )
        service.__dict__[_ATTR] = _Rollout(
            target=desired,
            done_at=self.world.clock.now()
            + self.world.latency.ecs_task_start_seconds
            + self._registration_seconds(service),
            started_tasks=pending,
        )

    def _registration_seconds(self, service: Any) -> float:
        """From a new task RUNNING until its ALB target group calls it healthy: the first
        check on the target group's phase, then ``HealthyThresholdCount`` passing checks
        ``HealthCheckIntervalSeconds`` apart
        (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html:
        "HealthyThresholdCount: The number of consecutive successful health checks required
        before considering an unhealthy target healthy"). 0 without an ALB."""
        alb = self.alb
        if alb is None:
            return 0.0
        key = "alb-target:" + str(getattr(service, "arn", service.name))
        phase = self.world.latency.phase(key, alb.interval)
        seconds = phase + (alb.healthy_threshold - 1) * alb.interval
        self.registrations[str(getattr(service, "arn", service.name))] = seconds
        return seconds

    # ------------------------------------------------------------------ install

    def install(self, patcher: Patcher) -> None:
        from moto.ecs.models import EC2ContainerServiceBackend

        model = self
        original_create = EC2ContainerServiceBackend.create_service
        original_update = EC2ContainerServiceBackend.update_service
        original_describe = EC2ContainerServiceBackend.describe_services

        def create_service(backend: Any, *args: Any, **kwargs: Any) -> Any:
            service = original_create(backend, *args, **kwargs)
            with model._lock:
                if service.deployments and service.running_count < (service.desired_count or 0):
                    model._start(backend, service, service.running_count, new_deployment=False)
            return service

        def update_service(backend: Any, service_properties: dict[str, Any]) -> Any:
            cluster_str = service_properties.get("cluster", "default")
            service_name = str(service_properties.get("service", "")).split("/")[-1]
            with model._lock:
                before = backend._get_service(cluster_str, service_name)
                model._settle(backend, before)
                running, pending = before.running_count, before.pending_count
                old_task_definition = before.task_definition
                desired = service_properties.get("desired_count")
                force = bool(service_properties.get("force_new_deployment"))
                service = original_update(backend, service_properties)
                # Undo moto's instant bookkeeping: it dropped this service's tasks from the
                # cluster counts and added desiredCount as RUNNING.
                cluster = backend.clusters.get(service.cluster_name)
                if cluster is not None:
                    added = int(desired) if desired is not None else 0
                    backend.update_cluster_resources(cluster, running - added, "RUNNING")
                    backend.update_cluster_resources(cluster, pending, "PENDING")
                service.running_count, service.pending_count = running, pending
                new_deployment = force or service.task_definition != old_task_definition
                if service.deployments and (desired is not None or new_deployment):
                    model._start(backend, service, running, new_deployment)
                return service

        def describe_services(backend: Any, *args: Any, **kwargs: Any) -> Any:
            services, failures = original_describe(backend, *args, **kwargs)
            for service in services:
                model._settle(backend, service)
            return services, failures

        patcher.setattr(EC2ContainerServiceBackend, "create_service", create_service)
        patcher.setattr(EC2ContainerServiceBackend, "update_service", update_service)
        patcher.setattr(EC2ContainerServiceBackend, "describe_services", describe_services)
