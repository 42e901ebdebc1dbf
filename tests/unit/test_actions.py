"""The action modules on their own: each reads first, so a re-run repeats nothing, and the
database promotion is a compare-and-set on the writer the plan saw."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from failover import aurora, compute, traffic
from failover.errors import DatabasePromotionFailed, Superseded

from emulator import Emulator
from tests.unit.test_emulator_globalaccelerator import build

EAST = "arn:aws:rds:us-east-1:123456789012:cluster:shop-us-east-1"
WEST = "arn:aws:rds:us-west-2:123456789012:cluster:shop-us-west-2"


class _NoCalls:
    """An RDS client for decisions that must be made from the view alone."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"rds.{name} called where the view decides")


def NoCalls() -> Any:
    return _NoCalls()


def view(
    writer: str | None, failover_state: dict[str, Any] | None = None
) -> aurora.GlobalClusterView:
    status = "failing-over" if failover_state else "available"
    return aurora.GlobalClusterView("shop-global", status, writer, (EAST, WEST), failover_state)


def test_a_target_that_is_already_the_writer_is_left_alone() -> None:
    found = aurora.start_promotion(NoCalls(), view(WEST), WEST, planned=False, planned_from=EAST)
    assert found == "already_writer"


def test_a_promotion_already_moving_to_the_target_is_waited_for() -> None:
    moving = view(
        EAST, {"FromDbClusterArn": EAST, "ToDbClusterArn": WEST, "Status": "failing-over"}
    )
    assert aurora.start_promotion(NoCalls(), moving, WEST, False, EAST) == "in_progress"


def test_a_promotion_moving_the_other_way_means_the_other_direction_won() -> None:
    moving = view(
        WEST, {"FromDbClusterArn": WEST, "ToDbClusterArn": EAST, "Status": "failing-over"}
    )
    with pytest.raises(Superseded, match="already moving to"):
        aurora.start_promotion(NoCalls(), moving, WEST, False, WEST)


def test_a_writer_that_moved_since_the_plan_is_not_promoted_over() -> None:
    third = "arn:aws:rds:eu-west-1:123456789012:cluster:shop-eu-west-1"
    moved = aurora.GlobalClusterView("shop-global", "available", third, (EAST, WEST, third), None)
    with pytest.raises(Superseded, match="since the plan"):
        aurora.start_promotion(NoCalls(), moved, WEST, False, EAST)


def test_a_target_outside_the_global_cluster_is_a_named_failure() -> None:
    stranger = "arn:aws:rds:us-west-2:123456789012:cluster:other"
    with pytest.raises(DatabasePromotionFailed, match="not a member"):
        aurora.start_promotion(NoCalls(), view(EAST), stranger, False, EAST)


def test_setting_a_dial_twice_changes_it_once(emu: Emulator) -> None:
    ga = boto3.client("globalaccelerator", region_name="us-west-2")
    _, _, group = build(ga)

    assert traffic.set_dial(ga, group, 0.0) is True
    assert traffic.set_dial(ga, group, 0.0) is False
    assert traffic.dial_of(ga, group) == 0.0


def test_scaling_up_never_scales_down(emu: Emulator) -> None:
    ecs = boto3.client("ecs", region_name="us-west-2")
    ecs.create_cluster(clusterName="shop")
    ecs.register_task_definition(
        family="web",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "web", "image": "nginx"}],
    )
    ecs.create_service(cluster="shop", serviceName="web", taskDefinition="web", desiredCount=4)

    assert compute.scale_up(ecs, "shop", "web", 2) is False  # a standby above the need stays
    assert compute.scale_up(ecs, "shop", "web", 6) is True
    assert compute.scale_up(ecs, "shop", "web", 6) is False
    described = ecs.describe_services(cluster="shop", services=["web"])["services"][0]
    assert described["desiredCount"] == 6
