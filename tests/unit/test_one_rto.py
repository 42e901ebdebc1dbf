"""One RTO for one execution: the audit row's ``rto_seconds`` (the RecoveryTime metric), the
drill's report of the run (local drill and ``drill report --execution-arn`` build it with
:func:`drill.runs.run_from`) give the same figure, from the alarm's state change (or the start
of a manual run) to the end of VerifyFailover, not to the end of the execution.

The same check on a real drill execution, through the emulator, is
tests/drill/test_report.py (``make scenarios``)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from failover import record
from failover.history import rto_seconds, spans

from drill.follow import Followed
from drill.history_report import alarm_time
from drill.runs import run_from
from tests.unit.test_history import T0, History

ALARM_EVENT = Path(__file__).resolve().parents[2] / "events" / "alarm-primary-unhealthy.json"


def _execution() -> tuple[History, dict[str, Any]]:
    """A run that verified the failover at t = 80.5 s and ended 2 s later (the bookkeeping)."""
    h = History()
    h.task("ValidateInput", 0, 0.5)
    h.task("PromoteDatabase", 1, 70)
    h.task("VerifyFailover", 79.25, 80.5)
    h.task("RecordOutcome", 80.5, 81)
    h.task("NotifyOutcome", 81, 81.5)
    h.task("ReleaseLease", 81.5, 82.5)
    return h, json.loads(ALARM_EVENT.read_text("utf-8"))


def _state(alarm_time: str | None) -> dict[str, Any]:
    return {
        "request": {"trigger": "alarm" if alarm_time else "manual", "alarm_time": alarm_time},
        "execution": {"id": "arn:x", "name": "run-1", "start_time": T0.isoformat()},
    }


def _report_rto(h: History, row: dict[str, Any], t0: Any) -> float | None:
    followed = Followed("arn:x", "SUCCEEDED", h.events, {"startDate": T0})
    run = run_from(
        followed,
        row,
        t0,
        name="failover",
        trigger="alarm",
        source_region="us-east-1",
        target_region="us-west-2",
        rto_target=600.0,
        expect_rto=True,
    )
    assert run.rto is not None
    return run.rto.modelled_seconds


def test_an_alarm_run_has_one_rto_from_the_alarm_to_the_end_of_verify() -> None:
    h, event = _execution()
    # the alarm changed state 40 s before the execution started (as AWS writes the time)
    alarm_at = (T0 - timedelta(seconds=40)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    event["detail"]["state"]["timestamp"] = alarm_at

    row = record.build_row(_state(alarm_at), h.events, T0, None)
    found = alarm_time(event)
    assert found is not None
    reported = _report_rto(h, row, found[1])

    assert row["rto_seconds"] == pytest.approx(120.5)  # 40 s + 80.5 s, not 40 s + 82.5 s
    assert reported == row["rto_seconds"]
    assert rto_seconds(spans(h.events), found[1]) == row["rto_seconds"]


def test_a_manual_run_has_one_rto_from_its_start() -> None:
    h, _ = _execution()

    row = record.build_row(_state(None), h.events, T0, None)

    assert row["rto_seconds"] == pytest.approx(80.5)
    assert _report_rto(h, row, T0) == row["rto_seconds"]


def test_no_rto_before_verify_has_ended() -> None:
    h = History()
    h.task("ValidateInput", 0, 0.5)
    h.add("TaskStateEntered", 1, "VerifyFailover")

    assert rto_seconds(spans(h.events), T0) is None
