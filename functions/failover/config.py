"""Deployment settings: environment variables parsed once into frozen dataclasses.

Nothing else in the package reads ``os.environ``. Plain dataclasses, not pydantic: every
handler imports this module on its cold start, and the values are few and simple
(issue 10: keep the cold import small). A malformed value raises ``ConfigurationError``
naming the variable.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

from failover import arns
from failover.errors import ConfigurationError

GLOBAL_ACCELERATOR_REGION = "us-west-2"
"""The Global Accelerator API is served only from us-west-2."""

ROUTE53_REGION = "us-east-1"
"""Route 53's control plane, its health-check metrics and the alarms on them: us-east-1 only."""


TOPOLOGIES = ("active-passive", "read-local")
"""The front door (stacks/global.yaml): the accelerator alone, or latency DNS to both regions."""


@dataclass(frozen=True)
class RegionConfig:
    """What the control plane needs to know about one region of the estate."""

    db_cluster_arn: str
    ecs_cluster: str
    ecs_service: str
    full_capacity: int
    endpoint_group_arn: str
    health_check_id: str
    health_url: str
    health_alarm_name: str
    probe_alarm_name: str
    alb_dns_name: str
    alb_hosted_zone_id: str
    record_set_identifier: str
    data_bucket: str
    db_secret_arn: str

    def __post_init__(self) -> None:
        if self.full_capacity < 1:
            raise ConfigurationError("ESTATE_CONFIG: full_capacity must be >= 1")


@dataclass(frozen=True)
class EstateConfig:
    estate_name: str
    topology: str
    global_cluster_id: str
    active_region_parameter: str
    hosted_zone_id: str
    record_name: str
    regions: dict[str, RegionConfig] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.regions) != 2:
            raise ConfigurationError("ESTATE_CONFIG: the estate has exactly two regions")
        if self.topology not in TOPOLOGIES:
            raise ConfigurationError(f"ESTATE_CONFIG.topology: one of {', '.join(TOPOLOGIES)}")

    def peer_of(self, region: str) -> str:
        (peer,) = [name for name in self.regions if name != region]
        return peer

    def region_of_alarm(self, alarm_name: str) -> str | None:
        """The region an alarm watches: its Route 53 health alarm or its peer's probe alarm."""
        for name, region in self.regions.items():
            if alarm_name in (region.health_alarm_name, region.probe_alarm_name):
                return name
        return None

    @classmethod
    def from_dict(cls, raw: Any) -> EstateConfig:
        """Strictly: every field present with its type, nothing unknown."""
        top = _fields_of(cls, raw, "ESTATE_CONFIG", skip={"regions"})
        regions_raw = raw.get("regions")
        if not isinstance(regions_raw, dict):
            raise ConfigurationError("ESTATE_CONFIG.regions: must be an object")
        regions = {
            str(name): RegionConfig(**_fields_of(RegionConfig, value, f"ESTATE_CONFIG.{name}"))
            for name, value in regions_raw.items()
        }
        return cls(**top, regions=regions)


