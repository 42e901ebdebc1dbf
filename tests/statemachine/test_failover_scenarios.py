"""The scenarios of the failover run, executed on the real ASL with the real handlers.

Each test builds a two-region estate in moto (primary us-east-1 is active, us-west-2 is the
recovery region), runs the failover state machine of the region it fails over into, and
asserts on AWS state afterwards, read as the product reads it (failover.estate_view): writer,
dials, capacity, the active-region parameter in both regions, the lease, audit rows, notices.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from failover import in_region, quorum
from failover.estate_view import EstateView
from failover.history import spans

from testbed.template import function_specs
from tests.helpers import load_event, wait_for_approval_token

if TYPE_CHECKING:
    from testbed.estate import LocalEstate

PRIMARY, SECONDARY = "us-east-1", "us-west-2"


def output(described: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(described.get("output") or "{}")
    return result


def kinds(notices: list[dict[str, Any]]) -> list[str]:
    return [notice["kind"] for notice in notices]


def assert_converged_on(view: EstateView, region: str) -> None:
    assert view.gaps(region, 4) == [], view
    assert view.global_status == "available"
    assert view.regions[region].running == 4
    assert view.lease_holder is None


def assert_as_deployed(view: EstateView) -> None:
    """Everything on the primary, the secondary on standby, nobody holds the lease."""
    assert view.writer_region == PRIMARY
    assert {r: s.dial for r, s in view.regions.items()} == {PRIMARY: 100.0, SECONDARY: 0.0}
    assert {r: s.desired for r, s in view.regions.items()} == {PRIMARY: 4, SECONDARY: 1}
    assert {r: s.active_region for r, s in view.regions.items()} == {
        PRIMARY: PRIMARY,
        SECONDARY: PRIMARY,
    }
    assert view.lease_holder is None


def fail_over_on_alarm(estate: LocalEstate) -> dict[str, Any]:
    estate.outage(PRIMARY)
    return estate.run(SECONDARY, estate.alarm_event(PRIMARY))


def test_alarm_with_confirmed_outage_fails_over_to_the_recovery_region(estate: LocalEstate) -> None:
    # given an outage of the primary that every observer family sees
    # when the health alarm's event starts the recovery region's state machine
    described = fail_over_on_alarm(estate)

    # then the recovery region took over everything, the old region is fenced, the lease free
    assert described["status"] == "SUCCEEDED", described
    assert_converged_on(estate.view(), SECONDARY)
    (row,) = [
        r for r in estate.audit_rows(SECONDARY) if r["execution_id"] == described["executionArn"]
    ]
    assert (row["outcome"], row["trigger"], row["mode"]) == ("succeeded", "alarm", "unplanned")
    stages = {stage["stage"]: stage for stage in row["stages"]}
    expected = ["ValidateInput", "AcquireLease", "ConfirmOutage", "Preflight", "PromoteDatabase"]
    expected += ["ShiftTraffic", "SetActiveRegion", "ScaleCompute", "FenceOldRegion"]
    for stage in [*expected, "VerifyFailover"]:
        assert stages[stage]["seconds"] is not None, stage
        assert stages[stage]["seconds"] >= 0, stage
    assert float(row["replication_lag_at_cutover_ms"]) == 120.0
    families = {f["family"]: f["verdict"] for f in row["outage"]["quorum"]["families"]}
    assert families == {
        "route53": "unhealthy",
        "recovery_probe": "unhealthy",
        "global_accelerator": "unhealthy",
    }
    assert row["fence"]["status"] == "fenced"
    assert kinds(estate.notices(SECONDARY)) == ["started", "succeeded"]


def test_traffic_and_app_config_move_only_after_the_writer(estate: LocalEstate) -> None:
    described = fail_over_on_alarm(estate)

    events = estate.history(described["executionArn"])
    entered: dict[str, Any] = {}
    for event in events:
        if event["type"].endswith("StateEntered"):
            entered.setdefault(event["stateEnteredEventDetails"]["name"], event["timestamp"])
    promoted = max(
        e["timestamp"]
        for e in events
        if e["type"].endswith("StateExited")
        and e["stateExitedEventDetails"]["name"] in ("PromoteDatabase", "CheckDatabase")
    )
    assert entered["ShiftTraffic"] >= promoted
    assert entered["SetActiveRegion"] >= promoted


def test_manual_planned_switchover_loses_no_data_and_demotes_the_old_writer(
    estate: LocalEstate,
) -> None:
    dns_before = estate.dns()

    described = estate.run(SECONDARY, load_event("manual-planned-switchover.json"))

    assert described["status"] == "SUCCEEDED", described
    assert_converged_on(estate.view(), SECONDARY)
    cluster = estate.client("rds", PRIMARY).describe_global_clusters(
        GlobalClusterIdentifier=estate.spec.global_cluster_id
    )["GlobalClusters"][0]
    members = {m["DBClusterArn"]: m["IsWriter"] for m in cluster["GlobalClusterMembers"]}
    assert members == {
        estate.spec.cluster_arn(PRIMARY): False,
        estate.spec.cluster_arn(SECONDARY): True,
    }
    # active-passive: the application's name aliases the accelerator; DNS is not touched
    assert estate.dns() == dns_before
    (row,) = estate.audit_rows(SECONDARY)
    assert row["plan"]["database"]["allow_data_loss"] is False
    database = next(a for a in row["actions"] if a["branch"] == "database")
    assert database["database"]["action"] == "switchover_started"


def test_dry_run_returns_the_plan_and_changes_nothing(estate: LocalEstate) -> None:
    before = estate.view()

    described = estate.run(SECONDARY, load_event("manual-dry-run.json"))

    assert described["status"] == "SUCCEEDED", described
    plan = output(described)["plan"]
    assert plan["database"]["action"] == "failover"
    assert (plan["compute"]["required"], plan["compute"]["current_desired"]) == (4, 1)
    assert plan["traffic"]["dials"][SECONDARY]["desired"] == 100.0
    assert plan["active_region"]["action"] == "set"
    gaps = {"database", "traffic", "compute", f"active_region:{PRIMARY}"}
    assert set(plan["gaps"]) == {*gaps, f"active_region:{SECONDARY}"}
    assert estate.view() == before
    assert_as_deployed(before)
    (row,) = estate.audit_rows(SECONDARY)
    assert row["outcome"] == "dry_run"
    notices = estate.notices(SECONDARY)
    assert kinds(notices) == ["started", "dry_run"]
    assert notices[-1]["detail"]["plan"]["database"]["action"] == "failover"


def start_and_hold_the_lease(estate: LocalEstate) -> str:
    """A manual failover into us-west-2, caught while it holds the lease: the writer is moving
    (its CheckDatabase loop renews the lease every 2 s)."""
    first = estate.start(SECONDARY, load_event("manual-unplanned-failover.json"))
    estate.wait_until(
        lambda: estate.view().lease_holder == first and estate.view().promotion_in_flight,
        limit=600,
        what="the first run promoting",
    )
    return first


def test_a_second_run_in_the_same_direction_is_already_in_progress(estate: LocalEstate) -> None:
    # given a run that holds the estate's lease while the writer moves
    first = start_and_hold_the_lease(estate)

    # when a second run into the same region starts
    second = estate.run(SECONDARY, load_event("manual-unplanned-failover.json"))

    # then it ends cleanly as already in progress and changed nothing; the first completes
    assert second["status"] == "SUCCEEDED", second
    assert output(second)["error"]["Error"] == "LeaseHeld"
    assert "already_in_progress" in kinds(estate.notices(SECONDARY))
    assert estate.wait(first)["status"] == "SUCCEEDED"
    assert_converged_on(estate.view(), SECONDARY)


@pytest.mark.scenario
def test_a_run_waiting_for_approval_holds_no_lease_and_a_rejection_without_cause_is_named(
    estate: LocalEstate,
) -> None:
    # given a run waiting at the approval gate: it released the lease (the wait may last 30
    # minutes; a lease nobody renews would lapse anyway)
    first = estate.start(SECONDARY, load_event("manual-with-approval.json"))
    token = wait_for_approval_token(estate)
    assert estate.view().lease_holder is None

    # when its approval is rejected with neither error nor cause (real Step Functions then
    # hands the Catch {"Error": null, "Cause": null}), it still fails by a name, with a cause
    estate.client("stepfunctions", SECONDARY).send_task_failure(taskToken=token)
    described = estate.wait(first)
    assert described["status"] == "FAILED"
    assert described["error"] == "StepFailed"
    assert isinstance(described["cause"], str)
    assert described["cause"]
    assert_as_deployed(estate.view())


@pytest.mark.scenario
def test_the_other_direction_waits_for_the_lease_then_plans_afresh(
    estate: LocalEstate,
) -> None:
    # given a run into us-west-2 holding the estate's lease while the writer moves
    first = start_and_hold_the_lease(estate)

    # when us-east-1's control plane is asked to fail over the other way meanwhile
    other = estate.start(PRIMARY, load_event("manual-failback.json", mode="unplanned"))

    # then it waits in its own execution (WaitForLease) until the first run released the
    # lease, then plans from where the estate stands: the first run has moved the estate
    # into us-west-2, so this one stands down as superseded, and nothing moves back
    assert estate.wait(first)["status"] == "SUCCEEDED"
    described = estate.wait(other)
    assert described["status"] == "SUCCEEDED", described
    assert output(described)["error"]["Error"] == "Superseded", output(described)
    states = [
        e["stateEnteredEventDetails"]["name"]
        for e in estate.history(other)
        if e["type"].endswith("StateEntered")
    ]
    assert "WaitForLease" in states
    assert_converged_on(estate.view(), SECONDARY)


def test_an_approved_run_proceeds(estate: LocalEstate) -> None:
    first = estate.start(SECONDARY, load_event("manual-with-approval.json"))
    token = wait_for_approval_token(estate)

    estate.client("stepfunctions", SECONDARY).send_task_success(
        taskToken=token, output=json.dumps({"approved_by": "bob"})
    )

    described = estate.wait(first)
    assert described["status"] == "SUCCEEDED", described
    assert output(described)["approval"] == {"approved_by": "bob"}
    assert_converged_on(estate.view(), SECONDARY)


def test_an_unanswered_approval_times_out_by_a_name_with_a_record_and_no_lease(
    estate: LocalEstate,
) -> None:
    first = estate.start(SECONDARY, load_event("manual-with-approval.json"))
    wait_for_approval_token(estate)

    estate.advance(1800)  # nobody answers within RequestApproval's TimeoutSeconds
    described = estate.wait(first)

    assert described["status"] == "FAILED"
    assert described["error"] == "StepTimedOut"
    assert described["cause"].startswith("States.Timeout")
    assert kinds(estate.notices(SECONDARY)) == ["failed"]
    rows = [r for r in estate.audit_rows(SECONDARY) if r["execution_id"] == first]
    assert [(r["outcome"], r["failed_stage"]) for r in rows] == [("failed", "RequestApproval")]
    assert_as_deployed(estate.view())


def remember_recent_move(estate: LocalEstate, minutes_ago: int, into: str = PRIMARY) -> None:
    moved = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    estate.client("dynamodb", SECONDARY).put_item(
        TableName=estate.spec.table_name,
        Item={
            "pk": {"S": "COOLDOWN"},
            "sk": {"S": "ESTATE"},
            "moved_at": {"S": moved.isoformat()},
            "target_region": {"S": into},
            "execution_id": {"S": "arn:aws:states:us-east-1:123456789012:execution:x:y"},
        },
    )


def test_an_automatic_run_inside_the_cooldown_does_nothing(estate: LocalEstate) -> None:
    remember_recent_move(estate, minutes_ago=5)
    estate.outage(PRIMARY)
    before = estate.view()

    described = estate.run(SECONDARY, estate.alarm_event(PRIMARY))

    assert described["status"] == "SUCCEEDED", described
    assert output(described)["outage"]["decision"] == "cooldown"
    assert estate.view() == before
    assert kinds(estate.notices(SECONDARY)) == ["started", "skipped_cooldown"]


def test_a_manual_run_inside_the_cooldown_needs_force(estate: LocalEstate) -> None:
    remember_recent_move(estate, minutes_ago=5)
    estate.outage(PRIMARY)
    before = estate.view()

    refused = estate.run(SECONDARY, load_event("manual-unplanned-failover.json"))
    assert refused["status"] == "FAILED"
    assert refused["error"] == "CooldownActive"
    assert "force" in refused["cause"]
    assert estate.view() == before

    forced = estate.run(SECONDARY, load_event("manual-force-past-cooldown.json"))
    assert forced["status"] == "SUCCEEDED", forced
    assert output(forced)["plan"]["cooldown"]["overridden"] is True
    assert_converged_on(estate.view(), SECONDARY)


def test_planned_switchover_with_too_much_replication_lag_is_refused(estate: LocalEstate) -> None:
    estate.publish_replication_lag(30_000.0, region=SECONDARY)
    before = estate.view()

    described = estate.run(SECONDARY, load_event("manual-planned-switchover.json"))

    assert described["status"] == "FAILED"
    assert described["error"] == "ReplicationLagTooHigh"
    assert "30000 ms" in described["cause"]
    assert estate.view() == before
    (row,) = estate.audit_rows(SECONDARY)
    assert (row["outcome"], row["failed_stage"]) == ("failed", "Preflight")
    assert kinds(estate.notices(SECONDARY))[-1] == "failed"


def test_a_failed_promotion_is_recorded_and_a_rerun_finishes_the_job(estate: LocalEstate) -> None:
    estate.outage(PRIMARY)
    estate.emulator.faults.fail(
        "rds",
        "FailoverGlobalCluster",
        "InvalidGlobalClusterStateFault",
        "Global cluster shop-global is in an invalid state",
        count=1,
    )

    failed = estate.run(SECONDARY, estate.alarm_event(PRIMARY))

    assert failed["status"] == "FAILED"
    assert failed["error"] == "DatabasePromotionFailed"
    assert "InvalidGlobalClusterStateFault" in failed["cause"]
    after_failure = estate.view()
    assert after_failure.writer_region == PRIMARY
    assert after_failure.lease_holder is None
    # traffic and app config never moved towards a region that is not the writer
    assert after_failure.regions[SECONDARY].dial == 0.0
    assert after_failure.regions[SECONDARY].active_region == PRIMARY
    # (the real health alarm may also fire during the outage's confirmation and start a run
    # that meets this one's lease: its own row, already in progress)
    (row,) = [
        r for r in estate.audit_rows(SECONDARY) if r["execution_id"] == failed["executionArn"]
    ]
    assert (row["outcome"], row["failed_stage"]) == ("failed", "PromoteDatabase")
    assert row["estate_after"]["writer_region"] == PRIMARY
    # this run's own notices (the health alarm's run, if it started, sends its own)
    notices = [
        n
        for n in estate.notices(SECONDARY)
        if (n["detail"].get("execution") or {}).get("id") == failed["executionArn"]
    ]
    assert kinds(notices) == ["started", "failed"]
    assert notices[-1]["detail"]["error"]["error"] == "DatabasePromotionFailed"
    assert "start-execution" in notices[-1]["text"]

    # the re-run completes, and repeats none of what the first run finished
    rerun = estate.run(SECONDARY, estate.alarm_event(PRIMARY))
    assert rerun["status"] == "SUCCEEDED", rerun
    assert_converged_on(estate.view(), SECONDARY)
    database, compute = output(rerun)["actions"]
    assert database["database"]["action"] == "failover_started"
    assert compute["compute"]["scaled"] is (after_failure.regions[SECONDARY].desired != 4)


def test_a_traffic_failure_after_the_writer_moved_is_completed_by_a_rerun(
    estate: LocalEstate,
) -> None:
    # given the Global Accelerator API refuses every dial change (AccessDenied, persistently)
    estate.outage(PRIMARY)
    estate.emulator.faults.fail(
        "globalaccelerator", "UpdateEndpointGroup", "AccessDeniedException", "denied", count=None
    )

    failed = estate.run(SECONDARY, estate.alarm_event(PRIMARY))

    # then the run fails, and its record says exactly where each piece stands
    assert failed["status"] == "FAILED", failed
    view = estate.view()
    assert view.writer_region == SECONDARY
    assert view.gaps(SECONDARY, 4) == ["traffic"] or set(view.gaps(SECONDARY, 4)) <= {
        "traffic",
        f"active_region:{SECONDARY}",
        f"active_region:{PRIMARY}",
    }
    (row,) = [r for r in estate.audit_rows(SECONDARY) if r["outcome"] == "failed"]
    assert row["estate_after"]["writer_region"] == SECONDARY
    assert row["estate_after"]["regions"][SECONDARY]["dial"] == 0.0

    # when the grant is fixed, an alarm-started re-run is not ignored: it completes the move
    estate.emulator.faults.clear()
    estate.outage(PRIMARY)
    rerun = estate.run(SECONDARY, estate.alarm_event(PRIMARY))
    assert rerun["status"] == "SUCCEEDED", rerun
    assert_converged_on(estate.view(), SECONDARY)
    assert output(rerun)["plan"]["database"]["action"] == "none"


def fail_over_with_the_primary_cut_off(estate: LocalEstate) -> dict[str, Any]:
    """us-east-1 down and cut off (its APIs, Route 53's and its alarms' too, never answer);
    its alarm's failover, which succeeded."""
    estate.outage(PRIMARY)
    estate.emulator.faults.unreachable_regions.add(PRIMARY)
    described = estate.run(SECONDARY, estate.alarm_event(PRIMARY))
    assert described["status"] == "SUCCEEDED", described
    return described


