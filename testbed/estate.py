"""An estate of 2 to 4 regions in moto, built from template.yaml and the real ASL file.

Used by the state-machine tests and the local drill. It creates, per region, what the
templates deploy for the control plane to act on: the Aurora global cluster members, the ECS
services, the Global Accelerator endpoint groups, Route 53 health checks and latency records,
the health alarms (us-east-1, stacks/global.yaml) and probe alarms (each region's on every other
region), the
active-region parameter, the failover table, the SNS topic, the dead-letter queue, the
functions (with their Timeout, MemorySize and EventInvokeConfig), the failover state machine
and the RunEnded rule (CloseRun on the default bus). With ``automatic_triggers`` also the
alarm forwarding and trigger rules, the probe schedule and the health checkers.

Modelled time: the thread that builds the estate *holds* the clock (:mod:`emulator.clock`):
time passes only while that thread waits through the estate, in :meth:`LocalEstate.wait`,
:meth:`LocalEstate.run`, :meth:`LocalEstate.advance` and :meth:`LocalEstate.wait_until`
(executions started meanwhile run until their first modelled wait). So what a test does
between two waits happens at one modelled instant, whatever the machine's speed.
"""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import boto3
from failover import arns
from failover.arns import region_of
from failover.traffic import desired_dials

from testbed.health_endpoints import HealthEndpoints
from testbed.template import (
    GLOBAL_STACK,
    REGION_STACK,
    STATE_MACHINE,
    function_specs,
    load_template,
    resolve,
    state_machine_substitutions,
    substitute,
    table_definition,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from failover.config import EstateConfig
    from failover.estate_view import EstateView
    from failover.lease import Lease

    from emulator import Emulator, WorldEvent
    from emulator.services.health_checkers import AlbHealthCheck

ACCOUNT = "123456789012"
# Each Region's canonical hosted zone ID of Application (and Classic) Load Balancers: the
# AliasTarget.HostedZoneId of a record that aliases an ALB. AWS General Reference, "Elastic Load
# Balancing endpoints and quotas" (https://docs.aws.amazon.com/general/latest/gr/elb.html),
# the "Route 53 Hosted Zone ID (Application Load Balancers, Classic Load Balancers)" column.
ALB_ZONE_IDS = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5",
    "ca-central-1": "ZQSVJUPU6J1EY",
    "sa-east-1": "Z2P70J7HTTTPLU",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "eu-west-3": "Z3Q77PNBQS71R4",
    "eu-central-1": "Z215JYRZR1TBD5",
    "eu-north-1": "Z23TAZ6LKFMNIO",
    "ap-south-1": "ZP97RAFLXTNZK",
    "ap-northeast-1": "Z14GRHDCWA56QT",
    "ap-northeast-2": "ZWKZPGTI48KDX",
    "ap-northeast-3": "Z5LXEXXYW11ES",
    "ap-southeast-1": "Z1LMS91P8CMLE5",
    "ap-southeast-2": "Z1GM3OXH4ZPM65",
    "ap-southeast-3": "Z08888821HLRG5A9ZRTER",
    "ap-east-1": "Z3DQVH9N71FHZ0",
    "af-south-1": "Z268VQBMOI5EKX",
    "eu-south-1": "Z3ULH7SSC9OV64",
    "me-south-1": "ZS929ML54UICD",
}
"""Regions opened since 2022 (ap-south-2, ap-southeast-4/5/7, ap-east-2, ca-west-1,
eu-central-2, eu-south-2, il-central-1, me-central-1, mx-central-1) are not listed yet: the
testbed refuses them by name rather than guess an ID."""
US_LEASE_REGIONS = ("us-east-1", "us-east-2", "us-west-2")
"""template.yaml LeaseRegions' default: the US MRSC set."""
DEFAULT_REGIONS = ("us-east-1", "us-west-2")
"""The estate's regions when none are given (the pair the tests were written for)."""


class EstateSpecError(ValueError):
    """An estate shape the templates would refuse (the message names the field)."""


def alb_zone_id(region: str) -> str:
    """The canonical hosted zone ID of ALBs in ``region`` (:data:`ALB_ZONE_IDS`)."""
    found = ALB_ZONE_IDS.get(region)
    if found is None:
        raise EstateSpecError(
            f"regions: {region} has no known ALB hosted zone ID (testbed.estate.ALB_ZONE_IDS)"
        )
    return found


def default_lease_regions(*regions: str) -> tuple[str, str, str]:
    """The failover table's regions when none are given, for an estate's ``regions`` in
    priority order: the MRSC set that holds the primary (the estate's regions that are members
    first, in priority order, then the members nearest the primary), else the US set
    (template.yaml's default)."""
    from failover.geography import nearest_first

    from emulator.services.dynamodb import MRSC_REGION_SETS

    primary = regions[0]
    members = next((s for s in MRSC_REGION_SETS if primary in s), None)
    if members is None:
        return US_LEASE_REGIONS
    ours = [r for r in regions if r in members]
    ordered = [*ours, *(r for r in nearest_first(primary, members) if r not in ours)]
    first, second, third = ordered[:3]
    return (first, second, third)


TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
# The applied "Fargate On-Demand vCPU resource count" of an account that asked for headroom
# (AWS default: 6 per Region, https://docs.aws.amazon.com/general/latest/gr/ecs-service.html).
FARGATE_VCPU_QUOTA_CODE = "L-3032A538"
FARGATE_VCPU_QUOTA = 100.0
GA_ALIAS_ZONE_ID = "Z2BJ6XQ5FK7U4H"  # every accelerator's alias zone (stacks/global.yaml Mappings)


