"""The data-loss gate (failover.data_loss): the lag read from CloudWatch, and the verdict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from failover import data_loss
from failover.errors import DataLossNotAccepted
from failover.models import Request
from moto import mock_aws

from tests.unit.estate_settings import PRIMARY, SECONDARY, settings

NOW = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)
TARGET = f"arn:aws:rds:{SECONDARY}:123456789012:cluster:shop-{SECONDARY}"


def request(trigger: str = "alarm", **extra: object) -> Request:
    return Request.parse(
        {
            "trigger": trigger,
            "mode": "unplanned",
            "target_region": SECONDARY,
            "source_region": PRIMARY,
            "reason": "test",
            "requested_by": "test",
            **extra,
        }
    )


def publish(cloudwatch: object, metric: str, value: float, seconds_ago: float) -> None:
    cloudwatch.put_metric_data(  # type: ignore[attr-defined]
        Namespace="AWS/RDS",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "DBClusterIdentifier", "Value": f"shop-{SECONDARY}"}],
                "Timestamp": NOW - timedelta(seconds=seconds_ago),
                "Value": value,
                "Unit": "Milliseconds",
            }
        ],
    )


def test_the_rpo_lag_is_read_first_then_the_replication_lag_and_stale_is_unknown() -> None:
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name=SECONDARY)
        assert data_loss.read_lag(cloudwatch, TARGET, NOW).lag_ms is None

        publish(cloudwatch, "AuroraGlobalDBReplicationLag", 900.0, 30)
        found = data_loss.read_lag(cloudwatch, TARGET, NOW)
        assert (found.lag_ms, found.metric) == (900.0, "AuroraGlobalDBReplicationLag")

        publish(cloudwatch, "AuroraGlobalDBRPOLag", 1500.0, 240)  # older than STALE_AFTER
        found = data_loss.read_lag(cloudwatch, TARGET, NOW)
        assert found.metric == "AuroraGlobalDBReplicationLag"

        publish(cloudwatch, "AuroraGlobalDBRPOLag", 1200.0, 40)
        found = data_loss.read_lag(cloudwatch, TARGET, NOW)
        # a statistic's Timestamp is its 60 s period's start: the age counts from there
        assert (found.lag_ms, found.metric, found.age_seconds) == (
            1200.0,
            "AuroraGlobalDBRPOLag",
            60.0,
        )


def test_stale_datapoints_alone_are_an_unknown_lag() -> None:
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name=SECONDARY)
        publish(cloudwatch, "AuroraGlobalDBRPOLag", 100.0, 200)
        publish(cloudwatch, "AuroraGlobalDBReplicationLag", 100.0, 200)

        found = data_loss.read_lag(cloudwatch, TARGET, NOW)

        assert found.lag_ms is None
        assert "stale" in (found.problem or "")


def lag(ms: float | None) -> data_loss.Lag:
    return data_loss.Lag(ms, "AuroraGlobalDBRPOLag" if ms is not None else None, None, 10.0)


@pytest.mark.parametrize(
    ("lag_ms", "verdict", "asks"),
    [
        (100.0, "within_budget", False),
        (5000.0, "within_budget", False),
        (5001.0, "over_budget", True),
        (None, "unknown", True),
    ],
)
def test_an_automatic_run_asks_a_person_over_budget_or_unknown(
    lag_ms: float | None, verdict: str, asks: bool
) -> None:
    gate = data_loss.decide(settings(), request(), lag(lag_ms), [])

    assert (gate.verdict, gate.approval_required) == (verdict, asks)
    if asks:
        assert gate.reasons
        assert "AllowDataLoss" in gate.cost


def test_a_manual_run_over_budget_needs_accept_data_loss() -> None:
    with pytest.raises(DataLossNotAccepted, match="accept_data_loss"):
        data_loss.decide(settings(), request("manual"), lag(30_000.0), [])
    with pytest.raises(DataLossNotAccepted, match="unknown"):
        data_loss.decide(settings(), request("manual"), lag(None), [])

    gate = data_loss.decide(settings(), request("manual", accept_data_loss=True), lag(30_000.0), [])

    assert (gate.verdict, gate.accepted_by_input, gate.approval_required) == (
        "over_budget",
        True,
        False,
    )


def test_a_readiness_fail_that_makes_the_move_unsafe_asks_a_person_and_names_the_check() -> None:
    failing = [
        {"name": "database.replication_lag", "reason": "30.0 s behind (limit 5 s)"},
        {"name": "detection.probe_alarm", "reason": "missing"},  # not about the move
    ]

    gate = data_loss.decide(settings(), request(), lag(100.0), failing)

    assert gate.approval_required
    assert gate.readiness_failing == ["database.replication_lag: 30.0 s behind (limit 5 s)"]
    assert any("database.replication_lag" in reason for reason in gate.reasons)
    assert not any("detection.probe_alarm" in reason for reason in gate.reasons)


def test_planned_moves_lose_no_data_so_the_gate_does_not_apply() -> None:
    planned = Request.parse({**request("manual").to_dict(), "mode": "planned"})

    gate = data_loss.decide(settings(), planned, lag(None), [])

    assert (gate.verdict, gate.approval_required) == ("not_applicable", False)
