"""Scenarios of liveness: a failover completes whichever region dies, GA's API included, and a
dead region's lease never blocks the surviving one past the lease's bound.

- ``region-down --region us-west-2``: us-west-2 is active and dies, every API of it (GA's API
  is served from there) refusing; the automatic path fails over into us-east-1, the dials are
  deferred, and when us-west-2 returns its users are not back there (the container contract:
  a region that may not serve hands a user to its peer).
- ``ga-brownout``: the same, but GA's API hangs (accepts connections, never answers).
- ``lease-holder-dies``: a failback into us-east-1 holds the lease when us-east-1 dies after
  the writer moved there; the surviving region's run takes the lease within the bound and
  moves the estate into us-west-2.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from failover.config import GLOBAL_ACCELERATOR_REGION
from failover.history import spans
from failover.lease import WAIT_POLL_SECONDS

from drill import final_state
from drill.model import Check, Report
from drill.runs import rto_check
from drill.scenarios.registry import scenario

if TYPE_CHECKING:
    from drill.follow import Followed
    from drill.harness import LocalDrill

RETURN_SETTLE = 90.0
"""Modelled seconds the returned region is watched: GA's health checks mark it healthy after
3 x 10 s (endpoint group ThresholdCount x HealthCheckIntervalSeconds), with margin."""

CALL_OUTSIDE_BOUND_S = 5.0
"""failover.clients: one attempt of a call outside the target region (Profile.OBSERVE /
BEST_EFFORT): 1 s connect + 4 s read, then the endpoint is skipped for 2 minutes."""


CONTROL_PLANE_ALLOWANCE_S = 60.0
"""Modelled seconds the control plane itself takes on the critical path with nothing failing
(about 15 warm Lambda invocations and their API calls, the lease's and the notices' writes;
the fault-free region-down drill spends about 30 s there): an allowance, not a measurement."""


def critical_path(followed: Followed) -> float | None:
    """Seconds from the execution's start to the end of VerifyFailover (None: not reached)."""
    found = {s.stage: s for s in spans(followed.events)}
    verify = found.get("VerifyFailover")
    if verify is None or verify.end is None or followed.started_at is None:
        return None
    return (verify.end - followed.started_at).total_seconds()


def critical_path_bound(drill: LocalDrill, endpoints: int) -> float:
    """The stated bound of an automatic failover's critical path (the execution's start to the
    end of VerifyFailover) while one region's APIs refuse or hang: the slower of Aurora's
    promotion and Fargate's start (drill.floors, the act floor), the quorum's window (its 9
    polls 10 s apart, failover.quorum), an allowance for the control plane's own work with
    nothing failing (CONTROL_PLANE_ALLOWANCE_S), and one bounded attempt (5 s) per endpoint
    of the failed region the run touches (each then skipped for 2 minutes) plus the fence's
    own attempt (fencing always tries)."""
    from failover.quorum import WINDOW_POLLS

    from drill.floors import floors

    found = floors(latency=drill.emu.latency)
    act = found.critical_path_s - found.detection_s
    outside = CALL_OUTSIDE_BOUND_S * (endpoints + 1)
    return float(act + WINDOW_POLLS * 10.0 + CONTROL_PLANE_ALLOWANCE_S + outside)


def make_west_active(drill: LocalDrill, report: Report) -> None:
    """Set-up: a planned switchover moves the estate into us-west-2, then the cooldown window
    passes (an automatic failover within CooldownMinutes of the last move does nothing)."""
    west = GLOBAL_ACCELERATOR_REGION
    t0 = drill.begin(f"set-up: a planned switchover into {west}")
    began = time.monotonic()
    arn = drill.start_manual(west, "manual-planned-switchover.json")
    followed = drill.follow_run(arn, t0)
    report.runs.append(
        drill.run_record("switchover", "manual", west, followed, t0, time.monotonic() - began, west)
    )
    cooldown = float(drill.estate.spec.cooldown_minutes) * 60.0 + 60.0
    drill.mark(f"{west} active; the {cooldown:.0f} s cooldown window passes")
    with drill.emu.clock.paced(0.0):
        drill.advance(cooldown)


