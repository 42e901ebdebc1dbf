"""The run's record: outcome, RTO from the outage, RPO evidence and its EMF metrics."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from failover import record

from tests.unit.test_history import History
from tests.unit.test_plan import STORED

T0 = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)


def succeeded_run() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    h = History()
    h.task("ValidateInput", 0, 0.5)
    h.task("VerifyFailover", 80, 81)
    state = {
        "request": {
            "trigger": "alarm",
            "mode": "unplanned",
            "target_region": "us-west-2",
            "alarm_time": (T0 - timedelta(seconds=40)).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        },
        "execution": {"id": "arn:x", "name": "run-1", "start_time": T0.isoformat()},
        "plan": {**STORED, "replication_lag_ms": 110.0},
        "actions": [{"branch": "database", "database": {"lag_at_cutover_ms": 120.0}}],
        "verification": {"passed": True},
    }
    return state, h.events


def test_rto_of_an_alarm_run_is_measured_from_the_alarm() -> None:
    state, events = succeeded_run()

    row = record.build_row(state, events, T0, None)

    assert row["outcome"] == "succeeded"
    assert row["rto_seconds"] == 121.0  # 40 s before the execution began, to the end of verify
    assert (row["replication_lag_at_preflight_ms"], row["replication_lag_at_cutover_ms"]) == (
        110.0,
        120.0,
    )
    assert row["failed_stage"] is None


def test_a_manual_run_is_measured_from_its_start_and_a_failure_has_no_rto() -> None:
    state, events = succeeded_run()
    state["request"]["alarm_time"] = None
    assert record.build_row(state, events, T0, None)["rto_seconds"] == 81.0

    state["error"] = {"Error": "VerificationFailed", "Cause": "dials"}
    row = record.build_row(state, events, T0, {"writer_region": "us-west-2"})
    assert (row["outcome"], row["rto_seconds"]) == ("failed", None)
    assert row["estate_after"] == {"writer_region": "us-west-2"}


def test_the_metrics_are_embedded_metric_format_lines(capsys: pytest.CaptureFixture[str]) -> None:
    state, events = succeeded_run()
    row = record.build_row(state, events, T0, None)

    record.emit_metrics("FailoverControlPlane", "us-west-2", row)

    lines = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    metrics = {
        definition["Name"]: line
        for line in lines
        for definition in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]
    }
    assert metrics["FailoverOutcome"]["Outcome"] == "succeeded"
    assert metrics["RecoveryTime"]["RecoveryTime"] in (121.0, [121.0])
    assert metrics["ReplicationLagAtCutover"]["Region"] == "us-west-2"
    assert {line["_aws"]["CloudWatchMetrics"][0]["Namespace"] for line in lines} == {
        "FailoverControlPlane"
    }
