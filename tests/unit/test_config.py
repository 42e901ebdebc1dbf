"""Settings are read once from the environment; every bad value is refused by name."""

from __future__ import annotations

import json

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
    assert settings.peer_region == "us-east-1"
    assert settings.peer_topic_arn == "arn:aws:sns:us-east-1:123456789012:shop-failover"
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


def test_an_estate_region_needs_a_positive_capacity() -> None:
    broken = estate_dict()
    broken["regions"]["us-east-1"]["full_capacity"] = 0
    from failover.config import EstateConfig

    with pytest.raises(ConfigurationError, match="full_capacity"):
        EstateConfig.from_dict(broken)
