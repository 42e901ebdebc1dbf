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
"""The front door (stacks/global.yaml): the accelerator alone, or latency DNS to every region."""


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


MAX_REGIONS = 4
"""The most regions one estate takes. Every function carries ESTATE_CONFIG in its environment,
and Lambda allows 4 KB of environment variables per function
(https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): four regions' worth
of ARNs and names fit with the other variables, five do not (tests/unit/test_config.py measures
it). template.yaml's Rules refuse a longer Regions at deploy time."""

PER_REGION_FIELDS = (
    "db_cluster_arn",
    "ecs_cluster",
    "ecs_service",
    "endpoint_group_arn",
    "health_check_id",
    "health_url",
    "alb_dns_name",
    "alb_hosted_zone_id",
    "data_bucket",
    "db_secret_arn",
)
"""ESTATE_CONFIG's columns: one list per field, one entry per region, in the order of
``regions`` (template.yaml builds each from one CommaDelimitedList parameter)."""


@dataclass(frozen=True)
class EstateConfig:
    estate_name: str
    topology: str
    global_cluster_id: str
    active_region_parameter: str
    hosted_zone_id: str
    record_name: str
    regions: dict[str, RegionConfig] = field(default_factory=dict)
    """Every region of the estate, in priority order (template Regions): the primary first,
    then the order in which the run prefers a failover target (:mod:`failover.candidates`)."""

    def __post_init__(self) -> None:
        if not 2 <= len(self.regions) <= MAX_REGIONS:
            raise ConfigurationError(
                f"ESTATE_CONFIG.regions: 2 to {MAX_REGIONS} regions, not {len(self.regions)}"
            )
        if self.topology not in TOPOLOGIES:
            raise ConfigurationError(f"ESTATE_CONFIG.topology: one of {', '.join(TOPOLOGIES)}")

    @property
    def priority(self) -> tuple[str, ...]:
        """The regions in priority order; the first is the primary of the first deployment."""
        return tuple(self.regions)

    def others(self, region: str) -> tuple[str, ...]:
        """Every region but ``region``, in priority order."""
        return tuple(name for name in self.regions if name != region)

    def region_of_alarm(self, alarm_name: str) -> str | None:
        """The region an alarm watches: its Route 53 health alarm, or the probe alarm that
        every other region's control plane raises on it (the same name in each)."""
        for name, region in self.regions.items():
            if alarm_name in (region.health_alarm_name, region.probe_alarm_name):
                return name
        return None

    @classmethod
    def from_dict(cls, raw: Any) -> EstateConfig:
        """Strictly: every field present with its type, nothing unknown. The per-region fields
        are columns (:data:`PER_REGION_FIELDS`), each with one entry per region."""
        if not isinstance(raw, dict):
            raise ConfigurationError("ESTATE_CONFIG: must be an object")
        columns = {*PER_REGION_FIELDS, "regions", "full_capacity"}
        top = _fields_of(
            cls,
            {k: v for k, v in raw.items() if k not in columns},
            "ESTATE_CONFIG",
            skip={"regions"},
        )
        names = _column(raw, "regions", None)
        if len(set(names)) != len(names):
            raise ConfigurationError("ESTATE_CONFIG.regions: a region appears twice")
        if not 2 <= len(names) <= MAX_REGIONS:
            raise ConfigurationError(
                f"ESTATE_CONFIG.regions: 2 to {MAX_REGIONS} regions, not {len(names)}"
            )
        capacity = raw.get("full_capacity")
        if not isinstance(capacity, int) or isinstance(capacity, bool):
            raise ConfigurationError("ESTATE_CONFIG.full_capacity: must be int")
        values = {column: _column(raw, column, len(names)) for column in PER_REGION_FIELDS}
        estate_name = str(top["estate_name"])
        regions = {
            name: RegionConfig(
                **{column: values[column][index] for column in PER_REGION_FIELDS},
                full_capacity=capacity,
                health_alarm_name=f"{estate_name}-health-{name}",
                probe_alarm_name=f"{estate_name}-probe-{name}",
                record_set_identifier=name,
            )
            for index, name in enumerate(names)
        }
        return cls(**top, regions=regions)


def _column(raw: dict[str, Any], name: str, length: int | None) -> list[str]:
    value = raw.get(name)
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ConfigurationError(f"ESTATE_CONFIG.{name}: must be a list of non-empty strings")
    if length is not None and len(value) != length:
        raise ConfigurationError(f"ESTATE_CONFIG.{name}: {len(value)} entries for {length} regions")
    return value


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
    """This region's failover bus (every other region's health alarm reaches the machine
through it)."""
    state_machine_arn: str = ""
    """This region's failover state machine."""
    validate_input_function: str = ""
    """ValidateInputFunction's name: the same in every region (Readiness compares versions)."""

    @property
    def other_regions(self) -> tuple[str, ...]:
        """The estate's other regions, in priority order."""
        return self.estate.others(self.home_region)

    def topic_arn_in(self, region: str) -> str:
        """``region``'s failover topic: same name, same account (template.yaml)."""
        return arns.in_region(self.topic_arn, region)


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
