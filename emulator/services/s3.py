"""S3 Replication (cross-Region), with its replication status and its replication metrics.

moto (5.2.5, ``moto/s3``) stores a bucket's ``ReplicationConfiguration`` and does nothing with
it: an object put to a source bucket stays there, ``HeadObject`` has no
``x-amz-replication-status`` and no ``AWS/S3`` replication metric is ever published. This
service replicates the way AWS documents it, synchronously (no modelled delay before the
replica appears):

* **Eligibility** (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-what-is-isnot-replicated.html):
  a new object (PutObject, CopyObject, CompleteMultipartUpload) in a bucket whose replication
  configuration has an ``Enabled`` rule matching its key and tags (``Filter`` with ``Prefix``,
  ``Tag`` or ``And``; a V1 rule's ``Prefix``; an empty filter matches every object). For each
  destination bucket the matching rule with the highest ``Priority`` applies. A replica is
  never replicated again, and an SSE-KMS object only with
  ``SourceSelectionCriteria.SseKmsEncryptedObjects`` enabled. Delete markers are not modelled.
* **Outcome** (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-status.html,
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-failure-codes.html): the
  replica, with the same key, version ID, content, metadata and tags, lands in the destination
  bucket (in that bucket's Region) with ``ReplicationStatus`` ``REPLICA``; the source object's is
  ``COMPLETED``. A customer-attributable failure (the destination bucket does not exist:
  ``DstBucketNotFound``; its versioning is not enabled: ``DstBucketUnversioned``) makes it
  ``FAILED`` for good ("the replication will not be attempted again"). While the source or the
  destination Region is unreachable (``world.faults.unreachable_regions``) S3 cannot
  replicate and keeps retrying: the object stays ``PENDING``, and replicates (or fails) at the
  first S3 or CloudWatch call, or world tick, after both Regions are reachable again.
* **Metrics** (https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html,
  "Replication metrics"), published only for rules with ``Destination.Metrics`` (or
  ``ReplicationTime``) enabled, in the *source* bucket's Region, namespace ``AWS/S3``,
  dimensions ``SourceBucket``, ``DestinationBucket`` (bucket names) and ``RuleId``:
  ``ReplicationLatency`` (Seconds, Maximum: how far the destination is behind; here the
  modelled time the object waited plus :attr:`S3Replication.replication_seconds`),
  ``OperationsPendingReplication`` (Count) and ``BytesPendingReplication`` (Bytes), the rule's
  backlog after each change, and ``OperationsFailedReplication`` (Count): one datapoint per
  replication operation, 1 if it failed and 0 if not, so that ``Sum`` counts the failures,
  ``Average`` is the failure rate and ``SampleCount`` the operations, as AWS defines it.
  Datapoints carry the one-minute timestamp S3 publishes (the start of the minute, on the clock
  moto's S3 stamps ``LastModified`` with) and their modelled arrival (see
  :mod:`emulator.services.cloudwatch`), so alarms on them evaluate in modelled time.

Not modelled: replica modification sync, delete-marker replication, S3 RTC's 15-minute events,
Batch Replication, the replication role's permissions and KMS keys.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..world import OBSERVE, Service, World, register

if TYPE_CHECKING:
    from .._patching import Patcher

__all__ = ["REPLICATION_SECONDS", "S3Replication"]

LOG = logging.getLogger(__name__)

# How far behind the destination is when an object replicates at once (ReplicationLatency).
# AWS: "Most objects replicate within 15 minutes" and S3 RTC replicates 99.99% of objects
# within 15 minutes (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html);
# cross-Region replication of a small object typically takes seconds. No published figure for
# the typical case: modelling assumption, 5 seconds.
REPLICATION_SECONDS = 5.0

_STATUS = "_emulator_replication_status"
_HEADER = "x-amz-replication-status"


@dataclass
class _Operation:
    """One object version waiting to replicate to one destination bucket."""

    account: str
    source_region: str
    source_bucket: str
    key: Any  # moto FakeKey (the source version)
    rule_id: str
    destination_bucket: str
    storage_class: str | None
    metrics: bool
    written_at: float  # modelled seconds
    announced: bool = False  # its backlog was published while it waited


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _enabled(config: Any) -> bool:
    return isinstance(config, dict) and config.get("Status") == "Enabled"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _matches(rule: dict[str, Any], key_name: str, tags: dict[str, str]) -> bool:
    """Whether a rule's filter (V2 ``Filter``, or a V1 ``Prefix``) selects this object."""
    if "Filter" not in rule:
        return key_name.startswith(_text(rule.get("Prefix")))
    selector = rule.get("Filter") or {}
    if "And" in selector:
        selector = selector.get("And") or {}
    wanted = [t for t in _as_list(selector.get("Tag")) if isinstance(t, dict)]
    if not key_name.startswith(_text(selector.get("Prefix"))):
        return False
    return all(tags.get(_text(t.get("Key"))) == _text(t.get("Value")) for t in wanted)