def test_a_dead_region_costs_one_connect_timeout_per_run_not_one_per_state(
    estate: LocalEstate,
) -> None:
    described = fail_over_with_the_primary_cut_off(estate)

    # ValidateInput, the first state to read it, found its ECS endpoint unreachable and handed
    # that on (per endpoint: a service that refused costs its own reads, not its region's)
    assert f"ecs.{PRIMARY}" in output(described)["unreachable"]
    took = {
        span.stage: span.seconds or 0.0 for span in spans(estate.history(described["executionArn"]))
    }
    connect = 1.0  # failover.clients: the best-effort connect timeout, one attempt
    estate.emulator.faults.unreachable_regions.clear()
    assert took["ValidateInput"] >= connect  # paid once, by the first reader
    assert took["FenceOldRegion"] >= connect  # fencing always tries the old region
    # the later readers did not try it again: Preflight and VerifyFailover read its ECS
    # service
    for stage in ("Preflight", "VerifyFailover"):
        assert took[stage] < connect + 0.5, (stage, took)
    # ConfirmOutage polls every 10 s; with the region's own APIs unreachable too it waits the
    # shorter minimum outage (failover.in_region), not MinOutageSeconds; its observers there
    # (CloudWatch, Route 53's API) and the region's own RDS and ECS endpoints are each tried
    # once by the run, not once per poll
    shorter = in_region.UNREACHABLE_MIN_OUTAGE_SECONDS
    assert shorter <= took["ConfirmOutage"] < shorter + quorum.POLL_SECONDS + 4 * connect, took


