"""Deployment settings: environment variables parsed once into pydantic models.

Nothing else in the package reads ``os.environ``.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from failover.errors import ConfigurationError


class RegionConfig(BaseModel):
    """What the control plane needs to know about one region of the estate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    db_cluster_arn: str
    ecs_cluster: str
    ecs_service: str
    full_capacity: int = Field(ge=1)
    endpoint_group_arn: str
    health_check_id: str
    health_url: str
    health_alarm_name: str
    probe_alarm_name: str
    alb_dns_name: str
    alb_hosted_zone_id: str
    record_set_identifier: str


class EstateConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    estate_name: str
    global_cluster_id: str
    active_region_parameter: str
    hosted_zone_id: str
    record_name: str
    regions: dict[str, RegionConfig]

    @field_validator("regions")
    @classmethod
    def _two_regions(cls, value: dict[str, RegionConfig]) -> dict[str, RegionConfig]:
        if len(value) != 2:
            raise ValueError("the estate has exactly two regions")
        return value

    def peer_of(self, region: str) -> str:
        (peer,) = [name for name in self.regions if name != region]
        return peer

    def region_of_alarm(self, alarm_name: str) -> str | None:
        """The region an alarm watches: its Route 53 health alarm or its peer's probe alarm."""
        for name, region in self.regions.items():
            if alarm_name in (region.health_alarm_name, region.probe_alarm_name):
                return name
        return None


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    home_region: str
    estate: EstateConfig
    table_name: str
    topic_arn: str
    state_machine_name: str
    cooldown_minutes: int = Field(default=30, ge=0)
    lock_ttl_seconds: int = Field(default=3600, ge=60)
    max_switchover_lag_seconds: float = Field(default=5.0, ge=0)
    outage_quorum: int = Field(default=2, ge=2)
    approval_for_automatic: bool = False
    metrics_namespace: str = "FailoverControlPlane"
    database_poll_limit: int = Field(default=60, ge=1)
    compute_poll_limit: int = Field(default=60, ge=1)

    @property
    def home(self) -> RegionConfig:
        return self.estate.regions[self.home_region]


_ENV = {
    "home_region": "AWS_REGION",
    "estate": "ESTATE_CONFIG",
    "table_name": "FAILOVER_TABLE_NAME",
    "topic_arn": "FAILOVER_TOPIC_ARN",
    "state_machine_name": "STATE_MACHINE_NAME",
    "cooldown_minutes": "COOLDOWN_MINUTES",
    "lock_ttl_seconds": "LOCK_TTL_SECONDS",
    "max_switchover_lag_seconds": "MAX_SWITCHOVER_LAG_SECONDS",
    "outage_quorum": "OUTAGE_QUORUM",
    "approval_for_automatic": "APPROVAL_FOR_AUTOMATIC",
    "metrics_namespace": "METRICS_NAMESPACE",
    "database_poll_limit": "DATABASE_POLL_LIMIT",
    "compute_poll_limit": "COMPUTE_POLL_LIMIT",
}
_REQUIRED = ("home_region", "estate", "table_name", "topic_arn", "state_machine_name")


def get_settings() -> Settings:
    """Settings for the current environment, parsed once per distinct environment."""
    snapshot = tuple((field, os.environ.get(variable)) for field, variable in _ENV.items())
    return _parse(snapshot)


@lru_cache(maxsize=8)
def _parse(snapshot: tuple[tuple[str, str | None], ...]) -> Settings:
    values = {field: value for field, value in snapshot if value not in (None, "")}
    missing = [_ENV[field] for field in _REQUIRED if field not in values]
    if missing:
        raise ConfigurationError(f"missing environment variables: {', '.join(missing)}")
    try:
        values["estate"] = json.loads(values["estate"] or "")
        settings = Settings.model_validate(values)
    except (ValueError, ValidationError) as error:
        raise ConfigurationError(f"invalid settings: {error}") from error
    if settings.home_region not in settings.estate.regions:
        raise ConfigurationError(
            f"AWS_REGION {settings.home_region} is not a region of ESTATE_CONFIG"
        )
    return settings
