"""Stage timings and the failed stage, read from an execution history as AWS returns it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from failover.audit import failed_stage, stage_timings
from failover.outcome import error_summary, outcome_of

T0 = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)


class History:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(
        self, kind: str, at: float, name: str | None = None, previous: int | None = None
    ) -> int:
        event: dict[str, Any] = {
            "id": len(self.events) + 1,
            "type": kind,
            "timestamp": T0 + timedelta(seconds=at),
            "previousEventId": previous if previous is not None else len(self.events),
        }
        if kind.endswith("StateEntered"):
            event["stateEnteredEventDetails"] = {"name": name}
        if kind.endswith("StateExited"):
            event["stateExitedEventDetails"] = {"name": name}
        self.events.append(event)
        return int(event["id"])


def test_a_stage_spans_all_its_states_including_the_poll_loop() -> None:
    h = History()
    h.add("TaskStateEntered", 0, "ValidateInput")
    h.add("TaskStateExited", 1, "ValidateInput")
    h.add("TaskStateEntered", 1, "PromoteDatabase")
    h.add("TaskStateExited", 2, "PromoteDatabase")
    h.add("WaitStateEntered", 2, "WaitForDatabase")
    h.add("WaitStateExited", 17, "WaitForDatabase")
    h.add("TaskStateEntered", 17, "CheckDatabase")
    h.add("TaskStateExited", 18.5, "CheckDatabase")

    timings = {t.stage: t.seconds for t in stage_timings(h.events)}

    assert timings == {"validate": 1.0, "database": 17.5}


def test_the_failed_stage_is_the_state_whose_task_failed_last() -> None:
    h = History()
    h.add("TaskStateEntered", 0, "Preflight")
    h.add("TaskStateExited", 1, "Preflight")
    entered = h.add("TaskStateEntered", 1, "PromoteDatabase")
    h.add("LambdaFunctionScheduled", 1, previous=entered)
    h.add("LambdaFunctionStarted", 1)
    h.add("LambdaFunctionFailed", 2)
    h.add("TaskStateEntered", 3, "RecordFailure")

    assert failed_stage(h.events) == "database"


def test_failures_inside_the_failure_path_do_not_count() -> None:
    h = History()
    entered = h.add("TaskStateEntered", 0, "CheckCooldown")
    h.add("LambdaFunctionFailed", 1, previous=entered)
    recorded = h.add("TaskStateEntered", 2, "RecordFailure")
    h.add("LambdaFunctionFailed", 3, previous=recorded)

    assert failed_stage(h.events) == "cooldown"


def test_outcomes_are_derived_from_the_state_document() -> None:
    manual = {"request": {"dry_run": False}}
    assert outcome_of(manual) == "succeeded"
    assert outcome_of({"request": {"dry_run": True}}) == "dry_run"
    assert outcome_of({**manual, "outage": {"confirmed": False}}) == "false_alarm"
    assert outcome_of({**manual, "cooldown": {"skip": True}}) == "skipped_cooldown"
    assert outcome_of({**manual, "error": {"Error": "X", "Cause": "y"}}) == "failed"


def test_a_lambda_cause_is_summarised_to_its_message() -> None:
    cause = '{"errorMessage": "mode: bad", "errorType": "UnknownMode", "stackTrace": []}'
    assert error_summary({"Error": "UnknownMode", "Cause": cause}) == {
        "error": "UnknownMode",
        "message": "mode: bad",
    }