def cold_starts(estate: LocalEstate, region: str, logical_id: str) -> tuple[int, int]:
    """(invocations, cold starts) of a function, from its REPORT log lines as Lambda writes
    them (a cold start's carries ``Init Duration``)."""
    name = function_specs(estate.template)[logical_id].name(estate.spec.name)
    logs = estate.client("logs", region)
    group = f"/aws/lambda/{name}"  # Lambda's default log group
    lines = [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]
    reports = [line for line in lines if line.startswith("REPORT")]
    return len(reports), sum("Init Duration" in line for line in reports)


def test_the_runs_tasks_find_their_functions_warmed_up(estate: LocalEstate) -> None:
    # when an alarm-driven failover runs
    described = fail_over_on_alarm(estate)

    # then each function of the tasks after ValidateInput started one environment, by the
    # WarmUp state, and its task invocations found it warm
    assert described["status"] == "SUCCEEDED", described
    for logical_id in (
        "ConfirmOutageFunction",
        "PreflightFunction",
        "PromoteDatabaseFunction",
        "ShiftTrafficFunction",
        "SetActiveRegionFunction",
        "FenceOldRegionFunction",
        "VerifyFailoverFunction",
    ):
        invocations, cold = cold_starts(estate, SECONDARY, logical_id)
        if logical_id == "ConfirmOutageFunction":  # the warm-up, then a poll every 10 s
            assert invocations > 2, logical_id
            assert cold == 1, logical_id
            continue
        assert (invocations, cold) == (2, 1), logical_id  # the warm-up, then the task