def west_dies(drill: LocalDrill, report: Report, *, ga: str) -> None:
    """us-west-2 (active) dies; GA's API refuses (``ga="refuse"``) or hangs (``"hang"``)."""
    west, east = GLOBAL_ACCELERATOR_REGION, "us-east-1"
    make_west_active(drill, report)
    drill.to_probe_period_start()
    t0 = drill.begin(f"{west} down (GA's API {ga}s), automatic path from {east}")
    began = time.monotonic()
    if ga == "hang":
        drill.emu.faults.hang("globalaccelerator", west)
    drill.emu.faults.unreachable_regions.add(west)
    drill.estate.health.set_healthy(west, False)
    drill.mark(f"outage injected: {west} unreachable (GA's API {ga}s) and its /health fails")
    arn = drill.wait_for_execution(east)
    followed = drill.follow_run(arn, t0)
    drill.settle_executions()
    run = drill.run_record("failover", "alarm", east, followed, t0, time.monotonic() - began, None)
    row = final_state.audit_row(drill.client, drill.table, east, followed.execution_arn) or {}
    actions: list[dict[str, Any]] = row.get("actions") or []
    database: dict[str, Any] = next((a for a in actions if a.get("branch") == "database"), {})
    deferred = str((database.get("traffic") or {}).get("global_accelerator", "not reached"))
    with drill.emu.faults.suspended():  # the oracle's reads (modelled time stands still)
        state = drill.observe(reader=east)
    full = drill.estate.config().regions[east].full_capacity
    took = critical_path(followed)
    # endpoints of us-west-2 a run into us-east-1 reads: GA's API, ECS, SSM, the lease's
    # holder (Step Functions), RDS (the source's status): each one bounded attempt
    bound = critical_path_bound(drill, endpoints=5)
    run.checks = [
        Check("run outcome", "succeeded", run.outcome, run.outcome == "succeeded"),
        Check("writer region", east, str(state.writer_region), state.writer_region == east),
        Check(
            f"desired tasks {east}",
            str(full),
            str(state.desired[east]),
            state.desired[east] == full,
        ),
        Check(
            f"active-region parameter in {east}",
            east,
            str(state.active_parameter[east]),
            state.active_parameter[east] == east,
        ),
        Check(
            "GA dials", "deferred (GA's API down)", deferred[:60], deferred.startswith("deferred")
        ),
        Check(
            "critical path (start -> VerifyFailover)",
            f"<= {bound:.0f} s",
            "n/a" if took is None else f"{took:.1f} s",
            took is not None and took <= bound,
        ),
        Check(
            "users served by",
            east,
            ",".join(sorted(drill.estate.served_by())) or "nobody",
            drill.estate.served_by() == {east},
        ),
        *rto_check(run),
    ]
    report.runs.append(run)
    returns(drill, report, west, east)


def returns(drill: LocalDrill, report: Report, west: str, east: str) -> None:
    """The failed region returns with the dials still where it left them (GA's API was down):
    GA routes new connections to it again, and its application hands them to the writer's
    region (the container contract): no user is served by the region failed away from."""
    t0 = drill.begin(f"{west} returns, its dial still 100 (deferred)")
    began = time.monotonic()
    drill.emu.faults.clear()
    drill.estate.health.set_healthy(west, True)
    drill.mark(f"{west} reachable again, /health 200, its database a secondary")
    seen: set[str] = set()
    settle_to = drill.emu.clock.now() + RETURN_SETTLE

    def watched() -> bool:
        seen.update(drill.estate.served_by())
        return bool(drill.emu.clock.now() >= settle_to)

    drill.wait_until(watched, f"{RETURN_SETTLE:.0f} modelled s of users after {west} returns")
    landing = drill.emu.globalaccelerator.landing_groups(drill.estate.accelerator_arn)
    lands = sorted(r for r, arn in drill.estate.endpoint_group_arns.items() if arn in landing)
    checks = [
        Check(
            f"GA sends new connections to {west} again",
            "yes (dial 100, healthy)",
            "yes" if west in lands else f"no ({','.join(lands)})",
            west in lands,
        ),
        Check(
            f"users served by {west} after it returned",
            "nobody",
            ",".join(sorted(seen)),
            seen == {east},
        ),
    ]
    # an operator's re-run completes what was deferred: the dials
    rerun = drill.start_manual(
        east, "manual-unplanned-failover.json", target_region=east, force=True
    )
    followed = drill.follow_run(rerun, t0)
    run = drill.run_record(
        "re-run (dials)", "manual", east, followed, t0, time.monotonic() - began, east
    )
    run.checks = checks + run.checks
    report.runs.append(run)


