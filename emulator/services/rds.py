"""Aurora Global Database ``FailoverGlobalCluster`` and ``SwitchoverGlobalCluster`` on top of
moto's own RDS state (``moto.rds.models``: ``GlobalCluster.members``, ``DBCluster.is_writer``).

Patches (all reverted by ``Emulator.uninstall``)
------------------------------------------------
* ``moto/rds/responses.py`` ``RDSResponse.failover_global_cluster`` /
  ``switchover_global_cluster``: moto 5.2.5 has neither (``NotImplementedError: The
  failover_global_cluster action has not been implemented``). Served through moto's own
  dispatcher and serialiser, so they work under ``mock_aws()`` and in server mode alike.
* ``moto/rds/models.py`` ``GlobalCluster.status`` and ``GlobalCluster.failover_state``
  (properties): moto serialises responses by reading attributes named after the output shape,
  so these make ``Status`` and ``FailoverState`` appear in DescribeGlobalClusters while an
  operation runs. ``GlobalCluster.global_cluster_members`` adds ``SynchronizationStatus``.
* ``RDSBackend.describe_db_clusters`` / ``describe_global_clusters``: evaluate the timeline
  first.

These fix moto bugs (moto 5.2.5; the reproductions run under ``mock_aws()`` with
``rds = boto3.client("rds", region_name="us-east-1")``):

* ``RDSResponse.describe_global_clusters`` ignores ``GlobalClusterIdentifier``::

      rds.create_global_cluster(GlobalClusterIdentifier="g1", Engine="aurora-postgresql")
      rds.create_global_cluster(GlobalClusterIdentifier="g2", Engine="aurora-postgresql")
      rds.describe_global_clusters(GlobalClusterIdentifier="g1")  # moto: g1 and g2
      rds.describe_global_clusters(GlobalClusterIdentifier="nope")  # moto: g1 and g2

  AWS returns only ``g1``, and ``GlobalClusterNotFoundFault`` for ``nope``.
* ``RDSBackend.create_global_cluster`` adds the source cluster as a member but never makes
  it the writer::

      rds.create_db_cluster(DBClusterIdentifier="c1", Engine="aurora-postgresql",
                            MasterUsername="a", MasterUserPassword="password1")
      arn = rds.describe_db_clusters(DBClusterIdentifier="c1")["DBClusters"][0]["DBClusterArn"]
      rds.create_global_cluster(GlobalClusterIdentifier="g", SourceDBClusterIdentifier=arn)
      rds.describe_global_clusters(GlobalClusterIdentifier="g")  # moto: IsWriter False

  AWS makes the source cluster the primary: ``IsWriter`` true.
* ``RDSResponse.remove_from_global_cluster`` looks up the global cluster and the member in the
  caller's region only, and swallows every error (``except: pass``)::

      west = boto3.client("rds", region_name="us-west-2")
      west.remove_from_global_cluster(GlobalClusterIdentifier="g", DbClusterIdentifier=arn_w2)
      # moto: no error, no GlobalCluster in the response, and arn_w2 is still a member

  AWS detaches the member (it becomes a standalone cluster that takes writes) and returns the
  global cluster; a primary with secondaries left, or an operation in flight, is refused.
* ``RDSBackend.delete_db_cluster`` keeps the cluster's automated snapshots
  (``rds:<id>-<minute>``), so a cluster created again with the same identifier within the same
  minute fails with ``DBClusterSnapshotAlreadyExistsFault``. AWS deletes a cluster's automated
  backups with it (unless asked to retain them, which moto does not model): the patched
  ``delete_db_cluster`` drops them.

Timeline (modelled seconds, read lazily from ``world.clock`` on every describe)
-----------------------------------------------------------------------------
``t0`` request accepted: GlobalCluster ``Status`` "failing-over" (failover) or
"switching-over" (switchover); ``FailoverState`` = {Status "pending", FromDbClusterArn,
ToDbClusterArn, IsDataLossAllowed}.
``t0 + aurora_pending_seconds``: ``FailoverState.Status`` "failing-over" / "switching-over".
``t0 + aurora_failover_seconds`` (or ``aurora_switchover_seconds``): the target is the
writer, the old writer a secondary; ``FailoverState`` is gone, ``Status`` "available".

Rebuild window (``SynchronizationStatus``, valid values ``connected`` | ``pending-resync``,
https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_GlobalClusterMember.html): every
member is ``connected`` normally. A failover with data loss leaves every member other than the
new writer ``pending-resync``: Aurora rebuilds the other secondaries to the new primary's
point in time, and the old primary once its Region recovers (``latency.aurora_resync_seconds``:
a range, an assumption; see :mod:`emulator.latency`). A member's rebuild starts when the
failover completes, or, while its Region is unreachable (``world.faults.unreachable_regions``),
when the Region is first seen reachable again (by a describe or the world actor's tick), and
it is ``connected`` ``aurora_resync_seconds`` later. :meth:`Rds.set_resync` sets a member's
window by hand (a test, the drill): "a second failover during the rebuild window".

Refusals while members rebuild (no AWS wording found for either; assumptions):

* ``FailoverGlobalCluster`` whose target is ``pending-resync``: ``InvalidDBClusterStateFault``
  (the target cluster is not in a state it can be promoted from). A failover to a
  ``connected`` member is accepted; every other member's rebuild restarts from its completion.
* ``SwitchoverGlobalCluster`` (or a failover without AllowDataLoss) while any member is
  ``pending-resync``: ``InvalidGlobalClusterStateFault`` (a switchover first synchronizes every
  secondary, API_SwitchoverGlobalCluster: "All secondary clusters are synchronized with the
  primary at the beginning of the process").

In-region writer failover (``FailoverDBCluster``, moto validates it and swaps the writer
instance): the cluster's ``Status`` is "failing-over" for
``latency.aurora_in_region_failover_seconds`` and then "available" again, with the RDS events
of category ``failover`` AWS emits
("Started cross AZ failover to DB instance: X", RDS-EVENT-0073; "Completed failover to DB
instance: X", RDS-EVENT-0071;
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Events.Messages.html).

Point-of-failure snapshot: after a failover with data loss, once the old primary's region is
reachable again (Aurora "creates a new storage volume for the old primary Region after it
recovers. Before creating the new storage volume ... Aurora attempts to take a snapshot of the
old storage volume at the point of failure ... named
``rds:unplanned-global-failover-name-of-old-primary-DB-cluster-timestamp``",
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html),
the old primary's region gets that system snapshot (``SnapshotType`` "automated": it goes with
the cluster's retention, and with the cluster). The timestamp's format is not documented: the
automated snapshots' ``YYYY-MM-DD-HH-MM`` of the failover time is an assumption.

Replication lag: :meth:`Rds.set_replication_lag` gives a cluster a lag; every modelled minute
(:meth:`Rds.tick`, run by the world actor) each such cluster that is a *secondary* publishes
``AWS/RDS AuroraGlobalDBReplicationLag`` and ``AuroraGlobalDBRPOLag`` (milliseconds, dimension
``DBClusterIdentifier``; both "available in secondary only",
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html)
in its region, as Aurora does for the secondaries of a global database
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-monitoring.html);
``set_replication_lag(arn, None)`` stops the cluster's datapoints (the lag becomes unknown).
A member that is ``pending-resync`` publishes neither metric until it is ``connected`` again:
it is being rebuilt, not replicating (AWS does not say what the metrics show meanwhile; no
datapoint is the honest model, and it reads as "lag unknown", never as a small lag).

Semantics per https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverGlobalCluster.html:
``AllowDataLoss`` true = failover; ``Switchover`` true or neither given = switchover; both
true = ``InvalidParameterCombination``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .._service_model import validation_problems
from ..clock import next_multiple
from ..world import OBSERVE, Service, World, register

if TYPE_CHECKING:
    from .._patching import Patcher

__all__ = ["Rds"]

LOG = logging.getLogger(__name__)

_OP_ATTR = "_emulator_global_op"
_RESYNC_ATTR = "_emulator_pending_resync"
_IN_REGION_ATTR = "_emulator_in_region_failover"  # (done_at, target instance id)
_CLUSTER_ARN_RE = re.compile(r"^arn:aws[a-z-]*:rds:([a-z0-9-]+):(\d{12}):cluster:(.+)$")


@dataclass
class _GlobalOperation:
    kind: str  # "failover" | "switchover"
    from_cluster: Any  # moto DBCluster
    to_cluster: Any
    started: float
    pending_until: float
    done_at: float

    @property
    def data_loss(self) -> bool:
        return self.kind == "failover"

    @property
    def active_status(self) -> str:
        return "failing-over" if self.kind == "failover" else "switching-over"


@dataclass
class _Resync:
    """A member Aurora is rebuilding (``pending-resync``) after a failover with data loss."""

    failed_at: float  # when the failover started: the old primary's point of failure
    snapshot_due: bool  # the old primary: its point-of-failure snapshot, once reachable
    started: float | None  # when the rebuild began; None: its Region is not reachable yet
    duration: float | None  # None: held until set_resync releases it


@register
class Rds(Service):
    """The Aurora global failover/switchover model. ``world.rds``."""

    name = "rds"

    tick_phase = OBSERVE

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._running: dict[int, Any] = {}  # id(GlobalCluster) -> GlobalCluster
        self._lag: dict[str, float | None] = {}  # cluster ARN -> replication lag (ms)
        self._next_lag: float | None = None
        self._resyncing: dict[int, Any] = {}  # id(DBCluster) -> DBCluster, pending-resync

    # ------------------------------------------------------------------ replication lag

    def set_replication_lag(self, cluster_arn: str, lag_ms: float | None) -> None:
        """The lag a secondary cluster reports from now on (published every minute); None: it
        publishes nothing (the lag becomes unknown once its last datapoint is stale)."""
        with self._lock:
            self._lag[cluster_arn] = None if lag_ms is None else float(lag_ms)

    def tick(self) -> None:
        self._complete_due()
        with self._lock:
            for key, cluster in list(self._resyncing.items()):
                if not self._pending_resync(cluster):
                    self._resyncing.pop(key, None)
        self.catch_up()

    # ------------------------------------------------------------------ rebuild window

    def set_resync(self, cluster_arn: str, seconds: float | None) -> None:
        """Make a member ``pending-resync`` from now for ``seconds`` modelled seconds (None:
        until released by ``set_resync(arn, 0)``); 0: ``connected`` now. A test-facing knob
        (no AWS call does this), for scenarios such as a failover during the rebuild window.
        A later failover with data loss starts the member's rebuild again, for
        ``latency.aurora_resync_seconds`` (a hold does not outlive it)."""
        cluster = self._cluster(cluster_arn)
        self._complete_due()
        with self._lock:
            if seconds is not None and seconds <= 0:
                found: _Resync | None = cluster.__dict__.pop(_RESYNC_ATTR, None)
                self._resyncing.pop(id(cluster), None)
                if found is not None and found.snapshot_due:
                    self._snapshot_point_of_failure(cluster, found.failed_at)
                return
            now = self.world.clock.now()
            previous: _Resync | None = cluster.__dict__.get(_RESYNC_ATTR)
            cluster.__dict__[_RESYNC_ATTR] = _Resync(
                failed_at=previous.failed_at if previous else now,
                snapshot_due=bool(previous and previous.snapshot_due),
                started=now,
                duration=None if seconds is None else float(seconds),
            )
            self._resyncing[id(cluster)] = cluster

    def synchronization_status(self, cluster_arn: str) -> str:
        """The member's ``SynchronizationStatus`` now: "connected" or "pending-resync"."""
        cluster = self._cluster(cluster_arn)
        self._complete_due()
        with self._lock:
            return "pending-resync" if self._pending_resync(cluster) else "connected"

    @staticmethod
    def _cluster(cluster_arn: str) -> Any:
        from moto.rds.models import rds_backends

        found = _CLUSTER_ARN_RE.match(cluster_arn)
        if found is None:
            raise ValueError(f"{cluster_arn} is not a DB cluster ARN")
        region, account, cluster_id = found.groups()
        cluster = rds_backends[account][region].clusters.get(cluster_id)
        if cluster is None:
            raise KeyError(f"no DB cluster {cluster_arn}")
        return cluster

    def _start_resync(self, cluster: Any, op: _GlobalOperation) -> None:
        """After a failover with data loss: ``cluster`` (not the new writer) is rebuilt."""
        previous: _Resync | None = cluster.__dict__.get(_RESYNC_ATTR)
        owed = previous is not None and previous.snapshot_due and previous.started is None
        reachable = cluster.region not in self.world.faults.unreachable_regions
        cluster.__dict__[_RESYNC_ATTR] = _Resync(
            failed_at=previous.failed_at if owed and previous else op.started,
            snapshot_due=cluster is op.from_cluster or owed,
            started=op.done_at if reachable else None,
            duration=self.world.latency.aurora_resync_seconds,
        )
        self._resyncing[id(cluster)] = cluster
        if reachable and cluster is op.from_cluster:
            self._snapshot_point_of_failure(cluster, op.started)
            cluster.__dict__[_RESYNC_ATTR].snapshot_due = False

    def catch_up(self) -> None:
        """Publish every lag datapoint due by now, one each modelled minute, at the minute it
        was due (also run before any CloudWatch read, so a reader sees them without the world
        actor ticking: the same lazy evaluation as the failover timeline)."""
        now = self.world.clock.now()
        due: list[tuple[float, dict[str, float | None]]] = []
        with self._lock:
            if self._next_lag is None:
                self._next_lag = now  # publish at once, then every minute
            while self._next_lag <= now:
                due.append((self._next_lag, dict(self._lag)))
                self._next_lag = next_multiple(self._next_lag, 60.0)
        for at, lags in due:
            for arn, lag in lags.items():
                if arn.split(":")[3] not in self.world.faults.unreachable_regions:
                    self._publish_lag(arn, lag, at)

    def _publish_lag(self, arn: str, lag_ms: float | None, now: float) -> None:
        from moto.rds.models import rds_backends

        parts = arn.split(":")
        region, account, cluster_id = parts[3], parts[4], parts[-1]
        cluster = rds_backends[account][region].clusters.get(cluster_id)
        if cluster is None or getattr(cluster, "is_writer", False) or lag_ms is None:
            return  # only secondaries report a lag
        with self._lock:
            if self._pending_resync(cluster):
                return  # being rebuilt, not replicating: no lag to report (module docstring)
        cloudwatch = self.world.service("cloudwatch")
        data = [
            {
                "MetricName": name,
                "Dimensions": [{"Name": "DBClusterIdentifier", "Value": cluster_id}],
                "Value": lag_ms,
                "Unit": "Milliseconds",
            }
            for name in ("AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag")
        ]
        cloudwatch.put_datapoints(account, region, "AWS/RDS", data, now)

    # ------------------------------------------------------------------ timeline

    def _complete_due(self) -> None:
        """Complete every operation whose modelled time has come."""
        now = self.world.clock.now()
        with self._lock:
            for key, global_cluster in list(self._running.items()):
                op: _GlobalOperation | None = global_cluster.__dict__.get(_OP_ATTR)
                if op is None:
                    self._running.pop(key, None)
                    continue
                if now >= op.done_at:
                    self._complete(global_cluster, op)
                    self._running.pop(key, None)

    def _complete(self, global_cluster: Any, op: _GlobalOperation) -> None:
        op.to_cluster.is_writer = True
        op.from_cluster.is_writer = False
        if op.data_loss:
            for member in global_cluster.members:
                if member is not op.to_cluster:
                    self._start_resync(member, op)
        # The new secondary reports its replication lag from the moment it is one (unless it
        # is being rebuilt).
        arn = str(op.from_cluster.db_cluster_arn)
        if arn in self._lag and arn.split(":")[3] not in self.world.faults.unreachable_regions:
            self._publish_lag(arn, self._lag[arn], op.done_at)
        # The writer leads the member list, as in DescribeGlobalClusters on AWS.
        members = global_cluster.members
        if op.to_cluster in members:
            members.remove(op.to_cluster)
            members.insert(0, op.to_cluster)
        global_cluster.__dict__.pop(_OP_ATTR, None)
        LOG.info(
            "global cluster %s: %s to %s complete",
            global_cluster.global_cluster_identifier,
            op.kind,
            op.to_cluster.db_cluster_arn,
        )

    def operation(self, global_cluster: Any) -> _GlobalOperation | None:
        self._complete_due()
        op: _GlobalOperation | None = global_cluster.__dict__.get(_OP_ATTR)
        return op

    def writer(self, global_cluster: Any) -> Any:
        """The writer member (a moto DBCluster) of a global cluster now, or None.

        An operation in flight keeps its source as the writer until it completes."""
        self._complete_due()
        return next((m for m in global_cluster.members if m.is_writer), None)

    def is_writer(self, cluster_arn: str) -> bool:
        """Whether the cluster is its global cluster's writer now (what the application's
        "may serve" health answer reads: ``pg_is_in_recovery()`` is false on the writer)."""
        from moto.rds.models import rds_backends

        self._complete_due()
        found = _CLUSTER_ARN_RE.match(cluster_arn)
        if found is None:
            return False
        region, account, cluster_id = found.groups()
        cluster = rds_backends[account][region].clusters.get(cluster_id)
        return bool(cluster is not None and getattr(cluster, "is_writer", False))

    def _pending_resync(self, cluster: Any) -> bool:
        """Whether the member is being rebuilt now (``pending-resync``); starts the rebuild
        of a member whose Region is reachable again (and takes the old primary's
        point-of-failure snapshot then), and ends the ones whose time has come."""
        found: _Resync | None = cluster.__dict__.get(_RESYNC_ATTR)
        if found is None:
            return False
        if cluster.region in self.world.faults.unreachable_regions:
            return True
        now = self.world.clock.now()
        if found.started is None:
            found.started = now
        if found.snapshot_due:
            found.snapshot_due = False
            self._snapshot_point_of_failure(cluster, found.failed_at)
        if found.duration is None or now < found.started + found.duration:
            return True
        cluster.__dict__.pop(_RESYNC_ATTR, None)
        self._resyncing.pop(id(cluster), None)
        return False

    def _snapshot_point_of_failure(self, cluster: Any, failed_at: float) -> None:
        """The old primary's ``rds:unplanned-global-failover-<cluster>-<time>`` system snapshot,
        taken when its region is back (module docstring)."""
        from moto.rds.models import rds_backends

        backend = rds_backends[cluster.account_id][cluster.region]
        moment = self.world.clock.epoch + timedelta(seconds=failed_at)
        name = (
            f"rds:unplanned-global-failover-{cluster.db_cluster_identifier}-"
            f"{moment.strftime('%Y-%m-%d-%H-%M')}"
        )
        if name not in backend.cluster_snapshots:
            snapshot = backend.create_db_cluster_snapshot(
                cluster.db_cluster_identifier, name, snapshot_type="automated"
            )
            snapshot.created = moment.replace(tzinfo=None)

    # ------------------------------------------------------- in-region writer failover

    def _in_region_status(self, cluster: Any) -> str | None:
        """ "failing-over" while an in-region failover runs; its completion adds the event."""
        found = cluster.__dict__.get(_IN_REGION_ATTR)
        if found is None:
            return None
        done_at, target = found
        if self.world.clock.now() < done_at:
            return "failing-over"
        cluster.__dict__.pop(_IN_REGION_ATTR, None)
        self._event(cluster, f"Completed failover to DB instance: {target}")
        return None

    def _event(self, cluster: Any, message: str) -> None:
        from moto.rds.models import Event, rds_backends

        event = Event.__new__(Event)
        event.source_identifier = cluster.db_cluster_identifier
        event.source_type = "db-cluster"
        event.message = message
        event.event_categories = ["failover"]
        event.source_arn = cluster.db_cluster_arn
        event.date = self.world.utcnow().replace(tzinfo=None)
        rds_backends[cluster.account_id][cluster.region].events.append(event)

    # ------------------------------------------------------------------- actions

    def start(
        self,
        global_backend: Any,
        request_region: str,
        global_cluster_identifier: str,
        target: str,
        kind: str,
    ) -> Any:
        """Validate and start a failover/switchover; return the moto GlobalCluster."""
        from moto.rds.exceptions import InvalidDBClusterStateFault, RDSClientError

        global_cluster = self._global_cluster(global_backend, global_cluster_identifier)
        with self._lock:
            self._refuse_busy(global_cluster, " and cannot be failed over or switched over")
            member = self._member(global_backend, global_cluster, target, request_region)
            writer = next((m for m in global_cluster.members if m.is_writer), None)
            if writer is None or member is writer:
                raise InvalidDBClusterStateFault(
                    f"The DB cluster {member.db_cluster_arn} is already the primary cluster "
                    f"of global cluster {global_cluster.global_cluster_identifier}."
                )
            if kind == "failover" and self._pending_resync(member):
                raise InvalidDBClusterStateFault(
                    f"The DB cluster {member.db_cluster_arn} is being resynchronized with "
                    f"global cluster {global_cluster.global_cluster_identifier} "
                    "(SynchronizationStatus pending-resync) and can't be promoted until it is "
                    "connected."
                )
            if kind == "switchover":
                if writer.region in self.world.faults.unreachable_regions:
                    raise InvalidDBClusterStateFault(
                        f"The primary DB cluster {writer.db_cluster_arn} isn't available; "
                        "a switchover needs a healthy primary. Use a failover instead."
                    )
                if any(self._pending_resync(m) for m in global_cluster.members):
                    raise RDSClientError(
                        "InvalidGlobalClusterStateFault",
                        f"Global cluster {global_cluster.global_cluster_identifier} has members "
                        "that are not synchronized; a switchover needs every member connected.",
                    )
            latency = self.world.latency
            now = self.world.clock.now()
            duration = (
                latency.aurora_failover_seconds
                if kind == "failover"
                else latency.aurora_switchover_seconds
            )
            op = _GlobalOperation(
                kind=kind,
                from_cluster=writer,
                to_cluster=member,
                started=now,
                pending_until=now + min(latency.aurora_pending_seconds, duration),
                done_at=now + duration,
            )
            global_cluster.__dict__[_OP_ATTR] = op
            self._running[id(global_cluster)] = global_cluster
            LOG.info(
                "global cluster %s: %s from %s to %s started at %.1f",
                global_cluster.global_cluster_identifier,
                kind,
                writer.db_cluster_arn,
                member.db_cluster_arn,
                now,
            )
            return global_cluster

    def remove(
        self, global_backend: Any, request_region: str, global_cluster_identifier: str, target: str
    ) -> Any:
        """RemoveFromGlobalCluster: detach a member, which becomes a standalone (writer) cluster.

        https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RemoveFromGlobalCluster.html
        moto 5.2.5 looks the global cluster and the member up in the caller's region only and
        swallows every error (``except: pass``), so detaching a secondary from another region
        silently does nothing and the response has no ``GlobalCluster``."""
        from moto.rds.exceptions import InvalidDBClusterStateFault

        global_cluster = self._global_cluster(global_backend, global_cluster_identifier)
        with self._lock:
            self._refuse_busy(global_cluster, "; a member cannot be removed now")
            member = self._member(global_backend, global_cluster, target, request_region)
            if member.is_writer and len(global_cluster.members) > 1:
                raise InvalidDBClusterStateFault(
                    f"The DB cluster {member.db_cluster_arn} is the primary cluster of global "
                    f"cluster {global_cluster.global_cluster_identifier}: remove its secondary "
                    "clusters first."
                )
            global_cluster.members.remove(member)
            member.global_cluster_identifier = None
            member.is_writer = True
            member.__dict__.pop(_RESYNC_ATTR, None)
            self._resyncing.pop(id(member), None)
            LOG.info(
                "global cluster %s: %s removed",
                global_cluster.global_cluster_identifier,
                member.db_cluster_arn,
            )
            return global_cluster

    def _global_cluster(self, global_backend: Any, identifier: str) -> Any:
        """The global cluster (identifiers are case-insensitive, stored lower case), after
        completing what is due; ``GlobalClusterNotFoundFault`` if there is none."""
        from moto.rds.exceptions import RDSClientError

        self._complete_due()
        global_cluster = global_backend.global_clusters.get(identifier.lower())
        if global_cluster is None:
            raise RDSClientError(
                "GlobalClusterNotFoundFault", f"Global cluster {identifier} not found."
            )
        return global_cluster

    @staticmethod
    def _refuse_busy(global_cluster: Any, refused: str) -> None:
        """``InvalidGlobalClusterStateFault`` while a failover or switchover is under way."""
        from moto.rds.exceptions import RDSClientError

        if global_cluster.__dict__.get(_OP_ATTR) is not None:
            raise RDSClientError(
                "InvalidGlobalClusterStateFault",
                f"Global cluster {global_cluster.global_cluster_identifier} is in "
                f"{global_cluster.status} state{refused}.",
            )

    def _member(self, global_backend: Any, global_cluster: Any, target: str, region: str) -> Any:
        """The member ``target`` names: ``DBClusterNotFoundFault`` if no such cluster,
        ``InvalidParameterValue`` if it is not a member."""
        from moto.rds.exceptions import DBClusterNotFoundError, InvalidParameterValue

        member = self._find_member(global_cluster, target, region)
        if member is None:
            cluster = self._find_cluster(global_backend, target, region)
            if cluster is None:
                raise DBClusterNotFoundError(target)
            raise InvalidParameterValue(
                f"The DB cluster {cluster.db_cluster_arn} is not a member of global "
                f"cluster {global_cluster.global_cluster_identifier}."
            )
        return member

    @staticmethod
    def _find_member(global_cluster: Any, target: str, request_region: str) -> Any:
        for member in global_cluster.members:
            if target == member.db_cluster_arn:
                return member
            if target.lower() == member.db_cluster_identifier and member.region == request_region:
                return member
        return None

    @staticmethod
    def _find_cluster(global_backend: Any, target: str, request_region: str) -> Any:
        from moto.rds.models import rds_backends

        match = _CLUSTER_ARN_RE.match(target)
        if match:
            region, account, identifier = match.groups()
        else:
            region, account, identifier = request_region, global_backend.account_id, target
        try:
            return rds_backends[account][region].clusters.get(identifier.lower())
        except KeyError:
            return None

    # --------------------------------------------------------------- moto views

    def failover_state(self, global_cluster: Any) -> dict[str, Any] | None:
        op = self.operation(global_cluster)
        if op is None:
            return None
        now = self.world.clock.now()
        return {
            "Status": "pending" if now < op.pending_until else op.active_status,
            "FromDbClusterArn": op.from_cluster.db_cluster_arn,
            "ToDbClusterArn": op.to_cluster.db_cluster_arn,
            "IsDataLossAllowed": op.data_loss,
        }

    # ------------------------------------------------------------------- install

    def install(self, patcher: Patcher) -> None:
        from moto.rds.models import DBCluster, GlobalCluster, RDSBackend
        from moto.rds.responses import RDSResponse

        model = self
        self.world.service("cloudwatch").before_read.append(self.catch_up)
        original_members: property = GlobalCluster.__dict__["global_cluster_members"]
        original_create = RDSBackend.create_global_cluster
        original_describe_clusters = RDSBackend.describe_db_clusters
        original_failover_cluster = RDSBackend.failover_db_cluster
        original_status: property = DBCluster.__dict__["status"]
        original_delete_cluster = RDSBackend.delete_db_cluster
        original_describe_globals = RDSBackend.describe_global_clusters

        def _status_get(gc: Any) -> str:
            op = model.operation(gc)
            if op is not None:
                return op.active_status
            return str(gc.__dict__.get("status", "available"))

        def _status_set(gc: Any, value: str) -> None:
            gc.__dict__["status"] = value

        def _failover_state(gc: Any) -> dict[str, Any] | None:
            return model.failover_state(gc)

        def _members(gc: Any) -> list[dict[str, Any]]:
            model._complete_due()
            members: list[dict[str, Any]] = original_members.fget(gc)  # type: ignore[misc]
            by_arn = {m.db_cluster_arn: m for m in gc.members}
            for item in members:
                cluster = by_arn.get(item["DBClusterArn"])
                resync = cluster is not None and model._pending_resync(cluster)
                item["SynchronizationStatus"] = "pending-resync" if resync else "connected"
            return members

        def create_global_cluster(backend: Any, *args: Any, **kwargs: Any) -> Any:
            global_cluster = original_create(backend, *args, **kwargs)
            if global_cluster.members and not any(m.is_writer for m in global_cluster.members):
                global_cluster.members[0].is_writer = True
            return global_cluster

        def delete_db_cluster(backend: Any, cluster_identifier: str, *args: Any, **kw: Any) -> Any:
            cluster = original_delete_cluster(backend, cluster_identifier, *args, **kw)
            for snapshot_id, snapshot in list(backend.cluster_snapshots.items()):
                if (
                    snapshot.snapshot_type == "automated"
                    and snapshot.db_cluster_identifier == cluster.db_cluster_identifier
                ):
                    backend.cluster_snapshots.pop(snapshot_id, None)
            return cluster

        def describe_db_clusters(backend: Any, *args: Any, **kwargs: Any) -> Any:
            model._complete_due()
            return original_describe_clusters(backend, *args, **kwargs)

        def failover_db_cluster(
            backend: Any, db_cluster_identifier: str, *args: Any, **kw: Any
        ) -> Any:
            cluster = original_failover_cluster(backend, db_cluster_identifier, *args, **kw)
            with model._lock:
                if model._in_region_status(cluster) is not None:
                    from moto.rds.exceptions import InvalidDBClusterStateFault

                    raise InvalidDBClusterStateFault(
                        f"DbCluster {cluster.db_cluster_identifier} is not in a valid state."
                    )
                writer = next((m for m in cluster.members if m.is_cluster_writer), None)
                target = writer.db_instance_identifier if writer else "unknown"
                done_at = (
                    model.world.clock.now() + model.world.latency.aurora_in_region_failover_seconds
                )
                cluster.__dict__[_IN_REGION_ATTR] = (done_at, target)
                model._event(cluster, f"Started cross AZ failover to DB instance: {target}")
            return cluster

        def _cluster_status_get(cluster: Any) -> str:
            return model._in_region_status(cluster) or str(original_status.fget(cluster))  # type: ignore[misc]

        def _cluster_status_set(cluster: Any, value: str) -> None:
            original_status.fset(cluster, value)  # type: ignore[misc]

        def describe_global_clusters(backend: Any, *args: Any, **kwargs: Any) -> Any:
            model._complete_due()
            return original_describe_globals(backend, *args, **kwargs)

        def _action(kind: str) -> Any:
            operation = "FailoverGlobalCluster" if kind == "failover" else "SwitchoverGlobalCluster"

            def action(response: Any) -> Any:
                from moto.core.responses import ActionResult
                from moto.rds.exceptions import InvalidParameterCombination, RDSClientError

                params = _plain(response.params)
                problems = validation_problems("rds", operation, params)
                if problems:
                    code = (
                        "MissingParameter"
                        if "Missing required" in problems
                        else ("InvalidParameterValue")
                    )
                    raise RDSClientError(code, problems)
                actual = kind
                if kind == "failover":
                    allow_data_loss = bool(params.get("AllowDataLoss"))
                    switchover = bool(params.get("Switchover"))
                    if allow_data_loss and switchover:
                        raise InvalidParameterCombination(
                            "AllowDataLoss and Switchover can't be specified together."
                        )
                    actual = "failover" if allow_data_loss else "switchover"
                global_cluster = model.start(
                    response.global_backend,
                    response.region,
                    params["GlobalClusterIdentifier"],
                    params["TargetDbClusterIdentifier"],
                    actual,
                )
                return ActionResult({"GlobalCluster": global_cluster})

            action.__name__ = f"{kind}_global_cluster"
            return action

        def rds_describe_global_clusters(response: Any) -> Any:
            from moto.core.responses import ActionResult
            from moto.rds.exceptions import RDSClientError

            identifier = response.params.get("GlobalClusterIdentifier")
            clusters = response.global_backend.describe_global_clusters()
            if identifier:
                clusters = [
                    c for c in clusters if c.global_cluster_identifier == identifier.lower()
                ]
                if not clusters:
                    raise RDSClientError(
                        "GlobalClusterNotFoundFault", f"Global cluster {identifier} not found."
                    )
            return ActionResult({"GlobalClusters": clusters})

        def rds_remove_from_global_cluster(response: Any) -> Any:
            from moto.core.responses import ActionResult

            params = _plain(response.params)
            global_cluster = model.remove(
                response.global_backend,
                response.region,
                str(params.get("GlobalClusterIdentifier", "")),
                str(params.get("DbClusterIdentifier", "")),
            )
            return ActionResult({"GlobalCluster": global_cluster})

        patcher.setattr(GlobalCluster, "status", property(_status_get, _status_set))
        # moto's GlobalCluster has no FailoverState, nor the two actions below: added
        patcher.add(GlobalCluster, "failover_state", property(_failover_state))
        patcher.setattr(GlobalCluster, "global_cluster_members", property(_members))
        patcher.setattr(RDSBackend, "create_global_cluster", create_global_cluster)
        patcher.setattr(RDSBackend, "describe_db_clusters", describe_db_clusters)
        patcher.setattr(RDSBackend, "failover_db_cluster", failover_db_cluster)
        patcher.setattr(DBCluster, "status", property(_cluster_status_get, _cluster_status_set))
        patcher.setattr(RDSBackend, "delete_db_cluster", delete_db_cluster)
        patcher.setattr(RDSBackend, "describe_global_clusters", describe_global_clusters)
        patcher.add(RDSResponse, "failover_global_cluster", _action("failover"))
        patcher.add(RDSResponse, "switchover_global_cluster", _action("switchover"))
        patcher.setattr(RDSResponse, "describe_global_clusters", rds_describe_global_clusters)
        patcher.setattr(RDSResponse, "remove_from_global_cluster", rds_remove_from_global_cluster)


def _plain(value: Any) -> Any:
    """moto's parsed params (XFormedDict) as plain dicts/lists for botocore's validator."""
    original = getattr(value, "original_dict", None)
    if callable(original):
        value = original()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
