"""The safety soak (issue 13): random interleavings against the emulated estate (2 to 4 regions).

A ``hypothesis`` ``RuleBasedStateMachine`` drives one freshly built estate per example with
outages and recoveries of either region, a region whose APIs cannot be reached, alarm
events (ALARM, OK, INSUFFICIENT_DATA), operator runs of every mode started in either
region at any moment (mid-run included, approvals answered or not), and transient or
persistent faults on the operations the control plane calls. Modelled time passes in
steps; runs overlap. After every step, and once every run has ended, the invariants below
are read from AWS state, with the faults lifted for the reading (an oracle, not a client
of the product):

* exactly one writer;
* no lease outlives its execution (a lease whose holder ended is gone within
  :data:`LEASE_GRACE_S` modelled seconds: the CloseRun path is asynchronous);
* at most one automatic failover per cooldown window;
* a dead region's lease never blocks the surviving ones past the bound: from
  ``LEASE_SECONDS`` + 10 s after a region is cut off (or dies holding the lease), no run of
  that region holds a live lease, so some run of the surviving region can take it and move
  the estate there (issue 24);
* once quiescent: every run ended in a documented outcome (an audit row, a surfaced
  record failure, or a named input rejection); no lease is held; traffic, app config and
  capacity follow the writer, or a failed run's record says why they do not; and a re-run
  into the writer's region, once the faults are gone, converges.

``python -m testbed.soak --examples 1000 -j 2`` (``make soak``) prints the examples run and
the violations found; ``tests/statemachine/test_soak.py`` runs a few in ``make test``.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import logging
import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from failover.arns import region_of
from failover.config import GLOBAL_ACCELERATOR_REGION, MAX_REGIONS, Settings
from failover.errors import INPUT_ERRORS
from failover.in_region import UNREACHABLE_MIN_OUTAGE_SECONDS as UNREACHABLE_MIN_OUTAGE_S
from failover.outcome import unfinished_fence
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from emulator.faults import DENIED, SERVER_ERROR, THROTTLED, UNREACHABLE
from testbed.estate import EstateSpec, default_lease_regions
from testbed.faultmatrix import converged_gaps
from testbed.session import build

if TYPE_CHECKING:
    from collections.abc import Iterator

    from failover.estate_view import EstateView

    from testbed.estate import LocalEstate

RECOVERY_UNSEEN_S = 20.0
"""The least time any observer needs to see a region answer again: the ALB's
HealthyThresholdCount 2 x HealthCheckIntervalSeconds 10 (stacks/region.yaml), which Global
Accelerator reads, is the fastest family; Route 53's checkers need 3 good checks 10 s apart, the
probe its consecutive good datapoints. A region back for less than that was down to every
observer (and to a user retrying) throughout: one outage, measured from its first start. Found
by the soak: a 90 s blip, back for no modelled time, then a 170 s blip, was judged two outages
although no observer, nor the product's sustained confirmation, could tell them apart."""

REGIONS: tuple[str, ...] = tuple(os.environ.get("SOAK_REGIONS", "us-east-1,us-west-2").split(","))
"""The estate's regions (2 to 4) in priority order, the primary first (``--regions``; the
rules' strategies draw from them, so the workers read them from ``SOAK_REGIONS`` when they
import this module)."""
LEASE_GRACE_S = 900.0
"""A lease left by an ended run is gone within this: CloseRun's asynchronous invocation
(RunEnded rule) with its retries."""
SETTLE_LIMIT_S = 4 * 3600.0
DIALS_DEFERRED = "deferred to GA health checks"
"""What ShiftTraffic's result says when GA's API could not set a dial (failover.traffic.shift)."""
FAILED_OUTCOMES = frozenset({"failed", "timed_out", "aborted", "superseded"})

