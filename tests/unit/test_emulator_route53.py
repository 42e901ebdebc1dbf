"""Route 53 GetHealthCheckStatus with per-checker observations that can fail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest

from emulator import Emulator

# Keep boto3's default session between tests: clients are built 10x faster.


DEFAULT_REGIONS = {
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
}


@pytest.fixture
def route53(emu: Emulator) -> Any:
    return boto3.client("route53")


def create_check(route53: Any, **config: Any) -> str:
    check = route53.create_health_check(
        CallerReference=f"ref-{len(config)}",
        HealthCheckConfig={
            "Type": "HTTPS",
            "FullyQualifiedDomainName": "use1.app.example.com",
            "ResourcePath": "/health",
            "Port": 443,
            **config,
        },
    )
    return str(check["HealthCheck"]["Id"])


def statuses(route53: Any, check_id: str) -> list[str]:
    observations = route53.get_health_check_status(HealthCheckId=check_id)[
        "HealthCheckObservations"
    ]
    return [o["StatusReport"]["Status"] for o in observations]


def test_healthy_by_default_with_one_observation_per_checker_region(route53: Any) -> None:
    # given a new health check
    check_id = create_check(route53)

    # when its status is read
    observations = route53.get_health_check_status(HealthCheckId=check_id)[
        "HealthCheckObservations"
    ]

    # then the eight default checker regions each report success, with IP and time
    assert {o["Region"] for o in observations} == DEFAULT_REGIONS
    for observation in observations:
        assert observation["IPAddress"].count(".") == 3
        report = observation["StatusReport"]
        assert report["Status"] == "Success: HTTP Status Code 200, OK"
        assert isinstance(report["CheckedTime"], dt.datetime)


def test_unhealthy_endpoint_fails_every_checker(emu: Emulator, route53: Any) -> None:
    # given a health check whose endpoint went down
    check_id = create_check(route53)
    emu.route53.set_health(check_id, False)

    # then every checker reports the failure, and recovery flips them back
    assert set(statuses(route53, check_id)) == {
        "Failure: HTTP Status Code 503, Service Unavailable"
    }
    emu.route53.set_health(check_id, True)
    assert set(statuses(route53, check_id)) == {"Success: HTTP Status Code 200, OK"}


def test_some_checkers_can_fail(emu: Emulator, route53: Any) -> None:
    # given three of the eight checkers see a failure
    check_id = create_check(route53)
    emu.route53.set_health(check_id, True, failing_checkers=3)

    # then exactly three observations are failures
    assert sum(s.startswith("Failure") for s in statuses(route53, check_id)) == 3


def test_custom_checker_regions_are_the_observers(route53: Any) -> None:
    # given a health check limited to three checker regions
    regions = ["us-east-1", "eu-west-1", "ap-southeast-1"]
    check_id = create_check(route53, Regions=regions)

    # then only those regions observe it
    observations = route53.get_health_check_status(HealthCheckId=check_id)[
        "HealthCheckObservations"
    ]
    assert [o["Region"] for o in observations] == regions


def test_unknown_health_check_is_no_such_health_check(route53: Any) -> None:
    with pytest.raises(route53.exceptions.NoSuchHealthCheck):
        route53.get_health_check_status(HealthCheckId="00000000-0000-0000-0000-000000000000")
