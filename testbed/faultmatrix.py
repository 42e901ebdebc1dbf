"""The fault matrix: every Task of the failover machine x every kind of AWS fault.

Each cell builds a fresh local estate, arms one fault scoped to one Task's work, runs the
failover the Task belongs to, then clears the fault and runs the same request again. The cell
is judged from outside, on AWS state and on what an operator would see:

RECOVERED
    The run succeeded and the estate converged on the target: the target is the writer,
    carries all the traffic and the full capacity, every region's active-region parameter
    names it, nobody holds the lease; and the run has its audit row (or, when the fault is on
    the record itself, the record's failure was surfaced).
CLEAN-FAIL
    The run failed, and cleanly: its error is named (not ``States.Runtime`` or a bare
    ``States.TaskFailed``); the failure path ran (an audit row, or the record's failure
    surfaced); a notice went out (or the notice's failure surfaced); no lease outlives the
    run; traffic and the active-region parameters point only at the writer or where they
    were before the run. **And** the re-run, faults cleared, converged.
DIRTY
    Anything else, with the reasons.

"Surfaced" means what an operator's alarm sees: a ``ControlPlaneFault`` or
``NotificationFailed`` metric datapoint (the functions' Embedded Metric Format, which needs
no API call), or a ``control_plane_fault`` notice on either region's topic.

Where a fault lands (``emulator.faults``, ``caller=``): a Task that invokes a Lambda function
is faulted in that function's own AWS calls while that Task runs it (``"<state>/<function>"``);
a native integration Task (DynamoDB, ``lambda:invoke``) in its integration call and, for
``lambda:invoke``, in the handler it starts. Counts are API calls as the caller sees them (the
SDK's own retries are not replayed): "throttled x2" means two calls that stayed throttled.

Run it: ``make matrix`` (``python -m testbed.faultmatrix``; ``--regions a,b,c`` for an estate of
2 to 4 regions in priority order, the default bases failing the first over into the second);
a few cells run in ``make test`` (tests/statemachine/test_fault_matrix.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from failover.arns import region_of
from failover.config import GLOBAL_ACCELERATOR_REGION, MAX_REGIONS
from failover.outcome import FENCE_LANDED
from failover.traffic import desired_dials

from emulator.faults import DENIED, SERVER_ERROR, THROTTLED, UNREACHABLE
from testbed.estate import DEFAULT_REGIONS, EstateSpec, default_lease_regions
from testbed.session import build, load_event
from testbed.template import STATE_MACHINE

if TYPE_CHECKING:
    from failover.estate_view import EstateView

    from testbed.estate import LocalEstate

REGIONS: tuple[str, ...] = tuple(
    os.environ.get("MATRIX_REGIONS", ",".join(DEFAULT_REGIONS)).split(",")
)
"""The estate's regions in priority order (``--regions``; spawned workers read them from
``MATRIX_REGIONS`` when they import this module)."""
PRIMARY, SECONDARY = REGIONS[0], REGIONS[1]
"""The default bases fail the primary over into the second region in priority order."""
RECOVERED, CLEAN_FAIL, DIRTY = "RECOVERED", "CLEAN-FAIL", "DIRTY"
NAMELESS_ERRORS = frozenset({"", "States.Runtime", "States.TaskFailed", "States.Unknown"})


@dataclass(frozen=True)
class Kind:
    name: str
    code: str
    count: int | None  # None: every call until cleared


KINDS: tuple[Kind, ...] = (
    Kind("throttled x2", THROTTLED, 2),
    Kind("denied", DENIED, None),
    Kind("5xx once", SERVER_ERROR, 1),
    Kind("5xx always", SERVER_ERROR, None),
    Kind("unreachable", UNREACHABLE, None),
)

# The run a Task belongs to (default: an automatic failover on a confirmed outage).
UNPLANNED, APPROVAL, STALE_LEASE, INVALID, RECORD_FAILS, POST_RECOVERY = (
    "unplanned",
    "approval",
    "stale-lease",
    "invalid-input",
    "record-fails",
    "post-recovery",
)
BASES = {
    "PostRecovery": POST_RECOVERY,
    "ReleaseForApproval": APPROVAL,
    "RequestApproval": APPROVAL,
    "InspectLease": STALE_LEASE,
    "NotifyInvalidInput": INVALID,
    "SurfaceTroubles": RECORD_FAILS,
}


# Base runs of liveness (issue 24), chosen with --base: every cell of the matrix on top of
# one of the drill's scenarios of a region dying.
WEST_DOWN, GA_BROWNOUT, LEASE_HOLDER_DIES = (
    "region-down-us-west-2",
    "ga-brownout",
    "lease-holder-dies",
)
LIVENESS_BASES = (WEST_DOWN, GA_BROWNOUT, LEASE_HOLDER_DIES)


def target_of(base: str) -> str:
    """The region the base's run fails over into."""
    return PRIMARY if base in (WEST_DOWN, GA_BROWNOUT) else SECONDARY