def _fields_of(
    cls: type, raw: Any, where: str, skip: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{where}: must be an object")
    wanted = {f.name: f.type for f in fields(cls) if f.name not in skip}
    unknown = sorted(set(raw) - set(wanted) - set(skip))
    missing = sorted(set(wanted) - set(raw))
    if unknown or missing:
        raise ConfigurationError(
            f"{where}: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}"
        )
    values: dict[str, Any] = {}
    for name, kind in wanted.items():
        value = raw[name]
        expected = int if kind == "int" else str
        if not isinstance(value, expected) or isinstance(value, bool):
            raise ConfigurationError(f"{where}.{name}: must be {expected.__name__}")
        values[name] = value
    return values


@dataclass(frozen=True)
class Settings:
    home_region: str
    estate: EstateConfig
    table_name: str
    topic_arn: str
    lease_regions: tuple[str, ...]
    """The failover table's regions (template LeaseRegions): three Regions of one DynamoDB
    multi-Region strong consistency set, each a replica, chosen by the operator independently
    of the estate's regions. ``failover.table`` picks the replica this control plane uses."""
    cooldown_minutes: int = 30
    lease_seconds: int = 120
    max_switchover_lag_seconds: float = 5.0
    outage_quorum: int = 2
    approval_for_automatic: bool = False
    min_outage_seconds: int = 180
    acknowledge_short_outage: bool = False
    max_data_loss_seconds: float = 5.0
    metrics_namespace: str = "FailoverControlPlane"
    warm_standby_tasks: int = 1
    event_bus_arn: str = ""
    """This region's failover bus (the peer's health alarm reaches the machine through it)."""
    state_machine_arn: str = ""
    """This region's failover state machine."""
    validate_input_function: str = ""
    """ValidateInputFunction's name: the same in both regions (Readiness compares versions)."""

    @property
    def peer_region(self) -> str:
        return self.estate.peer_of(self.home_region)

    @property
    def peer_topic_arn(self) -> str:
        """The peer's topic: same name, same account, the peer region (template.yaml)."""
        return arns.in_region(self.topic_arn, self.peer_region)


# field -> (environment variable, parser)
_ENV: dict[str, tuple[str, Any]] = {
    "home_region": ("AWS_REGION", str),
    "estate": ("ESTATE_CONFIG", lambda text: EstateConfig.from_dict(json.loads(text))),
    "table_name": ("FAILOVER_TABLE_NAME", str),
    "topic_arn": ("FAILOVER_TOPIC_ARN", str),
    "lease_regions": ("LEASE_REGIONS", lambda text: _lease_regions(text)),
    "cooldown_minutes": ("COOLDOWN_MINUTES", int),
    "lease_seconds": ("LEASE_SECONDS", int),
    "max_switchover_lag_seconds": ("MAX_SWITCHOVER_LAG_SECONDS", float),
    "outage_quorum": ("OUTAGE_QUORUM", int),
    "approval_for_automatic": ("APPROVAL_FOR_AUTOMATIC", lambda text: text.lower() == "true"),
    "min_outage_seconds": ("MIN_OUTAGE_SECONDS", int),
    "acknowledge_short_outage": ("ACKNOWLEDGE_SHORT_OUTAGE", lambda text: text.lower() == "true"),
    "max_data_loss_seconds": ("MAX_DATA_LOSS_SECONDS", float),
    "metrics_namespace": ("METRICS_NAMESPACE", str),
    "warm_standby_tasks": ("WARM_STANDBY_TASKS", int),
    "event_bus_arn": ("FAILOVER_EVENT_BUS_ARN", str),
    "state_machine_arn": ("FAILOVER_STATE_MACHINE_ARN", str),
    "validate_input_function": ("VALIDATE_INPUT_FUNCTION_NAME", str),
}
_REQUIRED = ("home_region", "estate", "table_name", "topic_arn", "lease_regions")
_MINIMUM = {
    "cooldown_minutes": 0,
    "lease_seconds": 120,
    "max_switchover_lag_seconds": 0,
    "min_outage_seconds": 30,
    "max_data_loss_seconds": 0,
}

MRSC_REGION_SETS: tuple[frozenset[str], ...] = (
    frozenset({"us-east-1", "us-east-2", "us-west-2"}),
    frozenset({"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"}),
    frozenset({"ap-northeast-1", "ap-northeast-2", "ap-northeast-3"}),
)
"""DynamoDB multi-Region strong consistency: a table's three Regions come from one of these
sets (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/multi-region-strong-consistency-gt.html).
template.yaml's Rules refuse any other LeaseRegions at deploy time."""


def _lease_regions(text: str) -> tuple[str, ...]:
    regions = tuple(part.strip() for part in text.split(",") if part.strip())
    if len(regions) != 3 or len(set(regions)) != 3:
        raise ValueError("three distinct regions, comma-separated")
    if not any(set(regions) <= allowed for allowed in MRSC_REGION_SETS):
        raise ValueError(
            f"{', '.join(regions)} are not of one multi-Region strong consistency set "
            "(US: us-east-1, us-east-2, us-west-2; EU: eu-west-1, eu-west-2, eu-west-3, "
            "eu-central-1; AP: ap-northeast-1, ap-northeast-2, ap-northeast-3)"
        )
    return regions


SAFE_MIN_OUTAGE_SECONDS = 120
"""The floor of MinOutageSeconds without ACKNOWLEDGE_SHORT_OUTAGE: twice what an Aurora
in-region writer failover typically takes ("service is typically restored in less than 60
seconds, and often less than 30 seconds",
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.AuroraHighAvailability.html),
and longer than the ALB's view of a replaced ECS task (stacks/region.yaml: UnhealthyThresholdCount
3 x 10 s out, deregistration delay 30 s, HealthCheckGracePeriodSeconds 60, HealthyThresholdCount
2 x 10 s back in). A shorter minimum lets an in-region event that heals itself move the writer
with data loss allowed. template.yaml's Rules refuse it at deploy time; this is the same rule
where the function starts."""


def get_settings() -> Settings:
    """Settings for the current environment, parsed once per distinct environment."""
    return _parse(tuple((name, os.environ.get(variable)) for name, (variable, _) in _ENV.items()))


@lru_cache(maxsize=8)
def _parse(snapshot: tuple[tuple[str, str | None], ...]) -> Settings:
    raw = {name: value for name, value in snapshot if value not in (None, "")}
    missing = [_ENV[name][0] for name in _REQUIRED if name not in raw]
    if missing:
        raise ConfigurationError(f"missing environment variables: {', '.join(missing)}")
    values: dict[str, Any] = {}
    for name, text in raw.items():
        variable, parse = _ENV[name]
        try:
            values[name] = parse(text)
        except (ValueError, TypeError) as error:
            raise ConfigurationError(f"{variable}: {error}") from error
        if name in _MINIMUM and values[name] < _MINIMUM[name]:
            raise ConfigurationError(f"{variable}: must be >= {_MINIMUM[name]}")
    if values.get("outage_quorum", 2) < 2:
        raise ConfigurationError("OUTAGE_QUORUM: one observer family alone never moves the region")
    if values.get(
        "min_outage_seconds", SAFE_MIN_OUTAGE_SECONDS
    ) < SAFE_MIN_OUTAGE_SECONDS and not values.get("acknowledge_short_outage", False):
        raise ConfigurationError(
            f"MIN_OUTAGE_SECONDS: below {SAFE_MIN_OUTAGE_SECONDS} s an in-region Aurora failover "
            "or ECS deployment can move the writer with data loss allowed; set "
            "ACKNOWLEDGE_SHORT_OUTAGE=true (AcknowledgeShortOutage) to accept that"
        )
    settings = Settings(**values)
    if settings.home_region not in settings.estate.regions:
        raise ConfigurationError(
            f"AWS_REGION {settings.home_region} is not a region of ESTATE_CONFIG"
        )
    return settings
