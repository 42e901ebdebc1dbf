"""Scenarios where a step of the run fails: the failure path runs, a re-run completes."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from failover.arns import region_of

from drill import final_state
from drill.model import Check, Report
from drill.scenarios.registry import scenario
from emulator.faults import SERVER_ERROR

if TYPE_CHECKING:
    from drill.follow import Followed
    from drill.harness import LocalDrill


def failed_at(stage: str, followed: Followed, row: dict[str, Any]) -> list[Check]:
    """The run failed, and its audit row names the stage it failed in."""
    return [
        Check("run status", "FAILED", followed.status, followed.status == "FAILED"),
        Check(
            "failed stage recorded",
            stage,
            str(row.get("failed_stage")),
            row.get("failed_stage") == stage,
        ),
    ]


@scenario("db-failure", help="the promotion fails, the failure path runs, then a re-run completes")
def db_failure(drill: LocalDrill, report: Report) -> None:
    t0 = drill.begin(f"db-failure: outage of {drill.primary}; the database promotion fails")
    began = time.monotonic()
    drill.emu.faults.fail(
        "rds",
        "FailoverGlobalCluster",
        "InvalidGlobalClusterStateFault",
        "Global cluster shop-global is in an invalid state",
        count=1,
    )
    drill.inject_outage("; FailoverGlobalCluster will fail")
    arn = drill.wait_for_execution(drill.second)
    followed = drill.follow_run(arn, t0)
    failed = drill.run_record(
        "failed failover", "alarm", drill.second, followed, t0, time.monotonic() - began, None
    )
    row = final_state.audit_row(drill.client, drill.table, drill.second, arn) or {}
    state = drill.observe()
    notices = [n["kind"] for n in drill.estate.notices(drill.second)]
    status, stage = failed_at("PromoteDatabase", followed, row)
    failed.checks = [
        status,
        Check(
            "failure recorded", "failed", str(row.get("outcome")), row.get("outcome") == "failed"
        ),
        stage,
        Check("failure notice sent", "failed", ",".join(notices), "failed" in notices),
        *final_state.leases_released(state),
    ]
    report.runs.append(failed)
    drill.settle_executions()  # the probe alarm's trigger may still be finishing
    drill.rerun(report, f"re-run: the operator fails over {drill.primary} again")
    drill.failback(report)


def traffic_fails_after_the_writer_moved(drill: LocalDrill, report: Report, name: str) -> str:
    """A forced operator failover into the secondary whose ShiftTraffic fails every time:
    the writer moves, traffic stays where it was. Returns the failed execution."""
    t0 = drill.begin(f"{name}: Global Accelerator refuses every UpdateEndpointGroup")
    began = time.monotonic()
    drill.emu.faults.fail("globalaccelerator", "UpdateEndpointGroup", SERVER_ERROR, count=None)
    drill.mark("fault injected: UpdateEndpointGroup answers 500 until cleared")
    arn = drill.start_manual(drill.second, "manual-unplanned-failover.json", force=True)
    followed = drill.follow_run(arn, t0)
    failed = drill.run_record(
        "failed failover", "manual", drill.second, followed, t0, time.monotonic() - began, None
    )
    row = final_state.audit_row(drill.client, drill.table, drill.second, arn) or {}
    state = drill.observe()
    writer = state.writer_region
    dials = state.dials
    failed.checks = [
        *failed_at("ShiftTraffic", followed, row),
        Check("the writer moved", drill.second, str(writer), writer == drill.second),
        Check(
            "traffic left where it was before the run",
            f"{drill.primary} 100",
            ", ".join(f"{k} {v:g}" for k, v in dials.items()),
            dials.get(drill.primary) == 100.0,
        ),
        *final_state.leases_released(state),
    ]
    report.runs.append(failed)
    drill.emu.faults.clear()
    drill.mark("fault cleared")
    return arn


@scenario(
    "traffic-failure",
    help="the writer moves, ShiftTraffic fails every time; a re-run completes",
)
def traffic_failure(drill: LocalDrill, report: Report) -> None:
    traffic_fails_after_the_writer_moved(drill, report, "traffic-failure")
    drill.rerun(report, f"re-run: the operator fails over into {drill.second} again")
    drill.failback(report, after_outage=False)


@scenario(
    "split-brain",
    help="from the mixed state, operators in both regions fail over at once: one wins",
)
def split_brain(drill: LocalDrill, report: Report) -> None:
    traffic_fails_after_the_writer_moved(drill, report, "split-brain, the mixed state")
    # the writer moved by an unplanned failover: until Aurora has rebuilt us-east-1 it is no
    # failover target (TargetNotEligible), so the two operators meet once it is rebuilt, with
    # traffic still on us-east-1
    drill.wait_for_rebuild(lag_of=drill.primary)
    t1 = drill.begin("split-brain: operators in both regions fail over at the same moment")
    began = time.monotonic()
    event = "manual-unplanned-failover.json"
    east = drill.start_manual(drill.primary, event, force=True, target_region=drill.primary)
    west = drill.start_manual(drill.second, event, force=True)
    followed = {arn: drill.follow_run(arn, t1) for arn in (east, west)}
    drill.settle_executions()
    wall = time.monotonic() - began
    outcomes = {arn: drill.outcome_of(arn) for arn in followed}
    winners = [arn for arn, outcome in outcomes.items() if outcome == "succeeded"]
    losers = [str(outcome) for arn, outcome in outcomes.items() if arn not in winners]
    state = drill.observe()
    writer = str(state.writer_region)
    for arn, one in followed.items():
        region = region_of(arn)
        expect = writer if region == writer else None
        report.runs.append(
            drill.run_record(f"into {region}", "manual", region, one, t1, wall, expect)
        )
    report.checks.extend(
        [
            Check("runs that moved the estate", "1", str(len(winners)), len(winners) == 1),
            Check(
                "the other run stood down",
                "superseded or already_in_progress",
                ", ".join(losers),
                all(o in ("superseded", "already_in_progress") for o in losers),
            ),
            *final_state.active_in(state, drill.config, writer),
            *final_state.leases_released(state),
        ]
    )
    drill.failback(report, after_outage=False)
