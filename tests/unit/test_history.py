"""Stages, timings and the failed stage, read from an execution history as AWS returns it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from failover.history import STAGE_OF_STATE, failed_stage, spans

T0 = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)


class History:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(self, kind: str, at: float, name: str | None = None) -> None:
        event: dict[str, Any] = {
            "id": len(self.events) + 1,
            "type": kind,
            "timestamp": T0 + timedelta(seconds=at),
            "previousEventId": len(self.events),
        }
        if kind.endswith("StateEntered"):
            event["stateEnteredEventDetails"] = {"name": name}
        if kind.endswith("StateExited"):
            event["stateExitedEventDetails"] = {"name": name}
        self.events.append(event)

    def task(
        self, name: str, start: float, end: float, result: str = "LambdaFunctionSucceeded"
    ) -> None:
        self.add("TaskStateEntered", start, name)
        self.add("LambdaFunctionScheduled", start)
        self.add(result, end)
        if result.endswith("Succeeded"):
            self.add("TaskStateExited", end, name)


def test_a_stage_spans_its_whole_poll_loop() -> None:
    h = History()
    h.task("PromoteDatabase", 0, 1)
    h.add("WaitStateEntered", 1, "WaitForDatabase")
    h.add("WaitStateExited", 6, "WaitForDatabase")
    h.task("CheckDatabase", 6, 7)

    (database,) = spans(h.events)

    assert (database.stage, database.branch, database.seconds, database.failed) == (
        "PromoteDatabase",
        "Database",
        7.0,
        False,
    )


def test_a_stage_still_running_has_no_end() -> None:
    h = History()
    h.add("TaskStateEntered", 0, "PromoteDatabase")

    (database,) = spans(h.events)

    assert database.end is None
    assert database.seconds is None


def test_a_retried_failure_is_not_the_failed_stage() -> None:
    h = History()
    h.task("Preflight", 0, 1, "LambdaFunctionFailed")
    h.add("LambdaFunctionScheduled", 3)
    h.add("LambdaFunctionSucceeded", 4)
    h.add("TaskStateExited", 4, "Preflight")
    h.task("ShiftTraffic", 5, 6, "LambdaFunctionFailed")
    h.add("WaitStateEntered", 6, "SettleBranches")

    assert failed_stage(h.events) == "ShiftTraffic"


def test_no_failure_no_failed_stage() -> None:
    h = History()
    h.task("Preflight", 0, 1)
    h.add("TaskStateEntered", 1, "RecordOutcome")

    assert failed_stage(h.events) is None


def test_every_state_of_the_machine_belongs_to_one_stage() -> None:
    import json
    from pathlib import Path

    from tests.template.asl_checks import scopes

    definition = json.loads(
        (Path(__file__).resolve().parents[2] / "statemachines" / "failover.asl.json").read_text()
    )
    timed = {
        name
        for scope in scopes(definition)  # Parallel branches and Map iterations included
        for name, state in scope.states.items()
        if state["Type"] in ("Task", "Parallel", "Map", "Wait")
    }
    assert timed - set(STAGE_OF_STATE) == set()
    assert set(STAGE_OF_STATE) - timed == set()


def test_only_the_failed_stage_is_shown_failed_a_retried_one_is_not() -> None:
    # ScaleCompute fails once and its Retry succeeds; PromoteDatabase fails for good
    h = History()
    h.add("TaskStateEntered", 0, "ScaleCompute")
    h.add("LambdaFunctionFailed", 1)
    h.add("LambdaFunctionSucceeded", 2)
    h.add("TaskStateExited", 2, "ScaleCompute")
    h.task("PromoteDatabase", 2, 3, result="LambdaFunctionFailed")
    h.add("TaskStateEntered", 4, "RecordOutcome")

    shown = {span.stage: span.failed for span in spans(h.events)}

    assert shown == {"ScaleCompute": False, "PromoteDatabase": True, "RecordOutcome": False}
    assert failed_stage(h.events) == "PromoteDatabase"