# The operations the control plane calls (tests/iam records them per function).
OPERATIONS = (
    ("rds", "DescribeGlobalClusters"),
    ("rds", "FailoverGlobalCluster"),
    ("rds", "SwitchoverGlobalCluster"),
    ("rds", "DescribeDBClusters"),
    ("globalaccelerator", "UpdateEndpointGroup"),
    ("globalaccelerator", "DescribeEndpointGroup"),
    ("ecs", "UpdateService"),
    ("ecs", "DescribeServices"),
    ("ssm", "GetParameter"),
    ("ssm", "PutParameter"),
    ("dynamodb", "PutItem"),
    ("dynamodb", "GetItem"),
    ("dynamodb", "DeleteItem"),
    ("dynamodb", "UpdateItem"),
    ("dynamodb", "Query"),
    ("sns", "Publish"),
    ("cloudwatch", "GetMetricData"),
    ("cloudwatch", "DescribeAlarms"),
    ("cloudwatch", "PutMetricData"),
    ("route53", "GetHealthCheckStatus"),
    ("stepfunctions", "DescribeExecution"),
    ("stepfunctions", "GetExecutionHistory"),
    ("lambda", "Invoke"),
)
KINDS = (THROTTLED, DENIED, SERVER_ERROR, UNREACHABLE)


@dataclass
class Run:
    arn: str
    region: str
    trigger: str  # "alarm" | "manual"
    force: bool
    started_at: float
    cut_off: bool = False  # its own region's APIs were unreachable while it ran


@dataclass
class Log:
    """What one example did, for the report of a counterexample."""

    steps: list[str] = field(default_factory=list)


def _rejected_by_name(described: dict[str, Any]) -> bool:
    """An execution that ended as RejectInput ends it: SUCCEEDED, outcome input_rejected,
    one of the named input errors in its output."""
    if described.get("status") != "SUCCEEDED":
        return False
    try:
        output = json.loads(described.get("output") or "{}")
    except ValueError:
        return False
    return (
        isinstance(output, dict)
        and output.get("outcome") == "input_rejected"
        and output.get("error") in INPUT_ERRORS
    )


def _modelled(estate: LocalEstate) -> float:
    return float(estate.emulator.clock.now())


def _checked(check: Callable[[EstateMachine], None]) -> Callable[[EstateMachine], None]:
    """Note a violation (with the steps that led to it) before hypothesis sees it: a failure
    that does not replay identically is still counted and shown."""

    @functools.wraps(check)
    def checked(self: EstateMachine) -> None:
        try:
            check(self)
        except Exception as error:
            EstateMachine.violations.append(
                f"{check.__name__}: {type(error).__name__}: {error}\n  after: "
                + "\n         ".join(self.log.steps)
            )
            raise

    return checked


