"""IAM over N regions: each copy of a four-region control plane names every region's resources
where a role reaches every region, every OTHER region's where it reaches only the others, and
only its own where it acts at home (translated by SAM, resolved for that copy, evaluated)."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from testbed.template import expand_foreach, load_template
from tests.iam.policy import ACCOUNT, Request, Resolver, allowed, role_statements
from tests.template.support import translate
from tests.template.test_template_invariants import four_region_parameters

REGIONS = ("us-east-1", "eu-west-1", "us-west-2", "ap-northeast-1")
NAME = "a-twenty-char-estate"  # four_region_parameters' estate


@functools.cache
def _translated() -> dict[str, Any]:
    return translate(expand_foreach(load_template(), {"Regions": list(REGIONS)}))


def statements(function: str, home: str) -> list[dict[str, Any]]:
    template = load_template()
    given = {
        **{
            key: str(spec["Default"])
            for key, spec in template["Parameters"].items()
            if "Default" in spec and not spec["Type"].startswith("AWS::SSM")
        },
        **four_region_parameters(),
    }
    values: dict[str, str | list[str]] = {
        key: value.split(",")
        if template["Parameters"][key]["Type"] == "CommaDelimitedList"
        else value
        for key, value in given.items()
    }
    translated = _translated()
    resolver = Resolver(values, home, translated["Resources"])
    resolver.evaluate_conditions(translated["Conditions"])
    return role_statements(translated, f"{function}Role", resolver)


def may(function: str, home: str, action: str, resource: str, **context: Any) -> bool:
    return allowed(statements(function, home), Request(action, resource, context))


def arn(service: str, region: str, rest: str) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{rest}"


@pytest.mark.parametrize("home", REGIONS)
def test_notices_may_go_to_every_regions_topic(home: str) -> None:
    for region in REGIONS:
        topic = arn("sns", region, f"{NAME}-failover")
        assert may("NotifyFunction", home, "sns:Publish", topic), region
    assert not may(
        "NotifyFunction", home, "sns:Publish", arn("sns", "eu-north-1", f"{NAME}-failover")
    )


@pytest.mark.parametrize("home", REGIONS)
def test_fencing_and_post_recovery_reach_every_other_region_only(home: str) -> None:
    for region in REGIONS:
        parameter = arn("ssm", region, f"parameter/{NAME}/failover/active-region")
        assert may("FenceOldRegionFunction", home, "ssm:PutParameter", parameter) is (
            region != home
        )
        snapshot = arn("rds", region, "cluster-snapshot:rds:unplanned-global-failover-x")
        assert may("PostRecoveryFunction", home, "rds:CopyDBClusterSnapshot", snapshot) is (
            region != home
        )
        service = arn("ecs", region, f"service/{NAME}-{region}/{NAME}-web")
        assert may("PostRecoveryFunction", home, "ecs:UpdateService", service) is (region != home)


@pytest.mark.parametrize("home", REGIONS)
def test_the_home_service_alone_is_scaled_here(home: str) -> None:
    for region in REGIONS:
        service = arn("ecs", region, f"service/{NAME}-{region}/{NAME}-web")
        assert may("ScaleComputeFunction", home, "ecs:UpdateService", service) is (region == home)


@pytest.mark.parametrize("home", REGIONS)
def test_the_outage_is_confirmed_on_every_other_region(home: str) -> None:
    for region in REGIONS:
        # the probe alarms are granted by pattern (every observer's, test below); the health
        # alarms exactly, every other region's
        health = arn("cloudwatch", "us-east-1", f"alarm:{NAME}-health-{region}")
        assert may("ConfirmOutageFunction", home, "cloudwatch:DescribeAlarms", health) is (
            region != home
        )
        cluster = arn("rds", region, f"cluster:{NAME}-{region}")
        assert may("ConfirmOutageFunction", home, "rds:DescribeDBClusters", cluster) is (
            region != home
        )


@pytest.mark.parametrize("home", REGIONS)
def test_a_lease_holder_may_be_any_regions_run(home: str) -> None:
    for region in REGIONS:
        execution = arn("states", region, f"execution:{NAME}-failover:run-1")
        assert may("InspectLeaseFunction", home, "states:DescribeExecution", execution), region


@pytest.mark.parametrize("home", REGIONS)
def test_every_member_may_be_promoted_and_every_dial_moved(home: str) -> None:
    for region in REGIONS:
        cluster = arn("rds", region, f"cluster:{NAME}-{region}")
        assert may("PromoteDatabaseFunction", home, "rds:FailoverGlobalCluster", cluster), region
    groups = four_region_parameters()["EndpointGroupArns"].split(",")
    for group in groups:
        assert may("ShiftTrafficFunction", home, "globalaccelerator:UpdateEndpointGroup", group)


@pytest.mark.parametrize("home", REGIONS)
def test_the_quorum_reads_every_observers_probe_alarm_in_its_region(home: str) -> None:
    """failover.quorum: each observing region's own alarm on the suspect, read there."""
    for suspect in REGIONS:
        for observer in REGIONS:
            if observer == suspect:
                continue
            alarm = arn("cloudwatch", observer, f"alarm:{NAME}-probe-{suspect}")
            assert may("ConfirmOutageFunction", home, "cloudwatch:DescribeAlarms", alarm)
    other_estate = arn("cloudwatch", REGIONS[1], "alarm:another-estate-probe-us-east-1")
    assert not may("ConfirmOutageFunction", home, "cloudwatch:DescribeAlarms", other_estate)
