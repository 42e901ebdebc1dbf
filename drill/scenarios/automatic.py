"""Scenarios on the automatic path: an outage (or an alarm) starts the run, nobody else."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from failover.config import ROUTE53_REGION

from drill import final_state
from drill.model import Check, Report
from drill.runs import rto_check
from drill.scenarios.registry import scenario

if TYPE_CHECKING:
    from drill.harness import LocalDrill


@scenario("unplanned", help="primary outage, automatic path, then a failback")
def unplanned(drill: LocalDrill, report: Report) -> None:
    drill.automatic_failover(report)
    drill.failback(report)


@scenario("false-alarm", help="one observer only: the run stands down, nothing moves")
def false_alarm(drill: LocalDrill, report: Report) -> None:
    alarm = drill.spec.health_alarm(drill.primary)
    t0 = drill.begin(f"false alarm: only {alarm} fires")
    began = time.monotonic()
    drill.client("cloudwatch", ROUTE53_REGION).set_alarm_state(
        AlarmName=alarm,
        StateValue="ALARM",
        StateReason="Drill: a single observer reports an outage that is not there",
    )
    drill.mark(f"{alarm} set to ALARM; {drill.primary} is healthy")
    run = drill.alarm_run("false alarm", t0, began, expect_active=None)
    state = drill.observe()
    run.checks = [
        Check("run outcome", "false_alarm", run.outcome, run.outcome == "false_alarm"),
        *final_state.active_in(state, drill.config, drill.primary),
    ]
    # the primary never stopped being active: its own capacity is the full one
    report.runs.append(run)
    report.notes.append("nothing moved, so there is no failback to run")


@scenario("flapping", help="the alarm toggles 6 times: at most one failover")
def flapping(drill: LocalDrill, report: Report) -> None:
    t0 = drill.begin(f"flapping: {drill.primary} fails and its alarm toggles 6 times")
    began = time.monotonic()
    drill.inject_outage()
    route53 = drill.client("route53", ROUTE53_REGION)
    check = drill.estate.health_check_ids[drill.primary]

    def checkers_see_it() -> bool:
        seen = route53.get_health_check_status(HealthCheckId=check)
        return all(
            o["StatusReport"]["Status"].startswith("Failure")
            for o in seen["HealthCheckObservations"]
        )

    drill.wait_until(checkers_see_it, "Route 53 checkers report the outage")
    cloudwatch = drill.client("cloudwatch", ROUTE53_REGION)
    for flip in range(6):
        for state in ("ALARM", "OK"):
            cloudwatch.set_alarm_state(
                AlarmName=drill.spec.health_alarm(drill.primary),
                StateValue=state,
                StateReason=f"Drill: flapping alarm, toggle {flip + 1}",
            )
    first = drill.wait_for_execution(drill.second)
    drill.follow_run(first, t0)
    # the real evaluation keeps firing too; let the world run three more minutes
    settle_to = drill.emu.clock.now() + 180
    drill.wait_until(lambda: drill.emu.clock.now() >= settle_to, "three more modelled minutes")
    drill.settle_executions()
    fresh = [a for a in drill.executions_since_begin() if ":us-" in a]
    winner = next((a for a in fresh if drill.outcome_of(a) == "succeeded"), first)
    followed = drill.follow_run(winner, t0)
    run = drill.run_record(
        "failover",
        "alarm",
        drill.second,
        followed,
        t0,
        time.monotonic() - began,
        drill.second,
    )
    report.runs.append(run)
    report.checks.extend(drill.exactly_one_failover(drill.second))
    drill.failback(report)


@scenario("concurrent", help="the alarm path and an operator at once: exactly one failover")
def concurrent(drill: LocalDrill, report: Report) -> None:
    t0 = drill.begin(f"concurrent: the alarm path and an operator both fail over {drill.primary}")
    began = time.monotonic()
    drill.inject_outage()
    arn = drill.wait_for_execution(drill.second)
    manual = drill.start_manual(drill.second, "manual-unplanned-failover.json")
    followed = drill.follow_run(arn, t0)
    other = drill.follow_run(manual, t0)
    drill.settle_executions()
    alarm_won = drill.outcome_of(followed.execution_arn) == "succeeded"
    winner, loser = (followed, other) if alarm_won else (other, followed)
    wall = time.monotonic() - began
    first, second = ("alarm", "manual") if alarm_won else ("manual", "alarm")
    report.runs.append(
        drill.run_record("failover", first, drill.second, winner, t0, wall, drill.second)
    )
    report.runs.append(
        drill.run_record("second trigger", second, drill.second, loser, t0, 0.0, None)
    )
    report.checks.extend(drill.exactly_one_failover(drill.second))
    drill.failback(report)


def primary_down(drill: LocalDrill, report: Report) -> None:
    """The primary is gone: its APIs do not answer and its app is down (a us-east-1 primary:
    Route 53's control plane and its alarms with it, so only the probe can start the run)."""
    down = drill.primary
    drill.to_probe_period_start()
    t0 = drill.begin(f"region down: {down} unreachable, automatic path from {drill.second}")
    began = time.monotonic()
    drill.emu.faults.unreachable_regions.add(down)
    drill.estate.health.set_healthy(down, False)
    drill.mark(f"outage injected: {down} unreachable (every API) and its /health fails")
    run = drill.alarm_run("failover", t0, began, expect_active=None)
    if drill.options.detect_only:
        report.runs.append(run)
        drill.emu.faults.unreachable_regions.discard(down)
        return
    state = drill.observe(reader=drill.second)
    rules = [m.what for m in drill.milestones if "EventBridge rule" in m.what]
    probe_rule = drill.estate.watch_rule("probe", down)
    if down == ROUTE53_REGION:
        # Route 53's API and its health alarms died with the region: only the probe is left
        triggers = [
            Check(
                "started by",
                f"{probe_rule} ({drill.second} probe)",
                rules[0].split()[2] if rules else "nothing",
                bool(rules) and rules[0].split()[2] == probe_rule,
            ),
            Check(
                f"{down} alarm events delivered",
                "0",
                str(sum(1 for r in rules if "-health-" in r)),
                not any("-health-" in r for r in rules),
            ),
        ]
    else:
        # Route 53 (us-east-1) still sees the region fail: its health alarm may start a run
        # too; either trigger starts the same machine, and one run acts
        health_rule = drill.estate.watch_rule("health", down)
        triggers = [
            Check(
                "started by",
                f"{probe_rule} or {health_rule}",
                rules[0].split()[2] if rules else "nothing",
                bool(rules) and rules[0].split()[2] in (probe_rule, health_rule),
            )
        ]
    run.checks = [
        *triggers,
        *final_state.active_in(state, drill.config, drill.second, unreachable={down}),
        *rto_check(run),
    ]
    report.runs.append(run)
    report.notes.append(
        f"{down} stays unreachable: its pieces read as unknown, and there is no failback"
    )
    # the drill is over: the region comes back so that the estate can be taken down
    drill.emu.faults.unreachable_regions.discard(down)