class EstateMachine(RuleBasedStateMachine):
    """One example: a freshly built estate, driven by the rules below."""

    examples = 0
    undocumentable = 0
    violations: ClassVar[list[str]] = []

    def __init__(self) -> None:
        super().__init__()
        EstateMachine.examples += 1
        self._builder: Iterator[LocalEstate] = build(
            EstateSpec(regions=REGIONS, lease_regions=default_lease_regions(*REGIONS))
        )
        self.estate = next(self._builder)
        self.faults = self.estate.emulator.faults
        self.runs: dict[str, Run] = {}
        self.down: set[str] = set()
        self.writer = self._writers()[0]
        self.writer_changes: list[tuple[float, str, bool]] = []  # (when, writer, automatic)
        self.ended_seen: dict[str, float] = {}
        self.log = Log()
        self.notices: list[dict[str, Any]] = []
        self.cooldown_s = self.estate.spec.cooldown_minutes * 60.0
        self.cut_at: dict[str, float] = {}  # region -> modelled time it was cut off
        self.down_since: dict[str, float] = {}  # region -> modelled start of its outage
        self.last_outage: dict[str, tuple[float, float]] = {}  # region -> (start, end), ended
        self.approved_at: list[float] = []  # when a person approved a run
        self.lag_ms: float | None = self.estate.spec.replication_lag_ms
        self.min_outage_s = float(
            self.estate.spec.min_outage_seconds or Settings.min_outage_seconds
        )

    # --- oracle reads (faults lifted; modelled time stands still meanwhile) -----------------
    def _writers(self) -> list[str]:
        with self.faults.suspended():
            rds = self.estate.client("rds", REGIONS[1])
            members = rds.describe_global_clusters(
                GlobalClusterIdentifier=self.estate.spec.global_cluster_id
            )["GlobalClusters"][0]["GlobalClusterMembers"]
        return [region_of(m["DBClusterArn"]) for m in members if m.get("IsWriter")]

    def _view(self) -> EstateView:
        with self.faults.suspended():
            return self.estate.view()

    def _status(self, arn: str) -> dict[str, Any]:
        with self.faults.suspended():
            described: dict[str, Any] = self.estate.client(
                "stepfunctions", region_of(arn)
            ).describe_execution(executionArn=arn)
        return described

    def _reachable(self, region: str) -> bool:
        return region not in self.faults.unreachable_regions

    def _outage_begins(self, region: str) -> None:
        """The region is down to every observer from now, or from its last outage's start if
        it came back less than :data:`RECOVERY_UNSEEN_S` ago (nobody could see it back)."""
        if region in self.down_since:
            return
        now = _modelled(self.estate)
        last = self.last_outage.get(region)
        self.down_since[region] = (
            last[0] if last is not None and now - last[1] < RECOVERY_UNSEEN_S else now
        )

    def _outage_ends(self, region: str) -> None:
        since = self.down_since.pop(region, None)
        if since is not None:
            self.last_outage[region] = (since, _modelled(self.estate))

    # --- rules: the world -------------------------------------------------------------------
    @rule(region=st.sampled_from(REGIONS))
    def outage(self, region: str) -> None:
        self.log.steps.append(f"outage {region}")
        with self.faults.suspended():
            self.estate.outage(region)
        self.down.add(region)
        self._outage_begins(region)

    @rule(region=st.sampled_from(REGIONS), seconds=st.sampled_from((5.0, 15.0, 45.0, 90.0, 170.0)))
    def blip(self, region: str, seconds: float) -> None:
        """The region's /health fails for ``seconds`` (every observer sees it), then answers:
        shorter than MinOutageSeconds, so no automatic run may move the writer for it."""
        if region in self.down or region in self.faults.unreachable_regions:
            return  # already down to every observer: a blip would not end its outage
        self.log.steps.append(f"blip {region} {seconds:g} s")
        with self.faults.suspended():
            self.estate.outage(region)
        self._outage_begins(region)
        self.estate.advance(seconds)
        self.exactly_one_writer()
        with self.faults.suspended():
            self.estate.recover(region)
        self._outage_ends(region)

    @rule(lag=st.sampled_from((120.0, 30_000.0, None)))
    def replication_lag(self, lag: float | None) -> None:
        """The secondaries fall behind (over the data-loss budget), or their lag metrics stop
        (unknown once stale), or all is well again."""
        self.log.steps.append(f"replication lag {lag}")
        self.lag_ms = lag
        with self.faults.suspended():
            self.estate.publish_replication_lag(lag)

    @precondition(lambda self: bool(self.down))
    @rule(data=st.data())
    def recover(self, data: st.DataObject) -> None:
        region = data.draw(st.sampled_from(sorted(self.down)))
        self.log.steps.append(f"recover {region}")
        with self.faults.suspended():
            self.estate.recover(region)
        self.down.discard(region)
        self._outage_ends(region)

    @precondition(lambda self: not self.faults.unreachable_regions)
    @rule(region=st.sampled_from(REGIONS))
    def cut_off(self, region: str) -> None:
        """The region's APIs cannot be reached (its control plane included)."""
        self.log.steps.append(f"unreachable {region}")
        self.faults.unreachable_regions.add(region)
        self.cut_at[region] = _modelled(self.estate)
        # Its /health is a black hole to every observer from now on (the health checkers,
        # every other region's probe, Global Accelerator): the region's outage starts here.
        self._outage_begins(region)
        self._note_ended()
        for run in self.runs.values():
            if run.region == region and run.arn not in self.ended_seen:
                run.cut_off = True

    @precondition(lambda self: bool(self.faults.unreachable_regions))
    @rule()
    def reconnect(self) -> None:
        self.log.steps.append(f"reachable {sorted(self.faults.unreachable_regions)}")
        for region in self.faults.unreachable_regions:
            if region not in self.down:
                self._outage_ends(region)
        self.faults.unreachable_regions.clear()
        self.cut_at.clear()

    @precondition(lambda self: not self.faults.unreachable_regions)
    @rule()
    def holder_dies(self) -> None:
        """The region of the run holding the lease dies (every API) while it holds it."""
        holder = self._view().lease_holder
        if not holder or holder not in self.runs or holder in self.estate.ended:
            return
        self.cut_off(region_of(holder))

    @rule()
    def ga_api_hangs(self) -> None:
        """A brownout of Global Accelerator's API (its one region, us-west-2, whatever the
        estate's regions): connections open, no answer
        comes (lifted by clear_faults)."""
        self.log.steps.append("GA's API hangs")
        self.faults.hang("globalaccelerator", GLOBAL_ACCELERATOR_REGION)

    @rule(
        operation=st.sampled_from(OPERATIONS),
        kind=st.sampled_from(KINDS),
        persistent=st.booleans(),
        region=st.sampled_from((None, *REGIONS)),
    )
    def fault(
        self, operation: tuple[str, str], kind: str, persistent: bool, region: str | None
    ) -> None:
        service, name = operation
        count = None if persistent else 2
        self.log.steps.append(f"fault {service}.{name} {kind} x{count or 'always'} in {region}")
        self.faults.fail(service, name, kind, count=count, region=region)

    @rule()
    def clear_faults(self) -> None:
        self.log.steps.append("clear faults")
        unreachable = set(self.faults.unreachable_regions)
        self.faults.clear()
        self.faults.unreachable_regions.update(unreachable)

    @rule(seconds=st.sampled_from((1.0, 15.0, 60.0, 240.0, 900.0)))
    def time_passes(self, seconds: float) -> None:
        self.log.steps.append(f"advance {seconds:g} s")
        self.estate.advance(seconds)
        with self.faults.suspended():
            # Aurora keeps publishing the secondary's lag every minute (no world actor here)
            self.estate.publish_replication_lag(self.lag_ms)

    # --- rules: the control plane's triggers ------------------------------------------------
    def _start(self, region: str, payload: dict[str, Any], trigger: str, force: bool) -> None:
        if not self._reachable(region):
            return  # nobody can start a run in a region whose APIs cannot be reached
        with self.faults.suspended():
            arn = self.estate.start(region, payload)
        self.runs[arn] = Run(arn, region, trigger, force, _modelled(self.estate))
        shown = payload if trigger == "manual" else payload["detail"]["state"]["value"]
        self.log.steps.append(f"start {arn.rsplit(':', 1)[-1][:8]} in {region}: {shown}")

    @rule(
        region=st.sampled_from(REGIONS), state=st.sampled_from(("ALARM", "OK", "INSUFFICIENT_DATA"))
    )
    def alarm(self, region: str, state: str) -> None:
        """The region's health alarm changes state; every other region's control plane is
        triggered (stacks/global.yaml forwards it to each of their failover buses)."""
        with self.faults.suspended():
            event = self.estate.alarm_event(region, state)
        self.log.steps.append(f"alarm of {region}")
        for other in self.estate.spec.others(region):
            self._start(other, event, "alarm", False)

    @rule(
        region=st.sampled_from(REGIONS),
        mode=st.sampled_from(("unplanned", "planned", "failback")),
        dry_run=st.booleans(),
        force=st.booleans(),
        approval=st.booleans(),
    )
    def operator_run(
        self, region: str, mode: str, dry_run: bool, force: bool, approval: bool
    ) -> None:
        payload = {
            "mode": mode,
            "target_region": region,
            "reason": "soak",
            "requested_by": "soak",
            "dry_run": dry_run,
            "force": force,
            "require_approval": approval,
        }
        self._start(region, payload, "manual", force)

    @rule(approve=st.booleans())
    def answer_approvals(self, approve: bool) -> None:
        for region in REGIONS:
            with self.faults.suspended():
                notices = self.estate.notices(region)
                self.notices += notices
                sfn = self.estate.client("stepfunctions", region)
                for notice in notices:
                    if notice["kind"] != "approval_requested":
                        continue
                    words = notice["detail"]["commands"]["approve"].split()
                    token = words[words.index("--task-token") + 1].strip("'")
                    self.log.steps.append(f"{'approve' if approve else 'reject'} in {region}")
                    try:
                        if approve:
                            sfn.send_task_success(
                                taskToken=token, output=json.dumps({"approved_by": "soak"})
                            )
                            self.approved_at.append(_modelled(self.estate))
                        else:
                            sfn.send_task_failure(taskToken=token, error="ApprovalRejected")
                    except sfn.exceptions.ClientError:
                        pass  # the run gave up waiting (timed out, or ended otherwise)

    # --- invariants after every step --------------------------------------------------------
    @invariant()
    @_checked
    def exactly_one_writer(self) -> None:
        writers = self._writers()
        assert len(writers) == 1, f"writers: {writers}"
        if writers[0] != self.writer:
            since = self.writer_changes[-1][0] if self.writer_changes else 0.0
            active = [
                run
                for run in self.runs.values()
                if run.arn not in self.ended_seen or self.ended_seen[run.arn] >= since
            ]
            automatic = bool(active) and all(run.trigger == "alarm" for run in active)
            if automatic:
                self._check_worth_the_data(self.writer, active)
            self.writer_changes.append((_modelled(self.estate), writers[0], automatic))
            self.log.steps.append(
                f"writer -> {writers[0]} ({'automatic' if automatic else 'operator'})"
            )
            self.writer = writers[0]
            self._note_ended()

    def _check_worth_the_data(self, old: str, active: list[Run]) -> None:
        """No promotion with AllowDataLoss unless the outage lasted at least MinOutageSeconds
        (60 s when the old region's APIs were unreachable too: failover.in_region), or a
        person approved it."""
        for run in active:
            promoted = self._entered_at(run.arn, "PromoteDatabase")
            if promoted is None or not self._entered_with(run.arn, "PromoteDatabase", "plan"):
                continue
            since = self.down_since.get(old)
            approved = any(at >= (since or 0.0) for at in self.approved_at)
            shorter = old in self.cut_at and self.cut_at[old] <= promoted
            needed = (
                min(self.min_outage_s, UNREACHABLE_MIN_OUTAGE_S) if shorter else self.min_outage_s
            )
            lasted = None if since is None else promoted - since
            assert approved or (lasted is not None and lasted >= needed - 1.0), (
                f"AllowDataLoss promotion of {old}'s writer by {run.arn.rsplit(':', 1)[-1][:8]} "
                f"after an outage of {lasted} s (needed {needed:g} s), not approved"
            )

    def _entered_at(self, arn: str, state: str) -> float | None:
        """Modelled time at which the run entered ``state`` (None: it did not)."""
        with self.faults.suspended():
            events = self.estate.client("stepfunctions", region_of(arn)).get_execution_history(
                executionArn=arn, maxResults=1000
            )["events"]
        epoch = self.estate.emulator.clock.epoch
        for event in events:
            if (event.get("stateEnteredEventDetails") or {}).get("name") == state:
                return float((event["timestamp"] - epoch).total_seconds())
        return None

    @invariant()
    @_checked
    def at_most_one_automatic_failover_per_cooldown(self) -> None:
        automatic = [when for when, _, auto in self.writer_changes if auto]
        for earlier, later in itertools.pairwise(automatic):
            apart = later - earlier
            assert apart >= self.cooldown_s, f"automatic failovers {apart:.0f} s apart"

    @invariant()
    @_checked
    def no_lease_outlives_its_execution(self) -> None:
        self._note_ended()
        holder = self._view().lease_holder
        if not holder:
            return
        assert holder in self.runs, f"lease held by an unknown {holder}"
        if self._stale(holder):
            return
        stopped = self._status(holder).get("stopDate")
        if stopped is not None:
            late = (self.estate.emulator.utcnow() - stopped).total_seconds()
            assert late <= LEASE_GRACE_S, f"lease held {late:.0f} s after {holder} ended"

    @invariant()
    @_checked
    def a_dead_regions_lease_never_blocks_past_the_bound(self) -> None:
        from failover import lease

        now = _modelled(self.estate)
        bound = float(self.estate.lease_seconds) + 10.0
        for dead, since in self.cut_at.items():
            if now < since + bound:
                continue
            others = self.estate.spec.others(dead)
            survivor = next((r for r in others if self._reachable(r)), others[0])
            with self.faults.suspended():
                held = lease.current(
                    self.estate.client("dynamodb", self.estate.table_region(survivor)),
                    self.estate.spec.table_name,
                )
            if held is None or region_of(held.holder) != dead:
                continue
            at = self.estate.emulator.utcnow().timestamp()
            assert held.expires_at < at, (
                f"{dead} was cut off {now - since:.0f} s ago and its run {held.holder} still "
                f"holds a live lease: {survivor}'s runs cannot move the estate"
            )

    def _entered_with(self, arn: str, state: str, key: str) -> bool:
        """Whether the run entered ``state`` carrying ``key`` in its state document."""
        with self.faults.suspended():
            events = self.estate.client("stepfunctions", region_of(arn)).get_execution_history(
                executionArn=arn, maxResults=1000, includeExecutionData=True
            )["events"]
        return any(
            (event.get("stateEnteredEventDetails") or {}).get("name") == state
            and f'"{key}"' in str(event["stateEnteredEventDetails"].get("input"))
            for event in events
        )

    def _stale(self, holder: str) -> bool:
        """A lease its holder could not release: its region cannot be reached, or it was
        refused the release and said so. The next run that needs it takes it over
        (InspectLease)."""
        run = self.runs.get(holder)
        return run is not None and (run.cut_off or self._release_failed(holder))

    def _release_failed(self, arn: str) -> bool:
        """The run tried to release the lease, failed, and carried that to its end."""
        return self._entered_with(arn, "TroublesDecision", "release_error")

    def _note_ended(self) -> None:
        now = _modelled(self.estate)
        for arn in self.runs:
            if arn not in self.ended_seen and arn in self.estate.ended:
                self.ended_seen[arn] = now

    # --- once quiescent -----------------------------------------------------------------------
    def teardown(self) -> None:
        try:
            self._quiescent_checks()
        finally:
            self.faults.clear()
            for _ in self._builder:  # closes the estate and uninstalls the emulator
                pass

    def _settle(self) -> None:
        deadline = _modelled(self.estate) + SETTLE_LIMIT_S
        while any(arn not in self.estate.ended for arn in self.runs):
            assert _modelled(self.estate) < deadline, "runs still running after 4 modelled hours"
            self.estate.advance(60.0)
            self.answer_approvals(approve=False)  # nobody is left to approve
        self._note_ended()
        self.estate.advance(LEASE_GRACE_S)  # CloseRun and late notices settle
        self._note_ended()

    @_checked
    def _quiescent_checks(self) -> None:
        self._settle()
        self.exactly_one_writer()
        rows: dict[str, dict[str, Any]] = {}
        with self.faults.suspended():
            for region in REGIONS:
                for row in self.estate.audit_rows(region):
                    rows[str(row.get("execution_id"))] = row
            surfaced = self._surfaced_record_failures()
            for region in REGIONS:
                self.notices += self.estate.notices(region)
        told = {
            str((notice["detail"].get("execution") or {}).get("id"))
            for notice in self.notices
            if notice["kind"] not in ("started", "approval_requested")
        }
        for run in self.runs.values():
            described = self._status(run.arn)
            status, error = described["status"], described.get("error")
            documented = (
                run.arn in rows
                or run.arn in told  # the outcome, or the record's failure, on either topic
                or surfaced
                or (status == "FAILED" and error in INPUT_ERRORS)
                # a named rejection (RejectInput): nothing changed, no lease was taken, and the
                # execution's own output names the error, the notice's failure too when SNS
                # could not take it (notify_error)
                or _rejected_by_name(described)
                # nothing could be written or sent: the run fails by that name, which Step
                # Functions counts itself (FailedExecutionAlarm on AWS/States ExecutionsFailed)
                or (status == "FAILED" and error == "ControlPlaneFault")
                # a failed run that could not record, notify nor surface that (SurfaceTroubles
                # failed): Step Functions' own ExecutionsFailed is what is left
                or (
                    status == "FAILED"
                    and self._entered_with(run.arn, "EndDecision", "troubles_error")
                )
            )
            named = status != "FAILED" or (error and not error.startswith("States."))
            if not documented and run.cut_off and named:
                # its own region could not be reached: no record, metric or notice can leave
                # it (the execution's history keeps the named error until the region is back)
                EstateMachine.undocumentable += 1
                continue
            assert documented, f"{run.arn} ended {status} {error} with no record"
        view = self._view()
        holder = view.lease_holder
        stale = holder is not None and self._stale(holder)
        assert holder is None or stale, f"lease held at quiescence by {holder}"
        writer = self._writers()[0]
        full = self.estate.spec.full_capacity
        gaps = converged_gaps(view, writer, full)
        if stale:
            # a run cut off with its region could not release the lease; it is stale (its
            # holder ended), and the next run that needs it takes it over (InspectLease)
            gaps = [gap for gap in gaps if not gap.startswith("lease held by")]
        if stale and not gaps:
            self._take_over(writer)
        if gaps:
            only_dials = all(gap.startswith("dials") for gap in gaps)
            said = [
                row
                for row in rows.values()
                if row.get("outcome") in FAILED_OUTCOMES
                # a region's parameter it could not point at the writer (the old region, or
                # with three or more any other region: the record's fence.regions)
                or unfinished_fence(row)
                # GA's API (us-west-2) hung or refused while a run moved the writer outside
                # us-west-2: the run deferred the dials to GA's health checks and its record
                # says so (ShiftTraffic's result in the row's actions)
                or (only_dials and DIALS_DEFERRED in json.dumps(row.get("actions"), default=str))
            ]
            # a run cut off with its region cannot say anything until the region is back
            silent = any(run.cut_off for run in self.runs.values())
            assert said or silent, (
                f"not converged on the writer {writer} ({gaps}) and no record says why"
            )
            # faults gone, regions back: the next run takes over any stale lease and
            # completes what is missing
            self._repair(writer, gaps)

    def _surfaced_record_failures(self) -> bool:
        for region in REGIONS:
            metrics = self.estate.client("cloudwatch", region).list_metrics(
                MetricName="ControlPlaneFault"
            )["Metrics"]
            if metrics:
                return True
        return False

    def _take_over(self, writer: str) -> None:
        """A stale lease does not block: with the faults gone, a dry run into another region
        (the first other in priority order) takes it over, plans, and releases it."""
        self._heal()
        other = self.estate.spec.others(writer)[0]
        payload = {
            "mode": "unplanned",
            "target_region": other,
            "reason": "soak: a run after a stale lease",
            "requested_by": "soak",
            "dry_run": True,
            "force": True,
            # the harness's own check run, not the product's decision: the lag a rule left
            # behind may still be the latest datapoint, and an unacknowledged manual unplanned
            # run over the budget is refused (DataLossNotAccepted), as it should be
            "accept_data_loss": True,
        }
        described = self.estate.wait(self.estate.start(other, payload))
        output = json.loads(described.get("output") or "{}")
        outcome = f"{described['status']} {described.get('error')} {output.get('error')}"
        assert described["status"] == "SUCCEEDED", f"the run after a stale lease: {outcome}"
        assert not output.get("error"), f"the run after a stale lease: {outcome}"
        holder = self.estate.view().lease_holder
        assert holder is None, f"the stale lease is still held, by {holder}"

    def _heal(self) -> None:
        self.faults.clear()
        for region in sorted(self.down):
            self.estate.recover(region)
        self.down.clear()
        self.estate.publish_replication_lag(self.estate.spec.replication_lag_ms)

    def _repair(self, writer: str, gaps: list[str]) -> None:
        """Faults gone and every region back: a run into the writer's region converges."""
        self._heal()
        payload = {
            "mode": "unplanned",
            "target_region": writer,
            "reason": f"soak: converge after {gaps}",
            "requested_by": "soak",
            "force": True,
            "accept_data_loss": True,  # as above: an operator's explicit acknowledgement
        }
        described = self.estate.wait(self.estate.start(writer, payload))
        after = converged_gaps(self.estate.view(), writer, self.estate.spec.full_capacity)
        outcome = f"{described['status']} {described.get('error')} {after}"
        assert described["status"] == "SUCCEEDED", f"the re-run into {writer}: {outcome}"
        assert not after, f"the re-run into {writer} did not converge: {outcome}"


