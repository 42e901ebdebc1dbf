"""Readiness: could this region take over now? A read-only evaluation on a schedule.

It runs in each region every 15 minutes by default (``ReadinessSchedule``), evaluates its own
region as a failover target and the estate around it, takes no lease and changes nothing but
its own record. Every check is defined once in :mod:`failover.checks` and shared with
Preflight: a planned move runs them all live and refuses on a FAIL that would make it fail;
an unplanned one proceeds and records what was failing (the latest evaluation).

What it produces:
- a ``Readiness`` metric per check (``Region``, ``Check``; 1 PASS, 0.5 WARN, 0 FAIL) and an
  overall one (``Check = overall``), as Embedded Metric Format, for the alarm and the dashboard;
- the latest evaluation in the failover table (``pk = READINESS_PK``,
  ``sk = READINESS_SK_PREFIX + region``), where the drill, Preflight and an operator read it;
- an SNS notice when the region goes from ready to not ready, and back.

The estate is read once (:class:`Basis`: the estate view's 7 calls, the global cluster and
each region's dial, service and active-region parameter, plus the target cluster's status and
its lag); every check reads that, then only what it alone needs (the writer's endpoint, the
task definition and images, the quota, Route 53, the alarms and rules, replication metrics,
the secret, the peer's code version, the lease, the topic). Preflight passes its own view, so
a planned move reads nothing twice.
"""

from __future__ import annotations

import functools
import json
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from failover import arns, aurora, checks, compute, estate_view, lease, readings, table
from failover.clients import Profile, client
from failover.config import ROUTE53_REGION
from failover.estate_view import RegionReadings
from failover.items import READINESS_PK, READINESS_SK_PREFIX
from failover.observability import emit_metric

if TYPE_CHECKING:
    from failover.aurora import GlobalClusterView
    from failover.checks import Check
    from failover.config import Settings
    from failover.estate_view import EstateView

FARGATE_VCPU_QUOTA = "L-3032A538"
"""Service Quotas: "Fargate On-Demand vCPU resource count" (per region)."""
_SCORE = {"PASS": 1.0, "WARN": 0.5, "FAIL": 0.0}


@dataclass(frozen=True)
class Evaluation:
    region: str
    evaluated_at: str
    checks: list[Check]

    @property
    def ready(self) -> bool:
        return all(check.status != "FAIL" for check in self.checks)

    @property
    def failing(self) -> list[Check]:
        return [check for check in self.checks if check.status == "FAIL"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "evaluated_at": self.evaluated_at,
            "ready": self.ready,
            "checks": [
                {"name": c.name, "status": c.status, "reason": c.reason} for c in self.checks
            ],
        }


def _cname_chain(host: str | None) -> readings.Reading[list[str]]:
    """The names DNS passes through for ``host``: ``host``, each CNAME target, and last the
    name that has the address. On AWS the global writer endpoint is a CNAME to the writer
    cluster's endpoint, itself a CNAME to its writer instance's endpoint, so the writer
    cluster's endpoint is in the chain, not at its end."""
    if not host:
        return readings.Reading(None, "no global writer endpoint")
    try:
        canonical, aliases, _ = socket.gethostbyname_ex(host)
    except OSError as error:
        return readings.Reading(None, f"DNS: {error}")
    return readings.Reading([*aliases, canonical])