def _minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


@register
class S3Replication(Service):
    """``world.s3``: cross-Region replication of new objects. See the module docstring."""

    name = "s3"
    tick_phase = OBSERVE

    def __init__(self, world: World) -> None:
        super().__init__(world)
        #: ReplicationLatency of an object that replicates at once (modelled seconds).
        self.replication_seconds = REPLICATION_SECONDS
        self._queue: list[_Operation] = []
        self._original_put: Any = None

    # --------------------------------------------------------------------------- public

    def status(self, key: Any) -> str | None:
        """The ``ReplicationStatus`` of a moto FakeKey (None: not eligible)."""
        value = key.__dict__.get(_STATUS)
        return str(value) if value is not None else None

    def pending(self) -> int:
        """How many object replications wait (for an unreachable Region)."""
        with self._lock:
            return len(self._queue)

    def tick(self) -> None:
        self.process()

    def check_call(self, service: str, operation: str, params: dict[str, Any], region: str) -> None:
        """S3 retries: what waited replicates before the next S3 or CloudWatch call."""
        if service in ("s3", "cloudwatch") and self._queue:
            self.process()

    # ------------------------------------------------------------------------- eligible

    def written(self, backend: Any, bucket_name: str, key: Any) -> None:
        """Queue a new object of ``bucket_name`` for the rules that select it."""
        if key.__dict__.get(_STATUS) == "REPLICA":
            return
        bucket = backend.buckets.get(bucket_name)
        configuration = getattr(bucket, "replication", None) if bucket is not None else None
        if not configuration:
            return
        tags = backend.tagger.get_tag_dict_for_resource(key.arn)
        chosen: dict[str, dict[str, Any]] = {}  # destination bucket -> rule
        for rule in _as_list(configuration.get("Rule")):
            if not isinstance(rule, dict) or rule.get("Status") != "Enabled":
                continue
            if not _matches(rule, key.name, tags):
                continue
            criteria = rule.get("SourceSelectionCriteria") or {}
            if key.encryption == "aws:kms" and not _enabled(criteria.get("SseKmsEncryptedObjects")):
                continue
            destination = rule.get("Destination") or {}
            target = _text(destination.get("Bucket")).rsplit(":", 1)[-1]
            known = chosen.get(target)
            if known is None or int(rule.get("Priority") or 0) > int(known.get("Priority") or 0):
                chosen[target] = rule
        if not chosen:
            return
        key.__dict__[_STATUS] = "PENDING"
        now = self.world.clock.now()
        with self._lock:
            for target, rule in chosen.items():
                destination = rule.get("Destination") or {}
                self._queue.append(
                    _Operation(
                        account=backend.account_id,
                        source_region=bucket.region_name,
                        source_bucket=bucket_name,
                        key=key,
                        rule_id=_text(rule.get("ID")),
                        destination_bucket=target,
                        storage_class=destination.get("StorageClass"),
                        metrics=_enabled(destination.get("Metrics"))
                        or _enabled(destination.get("ReplicationTime")),
                        written_at=now,
                    )
                )

    # -------------------------------------------------------------------------- process

    def process(self) -> None:
        """Replicate (or fail) every queued object whose Regions are reachable."""
        from moto.s3.models import s3_backends

        with self._lock:
            for op in list(self._queue):
                backend = s3_backends[op.account]["aws"]
                destination = backend.buckets.get(op.destination_bucket)
                unreachable = self.world.faults.unreachable_regions
                if op.source_region in unreachable or (
                    destination is not None and destination.region_name in unreachable
                ):
                    if not op.announced:
                        op.announced = True
                        self._publish_backlog(op)
                    continue
                self._queue.remove(op)
                if destination is None:
                    self._finish(op, "FAILED", "DstBucketNotFound")
                elif not destination.is_versioned:
                    self._finish(op, "FAILED", "DstBucketUnversioned")
                else:
                    self._replicate(backend, op)
                    self._finish(op, "COMPLETED", None)

    def _replicate(self, backend: Any, op: _Operation) -> None:
        source = op.key
        replica = self._original_put(
            backend,
            op.destination_bucket,
            source.name,
            source.value,
            storage=op.storage_class or source.storage_class,
            encryption=source.encryption,
            kms_key_id=source.kms_key_id,
        )
        replica._version_id = source._version_id  # a replica keeps the source's version ID
        replica.set_metadata(dict(source.metadata))
        replica.__dict__[_STATUS] = "REPLICA"
        tags = backend.tagger.get_tag_dict_for_resource(source.arn)
        if tags:
            backend.put_object_tagging(replica, tags)

    def _finish(self, op: _Operation, outcome: str, reason: str | None) -> None:
        key = op.key
        others = [o for o in self._queue if o.key is key]
        if outcome == "FAILED" or key.__dict__.get(_STATUS) == "FAILED":
            key.__dict__[_STATUS] = "FAILED"
        elif not others:
            key.__dict__[_STATUS] = "COMPLETED"
        waited = self.world.clock.now() - op.written_at
        detail = {
            "destination": op.destination_bucket,
            "rule": op.rule_id,
            "reason": reason,
            "waited": waited,
        }
        self.world.notify("s3-replication", f"{op.source_bucket}/{key.name}", outcome, detail)
        if not op.metrics:
            return
        data = self._backlog(op)
        data.append(("OperationsFailedReplication", 1.0 if outcome == "FAILED" else 0.0, "Count"))
        if outcome == "COMPLETED":
            data.append(("ReplicationLatency", waited + self.replication_seconds, "Seconds"))
        self._publish(op, data)

    def _backlog(self, op: _Operation) -> list[tuple[str, float, str]]:
        same = [
            o
            for o in self._queue
            if (o.account, o.source_bucket, o.destination_bucket, o.rule_id)
            == (op.account, op.source_bucket, op.destination_bucket, op.rule_id)
        ]
        return [
            ("OperationsPendingReplication", float(len(same)), "Count"),
            ("BytesPendingReplication", float(sum(int(o.key.size) for o in same)), "Bytes"),
        ]

    def _publish_backlog(self, op: _Operation) -> None:
        if op.metrics:
            self._publish(op, self._backlog(op))

    def _publish(self, op: _Operation, data: list[tuple[str, float, str]]) -> None:
        from moto.cloudwatch.models import cloudwatch_backends
        from moto.core.utils import utcnow

        dimensions = [
            {"Name": "SourceBucket", "Value": op.source_bucket},
            {"Name": "DestinationBucket", "Value": op.destination_bucket},
            {"Name": "RuleId", "Value": op.rule_id},
        ]
        stamp = _minute(utcnow())
        metric_data = [
            {"MetricName": name, "Dimensions": dimensions, "Value": value, "Unit": unit}
            | {"Timestamp": stamp}
            for name, value, unit in data
        ]
        cloudwatch_backends[op.account][op.source_region].put_metric_data("AWS/S3", metric_data)

    # -------------------------------------------------------------------------- install

    def install(self, patcher: Patcher) -> None:
        from moto.s3.models import FakeKey, S3Backend
        from moto.s3.responses import S3Response

        model = self
        original_put = S3Backend.put_object
        original_headers: property = FakeKey.__dict__["response_dict"]
        original_key_put = S3Response._key_response_put
        original_key_post = S3Response._key_response_post
        self._original_put = original_put

        def put_object(backend: Any, bucket_name: str, key_name: str, *args: Any, **kw: Any) -> Any:
            key = original_put(backend, bucket_name, key_name, *args, **kw)
            model.written(backend, bucket_name, key)
            return key

        def response_dict(key: Any) -> dict[str, Any]:
            headers: dict[str, Any] = original_headers.fget(key)  # type: ignore[misc]
            status = key.__dict__.get(_STATUS)
            if status is not None:
                headers[_HEADER] = status
            return headers

        # The object's metadata and tags are set after put_object, in the same request:
        # replicate once the request is done.
        def key_response_put(response: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return original_key_put(response, *args, **kwargs)
            finally:
                model.process()

        def key_response_post(response: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return original_key_post(response, *args, **kwargs)
            finally:
                model.process()

        patcher.setattr(S3Backend, "put_object", put_object)
        patcher.setattr(FakeKey, "response_dict", property(response_dict))
        patcher.setattr(S3Response, "_key_response_put", key_response_put)
        patcher.setattr(S3Response, "_key_response_post", key_response_post)
