"""Settings are read once from the environment; every bad value is refused by name."""

from __future__ import annotations

import json
import re

import pytest
from failover.config import get_settings
from failover.errors import ConfigurationError

from tests.unit.estate_settings import SECONDARY, environment, estate_dict


def test_settings_come_from_the_environment_with_documented_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in environment().items():
        monkeypatch.setenv(key, value)

    settings = get_settings()

    assert settings.home_region == SECONDARY
    assert settings.other_regions == ("us-east-1",)
    assert settings.topic_arn_in("us-east-1") == "arn:aws:sns:us-east-1:123456789012:shop-failover"
    assert (settings.cooldown_minutes, settings.lease_seconds, settings.outage_quorum) == (
        30,
        120,
        2,
    )


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("OUTAGE_QUORUM", "1", "OUTAGE_QUORUM"),
        ("LEASE_SECONDS", "10", "LEASE_SECONDS"),
        ("COOLDOWN_MINUTES", "soon", "COOLDOWN_MINUTES"),
        ("AWS_REGION", "eu-west-1", "AWS_REGION"),
        ("ESTATE_CONFIG", "{not json", "ESTATE_CONFIG"),
        ("ESTATE_CONFIG", json.dumps({**estate_dict(), "extra": 1}), "ESTATE_CONFIG"),
        ("FAILOVER_TABLE_NAME", "", "FAILOVER_TABLE_NAME"),
        ("MIN_OUTAGE_SECONDS", "60", "ACKNOWLEDGE_SHORT_OUTAGE"),
        ("MIN_OUTAGE_SECONDS", "10", "MIN_OUTAGE_SECONDS"),
        ("MAX_DATA_LOSS_SECONDS", "-1", "MAX_DATA_LOSS_SECONDS"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    for key, good in environment().items():
        monkeypatch.setenv(key, good)
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigurationError, match=named):
        get_settings()


def test_a_short_minimum_outage_is_accepted_only_when_acknowledged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, good in environment().items():
        monkeypatch.setenv(key, good)
    assert get_settings().min_outage_seconds == 180  # the safe default
    monkeypatch.setenv("MIN_OUTAGE_SECONDS", "60")
    monkeypatch.setenv("ACKNOWLEDGE_SHORT_OUTAGE", "true")

    assert get_settings().min_outage_seconds == 60


def test_an_estate_region_needs_a_positive_capacity() -> None:
    broken = estate_dict()
    broken["full_capacity"] = 0
    from failover.config import EstateConfig

    with pytest.raises(ConfigurationError, match="full_capacity"):
        EstateConfig.from_dict(broken)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"regions": ["us-east-1"]}, "ESTATE_CONFIG.regions: 2 to 4 regions, not 1"),
        ({"regions": ["us-east-1", "us-east-1"]}, "ESTATE_CONFIG.regions: a region appears twice"),
        ({"db_cluster_arn": ["arn:aws:rds:us-east-1:1:cluster:a"]}, "db_cluster_arn: 1 entries"),
        ({"health_url": "https://x"}, "ESTATE_CONFIG.health_url: must be a list"),
        ({"full_capacity": "4"}, "ESTATE_CONFIG.full_capacity: must be int"),
    ],
)
def test_a_malformed_estate_config_is_refused_by_the_field(
    change: dict[str, object], named: str
) -> None:
    from failover.config import EstateConfig

    with pytest.raises(ConfigurationError, match=re.escape(named)):
        EstateConfig.from_dict({**estate_dict(), **change})


def test_the_regions_keep_their_priority_order() -> None:
    from failover.config import EstateConfig

    estate = EstateConfig.from_dict(estate_dict(("eu-west-1", "us-east-1", "us-west-2")))
    assert estate.priority == ("eu-west-1", "us-east-1", "us-west-2")
    assert estate.others("us-east-1") == ("eu-west-1", "us-west-2")
    assert estate.regions["us-west-2"].probe_alarm_name == "shop-probe-us-west-2"
    assert estate.region_of_alarm("shop-health-us-east-1") == "us-east-1"