@dataclass(frozen=True)
class Basis:
    """What the shared checks read, read once: the estate view (the global cluster, every
    region's dial, service and active-region parameter), the target cluster's status and its
    replication lag. Preflight makes it from the view it holds; Readiness reads it."""

    view: EstateView
    status: readings.Reading[str]
    lag: readings.Reading[float | None]
    already_writer: bool

    @property
    def cluster(self) -> readings.Reading[GlobalClusterView]:
        return self.view.cluster or readings.Reading(None, "not read")

    def region(self, name: str) -> RegionReadings:
        found = self.view.regions[name].read
        if found is None:
            return RegionReadings(
                readings.Reading(None, "not read"),
                readings.Reading(None, "not read"),
                readings.Reading(None, "not read"),
            )
        return found

    @classmethod
    def of(cls, settings: Settings, view: EstateView, lag: readings.Reading[float | None]) -> Basis:
        """The basis of a run: the view and lag Preflight holds, and the target's status."""
        target = settings.home_region
        already = view.writer_region == target and not view.promotion_in_flight
        return cls(view, _cluster_status(settings), lag, already)

    @classmethod
    def read(cls, settings: Settings, now: datetime) -> Basis:
        target, estate = settings.home_region, settings.estate
        view = estate_view.observe(estate, client, target)
        arn = estate.regions[target].db_cluster_arn
        cluster = view.cluster.value if view.cluster else None
        already = cluster is not None and cluster.writer_arn == arn
        lag = readings.read(
            "cloudwatch:GetMetricStatistics",
            lambda: (
                0.0
                if already
                else aurora.replication_lag_ms(client("cloudwatch", target), arn, now)
            ),
        )
        return cls(view, _cluster_status(settings), lag, already)


def _cluster_status(settings: Settings) -> readings.Reading[str]:
    arn = settings.estate.regions[settings.home_region].db_cluster_arn
    return readings.read(
        "rds:DescribeDBClusters",
        lambda: aurora.cluster_status(client("rds", settings.home_region), arn),
    )


def essential(settings: Settings, basis: Basis) -> list[Check]:
    """The checks no move does without: the target is an available member of the global
    cluster, its lag (planned moves), its ECS service, and the dials can be read."""
    target = settings.estate.regions[settings.home_region]
    service = basis.region(settings.home_region).service
    return [
        checks.database_member(basis.cluster, target.db_cluster_arn, basis.status),
        checks.replication_lag(
            basis.lag, settings.max_switchover_lag_seconds * 1000, basis.already_writer
        ),
        checks.compute_service(service, f"{target.ecs_cluster}/{target.ecs_service}"),
        checks.endpoint_groups(basis.view.dials()),
    ]


def global_endpoint(basis: Basis) -> Check:
    cluster = basis.cluster
    writer = cluster.value.writer_arn if cluster.value else None
    endpoint = readings.Reading[str | None](
        cluster.value.endpoint if cluster.value else None, cluster.problem
    )
    writer_endpoint = readings.read(
        "rds:DescribeDBClusters",
        lambda: (
            aurora.cluster_endpoint(
                client("rds", arns.region_of(writer), Profile.BEST_EFFORT), writer
            )
            if writer
            else ""
        ),
    )
    chain = _cname_chain(endpoint.value)
    return checks.global_endpoint(endpoint, chain, writer_endpoint)


def _image_present(ecr: Any, image: str) -> bool:
    """Whether the image is in this region's ECR. DescribeImages answers a missing tag or
    repository with an error (``ImageNotFoundException``, ``RepositoryNotFoundException``):
    that is an answer (absent), not a failure to check."""
    from botocore.exceptions import ClientError

    repository, _, tag = image.split("/", 1)[1].partition(":")
    try:
        found = ecr.describe_images(
            repositoryName=repository, imageIds=[{"imageTag": tag or "latest"}]
        )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code in ("ImageNotFoundException", "RepositoryNotFoundException"):
            return False
        raise
    return bool(found.get("imageDetails"))