def test_throttling_on_an_action_recovers_through_retry(estate: LocalEstate) -> None:
    estate.outage(PRIMARY)
    estate.emulator.faults.fail(
        "globalaccelerator", "UpdateEndpointGroup", "ThrottlingException", "Rate exceeded", count=3
    )

    described = fail_over_on_alarm(estate)

    assert described["status"] == "SUCCEEDED", described
    assert_converged_on(estate.view(), SECONDARY)


def test_failover_completes_while_the_old_regions_apis_are_unreachable(
    estate: LocalEstate,
) -> None:
    described = fail_over_with_the_primary_cut_off(estate)

    result = output(described)
    families = {f["family"]: f["verdict"] for f in result["outage"]["quorum"]["families"]}
    assert families["route53"] == "unknown"  # Route 53's API and alarms live in us-east-1
    assert families["recovery_probe"] == "unhealthy"
    assert families["global_accelerator"] == "unhealthy"
    assert result["fence"]["status"] == "skipped"
    view = estate.view()  # read from us-west-2: the old region's pieces are unknown
    assert view.writer_region == SECONDARY
    assert view.regions[PRIMARY].problems
    estate.emulator.faults.unreachable_regions.clear()
    view = estate.view()
    assert view.regions[PRIMARY].active_region == PRIMARY  # not fenced, and the record says so
    (row,) = [
        r for r in estate.audit_rows(SECONDARY) if r["execution_id"] == described["executionArn"]
    ]
    assert row["fence"]["status"] == "skipped"