@dataclass(frozen=True)
class EstateSpec:
    """The shape of the estate. Defaults mirror the templates' defaults."""

    name: str = "shop"
    regions: tuple[str, ...] = DEFAULT_REGIONS
    """Every region, in priority order (template Regions): the primary first, then the order
    in which a failover prefers its target."""
    full_capacity: int = 4
    standby_capacity: int = 1
    replication_lag_ms: float = 120.0
    cooldown_minutes: int = 30
    max_switchover_lag_seconds: float = 5.0
    approval_for_automatic: bool = False
    # template.yaml MinOutageSeconds / AcknowledgeShortOutage / MaxDataLossSeconds (None: the
    # template's defaults).
    min_outage_seconds: int | None = None
    acknowledge_short_outage: bool = False
    max_data_loss_seconds: float | None = None
    topology: str = "active-passive"
    # The failover table's regions (template LeaseRegions): one MRSC set, each a replica.
    lease_regions: tuple[str, str, str] = US_LEASE_REGIONS
    # Wire the automatic path as deployed: health checkers probing the /health endpoints,
    # alarm evaluation, the forwarding and trigger rules, the probe schedule (the drill).
    automatic_triggers: bool = False
    # The readiness schedule (template.yaml ReadinessSchedule; None: the template's default).
    readiness_schedule: str | None = None
    extra_environment: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from failover.config import MAX_REGIONS

        if not isinstance(self.regions, tuple):
            object.__setattr__(self, "regions", tuple(self.regions))
        if not 2 <= len(self.regions) <= MAX_REGIONS:
            raise EstateSpecError(
                f"regions: 2 to {MAX_REGIONS} regions, not {len(self.regions)} ({self.regions})"
            )
        twice = sorted({r for r in self.regions if self.regions.count(r) > 1})
        if twice:
            raise EstateSpecError(f"regions: {', '.join(twice)} appears more than once")
        for region in self.regions:
            alb_zone_id(region)
        if len(set(self.lease_regions)) != 3:
            raise EstateSpecError(
                f"lease_regions: three distinct regions, not {self.lease_regions}"
            )

    @classmethod
    def of(cls, *regions: str, **settings: Any) -> EstateSpec:
        """An estate of ``regions`` in priority order with the failover table in the MRSC set
        the drill chooses for them (:func:`default_lease_regions`), unless ``settings`` name
        ``lease_regions``."""
        settings.setdefault("lease_regions", default_lease_regions(*regions))
        return cls(regions=tuple(regions), **settings)

    @property
    def primary(self) -> str:
        """The first region in priority order: the writer of the first deployment."""
        return self.regions[0]

    def others(self, region: str) -> tuple[str, ...]:
        """Every region but ``region``, in priority order."""
        return tuple(r for r in self.regions if r != region)

    def short(self, region: str) -> str:
        area, direction, number = region.split("-")
        return f"{area[:2]}{direction[0]}{number}"

    def cluster_id(self, region: str) -> str:
        return f"{self.name}-{self.short(region)}"

    def cluster_arn(self, region: str) -> str:
        return f"arn:aws:rds:{region}:{ACCOUNT}:cluster:{self.cluster_id(region)}"

    @property
    def global_cluster_id(self) -> str:
        return f"{self.name}-global"

    @property
    def parameter(self) -> str:
        return f"/{self.name}/failover/active-region"

    def health_alarm(self, region: str) -> str:
        return f"{self.name}-health-{region}"

    def probe_alarm(self, region: str) -> str:
        return f"{self.name}-probe-{region}"

    @property
    def state_machine_name(self) -> str:
        return f"{self.name}-failover"

    @property
    def table_name(self) -> str:
        return f"{self.name}-failover"


def alarm_properties(template: dict[str, Any], metric: str) -> dict[str, Any]:
    """The properties of the template's CloudWatch alarm on ``metric`` (the first of its
    per-region copies, or the fragment of the ``Fn::ForEach`` that declares one per region:
    their settings are the same), each top-level ``Ref`` to a parameter resolved to its
    default."""

    def alarms(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, list):
            for item in node:
                yield from alarms(item)
        elif isinstance(node, dict):
            if node.get("Type") == "AWS::CloudWatch::Alarm":
                yield node
                return
            for value in node.values():
                yield from alarms(value)

    found = [
        a for a in alarms(template["Resources"]) if a["Properties"].get("MetricName") == metric
    ]
    if not found:
        raise KeyError(f"no alarm on {metric} in the template")
    return {key: resolve(template, value) for key, value in found[0]["Properties"].items()}


def watch_rule_names(template: dict[str, Any]) -> dict[str, str] | None:
    """The names (``Fn::Sub`` text) of template.yaml's rules on a watched region's health and
    probe alarms, by kind, when it declares one per watched region (Fn::ForEach); else None."""
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            name = (node.get("Properties") or {}).get("Name")
            text = name.get("Fn::Sub") if isinstance(name, dict) else name
            if node.get("Type") == "AWS::Events::Rule":
                if isinstance(text, str) and "${Region}" in text:
                    found["probe" if "probe" in text else "health"] = text
                return
            for value in node.values():
                walk(value)

    walk(template.get("Resources") or {})
    return found if {"health", "probe"} <= set(found) else None


def watch_rule(template: dict[str, Any], estate: str, kind: str, watched: str) -> str:
    """The name of the rule, in every other region, that starts its failover machine on
    ``watched``'s ``kind`` ("health" or "probe") alarm: template.yaml's per-region name when it
    declares one (``${EstateName}-watch-probe-${Region}``), else the testbed's name of the one
    rule per kind that matches every other region's alarm (``<estate>-peer-probe-alarm``)."""
    names = watch_rule_names(template)
    if names is None:
        return f"{estate}-peer-{kind}-alarm"
    return names[kind].replace("${EstateName}", estate).replace("${Region}", watched)


_CLIENTS: dict[tuple[str, str], Any] = {}
"""boto3 clients by (service, region), shared by every estate of the process
(:meth:`LocalEstate.client`)."""


