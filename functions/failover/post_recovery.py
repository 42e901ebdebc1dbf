"""Post-recovery: after an unplanned failover, once the old region answers again, keep the
writes that may be lost and put the old region back on standby.

What AWS's Region switch does after recovery, and more (``"mode": "post_recovery"``, run in
the region that took over, after the failover):

1. **Rejoined**: the old primary is a member of the global cluster again, not the writer, and
   its ``SynchronizationStatus`` is ``connected`` (Aurora rebuilds it as a secondary once its
   region is back). Not yet: ``OldRegionNotRecovered``, nothing changed; run it again later.
2. **The lost writes kept**: Aurora "attempts to take a snapshot of the old storage volume at
   the point of failure ... named
   ``rds:unplanned-global-failover-name-of-old-primary-DB-cluster-timestamp``", a *system*
   snapshot that goes with the old cluster's backup retention
   (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html).
   It is copied (``CopyDBClusterSnapshot``) to a manual snapshot of this estate's own name,
   encrypted with the cluster's own KMS key, so it outlives that retention.
3. **The window of possibly lost writes**: from the last replicated point (the failover's
   start minus the lag the run read at cutover, else at the decision) to the failover's start,
   from the failover's audit row; recorded with the snapshot's identifier and how to diff it.
4. **The warm standby restored**: the old region's ECS service back to ``WARM_STANDBY_TASKS``
   (it ran the full load as the primary, or nothing while down), and its active-region
   parameter naming the writer's region (the failover's fence is best effort: it could not
   reach a region that was down).

Every step reads first: a re-run copies nothing twice and changes nothing already right.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from failover import active_region, aurora, table
from failover.arns import resource_name
from failover.clients import client
from failover.errors import OldRegionNotRecovered

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient

    from failover.config import Settings
    from failover.models import Request

SNAPSHOT_PREFIX = "rds:unplanned-global-failover-"


def kept_name(estate: str, snapshot_id: str) -> str:
    """The manual copy's identifier: letters, digits and hyphens, starting with a letter."""
    tail = snapshot_id.removeprefix(SNAPSHOT_PREFIX)
    return f"{estate}-lost-writes-{tail}"[:255]


def rejoined(settings: Settings, request: Request) -> dict[str, Any]:
    """The old primary's place in the global cluster; OldRegionNotRecovered unless it is a
    connected secondary."""
    old = settings.estate.regions[request.source_region].db_cluster_arn
    found = client("rds", request.target_region).describe_global_clusters(
        GlobalClusterIdentifier=settings.estate.global_cluster_id
    )["GlobalClusters"]
    members = {
        m["DBClusterArn"]: m for m in (found[0].get("GlobalClusterMembers", []) if found else [])
    }
    member = members.get(old)
    if member is None:
        raise OldRegionNotRecovered(f"{old} is not a member of the global cluster (yet)")
    if member.get("IsWriter"):
        raise OldRegionNotRecovered(f"{old} is still the writer: there was no failover away")
    status = member.get("SynchronizationStatus", "unknown")
    if status != "connected":
        raise OldRegionNotRecovered(
            f"{old} has not rejoined as a secondary yet (SynchronizationStatus {status})"
        )
    return {"cluster": old, "is_writer": False, "synchronization_status": status}


def point_of_failure_snapshot(rds: RDSClient, cluster_arn: str) -> dict[str, Any] | None:
    """Aurora's latest ``rds:unplanned-global-failover-<cluster>-*`` snapshot, if any."""
    name = resource_name(cluster_arn)
    snapshots = rds.describe_db_cluster_snapshots(
        DBClusterIdentifier=name, SnapshotType="automated"
    )["DBClusterSnapshots"]
    found = [
        s
        for s in snapshots
        if s["DBClusterSnapshotIdentifier"].startswith(f"{SNAPSHOT_PREFIX}{name}-")
    ]
    return dict(max(found, key=lambda s: s["DBClusterSnapshotIdentifier"])) if found else None


def keep_snapshot(settings: Settings, request: Request) -> dict[str, Any]:
    """Copy Aurora's point-of-failure snapshot to a manual one with the cluster's key."""
    region = request.source_region
    rds = client("rds", region)
    cluster_arn = settings.estate.regions[region].db_cluster_arn
    source = point_of_failure_snapshot(rds, cluster_arn)
    if source is None:
        return {
            "source": None,
            "copy": None,
            "note": f"Aurora left no {SNAPSHOT_PREFIX}{resource_name(cluster_arn)}-* snapshot "
            "(it only attempts one); the window below is all there is",
        }
    target = kept_name(settings.estate.estate_name, source["DBClusterSnapshotIdentifier"])
    key = rds.describe_db_clusters(DBClusterIdentifier=cluster_arn)["DBClusters"][0].get("KmsKeyId")
    copied = not _exists(rds, target)
    if copied:
        params: dict[str, Any] = {
            "SourceDBClusterSnapshotIdentifier": source["DBClusterSnapshotArn"],
            "TargetDBClusterSnapshotIdentifier": target,
            "CopyTags": True,
            "Tags": [
                {
                    "Key": "failover:purpose",
                    "Value": "writes possibly lost in an unplanned failover",
                },
                {"Key": "failover:execution", "Value": request.reason[:256]},
            ],
        }
        if key:
            params["KmsKeyId"] = key
        rds.copy_db_cluster_snapshot(**params)
    return {
        "source": source["DBClusterSnapshotIdentifier"],
        "copy": target,
        "kms_key": key,
        "copied": copied,
    }