def compute_checks(settings: Settings, basis: Basis) -> list[Check]:
    """Beyond the service itself: its images, its warm standby and the Fargate quota."""
    target_region = settings.home_region
    target = settings.estate.regions[target_region]
    ecs = client("ecs", target_region)
    service = basis.region(target_region).service
    task = readings.read(
        "ecs:DescribeTaskDefinition",
        lambda: compute.task_definition(ecs, target.ecs_cluster, target.ecs_service),
    )
    images = readings.Reading(task.value.images if task.value else None, task.problem)
    ecr = client("ecr", target_region)
    present = {
        image: readings.read("ecr:DescribeImages", functools.partial(_image_present, ecr, image))
        for image in images.value or []
        if f".dkr.ecr.{target_region}." in image
    }
    needed = max(r.full_capacity for r in settings.estate.regions.values()) * (
        task.value.vcpu if task.value else 0
    )
    quota = readings.read(
        "servicequotas:GetServiceQuota",
        lambda: float(
            client("service-quotas", target_region).get_service_quota(
                ServiceCode="fargate", QuotaCode=FARGATE_VCPU_QUOTA
            )["Quota"]["Value"]
        ),
    )
    running = readings.Reading(service.value.running if service.value else None, service.problem)
    return [
        checks.image_pullable(images, present, target_region),
        checks.warm_standby(running, settings.warm_standby_tasks),
        checks.fargate_quota(quota, needed),
    ]


def traffic_checks(settings: Settings, basis: Basis) -> list[Check]:
    """Beyond readable dials: the target's endpoint health, dials that match the active
    region, and the Route 53 health checks and records."""
    target, estate = settings.home_region, settings.estate
    own = basis.region(target).group
    health = readings.Reading(own.value.health if own.value else None, own.problem)
    active = basis.region(target).parameter
    route53 = client("route53", ROUTE53_REGION, Profile.BEST_EFFORT)
    checked = readings.read(
        "route53:GetHealthCheck",
        lambda: all(
            route53.get_health_check(HealthCheckId=r.health_check_id)
            for r in estate.regions.values()
        ),
    )
    name = estate.record_name.rstrip(".") + "."
    records = readings.read(
        "route53:ListResourceRecordSets",
        lambda: any(
            r["Name"].lower() == name
            for r in route53.list_resource_record_sets(
                HostedZoneId=estate.hosted_zone_id, StartRecordName=name, MaxItems="10"
            )["ResourceRecordSets"]
        ),
    )
    return [
        checks.endpoint_health(health, target),
        checks.dials_match({n: d.value for n, d in basis.view.dials().items()}, active.value),
        checks.exists(
            "traffic.health_checks", checked, "the Route 53 health checks of every region"
        ),
        checks.exists("traffic.records", records, f"the {estate.record_name} records"),
    ]


def _alarm_state(cloudwatch: Any, events: Any, alarm: str, target_arn: str) -> tuple[str, bool]:
    found = cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"]
    if not found:
        return "MISSING", False
    rules = events.list_rule_names_by_target(TargetArn=target_arn)["RuleNames"]
    return str(found[0]["StateValue"]), bool(rules)


def _alarm_check(name: str, clients: tuple[Any, Any], alarm: str, target_arn: str) -> Check:
    """One alarm that must be able to start the failover (``clients``: cloudwatch, events)."""
    state = readings.read(
        "cloudwatch:DescribeAlarms", lambda: _alarm_state(*clients, alarm, target_arn)
    )
    return checks.alarm_ready(name, state, alarm)


def detection(settings: Settings) -> list[Check]:
    """The alarms that would start a failover INTO this region, for each other region: its
    Route 53 health alarm (us-east-1, forwarded to this region's failover bus) and this
    region's probe alarm on it (the default bus here, starting the state machine)."""
    bus, machine = settings.event_bus_arn, settings.state_machine_arn  # template.yaml names them
    east = (
        client("cloudwatch", ROUTE53_REGION, Profile.BEST_EFFORT),
        client("events", ROUTE53_REGION, Profile.BEST_EFFORT),
    )
    here = (client("cloudwatch", settings.home_region), client("events", settings.home_region))
    health: dict[str, Check] = {}
    probe: dict[str, Check] = {}
    for other in settings.other_regions:
        failed = settings.estate.regions[other]
        health[other] = _alarm_check("detection.health_alarm", east, failed.health_alarm_name, bus)
        probe[other] = _alarm_check("detection.probe_alarm", here, failed.probe_alarm_name, machine)
    return [
        checks.per_region("detection.health_alarm", health),
        checks.per_region("detection.probe_alarm", probe),
    ]