def soak_settings(examples: int, steps: int, derandomize: bool = False) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=derandomize,
        database=None,
        suppress_health_check=list(HealthCheck),
        # no shrinking: an example is minutes of modelled time and seconds of real time, and
        # the steps that led to a violation are printed as they happened
        phases=[Phase.explicit, Phase.generate],
    )


@dataclass
class Outcome:
    examples: int
    violations: list[str]
    seconds: float
    undocumentable: int = 0
    errors: list[str] = field(default_factory=list)
    """Exceptions that were not an invariant's (the harness's own), with their tracebacks: the
    chunk they ended is counted as run up to there, and the soak goes on."""


CHUNK = 20
"""Examples per hypothesis run: each chunk reports its progress on stderr, so a soak that is
stopped early still says how far it got."""


def soak(examples: int, steps: int) -> Outcome:
    """Run ``examples`` examples in this process (its own random seeds), in chunks; stop at
    the first violation and return it as it happened (steps included)."""
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    began = time.perf_counter()
    EstateMachine.examples = EstateMachine.undocumentable = 0
    EstateMachine.violations.clear()
    found: list[str] = []
    errors: list[str] = []
    done = 0
    while done < examples and not found:
        chunk = min(CHUNK, examples - done)
        try:
            run_state_machine_as_test(  # type: ignore[no-untyped-call]
                EstateMachine, settings=soak_settings(chunk, steps)
            )
        except Exception as error:  # noqa: BLE001 - a violation is reported, not raised
            text = "".join(traceback.format_exception(error))[-6000:]
            if _is_violation(error):
                found.append(f"hypothesis: {type(error).__name__}: {text}")
            else:  # the harness failed, not an invariant: say so, and go on
                errors.append(f"{type(error).__name__} after {done} examples: {text}")
        done += chunk
        sys.stderr.write(
            f"soak progress: {EstateMachine.examples} examples, "
            f"{len(EstateMachine.violations)} violation(s), "
            f"{time.perf_counter() - began:.0f} s\n"
        )
        sys.stderr.flush()
    found = EstateMachine.violations[:1] + found
    return Outcome(
        EstateMachine.examples,
        found,
        time.perf_counter() - began,
        EstateMachine.undocumentable,
        errors,
    )


