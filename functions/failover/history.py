"""An execution's history: the one reader of it (paging, stages, timings, failures, the RTO).

RecordOutcome uses it for the audit row's per-stage timings, the failed stage and the RTO; the
drill (local and live) and ``drill report`` use it to follow a run and to report one, so all of
them show one run the same way. It reads the history without
execution data (``includeExecutionData=False``): only event types, state names and times are
needed, and a run's inputs and outputs would be hundreds of kilobytes.

A *stage* is a group of states (``STAGES``), named after the ASL state that starts it (the
audit row, the ``StageDuration`` metric, the drill's report and its progress all say
``ConfirmOutage``, ``PromoteDatabase``...): its span runs from the first entry into any of its
states to the last exit, so a polling loop (Wait -> Check -> Choice) is one stage. Choice,
Pass, Succeed and Fail states take no time and are no stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


@dataclass(frozen=True)
class StageSpec:
    """A stage: named after the ASL state that starts it, with the states that count towards
    it (a polling loop's Wait and Check) and the Act branch it runs in, if any."""

    states: tuple[str, ...]
    branch: str | None = None  # the Act branch it runs in, as the ASL names it ("Database")

    @property
    def name(self) -> str:
        return self.states[0]


STAGES: tuple[StageSpec, ...] = (
    StageSpec(("WarmUp", "WarmFunction")),
    StageSpec(("ValidateInput",)),
    StageSpec(("NotifyInvalidInput",)),
    StageSpec(("AcquireLease", "InspectLease", "WaitForLease")),
    StageSpec(("NotifyStart",)),
    StageSpec(("ConfirmOutage", "WaitForObservers")),
    StageSpec(("PostRecovery",)),
    StageSpec(("Preflight",)),
    StageSpec(("RequestApproval", "ReleaseForApproval")),
    StageSpec(("Act",)),
    StageSpec(("PromoteDatabase", "WaitForDatabase", "CheckDatabase"), "Database"),
    StageSpec(("FollowWriter",), "Database"),
    StageSpec(("ShiftTraffic",), "Database"),
    StageSpec(("SetActiveRegion",), "Database"),
    StageSpec(("ScaleCompute", "WaitForCompute", "CheckCompute"), "Compute"),
    StageSpec(("SettleBranches",)),
    StageSpec(("FenceOldRegion",)),
    StageSpec(("VerifyFailover",)),
    StageSpec(("RecordOutcome",)),
    StageSpec(("NotifyOutcome",)),
    StageSpec(("ReleaseLease",)),
    StageSpec(("SurfaceTroubles",)),
)
STAGE_OF_STATE: dict[str, StageSpec] = {state: spec for spec in STAGES for state in spec.states}
VERIFY = "VerifyFailover"
"""The stage whose end is the end of recovery: the estate verified serving from the target."""

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
    """Stage spans in order of start. A span is ``failed`` when it is the run's
    :func:`failed_stage` (the failure still outstanding when the run left its happy path), so
    a failure a Retry overcame, or a clean ending (Superseded, LeaseHeld) is not shown as one,
    and the record, the notice and the drill name the same stage."""
    open_visits: dict[str, int] = {}
    starts: dict[str, datetime] = {}
    ends: dict[str, datetime] = {}
    culprit = failed_stage(events)
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
    found = []
    for spec in STAGES:
        if spec.name not in starts:
            continue
        still_open = open_visits.get(spec.name, 0) > 0
        found.append(
            Span(
                spec.name,
                spec.branch,
                starts[spec.name],
                None if still_open else ends.get(spec.name),
                spec.name == culprit,
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


def ending_state(events: list[dict[str, Any]]) -> str | None:
    """The last state entered: where the run ended (or is now)."""
    for event in reversed(events):
        seen = state_name(event)
        if seen is not None and seen[0] == "entered":
            return seen[1]
    return None


def rto_seconds(found: Sequence[Span], since: datetime) -> float | None:
    """The recovery time of a run that succeeded: from ``since`` (the outage, or the alarm's
    state change when an alarm started the run and nothing knows the outage better, or the
    start of a manual run) to the end of VerifyFailover, the moment the estate was verified
    serving from the target. The bookkeeping after it (record, notice, lease) is not recovery
    time. None while VerifyFailover has not ended.

    The one RTO: the audit row's ``rto_seconds`` and the ``RecoveryTime`` metric
    (:mod:`failover.record`), the local and the live drill, and ``drill report`` all call it.
    """
    ends = [span.end for span in found if span.stage == VERIFY and span.end is not None]
    if not ends:
        return None
    return round((max(ends) - since).total_seconds(), 3)
