"""An execution's history: the one reader of it (paging, stages, timings, failures).

RecordOutcome uses it for the audit row's per-stage timings and the failed stage; the drill
(local and live) uses it to follow a run and to report one. It reads the history without
execution data (``includeExecutionData=False``): only event types, state names and times are
needed, and a run's inputs and outputs would be hundreds of kilobytes.

A *stage* is a group of states (``STAGES``): its span runs from the first entry into any of
its states to the last exit, so a polling loop (Wait -> Check -> Choice) is one stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


@dataclass(frozen=True)
class StageSpec:
    name: str
    label: str
    states: tuple[str, ...]
    branch: str | None = None  # the Act branch it runs in


STAGES: tuple[StageSpec, ...] = (
    StageSpec("warm_up", "Warm up", ("WarmUp", "WarmFunction")),
    StageSpec("validate", "Validate input", ("ValidateInput",)),
    StageSpec("lease", "Lease", ("AcquireLease", "InspectLease")),
    StageSpec("notify_start", "Start notice", ("NotifyStart",)),
    StageSpec("confirm_outage", "Confirm outage", ("ConfirmOutage", "WaitForObservers")),
    StageSpec("post_recovery", "Post-recovery", ("PostRecovery",)),
    StageSpec("preflight", "Preflight", ("Preflight",)),
    StageSpec("approval", "Approval", ("RequestApproval",)),
    StageSpec("act", "Act", ("Act",)),
    StageSpec(
        "database", "Database", ("PromoteDatabase", "WaitForDatabase", "CheckDatabase"), "database"
    ),
    StageSpec("follow_writer", "Follow the writer", ("FollowWriter",), "database"),
    StageSpec("traffic", "Traffic", ("ShiftTraffic",), "database"),
    StageSpec("active_region", "Active region", ("SetActiveRegion",), "database"),
    StageSpec("compute", "Compute", ("ScaleCompute", "WaitForCompute", "CheckCompute"), "compute"),
    StageSpec("settle", "Settle branches", ("SettleBranches",)),
    StageSpec("fence", "Fence", ("FenceOldRegion",)),
    StageSpec("verify", "Verify", ("VerifyFailover",)),
    StageSpec("record", "Record", ("RecordOutcome",)),
    StageSpec("notify", "Notify", ("NotifyOutcome", "NotifyInvalidInput", "SurfaceTroubles")),
    StageSpec("release", "Release lease", ("ReleaseLease",)),
)
STAGE_OF_STATE: dict[str, StageSpec] = {state: spec for spec in STAGES for state in spec.states}

FAILURE_EVENTS = frozenset(
    {
        "LambdaFunctionFailed",
        "LambdaFunctionTimedOut",
        "LambdaFunctionStartFailed",
        "LambdaFunctionScheduleFailed",
        "TaskFailed",
        "TaskTimedOut",
        "TaskSubmitFailed",
        "TaskStartFailed",
    }
)
_SUCCESS_EVENTS = frozenset({"LambdaFunctionSucceeded", "TaskSucceeded"})
_FAILURE_PATH = frozenset({"SettleBranches", "RecordOutcome", "ComputeFailed"})
"""Entering one of these means a Catch took the run off its happy path."""


@dataclass(frozen=True)
class Span:
    stage: str
    label: str
    branch: str | None
    start: datetime
    end: datetime | None  # None while the run is still inside the stage
    failed: bool

    @property
    def seconds(self) -> float | None:
        return None if self.end is None else round((self.end - self.start).total_seconds(), 3)


def history(sfn: SFNClient, execution_arn: str) -> list[dict[str, Any]]:
    """Every event of the execution, oldest first, without inputs and outputs."""
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "executionArn": execution_arn,
        "maxResults": 1000,
        "includeExecutionData": False,
    }
    while True:
        page = sfn.get_execution_history(**kwargs)
        events.extend(dict(event) for event in page["events"])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


def _time(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value))


def state_name(event: dict[str, Any]) -> tuple[str, str] | None:
    """("entered" | "exited", state name) for a state event, else None."""
    kind = str(event.get("type", ""))
    if kind.endswith("StateEntered"):
        return "entered", str(event.get("stateEnteredEventDetails", {}).get("name", ""))
    if kind.endswith("StateExited"):
        return "exited", str(event.get("stateExitedEventDetails", {}).get("name", ""))
    return None


def _state_of(event: dict[str, Any], by_id: dict[Any, dict[str, Any]]) -> str | None:
    """The state a task event belongs to: follow previousEventId back to its entry."""
    cursor: dict[str, Any] | None = event
    for _ in range(200):
        if cursor is None:
            return None
        seen = state_name(cursor)
        if seen is not None and seen[0] == "entered":
            return seen[1]
        cursor = by_id.get(cursor.get("previousEventId"))
    return None


def spans(events: list[dict[str, Any]]) -> list[Span]:
    """Stage spans in order of start."""
    by_id = {event.get("id"): event for event in events}
    open_visits: dict[str, int] = {}
    starts: dict[str, datetime] = {}
    ends: dict[str, datetime] = {}
    failed: set[str] = set()
    for event in events:
        seen = state_name(event)
        if seen is not None:
            spec = STAGE_OF_STATE.get(seen[1])
            if spec is None:
                continue
            at = _time(event["timestamp"])
            if seen[0] == "entered":
                starts.setdefault(spec.name, at)
                open_visits[spec.name] = open_visits.get(spec.name, 0) + 1
            else:
                open_visits[spec.name] = max(open_visits.get(spec.name, 0) - 1, 0)
                ends[spec.name] = at
        elif event.get("type") in FAILURE_EVENTS:
            state = _state_of(event, by_id)
            if state in STAGE_OF_STATE:
                failed.add(STAGE_OF_STATE[state].name)
    found = []
    for spec in STAGES:
        if spec.name not in starts:
            continue
        still_open = open_visits.get(spec.name, 0) > 0
        found.append(
            Span(
                spec.name,
                spec.label,
                spec.branch,
                starts[spec.name],
                None if still_open else ends.get(spec.name),
                spec.name in failed,
            )
        )
    return sorted(found, key=lambda span: span.start)


def failed_stage(events: list[dict[str, Any]]) -> str | None:
    """The stage whose failure took the run off its happy path, or None.

    A failure that a Retry later overcame does not count: only a failure still outstanding
    when the run entered the failure path (SettleBranches, RecordOutcome, ComputeFailed).
    """
    by_id = {event.get("id"): event for event in events}
    outstanding: dict[str, None] = {}
    for event in events:
        seen = state_name(event)
        if seen is not None and seen[0] == "entered" and seen[1] in _FAILURE_PATH and outstanding:
            break
        kind = event.get("type")
        if kind in FAILURE_EVENTS or kind in _SUCCESS_EVENTS:
            state = _state_of(event, by_id)
            if state is None:
                continue
            outstanding.pop(state, None)
            if kind in FAILURE_EVENTS:
                outstanding[state] = None
    if not outstanding:
        return None
    state = list(outstanding)[-1]
    spec = STAGE_OF_STATE.get(state)
    return spec.name if spec else state


def entered_states(events: list[dict[str, Any]]) -> list[str]:
    return [seen[1] for e in events if (seen := state_name(e)) is not None and seen[0] == "entered"]


def time_of(events: list[dict[str, Any]], index: int) -> datetime:
    return _time(events[index]["timestamp"])
