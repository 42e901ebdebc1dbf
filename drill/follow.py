"""Follow a Step Functions execution through its history: stages, progress, outcome.

Works the same against the embedded AWS and a real account: it only reads
``DescribeExecution``, ``GetExecutionHistory`` and the state machine's definition.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from drill.model import Stage

TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
# Top-level state types shown as stages (Choice, Pass, Succeed and Fail take no time).
_SHOWN = ("Task", "Parallel", "Wait", "Map")
_FAILED_EVENTS = (
    "TaskFailed",
    "TaskTimedOut",
    "LambdaFunctionFailed",
    "LambdaFunctionTimedOut",
    "ExecutionFailed",
)
# How a run ended when it stops in one of these states (else the audit row says).
ENDINGS = {
    "NothingToDo": "nothing to do (target already active)",
    "AlreadyInProgress": "already in progress (lock held)",
    "RejectInput": "input rejected",
    "FailRun": "failed (failure path ran)",
}


class Definition:
    """Which states are stages, and which Parallel branch each branch state belongs to."""

    def __init__(self, asl: dict[str, Any]) -> None:
        self.top: dict[str, str] = {}
        self.branch_of: dict[str, str] = {}
        for name, state in asl.get("States", {}).items():
            self.top[name] = state.get("Type", "")
            for branch in state.get("Branches", []):
                label = _branch_label(branch)
                for inner in branch.get("States", {}):
                    self.branch_of[inner] = label

    @classmethod
    def of(cls, sfn: Any, state_machine_arn: str) -> Definition:
        described = sfn.describe_state_machine(stateMachineArn=state_machine_arn)
        return cls(json.loads(described["definition"]))

    def key(self, state: str) -> tuple[str, str | None] | None:
        """The stage a state counts towards: (stage name, branch) or None (not shown)."""
        if state in self.branch_of:
            label = self.branch_of[state]
            return (label, label)
        if self.top.get(state) in _SHOWN:
            return (state, None)
        return None


def _branch_label(branch: dict[str, Any]) -> str:
    """ "Database" for the branch ending in DatabaseDone; else its first state."""
    for name in branch.get("States", {}):
        if name.endswith("Done") and len(name) > len("Done"):
            return str(name)[: -len("Done")]
    return str(branch.get("StartAt", "branch"))


@dataclass
class Span:
    name: str
    branch: str | None
    start: datetime
    end: datetime | None = None
    failed: bool = False
    open_visits: int = 0


def _state_name(event: dict[str, Any]) -> tuple[str, str] | None:
    kind = event["type"]
    if kind.endswith("StateEntered"):
        return "entered", event["stateEnteredEventDetails"]["name"]
    if kind.endswith("StateExited"):
        return "exited", event["stateExitedEventDetails"]["name"]
    return None


def spans(events: list[dict[str, Any]], definition: Definition) -> list[Span]:
    """Stage spans in order of start. Repeated visits (polling loops) merge into one span."""
    found: dict[tuple[str, str | None], Span] = {}
    entered_by_id: dict[int, str] = {}
    by_id = {event["id"]: event for event in events}
    for event in events:
        seen = _state_name(event)
        if seen is not None:
            what, state = seen
            if what == "entered":
                entered_by_id[event["id"]] = state
            key = definition.key(state)
            if key is None:
                continue
            span = found.get(key)
            if what == "entered":
                if span is None:
                    span = found[key] = Span(key[0], key[1], event["timestamp"])
                span.open_visits += 1
            elif span is not None:
                span.open_visits = max(span.open_visits - 1, 0)
                span.end = event["timestamp"]
            continue
        if event["type"] in _FAILED_EVENTS:
            failed_in = _entered_state(event, by_id, entered_by_id)
            key = definition.key(failed_in) if failed_in else None
            if key is not None and key in found:
                found[key].failed = True
    last = events[-1]["timestamp"] if events else None
    for span in found.values():
        if span.open_visits and last is not None:
            span.end = last  # still running (or the run stopped inside it)
    return sorted(found.values(), key=lambda s: s.start)


def _entered_state(
    event: dict[str, Any], by_id: dict[int, dict[str, Any]], entered: dict[int, str]
) -> str | None:
    current: dict[str, Any] | None = event
    for _ in range(50):
        if current is None:
            return None
        previous = current.get("previousEventId")
        if previous in entered:
            return entered[previous]
        current = by_id.get(previous) if previous is not None else None
    return None


def to_stages(found: list[Span], t0: datetime) -> list[Stage]:
    result = []
    for span in found:
        end = span.end or span.start
        result.append(
            Stage(
                name=span.name,
                start=round((span.start - t0).total_seconds(), 3),
                end=round((end - t0).total_seconds(), 3),
                status="failed" if span.failed else "succeeded",
                branch=span.branch,
            )
        )
    return result


def history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    """Every event, oldest first, without the states' inputs and outputs, read as the product
    reads it (the report reads names, types, times and errors; the run's own input and output
    come from DescribeExecution)."""
    from failover.history import history as read_history

    return read_history(sfn, execution_arn)


def ending_state(events: list[dict[str, Any]]) -> str | None:
    """The last state entered (where the run ended)."""
    for event in reversed(events):
        seen = _state_name(event)
        if seen is not None and seen[0] == "entered":
            return seen[1]
    return None


@dataclass
class Followed:
    execution_arn: str
    status: str
    events: list[dict[str, Any]] = field(default_factory=list)
    described: dict[str, Any] = field(default_factory=dict)

    @property
    def stopped_at(self) -> datetime | None:
        return self.events[-1]["timestamp"] if self.events else None

    @property
    def started_at(self) -> datetime | None:
        return self.events[0]["timestamp"] if self.events else None


ProgressCallback = Callable[[str, Span], None]  # ("started" | "finished", span)


def follow(
    sfn: Any,
    execution_arn: str,
    definition: Definition,
    on_progress: ProgressCallback | None = None,
    timeout: float = 600.0,
    poll: float = 0.2,
    pause: Callable[[], None] | None = None,
) -> Followed:
    """Poll until the execution ends, reporting stages as they start and finish.

    ``pause`` waits between two looks (default: ``poll`` real seconds; the local drill lets
    modelled time pass instead). ``timeout`` is real seconds."""
    deadline = time.monotonic() + timeout
    reported: dict[tuple[str, str | None], str] = {}
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        events = history(sfn, execution_arn)
        done = described["status"] in TERMINAL
        if on_progress is not None:
            for span in spans(events, definition):
                key = (span.name, span.branch)
                if key not in reported:
                    reported[key] = "started"
                    on_progress("started", span)
                finished = span.end is not None and (span.open_visits == 0 or done)
                if finished and reported[key] != "finished":
                    reported[key] = "finished"
                    on_progress("finished", span)
        if done:
            return Followed(execution_arn, described["status"], events, described)
        if time.monotonic() > deadline:
            raise TimeoutError(f"{execution_arn} still {described['status']} after {timeout:.0f} s")
        if pause is None:
            time.sleep(poll)
        else:
            pause()
