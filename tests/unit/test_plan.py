"""The action plan: a typed value whose JSON form (``$.plan``) reads back to the same value."""

from __future__ import annotations

import json

import pytest
from failover.plan import ActionPlan

from tests.unit.estate_settings import PRIMARY, SECONDARY

STORED = {
    "mode": "unplanned",
    "target_region": SECONDARY,
    "source_region": PRIMARY,
    "converged": False,
    "gaps": ["database", "traffic", "compute", f"active_region:{SECONDARY}"],
    "replication_lag_ms": 120.0,
    "cooldown": None,
    "checks": [{"name": "database.member", "status": "PASS", "reason": "member, available"}],
    "readiness": {
        "evaluated_at": "2026-12-06T20:00:00+00:00",
        "failing": [{"name": "database.replication_lag", "reason": "lag 9000 ms"}],
    },
    "database": {
        "action": "failover",
        "global_cluster_id": "shop",
        "target_cluster_arn": f"arn:aws:rds:{SECONDARY}:123456789012:cluster:shop-usw2",
        "source_cluster_arn": f"arn:aws:rds:{PRIMARY}:123456789012:cluster:shop-use1",
        "writer_region": PRIMARY,
        "planned_from": f"arn:aws:rds:{PRIMARY}:123456789012:cluster:shop-use1",
        "allow_data_loss": True,
    },
    "traffic": {
        "action": "shift",
        "dials": {
            PRIMARY: {"current": 100.0, "desired": 0.0},
            SECONDARY: {"current": None, "desired": 100.0},
        },
        "global_accelerator_reachable": False,
    },
    "compute": {
        "cluster": "shop-usw2",
        "service": "shop",
        "current_desired": 1,
        "required": 4,
        "source_observed_desired": None,
        "action": "scale",
    },
    "active_region": {
        "parameter": "/shop/active-region",
        "current": {PRIMARY: PRIMARY, SECONDARY: None},
        "desired": SECONDARY,
        "action": "set",
    },
    "fence": {"region": PRIMARY, "action": "point it at the target (best effort)"},
    "data_loss": {"verdict": "over_budget", "budget_seconds": 5.0},
    "approval": {"required": True, "reasons": ["AuroraGlobalDBRPOLag is 9.0 s, over budget"]},
}


def test_the_stored_plan_reads_back_typed_and_writes_the_same_json() -> None:
    plan = ActionPlan.parse(json.loads(json.dumps(STORED)))
    assert plan.compute.required == 4
    assert plan.database.planned_from == STORED["database"]["planned_from"]  # type: ignore[index]
    assert plan.traffic.dials[SECONDARY].desired == 100.0
    assert plan.readiness.failing[0].name == "database.replication_lag"
    assert plan.approval.required is True
    assert plan.to_dict() == STORED


def test_a_missing_plan_is_a_named_error() -> None:
    with pytest.raises(ValueError, match="no action plan"):
        ActionPlan.parse({})


def test_a_plan_with_an_unknown_part_is_refused() -> None:
    broken = {**STORED, "compute": {**STORED["compute"], "surprise": 1}}  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        ActionPlan.parse(broken)


def test_an_alarm_run_stands_down_when_another_run_took_the_writer_to_a_third_region() -> None:
    from failover.errors import Superseded
    from failover.estate_view import EstateView
    from failover.models import Request
    from failover.preflight import _refuse_moved_elsewhere

    alarm = Request(
        trigger="alarm",
        mode="unplanned",
        target_region="us-west-2",
        source_region="us-east-1",
        reason="alarm",
        requested_by="alarm:shop-health-us-east-1",
    )
    moved = EstateView("eu-west-1", "available", None, {})

    with pytest.raises(Superseded, match="the writer is in eu-west-1, not in us-east-1"):
        _refuse_moved_elsewhere(alarm, moved)
    # the writer still in the failed region (or already the target) is this run's to move
    for writer in ("us-east-1", "us-west-2", None):
        _refuse_moved_elsewhere(alarm, EstateView(writer, "available", None, {}))