def approval_notice(estate: LocalEstate) -> tuple[str, dict[str, Any]]:
    """Let modelled time pass until the recovery region's run asks for approval: the task
    token (from the notice's pasteable approve command) and the notice."""
    import shlex

    found: list[dict[str, Any]] = []

    def requested() -> bool:
        found.extend(n for n in estate.notices(SECONDARY) if n["kind"] == "approval_requested")
        return bool(found)

    estate.wait_until(requested, limit=900, what="an approval request")
    words = shlex.split(found[0]["detail"]["commands"]["approve"])
    return words[words.index("--task-token") + 1], found[0]


def test_an_automatic_run_over_the_data_loss_budget_asks_a_person_and_moves_only_once_approved(
    estate: LocalEstate,
) -> None:
    # given the standby is 30 s behind (budget: MaxDataLossSeconds 5 s) when the primary fails
    estate.publish_replication_lag(30_000.0, SECONDARY)
    estate.outage(PRIMARY)
    first = estate.start(SECONDARY, estate.alarm_event(PRIMARY))

    # then the run asks a person, with the lag, the budget and the cost, and nothing moves
    token, asked = approval_notice(estate)
    estate.advance(60)
    assert estate.view().writer_region == PRIMARY
    assert "lag at the decision 30.0 s" in asked["text"]
    assert "budget 5 s" in asked["text"], asked["text"]
    assert "AllowDataLoss" in asked["text"]

    # when a person approves, the move happens and the lag is on the record
    estate.client("stepfunctions", SECONDARY).send_task_success(
        taskToken=token, output=json.dumps({"approved_by": "bob"})
    )
    described = estate.wait(first)
    assert described["status"] == "SUCCEEDED", described
    assert estate.view().writer_region == SECONDARY
    (row,) = [r for r in estate.audit_rows(SECONDARY) if r["execution_id"] == first]
    assert row["data_loss"]["verdict"] == "over_budget"
    assert float(row["data_loss"]["lag"]["lag_ms"]) == 30_000.0
    assert row["replication_lag_at_cutover_ms"] is not None