def _replication_metric(
    source: Any, bucket: str, metric: str, now: datetime, statistic: str
) -> float | None:
    rules = source["s3"].get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]
    values = []
    for rule in rules:
        points = source["cloudwatch"].get_metric_statistics(
            Namespace="AWS/S3",
            MetricName=metric,
            Dimensions=[
                {"Name": "SourceBucket", "Value": bucket},
                {
                    "Name": "DestinationBucket",
                    "Value": rule["Destination"]["Bucket"].rsplit(":", 1)[-1],
                },
                {"Name": "RuleId", "Value": rule.get("ID", "")},
            ],
            StartTime=now - timedelta(hours=1),
            EndTime=now,
            Period=3600,
            Statistics=[statistic],
        )["Datapoints"]
        values += [p[statistic] for p in points]
    if not values:
        return None
    return float(max(values) if statistic == "Maximum" else sum(values))


def data(settings: Settings, now: datetime) -> list[Check]:
    """S3 replication *into* this region from each other region (published in the source
    bucket's region) and this region's replica of the database secret."""
    home = settings.home_region
    replication: dict[str, Check] = {}
    for other in settings.other_regions:
        source = {
            "s3": client("s3", other, Profile.BEST_EFFORT),
            "cloudwatch": client("cloudwatch", other, Profile.BEST_EFFORT),
        }
        bucket = settings.estate.regions[other].data_bucket
        failed = readings.read(
            "cloudwatch:GetMetricStatistics",
            lambda s=source, b=bucket: _replication_metric(  # type: ignore[misc]
                s, b, "OperationsFailedReplication", now, "Sum"
            ),
        )
        latency = readings.read(
            "cloudwatch:GetMetricStatistics",
            lambda s=source, b=bucket: _replication_metric(  # type: ignore[misc]
                s, b, "ReplicationLatency", now, "Maximum"
            ),
        )
        replication[other] = checks.s3_replication(failed, latency)
    secret = readings.read(
        "secretsmanager:DescribeSecret",
        lambda: _exists(
            client("secretsmanager", home).describe_secret,
            SecretId=settings.estate.regions[home].db_secret_arn,
        ),
    )
    return [
        checks.per_region("data.s3_replication", replication),
        checks.exists(
            "data.secret_replica",
            secret,
            f"the database secret's replica in {home}",
            checks.PLANNED_MODES,
        ),
    ]


def _exists(describe: Any, **key: str) -> bool:
    """Whether the described resource exists (a not-found error is an answer, not unknown)."""
    from botocore.exceptions import ClientError

    try:
        describe(**key)
    except ClientError as error:
        if "NotFound" in str(error.response.get("Error", {}).get("Code", "")):
            return False
        raise
    return True


def _code_version(region: str, function: str) -> str:
    lam = client("lambda", region, Profile.BEST_EFFORT)
    found = lam.get_function_configuration(FunctionName=function)
    layers = ",".join(layer["Arn"].rsplit(":", 1)[-1] for layer in found.get("Layers", []))
    return f"{found['CodeSha256']} {layers}"


