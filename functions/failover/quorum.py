"""Confirm an outage with a quorum of independent observer *families* before an automatic run acts.

Observers that depend on the same signal are one family, and a family has one vote:

- ``route53``: the checkers' statuses (GetHealthCheckStatus, real time) and the health-check
  alarm computed from those same checkers. Both are served from us-east-1.
- ``recovery_probe``: this region's own probe of the failed region's ``/health`` (its latest
  high-resolution datapoints, real time) and the alarm on them.
- ``global_accelerator``: the endpoint group's health (us-west-2 API).

Within a family the real-time reading votes; the alarm votes only when the real-time reading
cannot be read. A family that cannot be read at all votes "unknown", never "unhealthy". The
default quorum is 2 of 3 families, and it is never below 2: one family alone never moves the
region. When us-east-1 (Route 53's API and alarms) is the failed region, the probe and Global
Accelerator still make 2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from failover import cooldown, readings, traffic
from failover.clients import Profile, client
from failover.config import GLOBAL_ACCELERATOR_REGION, ROUTE53_REGION
from failover.models import plain

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_globalaccelerator import GlobalAcceleratorClient
    from mypy_boto3_route53 import Route53Client

    from failover.config import Settings
    from failover.models import Request

Verdict = Literal["unhealthy", "healthy", "unknown"]
Family = Literal["route53", "recovery_probe", "global_accelerator"]

ROUTE53_HEALTHY_FRACTION = 0.18
"""Route 53 deems an endpoint healthy when more than 18% of its checkers report it healthy."""

PROBE_METRIC = "PeerHealthy"
PROBE_PERIOD_SECONDS = 10
PROBE_FAILURES = 3
"""The probe votes unhealthy after this many consecutive failed 10 s datapoints (30 s)."""


@dataclass(frozen=True)
class Observation:
    family: Family
    observer: str
    verdict: Verdict
    detail: str


@dataclass(frozen=True)
class FamilyVote:
    family: Family
    verdict: Verdict
    observations: list[Observation] = field(default_factory=list)


@dataclass(frozen=True)
class QuorumResult:
    confirmed: bool
    unhealthy_families: int
    quorum: int
    families: list[FamilyVote]


def route53_checkers(route53: Route53Client, health_check_id: str) -> tuple[Verdict, str]:
    reports = route53.get_health_check_status(HealthCheckId=health_check_id)[
        "HealthCheckObservations"
    ]
    statuses = [r.get("StatusReport", {}).get("Status", "") for r in reports]
    if not statuses:
        return "unknown", "no checker observations"
    healthy = sum(1 for status in statuses if status.startswith("Success"))
    verdict: Verdict = (
        "healthy" if healthy / len(statuses) > ROUTE53_HEALTHY_FRACTION else "unhealthy"
    )
    return verdict, f"{healthy}/{len(statuses)} checkers report healthy"


def alarm(cloudwatch: CloudWatchClient, name: str) -> tuple[Verdict, str]:
    alarms = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    if not alarms:
        return "unknown", f"alarm {name} not found"
    state = alarms[0]["StateValue"]
    verdict: Verdict = (
        "unhealthy" if state == "ALARM" else "healthy" if state == "OK" else "unknown"
    )
    return verdict, f"alarm {name} is {state}"


def probe_results(
    cloudwatch: CloudWatchClient, namespace: str, region: str, now: datetime
) -> tuple[Verdict, str]:
    """The probe's latest datapoints: ``PROBE_FAILURES`` failures in a row, or a success."""
    points = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=PROBE_METRIC,
        Dimensions=[{"Name": "Region", "Value": region}],
        StartTime=now - timedelta(seconds=PROBE_PERIOD_SECONDS * (PROBE_FAILURES + 3)),
        EndTime=now + timedelta(seconds=PROBE_PERIOD_SECONDS),
        Period=PROBE_PERIOD_SECONDS,
        Statistics=["Minimum"],
    )["Datapoints"]
    latest = [p["Minimum"] for p in sorted(points, key=lambda p: p["Timestamp"])][-PROBE_FAILURES:]
    if latest and latest[-1] >= 1:
        return "healthy", "the latest probe succeeded"
    if len(latest) == PROBE_FAILURES:
        return "unhealthy", f"the last {PROBE_FAILURES} probes (10 s apart) failed"
    return "unknown", f"{len(latest)} recent probe datapoints"