def test_an_unknown_lag_is_handled_like_one_over_budget(estate: LocalEstate) -> None:
    # given the standby's lag metrics stopped (nothing fresh by the time of the decision)
    estate.publish_replication_lag(None, SECONDARY)
    estate.advance(240)
    estate.outage(PRIMARY)
    first = estate.start(SECONDARY, estate.alarm_event(PRIMARY))

    _, asked = approval_notice(estate)
    estate.advance(60)
    assert estate.view().writer_region == PRIMARY
    assert "lag at the decision unknown" in asked["text"]
    estate.client("stepfunctions", SECONDARY).stop_execution(executionArn=first)
    estate.wait(first)


def test_a_manual_unplanned_run_over_budget_needs_accept_data_loss(estate: LocalEstate) -> None:
    estate.publish_replication_lag(30_000.0, SECONDARY)
    estate.outage(PRIMARY)
    manual = {"mode": "unplanned", "reason": "primary down", "requested_by": "alice"}

    refused = estate.run(SECONDARY, manual)

    assert refused["status"] == "FAILED"
    assert refused["error"] == "DataLossNotAccepted"
    assert "accept_data_loss" in refused["cause"]
    assert estate.view().writer_region == PRIMARY

    accepted = estate.run(SECONDARY, {**manual, "accept_data_loss": True})

    assert accepted["status"] == "SUCCEEDED", accepted
    assert estate.view().writer_region == SECONDARY


