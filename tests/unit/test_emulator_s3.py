"""S3 cross-Region replication: the replica, the replication status and the AWS/S3 metrics."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from emulator import Emulator

SOURCE, DESTINATION = "shop-data-us-east-1", "shop-data-us-west-2"
RULE = "to-us-west-2"
ROLE = "arn:aws:iam::123456789012:role/shop-replication"


def s3(region: str) -> Any:
    return boto3.client("s3", region_name=region)


def bucket(name: str, region: str, versioned: bool = True) -> None:
    configuration = {} if region == "us-east-1" else {"LocationConstraint": region}
    s3(region).create_bucket(
        Bucket=name, **({"CreateBucketConfiguration": configuration} if configuration else {})
    )
    if versioned:
        s3(region).put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def replicate(
    source: str = SOURCE,
    destination: str = DESTINATION,
    region: str = "us-east-1",
    metrics: bool = True,
    prefix: str | None = None,
    rule: str = RULE,
) -> None:
    destination_config: dict[str, Any] = {"Bucket": f"arn:aws:s3:::{destination}"}
    if metrics:
        destination_config["Metrics"] = {"Status": "Enabled"}
    s3(region).put_bucket_replication(
        Bucket=source,
        ReplicationConfiguration={
            "Role": ROLE,
            "Rules": [
                {
                    "ID": rule,
                    "Status": "Enabled",
                    "Priority": 1,
                    "Filter": {"Prefix": prefix} if prefix is not None else {},
                    "DeleteMarkerReplication": {"Status": "Enabled"},
                    "Destination": destination_config,
                }
            ],
        },
    )


@pytest.fixture
def buckets(emu: Emulator) -> None:
    """A versioned source in us-east-1 replicating (with metrics) to a versioned us-west-2."""
    bucket(SOURCE, "us-east-1")
    bucket(DESTINATION, "us-west-2")
    replicate()


def metric(name: str, statistic: str, region: str = "us-east-1") -> list[float]:
    """The replication metric of (SOURCE, DESTINATION, RULE) over the last hour."""
    now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    cloudwatch: Any = boto3.client("cloudwatch", region_name=region)
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/S3",
        MetricName=name,
        Dimensions=[
            {"Name": "SourceBucket", "Value": SOURCE},
            {"Name": "DestinationBucket", "Value": DESTINATION},
            {"Name": "RuleId", "Value": RULE},
        ],
        StartTime=now - dt.timedelta(hours=1),
        EndTime=now,
        Period=3600,
        Statistics=[statistic],
    )["Datapoints"]
    return [float(p[statistic]) for p in points]


def test_an_object_replicates_with_its_status_and_metrics(emu: Emulator, buckets: None) -> None:
    # when an object is put to the source bucket
    put = s3("us-east-1").put_object(
        Bucket=SOURCE, Key="orders/1.json", Body=b"{}", Metadata={"app": "shop"}, Tagging="k=v"
    )

    # then the source says COMPLETED and the destination region holds the replica, same version
    source = s3("us-east-1").head_object(Bucket=SOURCE, Key="orders/1.json")
    replica = s3("us-west-2").get_object(Bucket=DESTINATION, Key="orders/1.json")
    assert source["ReplicationStatus"] == "COMPLETED"
    assert replica["ReplicationStatus"] == "REPLICA"
    assert replica["VersionId"] == put["VersionId"]
    assert replica["Body"].read() == b"{}"
    assert replica["Metadata"] == {"app": "shop"}
    tags = s3("us-west-2").get_object_tagging(Bucket=DESTINATION, Key="orders/1.json")["TagSet"]
    assert tags == [{"Key": "k", "Value": "v"}]

    # and the metrics are in the source's region: latency, no failure, nothing pending
    assert metric("ReplicationLatency", "Maximum") == [emu.s3.replication_seconds]
    assert metric("OperationsFailedReplication", "Sum") == [0.0]
    assert metric("OperationsFailedReplication", "SampleCount") == [1.0]
    assert metric("OperationsPendingReplication", "Maximum") == [0.0]
    assert metric("BytesPendingReplication", "Maximum") == [0.0]
    assert metric("ReplicationLatency", "Maximum", region="us-west-2") == []


def test_no_metrics_without_metrics_enabled(emu: Emulator) -> None:
    # given a rule without replication metrics
    bucket(SOURCE, "us-east-1")
    bucket(DESTINATION, "us-west-2")
    replicate(metrics=False)

    # when an object replicates, then there is no metric, only the status
    s3("us-east-1").put_object(Bucket=SOURCE, Key="a", Body=b"a")
    assert s3("us-east-1").head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "COMPLETED"
    assert metric("ReplicationLatency", "Maximum") == []


def test_only_objects_the_filter_selects_replicate(emu: Emulator) -> None:
    # given a rule for the logs/ prefix
    bucket(SOURCE, "us-east-1")
    bucket(DESTINATION, "us-west-2")
    replicate(prefix="logs/")

    # when one object in and one out of the prefix are put
    s3("us-east-1").put_object(Bucket=SOURCE, Key="logs/a", Body=b"a")
    s3("us-east-1").put_object(Bucket=SOURCE, Key="data/b", Body=b"b")

    # then only the selected one replicates; the other has no replication status
    assert (
        s3("us-east-1").head_object(Bucket=SOURCE, Key="logs/a")["ReplicationStatus"] == "COMPLETED"
    )
    assert "ReplicationStatus" not in s3("us-east-1").head_object(Bucket=SOURCE, Key="data/b")
    keys = s3("us-west-2").list_objects_v2(Bucket=DESTINATION)["Contents"]
    assert [k["Key"] for k in keys] == ["logs/a"]


@pytest.mark.parametrize("broken", ["missing", "unversioned"])
def test_a_destination_that_cannot_take_replicas_fails_them(emu: Emulator, broken: str) -> None:
    # given a destination bucket that does not exist, or is not versioned
    bucket(SOURCE, "us-east-1")
    if broken == "unversioned":
        bucket(DESTINATION, "us-west-2", versioned=False)
    replicate()

    # when an object is put, then replication FAILED for good, and counts as a failure
    s3("us-east-1").put_object(Bucket=SOURCE, Key="a", Body=b"a")
    assert s3("us-east-1").head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "FAILED"
    assert metric("OperationsFailedReplication", "Sum") == [1.0]
    assert metric("ReplicationLatency", "Maximum") == []
    assert emu.s3.pending() == 0
    if broken == "unversioned":
        with pytest.raises(ClientError):
            s3("us-west-2").head_object(Bucket=DESTINATION, Key="a")


def test_an_unreachable_destination_region_keeps_objects_pending(
    emu: Emulator, buckets: None
) -> None:
    # given us-west-2 unreachable
    emu.faults.unreachable_regions.add("us-west-2")

    # when an object is put in us-east-1, then it waits: PENDING, counted as pending
    s3("us-east-1").put_object(Bucket=SOURCE, Key="a", Body=b"12345")
    assert s3("us-east-1").head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "PENDING"
    assert metric("OperationsPendingReplication", "Maximum") == [1.0]
    assert metric("BytesPendingReplication", "Maximum") == [5.0]

    # when the region is back two minutes later, then the object replicates, that late
    emu.clock.advance(120)
    emu.faults.unreachable_regions.clear()
    assert s3("us-east-1").head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "COMPLETED"
    assert (
        s3("us-west-2").head_object(Bucket=DESTINATION, Key="a")["ReplicationStatus"] == "REPLICA"
    )
    assert metric("ReplicationLatency", "Maximum") == [120 + emu.s3.replication_seconds]
    assert metric("OperationsFailedReplication", "Sum") == [0.0]


def test_a_replica_is_not_replicated_back(emu: Emulator, buckets: None) -> None:
    # given two-way replication, as the estate has it
    replicate(DESTINATION, SOURCE, region="us-west-2", rule="to-us-east-1")

    # when an object is put in us-east-1
    s3("us-east-1").put_object(Bucket=SOURCE, Key="a", Body=b"a")

    # then it exists once in each bucket: the replica did not come back
    versions = s3("us-east-1").list_object_versions(Bucket=SOURCE)["Versions"]
    assert len(versions) == 1
    assert s3("us-east-1").head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "COMPLETED"
