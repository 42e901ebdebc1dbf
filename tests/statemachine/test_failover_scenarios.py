"""The twelve scenarios of the failover run, executed on the real ASL with the real handlers.

Each test builds a two-region estate in moto (primary us-east-1 is active, us-west-2 is the
recovery region), runs the failover state machine of the region it fails over into, and
asserts on AWS state afterwards: writer, dials, capacity, parameter, lock, audit, notices.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tests.helpers import load_event

if TYPE_CHECKING:
    from testbed.estate import LocalEstate, Snapshot

PRIMARY, SECONDARY = "us-east-1", "us-west-2"


def output(described: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(described.get("output") or "{}")
    return result


def kinds(notices: list[dict[str, Any]]) -> list[str]:
    return [notice["kind"] for notice in notices]


def assert_on_primary(snapshot: Snapshot) -> None:
    """The estate as deployed: everything on the primary, the secondary on standby."""
    assert snapshot.writer_region == PRIMARY
    assert snapshot.dials == {PRIMARY: 100.0, SECONDARY: 0.0}
    assert snapshot.desired == {PRIMARY: 4, SECONDARY: 1}
    assert snapshot.active_parameter == {PRIMARY: PRIMARY, SECONDARY: PRIMARY}


def assert_on_secondary(snapshot: Snapshot) -> None:
    assert snapshot.writer_region == SECONDARY
    assert snapshot.global_cluster_status == "available"
    assert snapshot.dials == {PRIMARY: 0.0, SECONDARY: 100.0}
    assert snapshot.desired[SECONDARY] == 4
    assert snapshot.running[SECONDARY] == 4
    assert snapshot.active_parameter[SECONDARY] == SECONDARY


def fail_over_on_alarm(estate: LocalEstate) -> dict[str, Any]:
    estate.outage(PRIMARY)
    return estate.run(SECONDARY, estate.alarm_event(PRIMARY))


# 1 -----------------------------------------------------------------------------------------
def test_alarm_with_confirmed_outage_fails_over_to_the_recovery_region(estate: LocalEstate) -> None:
    # given an outage of the primary that every observer sees
    # when the health alarm's event starts the recovery region's state machine
    described = fail_over_on_alarm(estate)

    # then the recovery region took over everything and the lock is free
    assert described["status"] == "SUCCEEDED", described
    snapshot = estate.snapshot()
    assert_on_secondary(snapshot)
    assert snapshot.active_parameter[PRIMARY] == SECONDARY  # fenced
    assert snapshot.lock_holder == {PRIMARY: None, SECONDARY: None}
    (row,) = estate.audit_rows(SECONDARY)
    assert row["outcome"] == "succeeded"
    assert row["trigger"] == "alarm"
    assert row["mode"] == "unplanned"
    stages = {stage["stage"]: stage for stage in row["stages"]}
    for stage in (
        "validate",
        "lock",
        "confirm_outage",
        "preflight",
        "database",
        "traffic",
        "compute",
        "app_config",
        "fence",
        "verify",
    ):
        assert stages[stage]["seconds"] is not None, stage
        assert stages[stage]["seconds"] >= 0, stage
    assert float(row["replication_lag_at_cutover_ms"]) == 120.0
    assert row["quorum"]["confirmed"] is True
    assert row["fence"]["status"] == "fenced"
    assert kinds(estate.notices(SECONDARY)) == ["started", "succeeded"]


# 2 -----------------------------------------------------------------------------------------
def test_manual_planned_switchover_loses_no_data_and_demotes_the_old_writer(
    estate: LocalEstate,
) -> None:
    described = estate.run(SECONDARY, load_event("manual-planned-switchover.json"))

    assert described["status"] == "SUCCEEDED", described
    snapshot = estate.snapshot()
    assert_on_secondary(snapshot)
    # the old writer is still a member of the global cluster, now as a secondary
    cluster = estate.client("rds", PRIMARY).describe_global_clusters(
        GlobalClusterIdentifier=estate.spec.global_cluster_id
    )["GlobalClusters"][0]
    members = {m["DBClusterArn"]: m["IsWriter"] for m in cluster["GlobalClusterMembers"]}
    assert members == {
        estate.spec.cluster_arn(PRIMARY): False,
        estate.spec.cluster_arn(SECONDARY): True,
    }
    # DNS steered away from the source in planned mode
    assert snapshot.dns[PRIMARY] == estate.alb_dns_name(SECONDARY)
    (row,) = estate.audit_rows(SECONDARY)
    assert row["plan"]["database"]["allow_data_loss"] is False
    database = next(a for a in row["actions"] if a["branch"] == "database")
    assert database["action"] == "switchover_started"


# 3: the failback is covered by the drill (tests/drill: unplanned, then failback)


# 4 -----------------------------------------------------------------------------------------
def test_dry_run_returns_the_plan_and_changes_nothing(estate: LocalEstate) -> None:
    before = estate.snapshot()

    described = estate.run(SECONDARY, load_event("manual-dry-run.json"))

    assert described["status"] == "SUCCEEDED", described
    plan = output(described)["plan"]
    assert plan["database"]["action"] == "failover"
    assert plan["compute"] == {
        **plan["compute"],
        "required": 4,
        "current_desired": 1,
        "action": "scale",
    }
    assert plan["traffic"]["endpoint_groups"][SECONDARY]["desired_dial"] == 100.0
    assert plan["app_config"]["action"] == "set"
    assert estate.snapshot() == before
    assert_on_primary(before)
    (row,) = estate.audit_rows(SECONDARY)
    assert row["outcome"] == "dry_run"
    notices = estate.notices(SECONDARY)
    assert kinds(notices) == ["started", "dry_run"]
    assert notices[-1]["message"]["plan"]["database"]["action"] == "failover"


# the single-observer false alarm is covered by the drill (tests/drill: false-alarm)


# 6 -----------------------------------------------------------------------------------------
def test_a_second_run_while_one_holds_the_lock_is_already_in_progress(
    estate: LocalEstate,
) -> None:
    # given a run that holds the lock while it waits at the approval gate
    first = estate.start(SECONDARY, load_event("manual-with-approval.json"))
    token = wait_for_approval_token(estate)
    assert estate.snapshot().lock_holder[SECONDARY] == first

    # when a second run starts
    second = estate.run(SECONDARY, load_event("manual-unplanned-failover.json"))

    # then it ends cleanly as already in progress and changed nothing
    assert second["status"] == "SUCCEEDED", second
    assert "LockHeld" in json.dumps(output(second)["lock_error"])
    snapshot = estate.snapshot()
    assert_on_primary(snapshot)
    assert snapshot.lock_holder[SECONDARY] == first
    assert "already_in_progress" in kinds(estate.notices(SECONDARY))

    # and when the first run's approval is rejected, it fails and frees the lock
    estate.client("stepfunctions", SECONDARY).send_task_failure(
        taskToken=token, error="ApprovalRejected", cause="not during peak hours"
    )
    first_described = estate.wait(first)
    assert first_described["status"] == "FAILED"
    assert first_described["error"] == "ApprovalRejected"
    assert estate.snapshot().lock_holder[SECONDARY] is None
    assert_on_primary(estate.snapshot())


def wait_for_approval_token(estate: LocalEstate) -> str:
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for notice in estate.notices(SECONDARY):
            if notice["kind"] == "approval_requested":
                approve: str = notice["message"]["approve"]
                return approve.split("--task-token '", 1)[1].split("'", 1)[0]
        time.sleep(0.02)
    raise AssertionError("no approval request was published")


def test_an_approved_run_proceeds(estate: LocalEstate) -> None:
    first = estate.start(SECONDARY, load_event("manual-with-approval.json"))
    token = wait_for_approval_token(estate)

    estate.client("stepfunctions", SECONDARY).send_task_success(
        taskToken=token, output=json.dumps({"approved_by": "bob"})
    )

    described = estate.wait(first)
    assert described["status"] == "SUCCEEDED", described
    assert output(described)["approval"] == {"approved_by": "bob"}
    assert_on_secondary(estate.snapshot())


# 7 -----------------------------------------------------------------------------------------
def remember_recent_failover(estate: LocalEstate, minutes_ago: int) -> None:
    completed = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    estate.client("dynamodb", SECONDARY).put_item(
        TableName=estate.spec.table_name,
        Item={
            "pk": {"S": "STATE"},
            "sk": {"S": "LAST_FAILOVER"},
            "completed_at": {"S": completed.isoformat()},
            "target_region": {"S": PRIMARY},
            "execution_id": {"S": "arn:aws:states:us-west-2:123456789012:execution:x:y"},
        },
    )


def test_an_automatic_run_inside_the_cooldown_does_nothing(estate: LocalEstate) -> None:
    remember_recent_failover(estate, minutes_ago=5)
    estate.outage(PRIMARY)
    before = estate.snapshot()

    described = estate.run(SECONDARY, estate.alarm_event(PRIMARY))

    assert described["status"] == "SUCCEEDED", described
    assert output(described)["cooldown"]["skip"] is True
    assert estate.snapshot() == before
    assert kinds(estate.notices(SECONDARY)) == ["started", "skipped_cooldown"]


def test_a_manual_run_inside_the_cooldown_needs_force(estate: LocalEstate) -> None:
    remember_recent_failover(estate, minutes_ago=5)
    estate.outage(PRIMARY)
    before = estate.snapshot()

    refused = estate.run(SECONDARY, load_event("manual-unplanned-failover.json"))
    assert refused["status"] == "FAILED"
    assert refused["error"] == "CooldownActive"
    assert "force" in refused["cause"]
    assert estate.snapshot() == before

    forced = estate.run(SECONDARY, load_event("manual-force-past-cooldown.json"))
    assert forced["status"] == "SUCCEEDED", forced
    assert output(forced)["cooldown"]["overridden"] is True
    assert_on_secondary(estate.snapshot())


# 8 -----------------------------------------------------------------------------------------
def test_planned_switchover_with_too_much_replication_lag_is_refused(estate: LocalEstate) -> None:
    estate.publish_replication_lag(30_000.0, region=SECONDARY)
    before = estate.snapshot()

    described = estate.run(SECONDARY, load_event("manual-planned-switchover.json"))

    assert described["status"] == "FAILED"
    assert described["error"] == "ReplicationLagTooHigh"
    assert "30000 ms" in described["cause"]
    assert estate.snapshot() == before
    (row,) = estate.audit_rows(SECONDARY)
    assert (row["outcome"], row["failed_stage"]) == ("failed", "preflight")
    assert kinds(estate.notices(SECONDARY))[-1] == "failed"


# 9 -----------------------------------------------------------------------------------------
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
    after_failure = estate.snapshot()
    assert after_failure.writer_region == PRIMARY
    assert after_failure.lock_holder[SECONDARY] is None
    (row,) = estate.audit_rows(SECONDARY)
    assert (row["outcome"], row["failed_stage"]) == ("failed", "database")
    assert row["estate_after"]["writer_region"] == PRIMARY
    notices = estate.notices(SECONDARY)
    assert kinds(notices) == ["started", "failed"]
    assert notices[-1]["message"]["error"]["error"] == "DatabasePromotionFailed"

    # the re-run completes, and repeats none of what the first run finished
    rerun = estate.run(SECONDARY, estate.alarm_event(PRIMARY))
    assert rerun["status"] == "SUCCEEDED", rerun
    assert_on_secondary(estate.snapshot())
    actions = {a["branch"]: a for a in output(rerun)["actions"]}
    assert actions["database"]["action"] == "failover_started"
    dials_were_done = after_failure.dials == {PRIMARY: 0.0, SECONDARY: 100.0}
    assert actions["traffic"]["dials"][SECONDARY]["changed"] is not dials_were_done
    parameter_was_set = after_failure.active_parameter[SECONDARY] == SECONDARY
    assert actions["app_config"]["changed"] is not parameter_was_set
    scaled = after_failure.desired[SECONDARY] == 4
    assert actions["compute"]["scaled"] is not scaled


# 10 ----------------------------------------------------------------------------------------
def test_throttling_on_an_action_recovers_through_retry(estate: LocalEstate) -> None:
    estate.outage(PRIMARY)
    estate.emulator.faults.fail(
        "globalaccelerator", "UpdateEndpointGroup", "ThrottlingException", "Rate exceeded", count=3
    )

    described = fail_over_on_alarm(estate)

    assert described["status"] == "SUCCEEDED", described
    assert_on_secondary(estate.snapshot())
    failures = [
        e
        for e in estate.history(described["executionArn"])
        if e["type"] == "TaskFailed" or e["type"] == "LambdaFunctionFailed"
    ]
    errors = [json.dumps(e, default=str) for e in failures]
    assert any("TransientAwsError" in text for text in errors), errors


# 12 ----------------------------------------------------------------------------------------
def test_failover_completes_while_the_old_regions_apis_are_unreachable(
    estate: LocalEstate,
) -> None:
    estate.outage(PRIMARY)
    estate.emulator.faults.unreachable_regions.add(PRIMARY)

    described = estate.run(SECONDARY, estate.alarm_event(PRIMARY))

    assert described["status"] == "SUCCEEDED", described
    result = output(described)
    votes = {o["observer"]: o["verdict"] for o in result["outage"]["observations"]}
    assert votes["route53_health_checkers"] == "unknown"  # Route 53's API is in us-east-1
    assert votes["recovery_region_probe"] == "unhealthy"
    assert votes["global_accelerator_health"] == "unhealthy"
    assert result["fence"]["status"] == "skipped"
    estate.emulator.faults.unreachable_regions.clear()
    snapshot = estate.snapshot()
    assert_on_secondary(snapshot)
    assert snapshot.active_parameter[PRIMARY] == PRIMARY  # could not be fenced, and says so
    (row,) = estate.audit_rows(SECONDARY)
    assert row["fence"]["status"] == "skipped"
