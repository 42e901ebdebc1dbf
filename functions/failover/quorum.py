"""Confirm an outage with independent observers before an automatic run acts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from failover.traffic import describe_endpoint_group

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_globalaccelerator import GlobalAcceleratorClient
    from mypy_boto3_route53 import Route53Client

Verdict = Literal["unhealthy", "healthy", "unknown"]

ROUTE53_HEALTHY_FRACTION = 0.18
"""Route 53 deems an endpoint healthy when more than 18% of its checkers report it healthy."""


@dataclass(frozen=True)
class Observation:
    observer: str
    verdict: Verdict
    detail: str


@dataclass(frozen=True)
class QuorumResult:
    confirmed: bool
    unhealthy_votes: int
    quorum: int
    observations: list[Observation]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def route53_checkers(route53: Route53Client, health_check_id: str) -> Observation:
    reports = route53.get_health_check_status(HealthCheckId=health_check_id)[
        "HealthCheckObservations"
    ]
    statuses = [r.get("StatusReport", {}).get("Status", "") for r in reports]
    healthy = sum(1 for status in statuses if status.startswith("Success"))
    if not statuses:
        return Observation("route53_health_checkers", "unknown", "no checker observations")
    fraction = healthy / len(statuses)
    verdict: Verdict = "healthy" if fraction > ROUTE53_HEALTHY_FRACTION else "unhealthy"
    return Observation(
        "route53_health_checkers", verdict, f"{healthy}/{len(statuses)} checkers report healthy"
    )


def _alarm(cloudwatch: CloudWatchClient, name: str, observer: str) -> Observation:
    alarms = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    if not alarms:
        return Observation(observer, "unknown", f"alarm {name} not found")
    state = alarms[0]["StateValue"]
    verdict: Verdict = {"ALARM": "unhealthy", "OK": "healthy"}.get(state, "unknown")  # type: ignore[assignment]
    return Observation(observer, verdict, f"alarm {name} is {state}")


def health_alarm(cloudwatch: CloudWatchClient, name: str) -> Observation:
    return _alarm(cloudwatch, name, "route53_health_alarm")


def recovery_probe(cloudwatch: CloudWatchClient, name: str) -> Observation:
    return _alarm(cloudwatch, name, "recovery_region_probe")


def accelerator_health(ga: GlobalAcceleratorClient, endpoint_group_arn: str) -> Observation:
    group = describe_endpoint_group(ga, endpoint_group_arn)
    return Observation(
        "global_accelerator_health", group.health, f"endpoint group health is {group.health}"
    )


def observe(name: str, look: Callable[[], Observation]) -> Observation:
    """Run one observer; an observer that cannot be reached votes "unknown", never "unhealthy"."""
    try:
        return look()
    except (ClientError, BotoCoreError) as error:
        return Observation(name, "unknown", f"unreachable: {type(error).__name__}: {error}")


def decide(observations: list[Observation], quorum: int) -> QuorumResult:
    votes = sum(1 for o in observations if o.verdict == "unhealthy")
    return QuorumResult(votes >= quorum, votes, quorum, observations)
