"""The emulated health checkers: Route 53's uncoordinated checkers and the 18% rule, Global
Accelerator taking an ALB endpoint's health from the ALB's target health."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from emulator import Emulator, LatencyModel
from emulator.services.health_checkers import AlbHealthCheck

URL = "http://endpoint.invalid/health"
ALB = AlbHealthCheck(interval=10.0, timeout=5.0, healthy_threshold=2, unhealthy_threshold=3)
ALB_ARN = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/0123456789abcdef"
)


@pytest.fixture
def world() -> Iterator[dict[str, Any]]:
    """A factory of emulators with a given latency model; the endpoint's answer is a flag."""
    made: list[Emulator] = []

    def make(latency: LatencyModel) -> tuple[Emulator, dict[str, bool]]:
        emu = Emulator.install(latency=latency)
        made.append(emu)
        answer = {"ok": True}
        emu.health_checkers._probe = lambda url: answer["ok"]
        return emu, answer

    with mock_aws():
        yield {"make": make}
        for emu in made:
            emu.uninstall()


def _route53_check(interval: int = 10, threshold: int = 1) -> str:
    route53 = boto3.client("route53", region_name="us-east-1")
    return str(
        route53.create_health_check(
            CallerReference="shop-use1",
            HealthCheckConfig={
                "Type": "HTTPS",
                "FullyQualifiedDomainName": "shop.example.com",
                "ResourcePath": "/health",
                "Port": 443,
                "RequestInterval": interval,
                "FailureThreshold": threshold,
            },
        )["HealthCheck"]["Id"]
    )


def _endpoint_group() -> str:
    ga: Any = boto3.client("globalaccelerator", region_name="us-west-2")
    accelerator = ga.create_accelerator(Name="shop", IpAddressType="IPV4", Enabled=True)
    listener = ga.create_listener(
        AcceleratorArn=accelerator["Accelerator"]["AcceleratorArn"],
        PortRanges=[{"FromPort": 443, "ToPort": 443}],
        Protocol="TCP",
    )["Listener"]
    group = ga.create_endpoint_group(
        ListenerArn=listener["ListenerArn"],
        EndpointGroupRegion="us-east-1",
        EndpointConfigurations=[{"EndpointId": ALB_ARN, "Weight": 100}],
        HealthCheckIntervalSeconds=10,
        ThresholdCount=1,  # GA's own options: they must not apply to an ALB endpoint
    )["EndpointGroup"]
    return str(group["EndpointGroupArn"])


def _run_to(emu: Emulator, moment: float) -> None:
    """Let the world tick every modelled second until ``moment`` (as the world actor does)."""
    while emu.clock.now() < moment:
        emu.clock.advance(min(1.0, moment - emu.clock.now()))
        emu.tick()


def _first(emu: Emulator, kind: str, state: str, since: float, limit: float = 120.0) -> float:
    """Run the world a modelled second at a time until a ``kind`` notice says ``state``."""
    seen: list[float] = []
    emu.listeners.append(
        lambda notice: (
            seen.append(notice.at) if notice.kind == kind and notice.state == state else None
        )
    )
    clock = emu.clock
    while not seen and clock.now() - since < limit:
        clock.advance(1.0)
        emu.tick()
    assert seen, f"no {kind} {state} within {limit} s"
    return seen[0] - since


def test_route53_flips_only_when_no_more_than_18_percent_of_its_checkers_see_it_healthy(
    world: dict[str, Any],
) -> None:
    # given Route 53's eight default checkers spread over a 10 s interval (median phases)
    emu, answer = world["make"](LatencyModel(phases="median"))
    check = _route53_check()
    emu.health_checkers.watch_route53(check, URL)
    _run_to(emu, 40.0)

    # when the endpoint starts answering 503 at a multiple of the interval
    t0 = emu.clock.now()
    answer["ok"] = False

    # then the status flips once the seventh checker failed (1 of 8 healthy is 12.5%,
    # not more than 18%), not at the first failure
    flipped = _first(emu, "health-check", "unhealthy", t0)
    assert 7.5 / 8 * 10 - 1 <= flipped <= 7.5 / 8 * 10 + 1
    observations = boto3.client("route53").get_health_check_status(HealthCheckId=check)[
        "HealthCheckObservations"
    ]
    failing = [o for o in observations if o["StatusReport"]["Status"].startswith("Failure")]
    assert len(failing) >= 7
    # each checker reports its own check time: uncoordinated, spread over the interval
    assert len({o["StatusReport"]["CheckedTime"] for o in observations}) == 8


def test_an_unreachable_region_fails_each_check_only_when_the_connect_times_out(
    world: dict[str, Any],
) -> None:
    # given the same checkers on an endpoint in us-east-1
    emu, _ = world["make"](LatencyModel(phases="median"))
    check = _route53_check()
    emu.health_checkers.watch_route53(check, URL, region="us-east-1")
    _run_to(emu, 40.0)
    t0 = emu.clock.now()

    # when the region becomes a black hole
    emu.faults.unreachable_regions.add("us-east-1")

    # then the status flips 4 s (Route 53's connect limit) later than it would for a 503
    flipped = _first(emu, "health-check", "unhealthy", t0)
    assert flipped >= 7.5 / 8 * 10 - 1 + 4.0


def test_global_accelerator_takes_an_alb_endpoints_health_from_the_alb(
    world: dict[str, Any],
) -> None:
    # given an ALB endpoint whose target group checks every 10 s, 3 failures to go unhealthy
    # (GA's own 10 s x 1 options do not apply to it), median phases
    emu, answer = world["make"](LatencyModel.typical())
    group = _endpoint_group()
    emu.health_checkers.watch_accelerator(group, URL, alb=ALB)
    _run_to(emu, 60.0)
    t0 = emu.clock.now()

    # when the endpoint fails
    answer["ok"] = False

    # then GA sees it only after the ALB's three failed checks, then its own delay
    unhealthy = _first(emu, "accelerator-health", "unhealthy", t0)
    assert unhealthy >= ALB.unhealthy_threshold * ALB.interval
    assert (
        unhealthy <= ALB.unhealthy_threshold * ALB.interval + emu.latency.ga_alb_health_seconds + 1
    )

    # and back only after the ALB's two passing checks
    answer["ok"] = True
    back = emu.clock.now()
    healthy = _first(emu, "accelerator-health", "healthy", back)
    assert healthy >= (ALB.healthy_threshold - 1) * ALB.interval


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_no_phase_makes_ga_faster_than_the_albs_failed_checks_allow(seed: int) -> None:
    # whatever the draws (checker phases, GA's delay), GA never calls the endpoint unhealthy
    # before the ALB's UnhealthyThresholdCount - 1 intervals after the first failed check
    with mock_aws():
        emu = Emulator.install(latency=LatencyModel.sampled(seed))
        try:
            answer = {"ok": True}
            emu.health_checkers._probe = lambda url: answer["ok"]
            group = _endpoint_group()
            emu.health_checkers.watch_accelerator(group, URL, alb=ALB)
            _run_to(emu, 60.0)
            t0 = emu.clock.now()
            answer["ok"] = False
            unhealthy = _first(emu, "accelerator-health", "unhealthy", t0)
            floor = (ALB.unhealthy_threshold - 1) * ALB.interval
            assert unhealthy >= floor + emu.latency.ga_alb_health_seconds - 1.0
        finally:
            emu.uninstall()