def dead_of(base: str) -> str | None:
    """The region whose every API a liveness base cuts off (None: the default bases)."""
    if base in (WEST_DOWN, GA_BROWNOUT):
        return SECONDARY
    return PRIMARY if base == LEASE_HOLDER_DIES else None


@dataclass(frozen=True)
class Task:
    state: str
    function: str | None  # the logical id of the function it runs, if any
    native: bool  # a service integration (the Task's own call), not a function ARN

    override: str | None = None

    @property
    def base(self) -> str:
        return self.override or BASES.get(self.state, UNPLANNED)


def tasks(definition: dict[str, Any] | None = None) -> list[Task]:
    """Every Task state of the machine (Parallel branches and Map iterations included), in
    definition order."""
    if definition is None:
        definition = json.loads(STATE_MACHINE.read_text(encoding="utf-8"))
    found: list[Task] = []

    def walk(states: dict[str, Any]) -> None:
        for name, state in states.items():
            if state["Type"] == "Task":
                resource = str(state["Resource"])
                arguments = state.get("Parameters") or state.get("Arguments") or {}
                function = arguments.get("FunctionName", resource)
                logical = None
                if str(function).startswith("${") and str(function).endswith("FunctionArn}"):
                    logical = str(function)[2:-4]
                found.append(Task(name, logical, resource.startswith("arn:")))
            for branch in [*state.get("Branches", []), state.get("ItemProcessor", {"States": {}})]:
                walk(branch["States"])

    walk(definition["States"])
    return found


@dataclass
class Cell:
    task: str
    kind: str
    verdict: str = DIRTY
    status: str = ""
    error: str = ""
    rerun: str = ""
    reasons: list[str] = field(default_factory=list)
    seconds: float = 0.0


# --- driving ------------------------------------------------------------------------------


def _payload(estate: LocalEstate, base: str) -> dict[str, Any]:
    if base == POST_RECOVERY:
        payload = {
            "mode": "post_recovery",
            "reason": "fault matrix",
            "requested_by": "fault-matrix",
        }
        if len(estate.spec.regions) > 2:  # which region recovered (required beyond two)
            payload["source_region"] = PRIMARY
        return payload
    if base in (WEST_DOWN, GA_BROWNOUT):
        return estate.alarm_event(SECONDARY)
    if base == LEASE_HOLDER_DIES:
        # the automatic path is inside the cooldown (the failback just moved the writer)
        return {**load_event("manual-unplanned-failover.json"), "force": True}
    if base == APPROVAL:
        return load_event("manual-with-approval.json", target_region=SECONDARY)
    if base == INVALID:
        return {
            "mode": "sideways",
            "target_region": SECONDARY,
            "reason": "fault matrix: a mode that does not exist",
            "requested_by": "fault-matrix",
        }
    return estate.alarm_event(PRIMARY)


def _kill(estate: LocalEstate, base: str) -> None:
    """The base's region dies: its every API (GA's too, for us-west-2: refusing, or hanging in
    the brownout) and its /health."""
    dead = dead_of(base)
    if dead is None:
        return
    estate.outage(dead)
    estate.emulator.faults.unreachable_regions.add(dead)
    if base == GA_BROWNOUT:
        estate.emulator.faults.hang("globalaccelerator", SECONDARY)


