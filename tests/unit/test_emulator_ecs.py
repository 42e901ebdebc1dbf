"""ECS service rollouts that take modelled time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.config import DefaultConfig

from emulator import Emulator, LatencyModel

# Keep boto3's default session between tests: clients are built 10x faster.
MOTO: DefaultConfig = {"core": {"reset_boto3_session": False}}


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with mock_aws(config=MOTO):
        emulator = Emulator.install(latency=LatencyModel(ecs_task_start_seconds=60))
        try:
            yield emulator
        finally:
            emulator.uninstall()


@pytest.fixture
def ecs(emu: Emulator) -> Any:
    client = boto3.client("ecs", region_name="us-west-2")
    client.create_cluster(clusterName="shop")
    client.register_task_definition(
        family="web", containerDefinitions=[{"name": "web", "image": "nginx", "memory": 512}]
    )
    return client


def service(ecs: Any) -> dict[str, Any]:
    (described,) = ecs.describe_services(cluster="shop", services=["web"])["services"]
    return dict(described)


def primary(described: dict[str, Any]) -> dict[str, Any]:
    (deployment,) = [d for d in described["deployments"] if d["status"] == "PRIMARY"]
    return dict(deployment)


def test_new_service_starts_its_tasks_after_the_task_start_time(emu: Emulator, ecs: Any) -> None:
    # given a new Fargate service of 2 tasks
    ecs.create_service(
        cluster="shop",
        serviceName="web",
        taskDefinition="web",
        desiredCount=2,
        launchType="FARGATE",
    )

    # then its tasks are pending until the modelled start time has passed
    assert (service(ecs)["runningCount"], service(ecs)["pendingCount"]) == (0, 2)
    emu.clock.advance(60)
    described = service(ecs)
    assert (described["runningCount"], described["pendingCount"]) == (2, 0)
    assert primary(described)["rolloutState"] == "COMPLETED"


def test_scale_out_converges_with_an_in_progress_then_completed_rollout(
    emu: Emulator, ecs: Any
) -> None:
    # given a steady service of 1 task
    ecs.create_service(
        cluster="shop",
        serviceName="web",
        taskDefinition="web",
        desiredCount=1,
        launchType="FARGATE",
    )
    emu.clock.advance(60)

    # when it is scaled to 4
    updated = ecs.update_service(cluster="shop", service="web", desiredCount=4)["service"]

    # then 3 tasks are pending and the PRIMARY deployment is rolling out
    assert (updated["desiredCount"], updated["runningCount"]) == (4, 1)
    during = service(ecs)
    assert (during["runningCount"], during["pendingCount"]) == (1, 3)
    assert primary(during)["rolloutState"] == "IN_PROGRESS"
    assert primary(during)["desiredCount"] == 4
    emu.clock.advance(59)
    assert service(ecs)["runningCount"] == 1

    # and after ecs_task_start_seconds the service is stable
    emu.clock.advance(1)
    after = service(ecs)
    assert (after["runningCount"], after["pendingCount"], len(after["deployments"])) == (4, 0, 1)
    assert primary(after)["rolloutState"] == "COMPLETED"
    assert primary(after)["runningCount"] == 4
    assert after["events"][0]["message"] == "(service web) has reached a steady state."
    assert after["events"][1]["message"].startswith("(service web) has started 3 tasks:")
    cluster = ecs.describe_clusters(clusters=["shop"])["clusters"][0]
    assert (cluster["runningTasksCount"], cluster["pendingTasksCount"]) == (4, 0)


def test_forced_deployment_keeps_old_tasks_until_the_new_ones_run(emu: Emulator, ecs: Any) -> None:
    # given a steady service of 2 tasks
    ecs.create_service(cluster="shop", serviceName="web", taskDefinition="web", desiredCount=2)
    emu.clock.advance(60)

    # when a new deployment is forced
    ecs.update_service(cluster="shop", service="web", forceNewDeployment=True)

    # then the old deployment serves while the new PRIMARY rolls out, then is gone
    during = service(ecs)
    assert sorted(d["status"] for d in during["deployments"]) == ["ACTIVE", "PRIMARY"]
    assert during["runningCount"] == 2
    emu.clock.advance(60)
    after = service(ecs)
    assert [d["status"] for d in after["deployments"]] == ["PRIMARY"]
    assert primary(after)["rolloutState"] == "COMPLETED"
