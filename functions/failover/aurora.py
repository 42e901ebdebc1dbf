"""Aurora PostgreSQL Global Database: who is the writer, how far behind, and promotion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

from failover.arns import region_of, resource_name
from failover.errors import (
    DatabasePromotionFailed,
    PreflightFailed,
    Superseded,
    error_code,
    is_transient,
)

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_rds import RDSClient

REPLICATION_LAG_METRIC = "AuroraGlobalDBReplicationLag"
"""Milliseconds a secondary cluster is behind the primary; published in the secondary's region."""

LAG_LOOKBACK = timedelta(minutes=5)

PromotionStart = Literal["already_writer", "in_progress", "failover_started", "switchover_started"]


@dataclass(frozen=True)
class GlobalClusterView:
    identifier: str
    status: str
    writer_arn: str | None
    member_arns: tuple[str, ...]
    failover_state: dict[str, Any] | None
    endpoint: str | None = None
    """The global writer endpoint's DNS name (it follows the writer across regions)."""
    synchronization: dict[str, str] | None = None
    """Each secondary member's ``SynchronizationStatus`` by cluster ARN: ``connected``, or
    ``pending-resync`` while Aurora rebuilds it to a new primary's point in time after an
    unplanned failover (not a failover target until connected). None: not read."""
    engine_version: str | None = None
    """The global cluster's ``EngineVersion``: every member must run it to take the writer."""

    @property
    def writer_region(self) -> str | None:
        return region_of(self.writer_arn) if self.writer_arn else None

    @property
    def transition_in_progress(self) -> bool:
        return bool(self.failover_state) or self.status in ("failing-over", "switching-over")


def describe_global_cluster(rds: RDSClient, identifier: str) -> GlobalClusterView:
    try:
        found = rds.describe_global_clusters(GlobalClusterIdentifier=identifier)["GlobalClusters"]
    except rds.exceptions.GlobalClusterNotFoundFault as error:
        raise PreflightFailed(f"global cluster {identifier} not found") from error
    if not found:
        raise PreflightFailed(f"global cluster {identifier} not found")
    cluster = found[0]
    members = cluster.get("GlobalClusterMembers", [])
    writer = next((m["DBClusterArn"] for m in members if m.get("IsWriter")), None)
    failover_state = cluster.get("FailoverState")
    return GlobalClusterView(
        identifier=identifier,
        status=cluster.get("Status", "unknown"),
        writer_arn=writer,
        member_arns=tuple(m["DBClusterArn"] for m in members if "DBClusterArn" in m),
        failover_state=dict(failover_state) if failover_state else None,
        endpoint=cluster.get("Endpoint"),
        synchronization={
            m["DBClusterArn"]: m["SynchronizationStatus"]
            for m in members
            if "DBClusterArn" in m and "SynchronizationStatus" in m
        },
        engine_version=cluster.get("EngineVersion"),
    )


@dataclass(frozen=True)
class ClusterView:
    """One member cluster as its own region describes it."""

    status: str
    instances: int
    engine_version: str | None


def describe_cluster(rds: RDSClient, cluster_arn: str) -> ClusterView:
    try:
        clusters = rds.describe_db_clusters(DBClusterIdentifier=cluster_arn)["DBClusters"]
    except rds.exceptions.DBClusterNotFoundFault:
        return ClusterView("not-found", 0, None)
    if not clusters:
        return ClusterView("not-found", 0, None)
    found = clusters[0]
    return ClusterView(
        found.get("Status", "unknown"),
        len(found.get("DBClusterMembers", [])),
        found.get("EngineVersion"),
    )


def cluster_status(rds: RDSClient, cluster_arn: str) -> str:
    try:
        clusters = rds.describe_db_clusters(DBClusterIdentifier=cluster_arn)["DBClusters"]
    except rds.exceptions.DBClusterNotFoundFault:
        return "not-found"
    return clusters[0].get("Status", "unknown") if clusters else "not-found"


def latest_metric(
    cloudwatch: CloudWatchClient, metric: str, cluster_arn: str, now: datetime
) -> tuple[float, datetime] | None:
    """The latest one-minute Maximum of an AWS/RDS cluster metric (``LAG_LOOKBACK`` back) and
    its timestamp, or None when there is none."""
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/RDS",
        MetricName=metric,
        Dimensions=[{"Name": "DBClusterIdentifier", "Value": resource_name(cluster_arn)}],
        StartTime=now - LAG_LOOKBACK,
        EndTime=now,
        Period=60,
        Statistics=["Maximum"],
    ).get("Datapoints", [])
    if not points:
        return None
    latest = max(points, key=lambda point: point["Timestamp"])
    return float(latest["Maximum"]), latest["Timestamp"]


def replication_lag_ms(
    cloudwatch: CloudWatchClient, cluster_arn: str, now: datetime
) -> float | None:
    """The latest AuroraGlobalDBReplicationLag of a secondary cluster, or None if unknown."""
    found = latest_metric(cloudwatch, REPLICATION_LAG_METRIC, cluster_arn, now)
    return found[0] if found else None


def start_promotion(
    rds: RDSClient,
    view: GlobalClusterView,
    target_arn: str,
    planned: bool,
    planned_from: str | None,
) -> PromotionStart:
    """Make ``target_arn`` the writer. Reads the current state first, so a re-run is safe.

    Unplanned: ``FailoverGlobalCluster`` with ``AllowDataLoss`` (works while the primary is gone).
    Planned: ``SwitchoverGlobalCluster`` (no data loss; needs a healthy primary).

    Compare-and-set on the writer: the run proceeds only while the writer is still the one
    its plan saw (``planned_from``), or already the target. A promotion towards another
    cluster, or a writer that moved elsewhere, means the other direction won: Superseded.
    Aurora itself refuses a second failover while ``FailoverState`` is set.
    """
    if view.writer_arn == target_arn and not view.transition_in_progress:
        return "already_writer"
    if view.transition_in_progress:
        destination = (view.failover_state or {}).get("ToDbClusterArn")
        if destination in (None, target_arn):
            return "in_progress"
        raise Superseded(f"global cluster {view.identifier} is already moving to {destination}")
    if planned_from is not None and view.writer_arn != planned_from:
        raise Superseded(
            f"the writer moved to {view.writer_arn} since the plan (it was {planned_from})"
        )
    if target_arn not in view.member_arns:
        raise DatabasePromotionFailed(f"{target_arn} is not a member of {view.identifier}")
    try:
        if planned:
            rds.switchover_global_cluster(
                GlobalClusterIdentifier=view.identifier, TargetDbClusterIdentifier=target_arn
            )
            return "switchover_started"
        rds.failover_global_cluster(
            GlobalClusterIdentifier=view.identifier,
            TargetDbClusterIdentifier=target_arn,
            AllowDataLoss=True,
        )
        return "failover_started"
    except ClientError as error:
        if is_transient(error):
            raise
        message = error.response.get("Error", {}).get("Message", "")
        raise DatabasePromotionFailed(f"{error_code(error)}: {message}") from error


def promotion_complete(view: GlobalClusterView, target_arn: str) -> bool:
    return view.writer_arn == target_arn and not view.transition_in_progress


def cluster_endpoint(rds: RDSClient, cluster_arn: str) -> str:
    """A cluster's own writer endpoint."""
    return str(
        rds.describe_db_clusters(DBClusterIdentifier=cluster_arn)["DBClusters"][0]["Endpoint"]
    )