def _prepare_liveness(estate: LocalEstate, base: str) -> None:
    if base in (WEST_DOWN, GA_BROWNOUT):
        # us-west-2 active (a planned switchover), the cooldown window over, then it dies
        done = estate.run(SECONDARY, load_event("manual-planned-switchover.json"))
        assert done["status"] == "SUCCEEDED", done
        estate.advance(estate.spec.cooldown_minutes * 60.0 + 60.0)
        estate.publish_replication_lag(estate.spec.replication_lag_ms, PRIMARY)
        _kill(estate, base)
        return
    # lease-holder-dies: in us-west-2 after an outage of us-east-1, then a failback into
    # us-east-1 holds the lease when us-east-1 dies after the writer moved there
    estate.outage(PRIMARY)
    done = estate.run(SECONDARY, estate.alarm_event(PRIMARY))
    assert done["status"] == "SUCCEEDED", done
    estate.recover(PRIMARY)
    estate.await_rebuild()  # a switchover back is refused while us-east-1 is pending-resync
    estate.publish_replication_lag(estate.spec.replication_lag_ms, PRIMARY)
    failback = estate.start(PRIMARY, {**load_event("manual-failback.json"), "force": True})
    estate.wait_until(
        lambda: estate.view().writer_region == PRIMARY and estate.view().lease_holder == failback,
        limit=1800,
        what="the failback moved the writer, holding the lease",
    )
    _kill(estate, base)


def _prepare(estate: LocalEstate, base: str) -> None:
    if base == POST_RECOVERY:
        # an unplanned failover while the primary was cut off; then the primary is back
        estate.outage(PRIMARY)
        estate.emulator.faults.unreachable_regions.add(PRIMARY)
        estate.run(SECONDARY, estate.alarm_event(PRIMARY))
        estate.emulator.faults.unreachable_regions.clear()
        estate.recover(PRIMARY)
        _all_notices(estate)
        return
    if base in LIVENESS_BASES:
        _prepare_liveness(estate, base)
        return
    if base != APPROVAL:  # a planned switchover is made while both regions are healthy
        estate.outage(PRIMARY)
    if base == STALE_LEASE:
        # a lease left by a run that has ended (its holder is no longer RUNNING)
        ended = estate.run(SECONDARY, {"mode": "sideways", "target_region": SECONDARY})
        estate.client("dynamodb", estate.table_region(SECONDARY)).put_item(
            TableName=estate.spec.table_name,
            Item={
                "pk": {"S": "LEASE"},
                "sk": {"S": "ESTATE"},
                "holder": {"S": ended["executionArn"]},
                "target_region": {"S": SECONDARY},
                "acquired_at": {"S": "2026-01-01T00:00:00Z"},
                "expires_at": {"N": str(int(estate.emulator.utcnow().timestamp()) + 3600)},
            },
        )
        estate.notices(SECONDARY)


def _callers(estate: LocalEstate, task: Task) -> list[str]:
    region = target_of(task.base)
    function = (
        estate.function_arns[region][task.function].rsplit(":", 1)[-1] if task.function else None
    )
    if task.native:
        return [task.state] + ([f"{task.state}/{function}"] if function else [])
    return [f"{task.state}/{function}"]


def _arm(estate: LocalEstate, task: Task, kind: Kind) -> None:
    for caller in _callers(estate, task):
        estate.emulator.faults.fail("*", "*", kind.code, count=kind.count, caller=caller)