POST_RECOVERY = {"mode": "post_recovery", "reason": "us-east-1 is back", "requested_by": "alice"}


def test_post_recovery_keeps_the_lost_writes_and_restores_the_warm_standby(
    estate: LocalEstate,
) -> None:
    # given an unplanned failover while us-east-1 was cut off
    failover = fail_over_with_the_primary_cut_off(estate)

    # while it is still down, post-recovery refuses by name and changes nothing
    early = estate.run(SECONDARY, POST_RECOVERY)
    assert early["status"] == "FAILED"
    assert early["error"] == "OldRegionNotRecovered"

    # when us-east-1 answers again and post-recovery runs in the region that took over
    estate.emulator.faults.unreachable_regions.clear()
    estate.recover(PRIMARY)
    # (Aurora rebuilds the old primary once its region is back: pending-resync meanwhile)
    estate.emulator.tick()
    estate.emulator.clock.advance(estate.emulator.latency.aurora_resync_seconds)
    described = estate.run(SECONDARY, POST_RECOVERY)

    # then the old primary is a secondary again, Aurora's snapshot of its volume is kept as a
    # manual snapshot with the cluster's key, and the standby is back to its warm size
    assert described["status"] == "SUCCEEDED", described
    east = estate.client("rds", PRIMARY)
    kept = [
        s
        for s in east.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
        if s["DBClusterSnapshotIdentifier"].startswith("shop-lost-writes-")
    ]
    assert len(kept) == 1
    view = estate.view()
    assert view.writer_region == SECONDARY
    assert view.regions[PRIMARY].desired == estate.spec.standby_capacity
    # and the window of possibly lost writes is on the record, with how to diff it
    (row,) = [
        r for r in estate.audit_rows(SECONDARY) if r["execution_id"] == described["executionArn"]
    ]
    window = row["post_recovery"]["lost_writes"]
    assert window["execution_id"] == failover["executionArn"]
    assert window["from"] < window["to"]
    assert kept[0]["DBClusterSnapshotIdentifier"] in window["how_to_diff"]
    (notice,) = [n for n in estate.notices(SECONDARY) if n["kind"] == "succeeded"][-1:]
    assert "Writes possibly lost: from" in notice["text"]

    # a re-run copies nothing twice
    again = estate.run(SECONDARY, POST_RECOVERY)
    assert again["status"] == "SUCCEEDED", again
    assert output(again)["post_recovery"]["snapshot"]["copied"] is False