def accelerator_health(ga: GlobalAcceleratorClient, endpoint_group_arn: str) -> tuple[Verdict, str]:
    group = traffic.describe_endpoint_group(ga, endpoint_group_arn)
    return group.health, f"endpoint group health is {group.health}"


Look = Callable[[], tuple[Verdict, str]]


def vote(family: Family, members: Sequence[tuple[str, Look]]) -> FamilyVote:
    """The first member that gives a verdict votes for the family (real time first)."""
    seen: list[Observation] = []
    for name, look in members:
        found = readings.read(f"{family}:{name}", look)
        verdict, detail = found.value if found.value else ("unknown", found.problem or "")
        seen.append(Observation(family, name, verdict, detail))
        if verdict != "unknown":
            return FamilyVote(family, verdict, seen)
    return FamilyVote(family, "unknown", seen)


def decide(families: list[FamilyVote], quorum: int) -> QuorumResult:
    unhealthy = sum(1 for f in families if f.verdict == "unhealthy")
    return QuorumResult(unhealthy >= quorum, unhealthy, quorum, families)


def observe_families(
    settings: Settings, failed: str, now: datetime, clients: Callable[..., Any]
) -> list[FamilyVote]:
    """Every family's vote on ``failed``, read from the home region, fast and best effort."""
    cfg = settings.estate.regions[failed]
    fast = Profile.OBSERVE
    east = ROUTE53_REGION
    home = settings.home_region
    return [
        vote(
            "route53",
            [
                (
                    "health_checkers",
                    lambda: route53_checkers(clients("route53", east, fast), cfg.health_check_id),
                ),
                (
                    "health_alarm",
                    lambda: alarm(clients("cloudwatch", east, fast), cfg.health_alarm_name),
                ),
            ],
        ),
        vote(
            "recovery_probe",
            [
                (
                    "probe_results",
                    lambda: probe_results(
                        clients("cloudwatch", home, fast), settings.metrics_namespace, failed, now
                    ),
                ),
                (
                    "probe_alarm",
                    lambda: alarm(clients("cloudwatch", home, fast), cfg.probe_alarm_name),
                ),
            ],
        ),
        vote(
            "global_accelerator",
            [
                (
                    "endpoint_health",
                    lambda: accelerator_health(
                        clients("globalaccelerator", GLOBAL_ACCELERATOR_REGION, fast),
                        cfg.endpoint_group_arn,
                    ),
                ),
            ],
        ),
    ]


WINDOW_POLLS = 9
"""9 polls 10 s apart: 90 s for the families to agree (Global Accelerator's health checks need
10 s x 3 to mark an endpoint unhealthy; the probe and the checkers are quicker)."""


def confirm(settings: Settings, request: Request, polls: int, now: datetime) -> dict[str, Any]:
    """ConfirmOutage's decision: cooldown, confirmed, pending (poll again) or false_alarm."""
    last = cooldown.last_move(client("dynamodb", settings.home_region), settings.table_name)
    waited = cooldown.decide(request, last, now, settings.cooldown_minutes)
    if waited.skip:
        return {"decision": "cooldown", "cooldown": plain(waited)}
    families = observe_families(settings, request.source_region, now, client)
    result = decide(families, settings.outage_quorum)
    polls += 1
    waiting = result.unhealthy_families > 0 and polls < WINDOW_POLLS
    decision = "confirmed" if result.confirmed else "pending" if waiting else "false_alarm"
    return {
        "decision": decision,
        "polls": polls,
        "quorum": plain(result),
        "cooldown": plain(waited),
    }