def _execute(
    estate: LocalEstate,
    base: str,
    payload: dict[str, Any],
    seen: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Start the run and see it to its end (approving it when it asks). The notices read
    while waiting for the approval request are added to ``seen``."""
    arn = estate.start(target_of(base), payload)
    if base == APPROVAL:
        sfn = estate.client("stepfunctions", SECONDARY)
        token: list[str] = []

        def asked_or_ended() -> bool:
            # the request may reach another region's topic when this region's cannot take it
            for notice in _all_notices(estate):
                if seen is not None:
                    seen.append(notice)
                if notice["kind"] == "approval_requested":
                    words = notice["detail"]["commands"]["approve"].split()
                    token.append(words[words.index("--task-token") + 1].strip("'"))
            ended = sfn.describe_execution(executionArn=arn)["status"] != "RUNNING"
            return bool(token) or ended

        estate.wait_until(asked_or_ended, limit=3600, what="an approval request or the end")
        if token:
            sfn.send_task_success(
                taskToken=token[0], output=json.dumps({"approved_by": "fault-matrix"})
            )
    described = estate.wait(arn)
    estate.advance(400)  # asynchronous work settles: start notices' retries, CloseRun
    return described


# --- judging ------------------------------------------------------------------------------


def _all_notices(estate: LocalEstate) -> list[dict[str, Any]]:
    """Drain every region's notices (the second region's first)."""
    order = [SECONDARY, *(r for r in estate.spec.regions if r != SECONDARY)]
    return [notice for region in order for notice in estate.notices(region)]


def _surfaced(estate: LocalEstate, notices: list[dict[str, Any]]) -> bool:
    if any(n["kind"] == "control_plane_fault" for n in notices):
        return True
    for region in estate.spec.regions:
        cloudwatch = estate.client("cloudwatch", region)
        for name in ("ControlPlaneFault", "NotificationFailed"):
            if cloudwatch.list_metrics(MetricName=name)["Metrics"]:
                return True
    return False


def converged_gaps(view: EstateView, target: str, full: int) -> list[str]:
    """What keeps the estate from being converged on ``target`` (judged here, not by the
    product's own ``gaps``)."""
    gaps = []
    if view.writer_region != target or view.promotion_in_flight:
        gaps.append(f"writer {view.writer_region} ({view.global_status})")
    dials = {name: state.dial for name, state in view.regions.items()}
    if dials != desired_dials(dials, target):
        gaps.append(f"dials {dials}")
    if view.regions[target].desired != full:
        gaps.append(f"capacity {view.regions[target].desired}")
    named = {name: state.active_region for name, state in view.regions.items()}
    if set(named.values()) != {target}:
        gaps.append(f"active region {named}")
    if view.lease_holder:
        gaps.append(f"lease held by {view.lease_holder.rsplit(':', 1)[-1]}")
    return gaps


def consistency_breaks(
    view: EstateView, before: str, previous: EstateView | None = None
) -> list[str]:
    """Traffic or an active-region parameter pointing at a region that is neither the
    writer nor where it pointed before the run (``before``; or, read just before the run,
    ``previous``: a base whose failover could not fence a region that was down leaves that
    region's parameter naming itself, and the cell's run did not put it there)."""
    allowed = {view.writer_region, before}
    found = []
    for name, state in view.regions.items():
        was = previous.regions[name] if previous is not None else None
        if state.active_region not in allowed and not (
            was is not None and state.active_region == was.active_region
        ):
            found.append(f"{name}'s parameter names {state.active_region}")
        if state.dial and state.dial > 0 and name not in allowed:
            found.append(f"traffic {state.dial:g}% on {name}, not the writer")
    return found


def _lease_outlives(estate: LocalEstate) -> str | None:
    holder = estate.view().lease_holder
    if not holder:
        return None
    region = region_of(holder)
    held = estate.read_lease(SECONDARY)
    if held is not None and held.expires_at < estate.emulator.utcnow().timestamp():
        return None  # lapsed: nobody renews it (its holder's region is dead), the next run takes it
    status = estate.client("stepfunctions", region).describe_execution(executionArn=holder)
    # a lease whose holder ended is stale: the next run takes it over (InspectLease)
    return holder if status["status"] == "RUNNING" else None


def _says_unfenced(
    view: EstateView,
    gaps: list[str],
    rows: list[dict[str, Any]],
    notices: list[dict[str, Any]],
    target: str = SECONDARY,
) -> bool:
    """The only gap is the old region's parameter, and both the audit row and the outcome
    notice say the fence did not land."""
    only_fence = len(gaps) == 1 and gaps[0].startswith("active region")
    if not only_fence or view.regions[target].active_region != target:
        return False
    recorded = any(
        isinstance(row.get("fence"), dict) and row["fence"].get("status") not in FENCE_LANDED
        for row in rows
    )
    told = any("Fence: " in str(notice.get("text", "")) for notice in notices)
    return recorded and told


def _rerun(cell: Cell, estate: LocalEstate, task: Task, full: int) -> None:
    """Lift the faults (the region stays down) and run again: it must converge."""
    estate.emulator.faults.clear()
    if task.base in LIVENESS_BASES:
        _kill(estate, task.base)  # clear() lifted the faults; the region stays dead
    elif task.base not in (APPROVAL, POST_RECOVERY):
        estate.outage(PRIMARY)  # clear() lifted the faults; the region stays down
    # Aurora publishes the lag every minute; this estate runs no world actor, so say it again
    with _oracle(estate):
        estate.publish_replication_lag(estate.spec.replication_lag_ms)
    again = _execute(estate, task.base, _payload(estate, task.base))
    with _oracle(estate):
        gaps = _gaps(estate.view(), task.base, full)
    cell.rerun = str(again["status"]) + ("" if not gaps else " (" + "; ".join(gaps) + ")")
    # an operator's re-run into a target already fully active is refused as such, by name
    done = again["status"] == "SUCCEEDED" or again.get("error") == "TargetAlreadyActive"
    if not done or gaps:
        cell.reasons.append(f"the re-run did not converge: {cell.rerun}")


def _oracle(estate: LocalEstate) -> Any:
    """The judge's reads: with a region dead (a liveness base), read through the faults (an
    oracle, not a client of the product; modelled time stands still meanwhile)."""
    from contextlib import nullcontext

    faults = estate.emulator.faults
    return faults.suspended() if faults.unreachable_regions else nullcontext()


def _gaps(view: EstateView, base: str, full: int) -> list[str]:
    """What keeps the estate from converging on the base's target. With a region dead, what
    only that region holds cannot move (its own parameter: fencing is best effort) and GA's
    dials cannot be set when us-west-2 is the dead one (deferred): not gaps, then."""
    target, dead = target_of(base), dead_of(base)
    gaps = converged_gaps(view, target, full)
    if dead is None:
        return gaps
    skip = ["active region"] + (["dials"] if dead == GLOBAL_ACCELERATOR_REGION else [])
    gaps = [g for g in gaps if not any(g.startswith(s) for s in skip)]
    named = view.regions[target].active_region
    if named != target:
        gaps.append(f"active region in {target}: {named}")
    return gaps


def matrix_spec() -> EstateSpec:
    """The cells' estate: the default one, or :data:`REGIONS` with the failover table in the
    MRSC set the drill would choose for them."""
    if REGIONS == DEFAULT_REGIONS:
        return EstateSpec()
    return EstateSpec(regions=REGIONS, lease_regions=default_lease_regions(*REGIONS))


def run_cell(task: Task, kind: Kind) -> Cell:
    logging.getLogger("moto").setLevel(logging.CRITICAL)  # its interpreter logs each failure
    began = time.perf_counter()
    cell = Cell(task.state if not task.override else f"{task.state} @{task.override}", kind.name)
    target = target_of(task.base)
    # where traffic and app config pointed before the cell's run (a dead failback moved the
    # writer into us-east-1 and died before they followed it)
    before = PRIMARY if task.base == UNPLANNED else SECONDARY
    if task.base in (APPROVAL, STALE_LEASE, INVALID, RECORD_FAILS):
        before = PRIMARY
    for estate in build(matrix_spec()):
        try:
            _judge_cell(cell, estate, task, kind, target, before)
        finally:
            estate.emulator.faults.clear()  # a dead region comes back so the estate can close
    cell.seconds = time.perf_counter() - began
    return cell


def _judge_cell(
    cell: Cell, estate: LocalEstate, task: Task, kind: Kind, target: str, before: str
) -> None:
    """One cell on a fresh estate: prepare the base, arm the fault, run, judge (see the
    module docstring), and re-run a clean failure with the faults cleared."""
    full = estate.spec.full_capacity
    _prepare(estate, task.base)
    _arm(estate, task, kind)
    if task.base == RECORD_FAILS:
        record = Task("RecordOutcome", "RecordOutcomeFunction", False)
        _arm(estate, record, Kind("denied", DENIED, None))
    payload = _payload(estate, task.base)
    with _oracle(estate):
        previous = estate.view()
    notices: list[dict[str, Any]] = []
    described = _execute(estate, task.base, payload, notices)
    cell.status = str(described["status"])
    cell.error = str(described.get("error") or "")
    with _oracle(estate):
        notices += _all_notices(estate)
        rows = [
            row
            for row in estate.audit_rows(target)
            if row.get("execution_id") == described["executionArn"]
        ]
        surfaced = _surfaced(estate, notices)
        view = estate.view()
        outlives = _lease_outlives(estate)
    reasons = cell.reasons
    if task.base == INVALID:
        _judge_invalid(cell, described, notices, surfaced, estate)
        return
    if not rows and not surfaced:
        reasons.append("no audit row and no surfaced record failure")
    outcome_notices = [n for n in notices if n["kind"] not in ("started", "approval_requested")]
    if not outcome_notices and not surfaced:
        reasons.append("no notice and no surfaced notification failure")
    if outlives:
        reasons.append(f"the lease outlives the run: {outlives}")
    if cell.status == "SUCCEEDED":
        gaps = _gaps(view, task.base, full)
        if gaps and _says_unfenced(view, gaps, rows, outcome_notices, target):
            # the old region kept its own name, and the run said so: a clean partial,
            # as long as the re-run it offers completes the fence
            _rerun(cell, estate, task, full)
            cell.verdict = DIRTY if reasons else CLEAN_FAIL
        else:
            if gaps:
                reasons.append("succeeded but not converged: " + "; ".join(gaps))
            cell.verdict = DIRTY if reasons else RECOVERED
    else:
        if cell.error in NAMELESS_ERRORS:
            reasons.append(f"error not named: {cell.error!r}")
        reasons.extend(consistency_breaks(view, before, previous))
        _rerun(cell, estate, task, full)
        cell.verdict = DIRTY if reasons else CLEAN_FAIL


def _judge_invalid(
    cell: Cell,
    described: dict[str, Any],
    notices: list[dict[str, Any]],
    surfaced: bool,
    estate: LocalEstate,
) -> None:
    """A rejected input: the rejection holds (named, nothing changed, no lease), and the
    operator hears of it, or the notice's failure is surfaced."""
    reasons = cell.reasons
    # RejectInput ends the run as a named rejection (SUCCEEDED, outcome input_rejected, the
    # error in its output), so that a typo does not count in ExecutionsFailed and page.
    output = json.loads(described.get("output") or "{}")
    rejected = output.get("outcome") == "input_rejected" and output.get("error") == "UnknownMode"
    if described["status"] != "SUCCEEDED" or not rejected:
        reasons.append(
            f"expected the rejection UnknownMode, got {cell.status} {output.get('outcome')} "
            f"{output.get('error') or cell.error}"
        )
    if not any(n["kind"] == "invalid_input" for n in notices) and not surfaced:
        reasons.append("no rejection notice and no surfaced notification failure")
    view = estate.view()
    if view.writer_region != PRIMARY or view.lease_holder:
        reasons.append("a rejected run changed the estate or holds the lease")
    cell.verdict = DIRTY if reasons else CLEAN_FAIL


# --- the table ----------------------------------------------------------------------------


def _run_named(names: tuple[str, str, str | None]) -> Cell:
    by_state = {task.state: task for task in tasks()}
    by_kind = {kind.name: kind for kind in KINDS}
    task = by_state[names[0]]
    if names[2] is not None:
        task = Task(task.state, task.function, task.native, names[2])
    return run_cell(task, by_kind[names[1]])


def render(cells: list[Cell]) -> str:
    kinds = [kind.name for kind in KINDS]
    states = list(dict.fromkeys(cell.task for cell in cells))
    at = {(cell.task, cell.kind): cell for cell in cells}
    short = {RECOVERED: "RECOVERED", CLEAN_FAIL: "CLEAN-FAIL", DIRTY: "DIRTY"}
    lines = ["| Task | " + " | ".join(kinds) + " |", "|---" * (len(kinds) + 1) + "|"]
    for state in states:
        row = [short[at[(state, k)].verdict] if (state, k) in at else "" for k in kinds]
        lines.append(f"| {state} | " + " | ".join(row) + " |")
    counts = {v: sum(1 for c in cells if c.verdict == v) for v in (RECOVERED, CLEAN_FAIL, DIRTY)}
    lines.append("")
    lines.append(
        f"{len(cells)} cells: {counts[RECOVERED]} RECOVERED, {counts[CLEAN_FAIL]} CLEAN-FAIL, "
        f"{counts[DIRTY]} DIRTY"
    )
    for cell in cells:
        if cell.verdict == DIRTY:
            lines.append(f"DIRTY {cell.task} x {cell.kind}: {'; '.join(cell.reasons)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testbed.faultmatrix", description=__doc__)
    parser.add_argument("--task", action="append", help="only these Task states")
    parser.add_argument("--kind", action="append", help="only these kinds")
    parser.add_argument(
        "--base",
        choices=LIVENESS_BASES,
        action="append",
        help="run the cells on this base run (a region dying: issue 24's drill scenarios) "
        "instead of each Task's own; repeatable",
    )
    parser.add_argument(
        "--regions",
        default=",".join(REGIONS),
        help=f"the estate's regions (2 to {MAX_REGIONS}) in priority order, the primary first "
        "(default us-east-1,us-west-2; e.g. us-east-1,eu-west-1,us-west-2): the default bases "
        "fail the primary over into the second; --base runs on the default pair only",
    )
    parser.add_argument("-j", "--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--json", help="also write the cells to this file")
    options = parser.parse_args(argv)
    regions = tuple(part.strip() for part in options.regions.split(",") if part.strip())
    if not 2 <= len(regions) <= MAX_REGIONS or len(set(regions)) != len(regions):
        parser.error(f"--regions: 2 to {MAX_REGIONS} distinct regions, the primary first")
    if options.base and regions != DEFAULT_REGIONS:
        parser.error("--base kills us-west-2 or us-east-1 by name: the default pair only")
    os.environ["MATRIX_REGIONS"] = ",".join(regions)  # the spawned workers' REGIONS
    names = [
        (task.state, kind.name, base)
        for base in options.base or [None]
        for task in tasks()
        for kind in KINDS
        if (not options.task or task.state in options.task)
        and (not options.kind or kind.name in options.kind)
        and (base is None or task.base == UNPLANNED)  # the bases are unplanned failovers
    ]
    began, out = time.perf_counter(), sys.stdout
    # spawn, not fork: each worker imports this module afresh and reads MATRIX_REGIONS
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=options.jobs, mp_context=context) as pool:
        cells = []
        for cell in pool.map(_run_named, names):
            out.write(f"{cell.verdict:10} {cell.task} x {cell.kind} ({cell.seconds:.1f} s)\n")
            out.flush()
            cells.append(cell)
    out.write(f"\n{render(cells)}\n")
    out.write(
        f"\nwall time {time.perf_counter() - began:.0f} s, {options.jobs} worker(s), "
        f"estate {', '.join(regions)}\n"
    )
    if options.json:
        with open(options.json, "w", encoding="utf-8") as handle:
            json.dump([vars(cell) for cell in cells], handle, indent=2)
    return 1 if any(cell.verdict == DIRTY for cell in cells) else 0


if __name__ == "__main__":
    sys.exit(main())
