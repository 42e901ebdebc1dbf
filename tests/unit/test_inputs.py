"""Input validation and normalisation, without any AWS: the rules an operator meets first."""

from __future__ import annotations

import json

import pytest
from failover.config import Settings
from failover.errors import (
    InvalidFieldType,
    InvalidInput,
    MissingField,
    TargetAlreadyActive,
    UnexpectedField,
    UnknownMode,
    UnknownTargetRegion,
    UnrecognisedEvent,
    WrongControlPlaneRegion,
)
from failover.inputs import EstateState, normalise

from tests.helpers import load_event

ON_PRIMARY = EstateState(writer_region="us-east-1", active_parameter="us-east-1")


def region(name: str) -> dict[str, object]:
    return {
        "db_cluster_arn": f"arn:aws:rds:{name}:123456789012:cluster:shop-{name}",
        "ecs_cluster": f"shop-{name}",
        "ecs_service": "shop-web",
        "full_capacity": 4,
        "endpoint_group_arn": (
            f"arn:aws:globalaccelerator::123456789012:accelerator/a/listener/l/endpoint-group/{name}"
        ),
        "health_check_id": f"hc-{name}",
        "health_url": f"https://{name}.shop.example.com/health",
        "health_alarm_name": f"shop-health-{name}",
        "probe_alarm_name": f"shop-probe-{name}",
        "alb_dns_name": f"alb.{name}.elb.amazonaws.com",
        "alb_hosted_zone_id": "Z35SXDOTRQ7X7K",
        "record_set_identifier": name,
    }


def settings(home: str = "us-west-2", **extra: object) -> Settings:
    return Settings.model_validate(
        {
            "home_region": home,
            "estate": {
                "estate_name": "shop",
                "global_cluster_id": "shop-global",
                "active_region_parameter": "/shop/failover/active-region",
                "hosted_zone_id": "Z1",
                "record_name": "app.shop.example.com",
                "regions": {"us-east-1": region("us-east-1"), "us-west-2": region("us-west-2")},
            },
            "table_name": "shop-failover",
            "topic_arn": "arn:aws:sns:us-west-2:123456789012:shop-failover",
            "state_machine_name": "shop-failover",
            **extra,
        }
    )


def test_the_alarm_event_becomes_an_automatic_unplanned_request() -> None:
    request = normalise(load_event("alarm-primary-unhealthy.json"), settings(), ON_PRIMARY)

    assert request.trigger == "alarm"
    assert request.mode == "unplanned"
    assert (request.source_region, request.target_region) == ("us-east-1", "us-west-2")
    assert request.alarm_name == "shop-health-us-east-1"
    assert request.ignored is False
    assert request.approval_required is False


def test_approval_for_automatic_runs_is_a_deployment_switch() -> None:
    request = normalise(
        load_event("alarm-primary-unhealthy.json"),
        settings(approval_for_automatic=True),
        ON_PRIMARY,
    )
    assert request.approval_required is True


def test_an_alarm_that_is_not_firing_is_ignored() -> None:
    event = load_event("alarm-primary-unhealthy.json")
    event["detail"]["state"]["value"] = "OK"

    request = normalise(event, settings(), ON_PRIMARY)

    assert request.ignored is True
    assert request.ignore_reason == "alarm state is OK"


def test_an_alarm_when_the_target_is_already_active_is_ignored() -> None:
    on_secondary = EstateState(writer_region="us-west-2", active_parameter="us-west-2")
    request = normalise(load_event("alarm-primary-unhealthy.json"), settings(), on_secondary)
    assert request.ignored is True


def test_an_alarm_routed_to_the_wrong_region_is_refused() -> None:
    with pytest.raises(UnrecognisedEvent, match=r"detail\.alarmName"):
        normalise(load_event("alarm-primary-unhealthy.json"), settings("us-east-1"), ON_PRIMARY)


@pytest.mark.parametrize(
    "name",
    [
        "manual-unplanned-failover.json",
        "manual-planned-switchover.json",
        "manual-dry-run.json",
        "manual-force-past-cooldown.json",
        "manual-with-approval.json",
    ],
)
def test_every_shipped_manual_example_is_valid_in_the_recovery_region(name: str) -> None:
    raw = load_event(name)
    request = normalise(raw, settings(), ON_PRIMARY)
    assert request.trigger == "manual"
    assert request.mode == raw["mode"]
    assert request.dry_run is raw.get("dry_run", False)
    assert request.force is raw.get("force", False)
    assert request.approval_required is raw.get("require_approval", False)


def test_the_failback_example_is_valid_in_the_original_region_after_a_failover() -> None:
    on_secondary = EstateState(writer_region="us-west-2", active_parameter="us-west-2")
    request = normalise(load_event("manual-failback.json"), settings("us-east-1"), on_secondary)
    assert (request.mode, request.target_region, request.source_region) == (
        "failback",
        "us-east-1",
        "us-west-2",
    )


def test_a_half_finished_failover_may_be_run_again() -> None:
    # the writer moved but the app config did not: the target is not fully active yet
    half = EstateState(writer_region="us-west-2", active_parameter="us-east-1")
    request = normalise(load_event("manual-unplanned-failover.json"), settings(), half)
    assert request.target_region == "us-west-2"


@pytest.mark.parametrize(
    ("raw", "error", "field"),
    [
        ({"mode": "sideways", "reason": "x"}, UnknownMode, "mode"),
        (
            {"mode": "planned", "reason": "x", "target_region": "mars-1"},
            UnknownTargetRegion,
            "target_region",
        ),
        (
            {"mode": "planned", "reason": "x", "target_region": "us-east-1"},
            WrongControlPlaneRegion,
            "target_region",
        ),
        ({"mode": "planned", "reason": "x", "dry_run": "true"}, InvalidFieldType, "dry_run"),
        ({"mode": 3, "reason": "x"}, InvalidFieldType, "mode"),
        ({"mode": "planned"}, MissingField, "reason"),
        ({"reason": "x"}, MissingField, "mode"),
        ({"mode": "planned", "reason": ""}, InvalidFieldType, "reason"),
        (
            {"mode": "planned", "reason": "x", "targetRegion": "us-west-2"},
            UnexpectedField,
            "targetRegion",
        ),
        ("planned", InvalidFieldType, "input"),
    ],
)
def test_invalid_manual_input_names_the_field(
    raw: object, error: type[InvalidInput], field: str
) -> None:
    with pytest.raises(error) as raised:
        normalise(raw, settings(), ON_PRIMARY)
    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field}: ")


def test_a_target_that_is_already_active_is_refused() -> None:
    on_secondary = EstateState(writer_region="us-west-2", active_parameter="us-west-2")
    with pytest.raises(TargetAlreadyActive, match="target_region"):
        normalise(load_event("manual-planned-switchover.json"), settings(), on_secondary)


def test_settings_reject_an_estate_config_that_is_not_two_regions() -> None:
    data = json.loads(settings().model_dump_json())
    data["estate"]["regions"].pop("us-east-1")
    with pytest.raises(ValueError, match="exactly two regions"):
        Settings.model_validate(data)