def control_plane(settings: Settings) -> list[Check]:
    home = settings.home_region
    name = settings.validate_input_function
    ours = readings.read("lambda:GetFunctionConfiguration", lambda: _code_version(home, name))
    versions = {
        other: checks.version_match(
            ours,
            readings.read(
                "lambda:GetFunctionConfiguration",
                lambda o=other: _code_version(o, name),  # type: ignore[misc]
            ),
        )
        for other in settings.other_regions
    }
    answered: list[str] = []

    def read_lease(ddb: Any) -> lease.Lease | None:
        found = lease.current(ddb, settings.table_name)
        answered.append(ddb.meta.region_name)
        return found

    held = readings.read("dynamodb:GetItem", lambda: table.call(settings, read_lease))
    holder = held.value.holder if held.value else None
    status = lease.status_of(holder) if holder else None
    confirmed = readings.read(
        "sns:GetTopicAttributes",
        lambda: int(
            client("sns", home).get_topic_attributes(TopicArn=settings.topic_arn)["Attributes"][
                "SubscriptionsConfirmed"
            ]
        ),
    )
    return [
        checks.per_region("control_plane.peer_version", versions),
        checks.lease_free(
            readings.Reading(holder, held.problem),
            status,
            answered[-1] if answered else None,
            table.order_for(settings),
        ),
        checks.subscriptions(confirmed),
    ]


def evaluate(settings: Settings, now: datetime, basis: Basis | None = None) -> Evaluation:
    """Every check, on ``basis`` (read now when not given: Preflight passes its own)."""
    basis = basis or Basis.read(settings, now)
    member, lag, service, groups = essential(settings, basis)
    found = [
        member,
        lag,
        global_endpoint(basis),
        service,
        *compute_checks(settings, basis),
        groups,
        *traffic_checks(settings, basis),
        *detection(settings),
        *data(settings, now),
        *control_plane(settings),
    ]
    return Evaluation(settings.home_region, now.isoformat(), found)


def latest(settings: Settings, region: str | None = None) -> dict[str, Any] | None:
    """The latest stored evaluation of ``region`` (default: home), or None."""
    key: dict[str, Any] = {
        "pk": {"S": READINESS_PK},
        "sk": {"S": READINESS_SK_PREFIX + (region or settings.home_region)},
    }
    item = table.call(
        settings,
        lambda ddb: ddb.get_item(TableName=settings.table_name, Key=key, ConsistentRead=True),
    ).get("Item")
    if not item:
        return None
    stored: dict[str, Any] = json.loads(item["evaluation"]["S"])
    return stored


def record(settings: Settings, evaluation: Evaluation, view: EstateView) -> bool:
    """Store the evaluation and emit its metrics. Returns whether readiness changed."""
    previous = readings.read("dynamodb:GetItem", lambda: latest(settings)).value
    changed = previous is not None and bool(previous.get("ready")) != evaluation.ready
    stored: dict[str, Any] = {
        "pk": {"S": READINESS_PK},
        "sk": {"S": READINESS_SK_PREFIX + evaluation.region},
        "evaluated_at": {"S": evaluation.evaluated_at},
        "ready": {"BOOL": evaluation.ready},
        "evaluation": {"S": json.dumps(evaluation.to_dict())},
    }
    table.call(
        settings,
        lambda ddb: ddb.put_item(TableName=settings.table_name, Item=stored),
    )
    namespace, region = settings.metrics_namespace, evaluation.region
    for check in evaluation.checks:
        emit_metric(
            namespace,
            "Readiness",
            _SCORE[check.status],
            "None",
            {"Region": region, "Check": check.name},
        )
    estate_view.emit_state(view, namespace)
    overall = min((_SCORE[c.status] for c in evaluation.checks), default=1.0)
    emit_metric(
        namespace,
        "Readiness",
        0.0 if overall == 0.0 else 1.0,
        "None",
        {"Region": region, "Check": "overall"},
    )
    return changed or (previous is None and not evaluation.ready)


def run(settings: Settings, now: datetime) -> dict[str, Any]:
    """EvaluateReadiness: evaluate, record, and tell people when readiness changed."""
    from failover import notify

    basis = Basis.read(settings, now)
    evaluation = evaluate(settings, now, basis)
    changed = record(settings, evaluation, basis.view)
    result = evaluation.to_dict()
    if changed:
        notify.send(notify.readiness_notice(settings.estate.estate_name, result), settings)
    return {**result, "changed": changed}