class LocalEstate:
    """Builds the estate inside an active ``mock_aws`` with the emulator installed."""

    def __init__(self, emulator: Emulator, spec: EstateSpec | None = None) -> None:
        self.emulator = emulator
        self.spec = spec or EstateSpec()
        self.template = load_template()
        self.global_template = load_template(GLOBAL_STACK)
        self.ended: dict[str, str] = {}  # execution ARN -> final status (status change events)
        emulator.listeners.append(self._on_notice)
        self.health = HealthEndpoints(list(self.spec.regions), may_serve=self.may_serve).start()
        self.health_check_ids: dict[str, str] = {}
        self.endpoint_group_arns: dict[str, str] = {}
        self.accelerator_arn = ""
        self.hosted_zone_id = ""
        self.topic_arns: dict[str, str] = {}
        self.queue_urls: dict[str, str] = {}
        self.function_arns: dict[str, dict[str, str]] = {}
        self.state_machine_arns: dict[str, str] = {}
        self.dead_letter_urls: dict[str, str] = {}
        self.db_secret_arns: dict[str, str] = {}
        self.record_name = f"app.{self.spec.name}.example.com"
        self._build()
        self._holder: threading.Thread | None = threading.current_thread()
        emulator.clock.hold()

    def release_time(self) -> None:
        """Stop holding modelled time (for code that polls the estate in real time, such as
        the live drill): from now on time runs whenever nothing is runnable."""
        if self._holder is threading.current_thread():
            self._holder = None
            self.emulator.clock.release()

    def _on_notice(self, notice: WorldEvent) -> None:
        if notice.kind == "execution-status" and notice.state != "RUNNING":
            self.ended[notice.subject] = notice.state

    # --- clients ----------------------------------------------------------------------------
    def client(self, service: str, region: str) -> Any:
        """A boto3 client, shared by every estate of this process: a client holds no AWS
        state (moto's stubber and the emulator's handler look up the active mock at each
        call), and building one costs ~20 ms of botocore set-up."""
        key = (service, region)
        found = _CLIENTS.get(key)
        if found is None:
            found = _CLIENTS[key] = boto3.client(service, region_name=region)  # type: ignore[call-overload]
        return found

    # --- building ---------------------------------------------------------------------------
    def alb_health_check(self) -> AlbHealthCheck:
        """The ALB target group's health check as stacks/region.yaml deploys it."""
        from emulator.services.health_checkers import AlbHealthCheck

        group = load_template(REGION_STACK)["Resources"]["TargetGroup"]["Properties"]
        return AlbHealthCheck(
            interval=float(group["HealthCheckIntervalSeconds"]),
            timeout=float(group["HealthCheckTimeoutSeconds"]),
            healthy_threshold=int(group["HealthyThresholdCount"]),
            unhealthy_threshold=int(group["UnhealthyThresholdCount"]),
        )

    def _build(self) -> None:
        spec = self.spec
        self.alb = self.alb_health_check()
        self.emulator.ecs.alb = self.alb
        self._build_database()
        self._build_data()
        self._build_compute()
        self._build_quotas()
        self._build_dns_and_health_checks()
        self._build_accelerator()
        if spec.topology == "active-passive":
            self._build_front_door()
        self._build_alarms()
        for region in spec.regions:
            self.client("ssm", region).put_parameter(
                Name=spec.parameter, Value=spec.primary, Type="String", Overwrite=True
            )
            self._build_topic(region)
        self._build_table()
        self.publish_replication_lag(spec.replication_lag_ms)
        role = self.client("iam", spec.primary).create_role(
            RoleName=f"{spec.name}-failover-role",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {
                                "Service": ["lambda.amazonaws.com", "states.amazonaws.com"]
                            },
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]
        for region in spec.regions:
            self._build_dead_letter_queue(region)
            self._build_functions(region, role)
            self._build_state_machine(region, role)
            self._build_run_ended_rule(region)
        if spec.automatic_triggers:
            self._build_triggers(role)

    def _build_dead_letter_queue(self, region: str) -> None:
        """The control plane's DeadLetterQueue (EventBridge targets, Lambda destinations)."""
        sqs = self.client("sqs", region)
        self.dead_letter_urls[region] = sqs.create_queue(
            QueueName=f"{self.spec.name}-failover-dlq"
        )["QueueUrl"]

    def dead_letter_arn(self, region: str) -> str:
        return f"arn:aws:sqs:{region}:{ACCOUNT}:{self.spec.name}-failover-dlq"

    def _build_run_ended_rule(self, region: str) -> None:
        """CloseRun's RunEnded event source: the machine's executions ending, on the default
        bus (template.yaml; a Lambda target is an asynchronous invoke)."""
        spec = function_specs(self.template)["CloseRunFunction"]
        source = spec.events["RunEnded"]["Properties"]
        rule = f"{self.spec.name}-run-ended"  # RuleName: !Sub ${EstateName}-run-ended
        pattern = json.loads(json.dumps(source["Pattern"]))
        pattern["detail"]["stateMachineArn"] = [self.state_machine_arns[region]]
        events = self.client("events", region)
        events.put_rule(Name=rule, EventPattern=json.dumps(pattern))
        events.put_targets(
            Rule=rule,
            Targets=[
                {
                    "Id": "CloseRun",
                    "Arn": self.function_arns[region]["CloseRunFunction"],
                    "DeadLetterConfig": {"Arn": self.dead_letter_arn(region)},
                }
            ],
        )

    @property
    def watch_rule_names(self) -> dict[str, str] | None:
        """:func:`watch_rule_names` of template.yaml."""
        return watch_rule_names(self.template)

    def watch_rule(self, kind: str, watched: str) -> str:
        """:func:`watch_rule` of this estate."""
        return watch_rule(self.template, self.spec.name, kind, watched)

    def _build_triggers(self, role: str) -> None:
        """The automatic path, as template.yaml and stacks/global.yaml wire it."""
        spec = self.spec
        alarm_change = {
            "source": ["aws.cloudwatch"],
            "detail-type": ["CloudWatch Alarm State Change"],
        }
        for region in spec.regions:
            others = spec.others(region)
            events = self.client("events", region)
            dlq = self.dead_letter_arn(region)
            bus = f"{spec.name}-failover"
            events.create_event_bus(Name=bus)
            target = {
                "Id": "FailoverStateMachine",
                "Arn": self.state_machine_arns[region],
                "RoleArn": role,
                "RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 900},
                "DeadLetterConfig": {"Arn": dlq},
            }
            # The rules on another region's health alarm (on this region's failover bus) and on
            # this region's probe alarm of it (default bus): one of each per watched region
            # when the template declares them so (Fn::ForEach, named), else one of each
            # matching every other region's alarm (a list in a pattern matches any).
            if self.watch_rule_names is None:
                watches = [
                    (self.watch_rule("health", ""), bus, [spec.health_alarm(o) for o in others]),
                    (
                        self.watch_rule("probe", ""),
                        "default",
                        [spec.probe_alarm(o) for o in others],
                    ),
                ]
            else:
                watches = [
                    (self.watch_rule("health", o), bus, [spec.health_alarm(o)]) for o in others
                ]
                watches += [
                    (self.watch_rule("probe", o), "default", [spec.probe_alarm(o)]) for o in others
                ]
            for rule, bus_name, alarms in watches:
                pattern = {
                    **alarm_change,
                    "account": [ACCOUNT],
                    "detail": {"alarmName": alarms, "state": {"value": ["ALARM"]}},
                }
                events.put_rule(Name=rule, EventBusName=bus_name, EventPattern=json.dumps(pattern))
                events.put_targets(Rule=rule, EventBusName=bus_name, Targets=[target])
            # ProbeHealth's schedule (SAM Schedule event: a rule on the default bus; EventBridge
            # invokes a Lambda target asynchronously).
            probe = function_specs(self.template)["ProbeHealthFunction"]
            source = probe.events["ProbeSchedule"]["Properties"]
            schedule = f"{spec.name}-probe-peer-health"
            events.put_rule(Name=schedule, ScheduleExpression=str(source["Schedule"]))
            events.put_targets(
                Rule=schedule,
                Targets=[
                    {
                        "Id": "ProbeHealth",
                        "Arn": self.function_arns[region]["ProbeHealthFunction"],
                        "DeadLetterConfig": {"Arn": dlq},
                    }
                ],
            )
            # EvaluateReadiness's schedule (SAM Schedule event ReadinessSchedule; its
            # expression is the ReadinessSchedule parameter).
            readiness = function_specs(self.template)["EvaluateReadinessFunction"]
            expression = spec.readiness_schedule or resolve(
                self.template, readiness.events["ReadinessSchedule"]["Properties"]["Schedule"]
            )
            events.put_rule(Name=f"{spec.name}-readiness", ScheduleExpression=str(expression))
            events.put_targets(
                Rule=f"{spec.name}-readiness",
                Targets=[
                    {
                        "Id": "EvaluateReadiness",
                        "Arn": self.function_arns[region]["EvaluateReadinessFunction"],
                        "DeadLetterConfig": {"Arn": dlq},
                    }
                ],
            )
        # stacks/global.yaml: us-east-1 forwards each region's health alarm to EVERY OTHER
        # region's failover bus (each control plane decides whether it is the chosen target).
        east = self.client("events", "us-east-1")
        bus = f"{spec.name}-failover"
        for region in spec.regions:
            alarm_arn = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{spec.health_alarm(region)}"
            pattern = {
                **alarm_change,
                "resources": [alarm_arn],
                "detail": {"state": {"value": ["ALARM"]}},
            }
            for other in spec.others(region):
                rule = f"{spec.name}-health-{region}-to-{other}"
                east.put_rule(Name=rule, EventPattern=json.dumps(pattern))
                east.put_targets(
                    Rule=rule,
                    Targets=[
                        {
                            "Id": "recovery-region-failover-bus",
                            "Arn": f"arn:aws:events:{other}:{ACCOUNT}:event-bus/{bus}",
                            "RoleArn": role,
                        }
                    ],
                )
        self.emulator.watch_regions("us-east-1", *spec.regions)
        checkers = self.emulator.health_checkers
        for region in spec.regions:
            url = self.health.url(region)
            checkers.watch_route53(self.health_check_ids[region], url, region=region)
            checkers.watch_accelerator(
                self.endpoint_group_arns[region], url, alb=self.alb, region=region
            )

    def _build_database(self) -> None:
        spec = self.spec
        # Each region's cluster is encrypted with the estate's own key (stacks/region.yaml
        # EstateKey, KmsKeyId on the DB cluster).
        keys = {
            region: self.client("kms", region).create_key(
                Description=f"{spec.name} estate key ({region})"
            )["KeyMetadata"]["Arn"]
            for region in spec.regions
        }
        primary = self.client("rds", spec.primary)
        primary.create_global_cluster(
            GlobalClusterIdentifier=spec.global_cluster_id,
            Engine="aurora-postgresql",
            EngineVersion="16.4",
            StorageEncrypted=True,
        )
        primary.create_db_cluster(
            DBClusterIdentifier=spec.cluster_id(spec.primary),
            Engine="aurora-postgresql",
            EngineVersion="16.4",
            GlobalClusterIdentifier=spec.global_cluster_id,
            MasterUsername="app",
            ManageMasterUserPassword=True,
            StorageEncrypted=True,
            KmsKeyId=keys[spec.primary],
            ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 16},
        )
        for region in spec.others(spec.primary):  # every other region: a secondary cluster
            self.client("rds", region).create_db_cluster(
                DBClusterIdentifier=spec.cluster_id(region),
                Engine="aurora-postgresql",
                EngineVersion="16.4",
                GlobalClusterIdentifier=spec.global_cluster_id,
                StorageEncrypted=True,
                KmsKeyId=keys[region],
                ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 16},
            )
        self._build_db_instances()

    def _build_db_instances(self) -> None:
        """Each cluster's db.serverless instance (stacks/region.yaml DbInstance): what its
        cluster endpoint, and so the global writer endpoint, resolves to."""
        for region in self.spec.regions:
            self.client("rds", region).create_db_instance(
                DBInstanceIdentifier=f"{self.spec.cluster_id(region)}-1",
                DBClusterIdentifier=self.spec.cluster_id(region),
                Engine="aurora-postgresql",
                DBInstanceClass="db.serverless",
                PubliclyAccessible=False,
            )

    def image(self, region: str) -> str:
        """The application image, in each region's own ECR (pushed or replicated there)."""
        return f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{self.spec.name}-web:stable"

    def _build_images(self) -> None:
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            }
        )
        for region in self.spec.regions:
            ecr = self.client("ecr", region)
            ecr.create_repository(repositoryName=f"{self.spec.name}-web")
            ecr.put_image(
                repositoryName=f"{self.spec.name}-web", imageManifest=manifest, imageTag="stable"
            )

    def _build_data(self) -> None:
        """What stacks/region.yaml keeps in each region: the data bucket, replicating to every
        other region's (one rule per destination), and the database secret with a replica in
        every other region."""
        spec = self.spec
        for region in spec.regions:
            s3 = self.client("s3", region)
            bucket = self.data_bucket(region)
            configuration = {} if region == "us-east-1" else {"LocationConstraint": region}
            s3.create_bucket(
                Bucket=bucket,
                **({"CreateBucketConfiguration": configuration} if configuration else {}),
            )
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        for region in spec.regions:
            self.client("s3", region).put_bucket_replication(
                Bucket=self.data_bucket(region),
                ReplicationConfiguration={
                    "Role": f"arn:aws:iam::{ACCOUNT}:role/{spec.name}-replication",
                    "Rules": [
                        {
                            "ID": f"to-{other}",
                            "Status": "Enabled",
                            "Priority": priority,
                            "Filter": {},
                            "DeleteMarkerReplication": {"Status": "Enabled"},
                            "Destination": {
                                "Bucket": f"arn:aws:s3:::{self.data_bucket(other)}",
                                "Metrics": {"Status": "Enabled"},
                            },
                        }
                        for priority, other in enumerate(spec.others(region), start=1)
                    ],
                },
            )
        # One write, so that replication into every other region has metrics (as an app's would).
        self.client("s3", spec.primary).put_object(
            Bucket=self.data_bucket(spec.primary), Key="estate/ready.txt", Body=b"ready\n"
        )
        secrets = self.client("secretsmanager", spec.primary)
        arn = secrets.create_secret(
            Name=f"{spec.name}-db", SecretString=json.dumps({"username": "app", "password": "x"})
        )["ARN"]
        secrets.replicate_secret_to_regions(
            SecretId=arn, AddReplicaRegions=[{"Region": r} for r in spec.others(spec.primary)]
        )
        self.db_secret_arns = {
            region: arn.replace(f":{spec.primary}:", f":{region}:") for region in spec.regions
        }

    def _build_quotas(self) -> None:
        """The account's applied Fargate vCPU quota in each region (Service Quotas)."""
        for region in self.spec.regions:
            self.emulator.servicequotas.set_quota(
                region, "fargate", FARGATE_VCPU_QUOTA_CODE, FARGATE_VCPU_QUOTA
            )

    def data_bucket(self, region: str) -> str:
        return f"{self.spec.name}-data-{region}"

    def _build_compute(self) -> None:
        spec = self.spec
        self._build_images()
        for region in spec.regions:
            ecs = self.client("ecs", region)
            ecs.create_cluster(
                clusterName=spec.cluster_id(region),
                settings=[{"name": "containerInsights", "value": "enabled"}],
            )
            ecs.register_task_definition(
                family=f"{spec.name}-web",
                requiresCompatibilities=["FARGATE"],
                networkMode="awsvpc",
                cpu="512",
                memory="1024",
                containerDefinitions=[
                    {
                        "name": "web",
                        "image": self.image(region),
                        "portMappings": [{"containerPort": 8080}],
                        "essential": True,
                    }
                ],
            )
            desired = spec.full_capacity if region == spec.primary else spec.standby_capacity
            ecs.create_service(
                cluster=spec.cluster_id(region),
                serviceName=f"{spec.name}-web",
                taskDefinition=f"{spec.name}-web",
                desiredCount=desired,
                launchType="FARGATE",
                deploymentConfiguration={
                    "deploymentCircuitBreaker": {"enable": True, "rollback": True}
                },
            )
        # Let the services' first tasks start (and pass the ALB's health checks) before
        # anything is measured.
        serving = self.alb.interval * self.alb.healthy_threshold
        self.emulator.clock.advance(self.emulator.latency.ecs_task_start_seconds + serving + 1)

    def _build_dns_and_health_checks(self) -> None:
        spec = self.spec
        route53 = self.client("route53", "us-east-1")
        self.hosted_zone_id = route53.create_hosted_zone(
            Name=f"{spec.name}.example.com", CallerReference=f"{spec.name}-zone"
        )["HostedZone"]["Id"].split("/")[-1]
        changes = []
        latency = spec.topology == "read-local"
        for region in spec.regions:
            check = route53.create_health_check(
                CallerReference=f"{spec.name}-{region}",
                HealthCheckConfig={
                    "Type": "HTTPS",
                    "FullyQualifiedDomainName": self.alb_dns_name(region),
                    "ResourcePath": "/health",
                    "Port": 443,
                    "RequestInterval": int(self._global_parameter("HealthCheckInterval")),
                    "FailureThreshold": int(self._global_parameter("HealthCheckFailureThreshold")),
                },
            )["HealthCheck"]
            self.health_check_ids[region] = check["Id"]
            alb = {
                "HostedZoneId": alb_zone_id(region),
                "DNSName": self.alb_dns_name(region),
                "EvaluateTargetHealth": True,
            }
            # each region keeps its own name for health checks and direct access
            regional = {"Name": f"{region}.{self.record_name}.", "Type": "A", "AliasTarget": alb}
            changes.append({"Action": "CREATE", "ResourceRecordSet": regional})
            if latency:  # read-local: the application's name is latency DNS to both ALBs
                record = {
                    "Name": f"{self.record_name}.",
                    "Type": "A",
                    "SetIdentifier": region,
                    "Region": region,
                    "HealthCheckId": check["Id"],
                    "AliasTarget": alb,
                }
                changes.append({"Action": "CREATE", "ResourceRecordSet": record})
        route53.change_resource_record_sets(
            HostedZoneId=self.hosted_zone_id, ChangeBatch={"Changes": changes}
        )

    def _global_parameter(self, name: str) -> Any:
        """A parameter default of stacks/global.yaml (the deployed health-check settings)."""
        return resolve(self.global_template, {"Ref": name})

    def alb_dns_name(self, region: str) -> str:
        return f"{self.spec.cluster_id(region)}-alb-1234567890.{region}.elb.amazonaws.com"

    def alb_arn(self, region: str) -> str:
        return (
            f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT}:loadbalancer/app/"
            f"{self.spec.cluster_id(region)}-alb/0123456789abcdef"
        )

    def _build_front_door(self) -> None:
        """active-passive (stacks/global.yaml ApplicationRecord): the application's name
        aliases the accelerator, so the dials decide where every user goes."""
        ga = self.client("globalaccelerator", "us-west-2")
        accelerator = ga.describe_accelerator(AcceleratorArn=self.accelerator_arn)["Accelerator"]
        self.client("route53", "us-east-1").change_resource_record_sets(
            HostedZoneId=self.hosted_zone_id,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "CREATE",
                        "ResourceRecordSet": {
                            "Name": f"{self.record_name}.",
                            "Type": "A",
                            "AliasTarget": {
                                "HostedZoneId": GA_ALIAS_ZONE_ID,
                                "DNSName": accelerator["DnsName"],
                                "EvaluateTargetHealth": False,
                            },
                        },
                    }
                ]
            },
        )

    def _build_accelerator(self) -> None:
        spec = self.spec
        ga = self.client("globalaccelerator", "us-west-2")
        self.accelerator_arn = ga.create_accelerator(
            Name=f"{spec.name}-accelerator", IpAddressType="IPV4", Enabled=True
        )["Accelerator"]["AcceleratorArn"]
        listener = ga.create_listener(
            AcceleratorArn=self.accelerator_arn,
            Protocol="TCP",
            PortRanges=[{"FromPort": 443, "ToPort": 443}],
            ClientAffinity="SOURCE_IP",
        )["Listener"]["ListenerArn"]
        for region in spec.regions:
            group = ga.create_endpoint_group(
                ListenerArn=listener,
                EndpointGroupRegion=region,
                EndpointConfigurations=[
                    {
                        "EndpointId": self.alb_arn(region),
                        "Weight": 128,
                        "ClientIPPreservationEnabled": True,
                    }
                ],
                TrafficDialPercentage=desired_dials(spec.regions, spec.primary)[region],
                HealthCheckProtocol="HTTPS",
                HealthCheckPath="/health",
                HealthCheckPort=443,
                HealthCheckIntervalSeconds=int(self._global_parameter("HealthCheckInterval")),
                ThresholdCount=int(self._global_parameter("HealthCheckFailureThreshold")),
            )["EndpointGroup"]
            self.endpoint_group_arns[region] = group["EndpointGroupArn"]

    def _build_alarms(self) -> None:
        """The health alarms as stacks/global.yaml declares them (us-east-1, one per region)
        and the probe alarms as template.yaml does (PeerProbeAlarm: in each region, one per
        other region, on ProbeHealth's PeerHealthy datapoints with dimension Region=<watched>,
        named <estate>-probe-<watched> in every watching region)."""
        spec = self.spec
        east = self.client("cloudwatch", "us-east-1")
        health = alarm_properties(self.global_template, "HealthCheckStatus")
        probe = alarm_properties(self.template, "PeerHealthy")
        settings = (
            "Statistic",
            "Period",
            "EvaluationPeriods",
            "DatapointsToAlarm",
            "Threshold",
            "ComparisonOperator",
            "TreatMissingData",
        )
        for region in spec.regions:
            east.put_metric_alarm(
                AlarmName=spec.health_alarm(region),
                Namespace=health["Namespace"],
                MetricName=health["MetricName"],
                Dimensions=[{"Name": "HealthCheckId", "Value": self.health_check_ids[region]}],
                **{key: health[key] for key in settings if key in health},
            )
            for watcher in spec.others(region):
                self.client("cloudwatch", watcher).put_metric_alarm(
                    AlarmName=spec.probe_alarm(region),
                    Namespace=probe["Namespace"],
                    MetricName=probe["MetricName"],
                    Dimensions=[{"Name": "Region", "Value": region}],
                    **{key: probe[key] for key in settings if key in probe},
                )
        for region in spec.regions:
            east.set_alarm_state(
                AlarmName=spec.health_alarm(region), StateValue="OK", StateReason="healthy"
            )
            for watcher in spec.others(region):
                self.client("cloudwatch", watcher).set_alarm_state(
                    AlarmName=spec.probe_alarm(region), StateValue="OK", StateReason="healthy"
                )

    def _build_table(self) -> None:
        """The failover table as stacks/lease.yaml declares it: a global table with multi-Region
        strong consistency, a replica in each of LeaseRegions (created from the first, where
        the lease stack deploys)."""
        definition = table_definition()
        spec = self.spec
        first, *others = spec.lease_regions
        ddb = self.client("dynamodb", first)
        ddb.create_table(
            TableName=spec.table_name,
            KeySchema=definition["KeySchema"],
            AttributeDefinitions=definition["AttributeDefinitions"],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.update_table(
            TableName=spec.table_name,
            ReplicaUpdates=[{"Create": {"RegionName": region}} for region in others],
            MultiRegionConsistency="STRONG",
        )

    def _build_topic(self, region: str) -> None:
        sns = self.client("sns", region)
        sqs = self.client("sqs", region)
        topic = sns.create_topic(Name=f"{self.spec.name}-failover")["TopicArn"]
        queue = sqs.create_queue(QueueName=f"{self.spec.name}-failover-notices")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        self.topic_arns[region] = topic
        self.queue_urls[region] = queue

    def estate_config(self) -> dict[str, Any]:
        """ESTATE_CONFIG as template.yaml builds it: the regions in priority order, then one
        column per per-region field (failover.config.PER_REGION_FIELDS)."""
        spec = self.spec
        regions = list(spec.regions)
        return {
            "estate_name": spec.name,
            "topology": spec.topology,
            "global_cluster_id": spec.global_cluster_id,
            "active_region_parameter": spec.parameter,
            "hosted_zone_id": self.hosted_zone_id,
            "record_name": self.record_name,
            "full_capacity": spec.full_capacity,
            "regions": regions,
            "db_cluster_arn": [spec.cluster_arn(r) for r in regions],
            "ecs_cluster": [spec.cluster_id(r) for r in regions],
            "ecs_service": [f"{spec.name}-web" for _ in regions],
            "endpoint_group_arn": [self.endpoint_group_arns[r] for r in regions],
            "health_check_id": [self.health_check_ids[r] for r in regions],
            "health_url": [self.health.url(r) for r in regions],
            "alb_dns_name": [self.alb_dns_name(r) for r in regions],
            "alb_hosted_zone_id": [alb_zone_id(r) for r in regions],
            "data_bucket": [self.data_bucket(r) for r in regions],
            "db_secret_arn": [self.db_secret_arns[r] for r in regions],
        }

    def may_serve(self, region: str) -> bool:
        """Whether the application in ``region`` serves a user itself (docs/DEPLOY.md, the
        container contract): in active-passive only where its database is the global writer;
        in read-local every region serves (reads locally, writes forwarded to the writer)."""
        if self.spec.topology == "read-local":
            return True
        return bool(self.emulator.rds.is_writer(self.spec.cluster_arn(region)))

    def served_by(self) -> set[str]:
        """Where a new user is served now: each region Global Accelerator's data plane may
        send a new connection to (dials and endpoint health, :meth:`GlobalAccelerator.
        landing_regions`), then that region's application, which serves the user or, when it
        may not serve, redirects it to a region that may (the container contract). Regions
        that are down serve nobody."""
        found: set[str] = set()
        accelerator = self.emulator.globalaccelerator
        for group_arn in accelerator.landing_groups(self.accelerator_arn):
            region = next(r for r, arn in self.endpoint_group_arns.items() if arn == group_arn)
            answer = self.health.request(region)
            if answer is not None:
                found.add(answer)
        return found

    @property
    def lease_seconds(self) -> int:
        """The template's LeaseSeconds parameter (its default)."""
        return int(self.template["Parameters"]["LeaseSeconds"]["Default"])

    def _environment(self, region: str) -> dict[str, str]:
        spec = self.spec
        return {
            "ESTATE_CONFIG": json.dumps(self.estate_config()),
            "FAILOVER_TABLE_NAME": spec.table_name,
            "LEASE_REGIONS": ",".join(spec.lease_regions),
            "FAILOVER_TOPIC_ARN": self.topic_arns[region],
            # template.yaml's !Sub names of the bus, the machine and ValidateInputFunction
            "FAILOVER_EVENT_BUS_ARN": arns.build(
                self.topic_arns[region], "events", region, f"event-bus/{spec.name}-failover"
            ),
            "FAILOVER_STATE_MACHINE_ARN": arns.build(
                self.topic_arns[region], "states", region, f"stateMachine:{spec.state_machine_name}"
            ),
            "VALIDATE_INPUT_FUNCTION_NAME": f"{spec.name}-validate-input",
            "COOLDOWN_MINUTES": str(spec.cooldown_minutes),
            "LEASE_SECONDS": str(self.lease_seconds),
            "MAX_SWITCHOVER_LAG_SECONDS": str(spec.max_switchover_lag_seconds),
            "OUTAGE_QUORUM": "2",
            "MIN_OUTAGE_SECONDS": str(
                spec.min_outage_seconds
                if spec.min_outage_seconds is not None
                else resolve(self.template, {"Ref": "MinOutageSeconds"})
            ),
            "ACKNOWLEDGE_SHORT_OUTAGE": "true" if spec.acknowledge_short_outage else "false",
            "MAX_DATA_LOSS_SECONDS": str(
                spec.max_data_loss_seconds
                if spec.max_data_loss_seconds is not None
                else resolve(self.template, {"Ref": "MaxDataLossSeconds"})
            ),
            "APPROVAL_FOR_AUTOMATIC": "true" if spec.approval_for_automatic else "false",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "WARM_STANDBY_TASKS": str(spec.standby_capacity),
        }

    def _build_functions(self, region: str, role: str) -> None:
        concrete = self._environment(region)
        # One build deployed to both regions: the same bytes, so the same CodeSha256 (a fixed
        # entry date; a zip stamps each entry with the time it was written).
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            entry = zipfile.ZipInfo("README.txt", date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(entry, "handlers run in-process from functions/")
        lam = self.client("lambda", region)
        arns = {}
        for logical_id, fn in function_specs(self.template).items():
            env: dict[str, str] = {}
            for key, value in fn.environment.items():
                if isinstance(value, str | int | float | bool):
                    env[key] = str(value)
                elif key in concrete:
                    env[key] = concrete[key]
                else:
                    raise KeyError(f"{logical_id}: no local value for environment variable {key}")
            env.update(self.spec.extra_environment)
            arns[logical_id] = lam.create_function(
                FunctionName=fn.name(self.spec.name),
                Runtime="python3.13",
                Architectures=["arm64"],
                Role=role,
                Handler=fn.handler,
                Code={"ZipFile": code.getvalue()},
                Timeout=fn.timeout,
                MemorySize=fn.memory_size,
                Environment={"Variables": env},
            )["FunctionArn"]
            if fn.event_invoke_config:
                self._put_event_invoke_config(region, arns[logical_id], fn.event_invoke_config)
        self.function_arns[region] = arns

    def _put_event_invoke_config(self, region: str, arn: str, config: dict[str, Any]) -> None:
        """SAM's EventInvokeConfig; destinations that name the stack's DeadLetterQueue point
        at this region's queue."""
        kwargs: dict[str, Any] = {
            key: int(config[key])
            for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds")
            if key in config
        }
        destinations = {}
        for which, found in (config.get("DestinationConfig") or {}).items():
            target = found.get("Destination")
            if target == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}:
                target = self.dead_letter_arn(region)
            if not isinstance(target, str):
                raise KeyError(f"{arn}: no local value for destination {target}")
            destinations[which] = {"Destination": target}
        if destinations:
            kwargs["DestinationConfig"] = destinations
        self.client("lambda", region).put_function_event_invoke_config(FunctionName=arn, **kwargs)

    def _build_state_machine(self, region: str, role: str) -> None:
        # The template's substitutions that are not function ARNs, as CloudFormation resolves
        # them here (tests/template checks that these are all there are).
        values = {
            "Partition": "aws",
            "FailoverTableName": self.spec.table_name,
            "LeaseSeconds": str(self.lease_seconds),
        }
        for key, value in state_machine_substitutions(self.template).items():
            if key in values:
                continue
            logical_id = key.removesuffix("Arn")
            if logical_id not in self.function_arns[region]:
                raise KeyError(f"substitution {key}={value} names no function")
            values[key] = self.function_arns[region][logical_id]
        definition = substitute(STATE_MACHINE.read_text(encoding="utf-8"), values)
        self.state_machine_arns[region] = self.client("stepfunctions", region).create_state_machine(
            name=self.spec.state_machine_name, definition=definition, roleArn=role, type="STANDARD"
        )["stateMachineArn"]

    # --- driving ----------------------------------------------------------------------------
    def publish_replication_lag(self, lag_ms: float | None, region: str | None = None) -> None:
        """Publish AuroraGlobalDBReplicationLag and AuroraGlobalDBRPOLag as Aurora does for each
        secondary, now and (with the world actor running) every modelled minute
        (emulator.services.rds); None stops them (the lag becomes unknown once stale)."""
        for name in [region] if region else list(self.spec.regions):
            self.emulator.rds.set_replication_lag(self.spec.cluster_arn(name), lag_ms)
            if lag_ms is None:
                continue
            self.client("cloudwatch", name).put_metric_data(
                Namespace="AWS/RDS",
                MetricData=[
                    {
                        "MetricName": metric,
                        "Dimensions": [
                            {"Name": "DBClusterIdentifier", "Value": self.spec.cluster_id(name)}
                        ],
                        "Timestamp": self.emulator.utcnow() - timedelta(seconds=30),
                        "Value": lag_ms,
                        "Unit": "Milliseconds",
                    }
                    for metric in ("AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag")
                ],
            )

    def start(self, region: str, payload: dict[str, Any], name: str | None = None) -> str:
        kwargs: dict[str, Any] = {
            "stateMachineArn": self.state_machine_arns[region],
            "input": json.dumps(payload),
        }
        if name:
            kwargs["name"] = name
        return str(self.client("stepfunctions", region).start_execution(**kwargs)["executionArn"])

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of modelled time pass (everything due meanwhile happens)."""
        self.emulator.clock.advance(seconds)

    def wait_until(
        self, condition: Any, limit: float = 7200.0, what: str = "", timeout: float = 120.0
    ) -> None:
        """Let modelled time pass, a second at a time, until ``condition()`` holds.

        TimeoutError after ``limit`` modelled seconds, or ``timeout`` real ones."""
        clock = self.emulator.clock
        deadline = clock.now() + limit
        real_deadline = time.monotonic() + timeout
        while not condition():
            if clock.now() >= deadline or time.monotonic() > real_deadline:
                raise TimeoutError(f"{what or 'condition'}: not within {limit:g} modelled s")
            clock.advance(1.0)

    def wait(self, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
        """Let modelled time pass until the execution ended; its description.

        ``timeout`` is real seconds (a safety net); modelled time is bounded by the machine's
        own TimeoutSeconds."""
        region = region_of(execution_arn)
        sfn = self.client("stepfunctions", region)

        def ended() -> bool:
            if execution_arn in self.ended:
                return True
            status = sfn.describe_execution(executionArn=execution_arn)["status"]
            return bool(status in TERMINAL)

        if not ended():
            self.wait_until(
                lambda: execution_arn in self.ended,
                limit=4 * 3600,
                what=f"{execution_arn} to end",
                timeout=timeout,
            )
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        return described

    def run(self, region: str, payload: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
        return self.wait(self.start(region, payload), timeout)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        """The execution's history, read as the product reads it (failover.history)."""
        from failover import history

        return history.history(
            self.client("stepfunctions", region_of(execution_arn)), execution_arn
        )

    def outage(self, region: str, *, observers: tuple[str, ...] = ("all",)) -> None:
        """Make ``region`` fail as the observers would see it.

        ``observers`` picks which observers notice: ``route53`` (checkers), ``health_alarm``,
        ``probe`` (every other region's probe alarm on it), ``accelerator``; "all" is every
        one of them.
        The region's /health endpoint answers 503 in every case.
        """
        chosen = set(observers)
        every = "all" in chosen
        self.health.set_healthy(region, False)
        if every or "route53" in chosen:
            self.emulator.route53.set_health(self.health_check_ids[region], False)
        if every or "accelerator" in chosen:
            self.emulator.globalaccelerator.set_endpoint_health(
                self.endpoint_group_arns[region], False
            )
        if every or "health_alarm" in chosen:
            self.client("cloudwatch", "us-east-1").set_alarm_state(
                AlarmName=self.spec.health_alarm(region),
                StateValue="ALARM",
                StateReason="Threshold Crossed: 2 datapoints were less than the threshold (1.0).",
            )
        if every or "probe" in chosen:
            reason = "Threshold Crossed: 3 datapoints were less than the threshold (1.0)."
            for watcher in self.spec.others(region):
                self.client("cloudwatch", watcher).set_alarm_state(
                    AlarmName=self.spec.probe_alarm(region), StateValue="ALARM", StateReason=reason
                )

    def recover(self, region: str) -> None:
        self.health.set_healthy(region, True)
        self.emulator.route53.set_health(self.health_check_ids[region], True)
        self.emulator.globalaccelerator.set_endpoint_health(self.endpoint_group_arns[region], True)
        self.client("cloudwatch", "us-east-1").set_alarm_state(
            AlarmName=self.spec.health_alarm(region), StateValue="OK", StateReason="recovered"
        )
        for watcher in self.spec.others(region):
            self.client("cloudwatch", watcher).set_alarm_state(
                AlarmName=self.spec.probe_alarm(region), StateValue="OK", StateReason="recovered"
            )

    def await_rebuild(self) -> None:
        """Let modelled time pass until Aurora has rebuilt every member after an unplanned
        failover (``SynchronizationStatus`` connected again: minutes to hours,
        ``latency.aurora_resync_seconds``), as an operator waits before a switchover back or
        post-recovery (both are refused while a member is pending-resync)."""
        rds = self.emulator.rds
        arns = [self.spec.cluster_arn(region) for region in self.spec.regions]
        self.wait_until(
            lambda: all(rds.synchronization_status(arn) == "connected" for arn in arns),
            limit=self.emulator.latency.aurora_resync_seconds + 120.0,
            what="every Aurora member connected (the rebuild after an unplanned failover)",
        )

    def alarm_event(self, region: str, state: str = "ALARM") -> dict[str, Any]:
        """The "CloudWatch Alarm State Change" event for ``region``'s health alarm, as sent."""
        name = self.spec.health_alarm(region)
        now = self.emulator.utcnow()
        return {
            "version": "0",
            "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
            "detail-type": "CloudWatch Alarm State Change",
            "source": "aws.cloudwatch",
            "account": ACCOUNT,
            "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": "us-east-1",
            "resources": [f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{name}"],
            "detail": {
                "alarmName": name,
                "state": {
                    "value": state,
                    "reason": "Threshold Crossed: 2 datapoints were less than the threshold (1.0).",
                    "reasonData": "{}",
                    "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                },
                "previousState": {
                    "value": "OK",
                    "reason": "Threshold Crossed",
                    "timestamp": (now - timedelta(minutes=5)).strftime(
                        "%Y-%m-%dT%H:%M:%S.000+0000"
                    ),
                },
                "configuration": {
                    "metrics": [
                        {
                            "id": "m1",
                            "metricStat": {
                                "metric": {
                                    "namespace": "AWS/Route53",
                                    "name": "HealthCheckStatus",
                                    "dimensions": {"HealthCheckId": self.health_check_ids[region]},
                                },
                                "period": 60,
                                "stat": "Minimum",
                            },
                            "returnData": True,
                        }
                    ]
                },
            },
        }

    # --- reading ----------------------------------------------------------------------------
    def config(self) -> EstateConfig:
        from failover.config import EstateConfig

        return EstateConfig.from_dict(self.estate_config())

    def view(self, reader: str | None = None) -> EstateView:
        """Where the estate stands, read as the product reads it (failover.estate_view)."""
        from failover import estate_view

        return estate_view.observe(
            self.config(), self.client, reader or self.spec.regions[1], read_lease=self.read_lease
        )

    def read_lease(self, region: str | None = None) -> Lease | None:
        """The lease item as the product reads it (failover.lease.current), through the
        replica of the failover table a reader in ``region`` uses (:meth:`table_region`;
        None: the first lease region that answers)."""
        from failover import lease

        if region is None:
            faults = self.emulator.faults
            members = self.spec.lease_regions
            replica = next((r for r in members if not faults.is_unreachable(r)), members[0])
        else:
            replica = self.table_region(region)
        return lease.current(self.client("dynamodb", replica), self.spec.table_name)

    def dns(self) -> dict[str, str]:
        """Every alias record's target, by set identifier (latency records) or by name."""
        records = self.client("route53", "us-east-1").list_resource_record_sets(
            HostedZoneId=self.hosted_zone_id
        )["ResourceRecordSets"]
        return {
            r.get("SetIdentifier") or r["Name"].rstrip("."): r["AliasTarget"]["DNSName"].rstrip(".")
            for r in records
            if "AliasTarget" in r
        }

    def table_region(self, region: str) -> str:
        """The failover table's replica a reader in ``region`` uses: its own when ``region`` is
        one of the lease regions, else the nearest member that is not unreachable (the table
        has replicas only there)."""
        from failover.geography import nearest_first

        members = self.spec.lease_regions
        if region in members:
            return region
        ordered = nearest_first(region, members)
        faults = self.emulator.faults
        return next((r for r in ordered if not faults.is_unreachable(r)), ordered[0])

    def audit_rows(self, region: str) -> list[dict[str, Any]]:
        """The audit rows, newest last, as plain Python values (read through the replica a
        reader in ``region`` uses, :meth:`table_region`)."""
        from boto3.dynamodb.types import TypeDeserializer

        deserialize = TypeDeserializer().deserialize
        items = self.client("dynamodb", self.table_region(region)).query(
            TableName=self.spec.table_name,
            KeyConditionExpression="pk = :run",
            ExpressionAttributeValues={":run": {"S": "RUN"}},
        )["Items"]
        return [{key: deserialize(value) for key, value in item.items()} for item in items]

    def notices(self, region: str) -> list[dict[str, Any]]:
        """Drain the SNS notices delivered so far: [{"subject", "kind", "text", "detail"}]."""
        sqs = self.client("sqs", region)
        found: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(
                QueueUrl=self.queue_urls[region], MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                return found
            for message in batch:
                envelope = json.loads(message["Body"])
                attributes = envelope.get("MessageAttributes") or {}
                found.append(
                    {
                        "subject": envelope.get("Subject"),
                        "kind": attributes.get("kind", {}).get("Value"),
                        "text": envelope.get("Message"),
                        "detail": json.loads(attributes.get("detail", {}).get("Value") or "{}"),
                    }
                )
                sqs.delete_message(
                    QueueUrl=self.queue_urls[region], ReceiptHandle=message["ReceiptHandle"]
                )

    def close(self) -> None:
        """Stop executions still running (e.g. waiting for approval), give the time back,
        then stop the endpoints."""
        for region, arn in self.state_machine_arns.items():
            sfn = self.client("stepfunctions", region)
            running = sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")
            for execution in running["executions"]:
                sfn.stop_execution(executionArn=execution["executionArn"], error="EstateClosed")
        self.release_time()
        if self._on_notice in self.emulator.listeners:
            self.emulator.listeners.remove(self._on_notice)
        self.health.stop()