def _is_violation(error: BaseException) -> bool:
    """An invariant's AssertionError, raised as is or inside hypothesis's groups (a
    FlakyFailure carries the failures it saw in ``exceptions``)."""
    if isinstance(error, AssertionError):
        return True
    inner = getattr(error, "exceptions", None) or ()
    return any(_is_violation(each) for each in inner)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testbed.soak", description=__doc__)
    parser.add_argument("--examples", type=int, default=1000, help="in all, over the workers")
    parser.add_argument("--steps", type=int, default=12, help="rules per example, at most")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument(
        "--regions",
        default=",".join(REGIONS),
        help=f"the estate's regions (2 to {MAX_REGIONS}) in priority order, the primary first "
        "(default us-east-1,us-west-2; e.g. us-east-1,eu-west-1,us-west-2); the failover "
        "table's regions follow the drill's default for them",
    )
    args = parser.parse_args(argv)
    regions = [part.strip() for part in args.regions.split(",") if part.strip()]
    if not 2 <= len(regions) <= MAX_REGIONS or len(set(regions)) != len(regions):
        parser.error(f"--regions: 2 to {MAX_REGIONS} distinct regions, the primary first")
    os.environ["SOAK_REGIONS"] = ",".join(regions)  # the spawned workers' REGIONS
    began = time.perf_counter()
    jobs = max(1, args.jobs)
    share = [args.examples // jobs + (i < args.examples % jobs) for i in range(jobs)]
    # spawn, not fork: each worker imports this module afresh and reads SOAK_REGIONS
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        outcomes = list(pool.map(soak, share, [args.steps] * jobs))
    ran = sum(outcome.examples for outcome in outcomes)
    violations = [found for outcome in outcomes for found in outcome.violations]
    failing = sum(1 for outcome in outcomes if outcome.violations)
    wall = time.perf_counter() - began
    out = sys.stdout
    out.write(
        f"soak: {ran} examples (counting any shrinking), up to {args.steps} steps each, "
        f"{jobs} worker(s), estate {', '.join(regions)}\n"
    )
    out.write(f"invariant violations: {failing} (workers that found one; each stops there)\n")
    cut_off = sum(outcome.undocumentable for outcome in outcomes)
    out.write(
        f"runs cut off with their own region, ended by a named error and nothing else: {cut_off}\n"
    )
    for violation in violations:
        out.write(violation + "\n")
    errors = [error for outcome in outcomes for error in outcome.errors]
    out.write(f"harness errors (not invariant violations): {len(errors)}\n")
    for error in errors:
        out.write(error + "\n")
    out.write(
        f"wall time {wall:.0f} s ({wall * jobs / max(ran, 1):.2f} s per example per worker)\n"
    )
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