@scenario(
    "region-down",
    help="a region unreachable (every API): the recovery region fails over; "
    "--region us-west-2 (active, GA's API with it) fails over into us-east-1",
)
def region_down(drill: LocalDrill, report: Report) -> None:
    if drill.options.region in (None, drill.primary):
        from drill.scenarios.automatic import primary_down

        primary_down(drill, report)
        return
    if drill.options.region != GLOBAL_ACCELERATOR_REGION:
        raise ValueError(f"region-down: --region is one of {', '.join(drill.spec.regions)}")
    west_dies(drill, report, ga="refuse")


@scenario("ga-brownout", help="us-west-2 active dies and GA's API hangs: failover into us-east-1")
def ga_brownout(drill: LocalDrill, report: Report) -> None:
    west_dies(drill, report, ga="hang")


def taken_over_at(followed: Followed) -> Any:
    """When the run held the lease: NotifyStart, the state right after AcquireLease or
    InspectLease took it (a lapsed lease is taken by AcquireLease's own condition, a dead
    holder's by InspectLease), as a timestamp of the execution history; None if never."""
    for event in followed.events:
        details = event.get("stateEnteredEventDetails") or {}
        if details.get("name") == "NotifyStart":
            return event["timestamp"]
    return None


@scenario(
    "lease-holder-dies",
    help="a failback into us-east-1 holds the lease when us-east-1 dies: us-west-2 takes over",
)
def lease_holder_dies(drill: LocalDrill, report: Report) -> None:
    east, west = drill.primary, drill.second
    drill.automatic_failover(report)
    # the failback into us-east-1, caught once the writer moved there (it holds the lease,
    # renewing it, while it scales and verifies)
    drill.estate.health.set_healthy(east, True)
    drill.advance(240.0)
    # the switchover back is refused until Aurora has rebuilt us-east-1 as a secondary
    drill.wait_for_rebuild(lag_of=east)
    t0 = drill.begin(f"failback into {east}, then {east} dies holding the lease")
    began = time.monotonic()
    failback = drill.start_manual(east, "manual-failback.json", force=True)
    view = drill.estate.view

    def writer_moved() -> bool:
        seen = view(west)
        return seen.writer_region == east and seen.lease_holder == failback

    drill.wait_until(writer_moved, f"the failback moved the writer into {east}")
    drill.emu.faults.unreachable_regions.add(east)
    drill.estate.health.set_healthy(east, False)
    died = drill.emu.utcnow()
    drill.mark(f"{east} dies (every API, /health) while the failback holds the lease")
    # the automatic path is inside the cooldown (the database just moved): the operator forces
    rescue = drill.start_manual(west, "manual-unplanned-failover.json", force=True)
    followed = drill.follow_run(rescue, t0)
    drill.settle_executions()
    run = drill.run_record("takeover", "manual", west, followed, t0, time.monotonic() - began, None)
    with drill.emu.faults.suspended():
        state = drill.observe(reader=west)
    taken = taken_over_at(followed)
    since_death = None if taken is None else (taken - died).total_seconds()
    # the holder renewed at the latest when it died: its lease lapses LeaseSeconds later, and
    # the waiting run sees that at its next poll (plus the poll's own calls)
    bound = drill.estate.lease_seconds + WAIT_POLL_SECONDS + CALL_OUTSIDE_BOUND_S
    full = drill.estate.config().regions[west].full_capacity
    run.checks = [
        Check("run outcome", "succeeded", run.outcome, run.outcome == "succeeded"),
        Check(
            "lease taken over after its holder's region died",
            f"<= {bound:.0f} s",
            "never" if since_death is None else f"{since_death:.1f} s",
            since_death is not None and since_death <= bound,
        ),
        Check("writer region", west, str(state.writer_region), state.writer_region == west),
        Check(
            f"desired tasks {west}",
            str(full),
            str(state.desired[west]),
            state.desired[west] == full,
        ),
        Check(
            f"active-region parameter in {west}",
            west,
            str(state.active_parameter[west]),
            state.active_parameter[west] == west,
        ),
        *rto_check(run),
    ]
    report.runs.append(run)
    report.notes.append(f"{east} stays down: the failback's execution there cannot renew")
    drill.emu.faults.unreachable_regions.discard(east)
