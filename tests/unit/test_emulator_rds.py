"""Aurora global FailoverGlobalCluster / SwitchoverGlobalCluster over modelled time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core.config import DefaultConfig

from emulator import Emulator, LatencyModel

# Keep boto3's default session between tests: clients are built 10x faster.
MOTO: DefaultConfig = {"core": {"reset_boto3_session": False}}


GLOBAL = "shop-global"
LATENCY = LatencyModel(
    aurora_failover_seconds=60, aurora_switchover_seconds=120, aurora_pending_seconds=5
)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with mock_aws(config=MOTO):
        emulator = Emulator.install(latency=LATENCY)
        try:
            yield emulator
        finally:
            emulator.uninstall()


@pytest.fixture
def clusters(emu: Emulator) -> dict[str, str]:
    """A global cluster: writer in us-east-1, secondary in us-west-2. Region -> cluster ARN."""
    east = boto3.client("rds", region_name="us-east-1")
    east.create_global_cluster(
        GlobalClusterIdentifier=GLOBAL, Engine="aurora-postgresql", EngineVersion="16.4"
    )
    arns = {}
    for region in ("us-east-1", "us-west-2"):
        cluster = boto3.client("rds", region_name=region).create_db_cluster(
            DBClusterIdentifier=f"shop-{region}",
            Engine="aurora-postgresql",
            EngineVersion="16.4",
            GlobalClusterIdentifier=GLOBAL,
            MasterUsername="app",
            ManageMasterUserPassword=True,
        )["DBCluster"]
        arns[region] = cluster["DBClusterArn"]
    return arns


def describe(region: str = "us-west-2") -> dict[str, Any]:
    rds = boto3.client("rds", region_name=region)
    (cluster,) = rds.describe_global_clusters(GlobalClusterIdentifier=GLOBAL)["GlobalClusters"]
    return dict(cluster)


def writer(cluster: dict[str, Any]) -> str:
    (arn,) = [m["DBClusterArn"] for m in cluster["GlobalClusterMembers"] if m["IsWriter"]]
    return str(arn)


def test_failover_with_data_loss_runs_its_timeline(emu: Emulator, clusters: dict[str, str]) -> None:
    # given the writer in us-east-1
    rds = boto3.client("rds", region_name="us-west-2")
    assert writer(describe()) == clusters["us-east-1"]

    # when the recovery region fails over with AllowDataLoss
    response = rds.failover_global_cluster(
        GlobalClusterIdentifier=GLOBAL,
        TargetDbClusterIdentifier=clusters["us-west-2"],
        AllowDataLoss=True,
    )["GlobalCluster"]

    # then the request is pending, then failing over, with the writer unchanged
    expected_state = {
        "Status": "pending",
        "FromDbClusterArn": clusters["us-east-1"],
        "ToDbClusterArn": clusters["us-west-2"],
        "IsDataLossAllowed": True,
    }
    assert response["Status"] == "failing-over"
    assert response["FailoverState"] == expected_state
    emu.clock.advance(5)
    during = describe()
    assert during["Status"] == "failing-over"
    assert during["FailoverState"] == {**expected_state, "Status": "failing-over"}
    assert writer(during) == clusters["us-east-1"]
    emu.clock.advance(54)
    assert describe()["FailoverState"]["Status"] == "failing-over"

    # and after aurora_failover_seconds the target is the writer and the state is cleared
    emu.clock.advance(1)
    after = describe()
    assert after["Status"] == "available"
    assert "FailoverState" not in after
    assert writer(after) == clusters["us-west-2"]
    members = {m["DBClusterArn"]: m for m in after["GlobalClusterMembers"]}
    assert members[clusters["us-west-2"]]["Readers"] == [clusters["us-east-1"]]
    assert members[clusters["us-east-1"]]["IsWriter"] is False


def test_switchover_is_lossless_and_slower(emu: Emulator, clusters: dict[str, str]) -> None:
    # given the writer in us-east-1
    rds = boto3.client("rds", region_name="us-west-2")

    # when the recovery region switches over
    response = rds.switchover_global_cluster(
        GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=clusters["us-west-2"]
    )["GlobalCluster"]

    # then it reports a switchover without data loss, done after aurora_switchover_seconds
    assert response["Status"] == "switching-over"
    assert response["FailoverState"]["IsDataLossAllowed"] is False
    emu.clock.advance(60)
    assert describe()["FailoverState"]["Status"] == "switching-over"
    emu.clock.advance(60)
    after = describe()
    assert writer(after) == clusters["us-west-2"]
    assert {m["SynchronizationStatus"] for m in after["GlobalClusterMembers"]} == {"connected"}


def test_failover_global_cluster_without_allow_data_loss_is_a_switchover(
    emu: Emulator, clusters: dict[str, str]
) -> None:
    # when FailoverGlobalCluster is called with Switchover (or neither flag)
    rds = boto3.client("rds", region_name="us-west-2")
    response = rds.failover_global_cluster(
        GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=clusters["us-west-2"]
    )["GlobalCluster"]

    # then it behaves as a switchover (documented default)
    assert response["Status"] == "switching-over"
    assert response["FailoverState"]["IsDataLossAllowed"] is False


def test_old_primary_resyncs_only_once_its_region_is_back(
    emu: Emulator, clusters: dict[str, str]
) -> None:
    # given us-east-1 is unreachable and the database failed over with data loss
    emu.faults.unreachable_regions.add("us-east-1")
    boto3.client("rds", region_name="us-west-2").failover_global_cluster(
        GlobalClusterIdentifier=GLOBAL,
        TargetDbClusterIdentifier=clusters["us-west-2"],
        AllowDataLoss=True,
    )
    emu.clock.advance(60)

    # then the old primary is pending a resync while its region is down
    sync = {
        m["DBClusterArn"]: m["SynchronizationStatus"] for m in describe()["GlobalClusterMembers"]
    }
    assert sync[clusters["us-east-1"]] == "pending-resync"

    # and a switchover back is refused until it is connected again
    rds = boto3.client("rds", region_name="us-west-2")
    with pytest.raises(ClientError) as refused:
        rds.switchover_global_cluster(
            GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=clusters["us-east-1"]
        )
    assert refused.value.response["Error"]["Code"] == "InvalidGlobalClusterStateFault"

    # and once its region is back Aurora rebuilds it: pending-resync for the rebuild window
    emu.faults.unreachable_regions.clear()
    assert sync_status()[clusters["us-east-1"]] == "pending-resync"
    emu.clock.advance(emu.latency.aurora_resync_seconds - 1)
    assert sync_status()[clusters["us-east-1"]] == "pending-resync"
    emu.clock.advance(1)
    assert sync_status()[clusters["us-east-1"]] == "connected"


def sync_status() -> dict[str, str]:
    return {
        m["DBClusterArn"]: m["SynchronizationStatus"] for m in describe()["GlobalClusterMembers"]
    }


def error_code(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


def test_errors_are_the_rds_ones(emu: Emulator, clusters: dict[str, str]) -> None:
    rds = boto3.client("rds", region_name="us-west-2")
    east = boto3.client("rds", region_name="us-east-1")
    east.create_db_cluster(
        DBClusterIdentifier="loner",
        Engine="aurora-postgresql",
        MasterUsername="app",
        ManageMasterUserPassword=True,
    )
    loner = east.describe_db_clusters(DBClusterIdentifier="loner")["DBClusters"][0]

    def failover(target: str, **extra: Any) -> Any:
        return lambda: rds.failover_global_cluster(
            GlobalClusterIdentifier=extra.pop("gc", GLOBAL),
            TargetDbClusterIdentifier=target,
            **extra,
        )

    target = clusters["us-west-2"]
    assert error_code(failover(target, gc="nope", AllowDataLoss=True)) == (
        "GlobalClusterNotFoundFault"
    )
    missing = target.replace("shop-us-west-2", "ghost")
    assert error_code(failover(missing, AllowDataLoss=True)) == "DBClusterNotFoundFault"
    assert error_code(failover(loner["DBClusterArn"], AllowDataLoss=True)) == (
        "InvalidParameterValue"
    )
    assert error_code(failover(clusters["us-east-1"], AllowDataLoss=True)) == (
        "InvalidDBClusterStateFault"
    )
    assert error_code(failover(target, AllowDataLoss=True, Switchover=True)) == (
        "InvalidParameterCombination"
    )
    with pytest.raises(rds.exceptions.GlobalClusterNotFoundFault):
        rds.describe_global_clusters(GlobalClusterIdentifier="nope")

    # while one operation runs, another is refused
    failover(target, AllowDataLoss=True)()
    assert error_code(failover(target, AllowDataLoss=True)) == "InvalidGlobalClusterStateFault"


def test_switchover_needs_a_reachable_primary(emu: Emulator, clusters: dict[str, str]) -> None:
    # given the primary's region is unreachable
    emu.faults.unreachable_regions.add("us-east-1")

    # when a planned switchover is requested from the recovery region
    rds = boto3.client("rds", region_name="us-west-2")
    code = error_code(
        lambda: rds.switchover_global_cluster(
            GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=clusters["us-west-2"]
        )
    )

    # then it is refused: only a failover with data loss can proceed
    assert code == "InvalidDBClusterStateFault"


def test_timeline_is_visible_through_describe_db_clusters_too(
    emu: Emulator, clusters: dict[str, str]
) -> None:
    # given a failover whose modelled time has passed
    boto3.client("rds", region_name="us-west-2").failover_global_cluster(
        GlobalClusterIdentifier=GLOBAL,
        TargetDbClusterIdentifier=clusters["us-west-2"],
        AllowDataLoss=True,
    )
    emu.clock.advance(60)

    # when only DescribeDBClusters is called, then the flip has happened in moto's state
    boto3.client("rds", region_name="us-west-2").describe_db_clusters()
    assert writer(describe("us-east-1")) == clusters["us-west-2"]


def test_removing_a_secondary_detaches_it_from_any_region(
    emu: Emulator, clusters: dict[str, str]
) -> None:
    # given the writer in us-east-1: it cannot leave while it has a secondary
    west = boto3.client("rds", region_name="us-west-2")
    with pytest.raises(ClientError) as error:
        west.remove_from_global_cluster(
            GlobalClusterIdentifier=GLOBAL, DbClusterIdentifier=clusters["us-east-1"]
        )
    assert error.value.response["Error"]["Code"] == "InvalidDBClusterStateFault"

    # when the secondary is removed, from its own region
    response = west.remove_from_global_cluster(
        GlobalClusterIdentifier=GLOBAL, DbClusterIdentifier=clusters["us-west-2"]
    )["GlobalCluster"]

    # then the global cluster has the writer alone, wherever it is read from
    members = [m["DBClusterArn"] for m in response["GlobalClusterMembers"]]
    assert members == [clusters["us-east-1"]]
    assert [m["DBClusterArn"] for m in describe("us-east-1")["GlobalClusterMembers"]] == members

    # and removing it again, or from a global cluster that does not exist, is refused
    with pytest.raises(ClientError) as error:
        west.remove_from_global_cluster(
            GlobalClusterIdentifier=GLOBAL, DbClusterIdentifier=clusters["us-west-2"]
        )
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as error:
        west.remove_from_global_cluster(
            GlobalClusterIdentifier="nope", DbClusterIdentifier=clusters["us-west-2"]
        )
    assert error.value.response["Error"]["Code"] == "GlobalClusterNotFoundFault"


def test_a_deleted_cluster_takes_its_automated_snapshots_along(emu: Emulator) -> None:
    # given a cluster (moto takes an automated snapshot rds:<id>-<minute> at creation)
    rds = boto3.client("rds", region_name="us-east-1")
    kwargs: dict[str, Any] = {
        "DBClusterIdentifier": "again",
        "Engine": "aurora-postgresql",
        "MasterUsername": "app",
        "MasterUserPassword": "not-a-real-password",
    }
    rds.create_db_cluster(**kwargs)

    # when it is deleted, then its automated snapshots are gone with it
    rds.delete_db_cluster(DBClusterIdentifier="again", SkipFinalSnapshot=True)
    automated = rds.describe_db_cluster_snapshots(SnapshotType="automated")["DBClusterSnapshots"]
    assert [s for s in automated if s["DBClusterIdentifier"] == "again"] == []

    # and the same identifier can be used again at once
    rds.create_db_cluster(**kwargs)


def test_the_old_primary_gets_its_point_of_failure_snapshot_once_its_region_is_back(
    emu: Emulator, clusters: dict[str, str]
) -> None:
    # given the database failed over with data loss while us-east-1 was unreachable
    emu.faults.unreachable_regions.add("us-east-1")
    boto3.client("rds", region_name="us-west-2").failover_global_cluster(
        GlobalClusterIdentifier=GLOBAL,
        TargetDbClusterIdentifier=clusters["us-west-2"],
        AllowDataLoss=True,
    )
    emu.clock.advance(60)
    east = boto3.client("rds", region_name="us-east-1")
    describe()  # the old primary is still pending a resync

    # when its region is back
    emu.faults.unreachable_regions.clear()
    describe()

    # then Aurora's system snapshot of the old volume is in the old primary's region
    snapshots = east.describe_db_cluster_snapshots(DBClusterIdentifier="shop-us-east-1")[
        "DBClusterSnapshots"
    ]
    (kept,) = [
        s
        for s in snapshots
        if s["DBClusterSnapshotIdentifier"].startswith("rds:unplanned-global-failover-")
    ]
    assert kept["DBClusterSnapshotIdentifier"].startswith(
        "rds:unplanned-global-failover-shop-us-east-1-"
    )
    assert kept["SnapshotType"] == "automated"


def test_an_in_region_writer_failover_shows_failing_over_then_its_events(
    emu: Emulator, clusters: dict[str, str]
) -> None:
    east = boto3.client("rds", region_name="us-east-1")
    for n in (1, 2):
        east.create_db_instance(
            DBInstanceIdentifier=f"shop-us-east-1-{n}",
            DBClusterIdentifier="shop-us-east-1",
            Engine="aurora-postgresql",
            DBInstanceClass="db.serverless",
        )

    east.failover_db_cluster(DBClusterIdentifier="shop-us-east-1")

    def status() -> str:
        return str(
            east.describe_db_clusters(DBClusterIdentifier="shop-us-east-1")["DBClusters"][0][
                "Status"
            ]
        )

    assert status() == "failing-over"
    emu.clock.advance(emu.latency.aurora_in_region_failover_seconds - 1)
    assert status() == "failing-over"
    emu.clock.advance(1)
    assert status() == "available"
    events = east.describe_events(SourceIdentifier="shop-us-east-1", SourceType="db-cluster")
    messages = [(e["Message"], e["EventCategories"]) for e in events["Events"]]
    assert [m.split(":")[0] for m, _ in messages] == [
        "Started cross AZ failover to DB instance",
        "Completed failover to DB instance",
    ]
    assert all(categories == ["failover"] for _, categories in messages)


def test_a_secondary_publishes_its_rpo_lag_and_stops_when_the_lag_is_unknown(
    emu: Emulator, clusters: dict[str, str]
) -> None:
    emu.rds.set_replication_lag(clusters["us-west-2"], 250.0)
    emu.tick()
    west = boto3.client("cloudwatch", region_name="us-west-2")

    def names() -> list[str]:
        return sorted(
            {
                m["MetricName"]
                for m in west.list_metrics(Namespace="AWS/RDS")["Metrics"]
                if m["Dimensions"][0]["Value"] == "shop-us-west-2"
            }
        )

    assert names() == ["AuroraGlobalDBRPOLag", "AuroraGlobalDBReplicationLag"]


@pytest.fixture
def three(emu: Emulator, clusters: dict[str, str]) -> dict[str, str]:
    """The global cluster with a third member, in eu-west-1. Region -> cluster ARN."""
    cluster = boto3.client("rds", region_name="eu-west-1").create_db_cluster(
        DBClusterIdentifier="shop-eu-west-1",
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        GlobalClusterIdentifier=GLOBAL,
        MasterUsername="app",
        ManageMasterUserPassword=True,
    )["DBCluster"]
    return {**clusters, "eu-west-1": cluster["DBClusterArn"]}


def fail_over(target: str, region: str = "us-west-2") -> None:
    boto3.client("rds", region_name=region).failover_global_cluster(
        GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=target, AllowDataLoss=True
    )


def test_every_member_but_the_new_writer_is_rebuilt_after_a_failover(
    emu: Emulator, three: dict[str, str]
) -> None:
    # given three members, all connected, and us-east-1 (the writer) cut off
    assert set(sync_status().values()) == {"connected"}
    emu.faults.unreachable_regions.add("us-east-1")

    # when the database fails over with data loss to us-west-2
    fail_over(three["us-west-2"])
    emu.clock.advance(emu.latency.aurora_failover_seconds)

    # then the other secondary is rebuilt at once, the old primary is pending too
    assert sync_status() == {
        three["us-west-2"]: "connected",
        three["eu-west-1"]: "pending-resync",
        three["us-east-1"]: "pending-resync",
    }
    assert emu.rds.synchronization_status(three["eu-west-1"]) == "pending-resync"

    # and the other secondary is connected after the rebuild window, the old primary is not:
    # its rebuild starts only once its region is back
    emu.clock.advance(emu.latency.aurora_resync_seconds)
    assert sync_status()[three["eu-west-1"]] == "connected"
    assert sync_status()[three["us-east-1"]] == "pending-resync"
    emu.faults.unreachable_regions.clear()
    emu.tick()  # the world actor sees the region back
    emu.clock.advance(emu.latency.aurora_resync_seconds - 1)
    assert sync_status()[three["us-east-1"]] == "pending-resync"
    emu.clock.advance(1)
    assert set(sync_status().values()) == {"connected"}


def test_a_member_being_rebuilt_is_no_failover_target_but_a_connected_one_is(
    emu: Emulator, three: dict[str, str]
) -> None:
    # given a failover to us-west-2 whose rebuild window is still open (held by hand)
    fail_over(three["us-west-2"])
    emu.clock.advance(emu.latency.aurora_failover_seconds)
    emu.rds.set_resync(three["eu-west-1"], None)
    emu.rds.set_resync(three["us-east-1"], 0)  # this one is rebuilt already

    # when the next failover targets the member still being rebuilt, then it is refused
    code = error_code(lambda: fail_over(three["eu-west-1"]))
    assert code == "InvalidDBClusterStateFault"
    # and so is a switchover, while any member is not connected
    rds = boto3.client("rds", region_name="us-west-2")
    refused = error_code(
        lambda: rds.switchover_global_cluster(
            GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=three["us-east-1"]
        )
    )
    assert refused == "InvalidGlobalClusterStateFault"
    assert writer(describe()) == three["us-west-2"]

    # when a second failover during the window targets the connected member
    fail_over(three["us-east-1"], region="us-east-1")
    emu.clock.advance(emu.latency.aurora_failover_seconds)

    # then it is the writer, and every other member is rebuilt to its point in time
    assert writer(describe()) == three["us-east-1"]
    assert sync_status() == {
        three["us-east-1"]: "connected",
        three["us-west-2"]: "pending-resync",
        three["eu-west-1"]: "pending-resync",
    }
    emu.clock.advance(emu.latency.aurora_resync_seconds)
    assert set(sync_status().values()) == {"connected"}


def test_a_member_being_rebuilt_publishes_no_replication_lag(
    emu: Emulator, three: dict[str, str]
) -> None:
    # given eu-west-1 reports a lag every minute
    emu.rds.set_replication_lag(three["eu-west-1"], 250.0)
    cloudwatch = boto3.client("cloudwatch", region_name="eu-west-1")

    def datapoints(since: float, until: float) -> int:
        found = cloudwatch.get_metric_statistics(
            Namespace="AWS/RDS",
            MetricName="AuroraGlobalDBReplicationLag",
            Dimensions=[{"Name": "DBClusterIdentifier", "Value": "shop-eu-west-1"}],
            StartTime=emu.clock.epoch + timedelta(seconds=since),
            EndTime=emu.clock.epoch + timedelta(seconds=until),
            Period=60,
            Statistics=["Maximum"],
        )
        return len(found["Datapoints"])

    emu.tick()
    assert datapoints(0, 60) == 1

    # when a failover to us-west-2 leaves it pending-resync
    fail_over(three["us-west-2"])
    emu.clock.advance(emu.latency.aurora_failover_seconds)
    rebuild_from = emu.clock.now()
    emu.clock.advance(emu.latency.aurora_resync_seconds - 1)
    emu.tick()

    # then no datapoint during the rebuild (the lag is unknown, not small), then again
    assert datapoints(rebuild_from + 1, emu.clock.now() + 1) == 0
    emu.clock.advance(61)
    emu.tick()
    assert datapoints(rebuild_from + emu.latency.aurora_resync_seconds, emu.clock.now() + 1) >= 1