def test_a_compute_failure_still_fences_the_old_region_and_verifies(estate: LocalEstate) -> None:
    # given the recovery region's ECS service cannot be read while the run waits for it
    estate.outage(PRIMARY)
    function = estate.function_arns[SECONDARY]["CheckComputeFunction"].rsplit(":", 1)[-1]
    estate.emulator.faults.fail(
        "ecs", "DescribeServices", "denied", count=None, caller=f"CheckCompute/{function}"
    )

    described = estate.run(SECONDARY, estate.alarm_event(PRIMARY))

    # then the run fails with the compute error, but the writer, traffic and app config that
    # moved are fenced and verified, and the record says what held
    assert described["status"] == "FAILED", described
    (row,) = [r for r in estate.audit_rows(SECONDARY) if r["outcome"] == "failed"]
    assert row["fence"]["status"] == "fenced"
    verification = row["verification"]
    assert verification["after_failure"] == row["error"]["error"]
    checks = {c["name"]: c["passed"] for c in verification["checks"]}
    assert checks["writer_is_target"] is True
    assert checks["traffic_dials"] is True
    view = estate.view()
    assert view.regions[PRIMARY].active_region == SECONDARY  # fenced


def test_a_retried_promotion_that_finds_it_done_still_writes_the_cooldown_marker(
    estate: LocalEstate,
) -> None:
    # given a plan to fail over (a dry run's), and its first attempt's promotion done: the
    # attempt timed out after FailoverGlobalCluster, before it could write the marker
    plan = output(estate.run(SECONDARY, load_event("manual-dry-run.json")))["plan"]
    assert plan["database"]["action"] == "failover"
    rds = estate.client("rds", SECONDARY)
    rds.failover_global_cluster(
        GlobalClusterIdentifier=estate.spec.global_cluster_id,
        TargetDbClusterIdentifier=estate.spec.cluster_arn(SECONDARY),
        AllowDataLoss=True,
    )
    estate.wait_until(lambda: estate.view().writer_region == SECONDARY, limit=600)
    execution = {"id": f"{estate.state_machine_arns[SECONDARY]}:retry", "name": "retry",
                 "start_time": "2026-12-06T00:00:00+00:00"}  # fmt: skip
    document = {"request": output(estate.run(SECONDARY, load_event("manual-dry-run.json")))[
        "request"], "execution": execution, "plan": plan}  # fmt: skip
    document["request"]["dry_run"] = False

    # when the retry runs PromoteDatabase
    answer = estate.client("lambda", SECONDARY).invoke(
        FunctionName=estate.function_arns[SECONDARY]["PromoteDatabaseFunction"],
        Payload=json.dumps(document),
    )
    result = json.loads(answer["Payload"].read())

    # then it takes the "already writer" path and still opens the cooldown window
    assert result["action"] == "already_writer", result
    marker = estate.client("dynamodb", SECONDARY).get_item(
        TableName=estate.spec.table_name,
        Key={"pk": {"S": "COOLDOWN"}, "sk": {"S": "ESTATE"}},
        ConsistentRead=True,
    )["Item"]
    assert marker["execution_id"]["S"] == execution["id"]
    assert marker["target_region"]["S"] == SECONDARY


def test_throttled_preflight_reads_are_retried_not_a_preflight_failure(
    estate: LocalEstate,
) -> None:
    estate.outage(PRIMARY)
    function = estate.function_arns[SECONDARY]["PreflightFunction"].rsplit(":", 1)[-1]
    estate.emulator.faults.fail(
        "ecs", "DescribeServices", "throttled", count=2, caller=f"Preflight/{function}"
    )

    described = estate.run(SECONDARY, estate.alarm_event(PRIMARY))

    assert described["status"] == "SUCCEEDED", described
    assert_converged_on(estate.view(), SECONDARY)