def _exists(rds: RDSClient, snapshot_id: str) -> bool:
    try:
        rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=snapshot_id)
    except rds.exceptions.DBClusterSnapshotNotFoundFault:
        return False
    return True


def last_failover(settings: Settings, request: Request) -> dict[str, Any] | None:
    """The latest succeeded unplanned run into this region out of the recovered one (its audit
    row)."""
    from boto3.dynamodb.types import TypeDeserializer

    rows = table.call(
        settings,
        lambda ddb: ddb.query(
            TableName=settings.table_name,
            KeyConditionExpression="pk = :run",
            ExpressionAttributeValues={":run": {"S": "RUN"}},
            ScanIndexForward=False,
            ConsistentRead=True,
        ),
    )["Items"]
    plain = TypeDeserializer()
    for item in rows:
        row = {k: plain.deserialize(v) for k, v in item.items()}
        if (
            row.get("mode"),
            row.get("outcome"),
            row.get("target_region"),
            row.get("source_region"),
        ) == ("unplanned", "succeeded", request.target_region, request.source_region):
            return row
    return None


def lost_writes_window(row: dict[str, Any] | None, snapshot: dict[str, Any]) -> dict[str, Any]:
    """From the last replicated point to the failover's start, and how to look at them."""
    if row is None:
        return {"from": None, "to": None, "note": "no succeeded unplanned failover on record"}
    database = next(
        (s for s in row.get("stages") or [] if s.get("stage") == "PromoteDatabase"), None
    )
    started = (database or {}).get("started_at")
    cutover = row.get("replication_lag_at_cutover_ms")
    decided = ((row.get("data_loss") or {}).get("lag") or {}).get("lag_ms")
    chosen = cutover if cutover is not None else decided
    lag_ms = float(chosen) if chosen is not None else None
    window: dict[str, Any] = {
        "execution_id": row.get("execution_id"),
        "to": started,
        "lag_ms": lag_ms,
    }
    if started and lag_ms is not None:
        window["from"] = (
            datetime.fromisoformat(started) - timedelta(milliseconds=lag_ms)
        ).isoformat()
    else:
        window["from"] = None
        window["note"] = "the lag at the failover is unknown: the window's start is unknown"
    copy = snapshot.get("copy")
    window["how_to_diff"] = (
        f"restore {copy} as a separate cluster (aws rds restore-db-cluster-from-snapshot "
        f"--snapshot-identifier {copy} --db-cluster-identifier <name> ...), then compare the "
        f"rows written from {window.get('from')} to {started} with the new writer's"
        if copy
        else "no snapshot to restore: reconcile from the application's own logs for the window"
    )
    return window


def restore_standby(settings: Settings, request: Request) -> dict[str, Any]:
    """The old region's ECS service back to the warm standby's size."""
    region = request.source_region
    cfg = settings.estate.regions[region]
    ecs = client("ecs", region)
    services = ecs.describe_services(cluster=cfg.ecs_cluster, services=[cfg.ecs_service])[
        "services"
    ]
    desired = int(services[0].get("desiredCount", 0)) if services else 0
    wanted = settings.warm_standby_tasks
    if desired != wanted:
        ecs.update_service(cluster=cfg.ecs_cluster, service=cfg.ecs_service, desiredCount=wanted)
    return {"region": region, "before": desired, "desired": wanted, "changed": desired != wanted}


def recover(settings: Settings, request: Request) -> dict[str, Any]:
    """The post-recovery step (module docstring), in order; OldRegionNotRecovered first."""
    view = aurora.describe_global_cluster(
        client("rds", request.target_region), settings.estate.global_cluster_id
    )
    target_arn = settings.estate.regions[request.target_region].db_cluster_arn
    if view.writer_arn != target_arn:
        raise OldRegionNotRecovered(
            f"the writer is {view.writer_arn}, not {target_arn}: post-recovery runs in the "
            "region that took over"
        )
    joined = rejoined(settings, request)
    snapshot = keep_snapshot(settings, request)
    window = lost_writes_window(last_failover(settings, request), snapshot)
    standby = restore_standby(settings, request)
    standby["active_region"] = refence(settings, request)
    return {"rejoined": joined, "snapshot": snapshot, "lost_writes": window, "standby": standby}


def refence(settings: Settings, request: Request) -> dict[str, Any]:
    """The old region's active-region parameter names the writer's region: the failover's
    fence could not reach it while it was down (FenceOldRegion is best effort)."""
    ssm = client("ssm", request.source_region)
    parameter = settings.estate.active_region_parameter
    before = active_region.read(ssm, parameter)
    changed = active_region.point_at(ssm, parameter, request.target_region)
    return {"before": before, "now": request.target_region, "changed": changed}
