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

**Across N regions.** The suspect region is left out: it cannot vote on itself. Every other
region is an observing region, with its own probe of the suspect (its ``PeerHealthy``
datapoints and alarm, read in that region) and the two global families, which are the same
readings for every observing region (Route 53 checks from its own checker fleet, Global
Accelerator from its edge). An observing region *confirms* when at least ``OutageQuorum`` (2) of
its three families say unhealthy. The outage is confirmed when a strict majority of the
observing regions confirm, and has lasted ``MinOutageSeconds`` as that majority sees it.

Why this shape: the probes are the only vantage points that differ between regions, so they
are where a partition shows. With three regions, if Route 53 alone says the primary is down
and only the second region's probe agrees (the third region's probe still reaches it), the
second region confirms and the third does not: one of two is not a majority, nothing moves,
the way one region's network trouble should not move a global writer. When both global
families agree, every observing region confirms (the same two families), which is the
two-region rule unchanged; an observing region that cannot be read votes through the global
families alone, never "unhealthy" on its own. With two regions there is one observing region,
the majority is that region, and the rule is exactly the 2-of-3 above.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from failover import cooldown, in_region, readings, table, traffic
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
    region: str | None = None
    """The observing region of a region's own family (the probe); None for a global one."""

    @property
    def key(self) -> str:
        """The family's name in ``since``: a probe is one family per observing region."""
        return f"{self.family}:{self.region}" if self.region else self.family


@dataclass(frozen=True)
class RegionVerdict:
    """One observing region's verdict: its own probe and the two global families."""

    region: str
    confirmed: bool
    unhealthy_families: int


@dataclass(frozen=True)
class QuorumResult:
    confirmed: bool
    unhealthy_families: int
    """The most families any observing region sees unhealthy."""
    quorum: int
    families: list[FamilyVote]
    regions: list[RegionVerdict] = field(default_factory=list)
    regions_needed: int = 1
    """A strict majority of the observing regions (every region but the suspect)."""


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
    """The probe's latest datapoints: unhealthy only on ``PROBE_FAILURES`` failed datapoints in
    a row (the most recent ones), healthy when the latest succeeded, else unknown.

    An empty 10 s bucket is missing data, not a failure (a probe that did not run says nothing
    about the peer): the datapoints counted are the ones that exist, as the alarm counts them
    with ``TreatMissingData: missing``.
    """
    points = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=PROBE_METRIC,
        Dimensions=[{"Name": "Region", "Value": region}],
        StartTime=now - timedelta(seconds=PROBE_PERIOD_SECONDS * (PROBE_FAILURES + 3)),
        EndTime=now + timedelta(seconds=PROBE_PERIOD_SECONDS),
        Period=PROBE_PERIOD_SECONDS,
        Statistics=["Minimum"],
    )["Datapoints"]
    values = [p["Minimum"] for p in sorted(points, key=lambda p: p["Timestamp"])]
    return probe_verdict(values)


def probe_verdict(values: Sequence[float]) -> tuple[Verdict, str]:
    """The probe family's verdict on its datapoints, oldest first (1 = healthy, 0 = failed)."""
    if not values:
        return "unknown", "no recent probe datapoints"
    if values[-1] >= 1:
        return "healthy", "the latest probe succeeded"
    failed = 0
    for value in reversed(values):
        if value >= 1:
            break
        failed += 1
    if failed >= PROBE_FAILURES:
        return (
            "unhealthy",
            f"the last {PROBE_FAILURES} probes ({PROBE_PERIOD_SECONDS} s apart) failed",
        )
    return "unknown", f"the last {failed} probe(s) failed; {PROBE_FAILURES} in a row are needed"


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


def region_families(families: Sequence[FamilyVote], region: str) -> list[FamilyVote]:
    """What ``region`` sees: the global families and its own probe."""
    return [f for f in families if f.region in (None, region)]


def observing_regions(families: Sequence[FamilyVote]) -> list[str]:
    return [f.region for f in families if f.region is not None]


def majority(observing: int) -> int:
    return observing // 2 + 1


def decide(families: list[FamilyVote], quorum: int) -> QuorumResult:
    verdicts = []
    for region in observing_regions(families):
        seen = region_families(families, region)
        unhealthy = sum(1 for f in seen if f.verdict == "unhealthy")
        verdicts.append(RegionVerdict(region, unhealthy >= quorum, unhealthy))
    needed = majority(len(verdicts))
    confirming = sum(1 for v in verdicts if v.confirmed)
    most = max((v.unhealthy_families for v in verdicts), default=0)
    return QuorumResult(confirming >= needed, most, quorum, families, verdicts, needed)


def _probe(
    settings: Settings, failed: str, observer: str, now: datetime, clients: Callable[..., Any]
) -> FamilyVote:
    """``observer``'s own probe of ``failed``: its datapoints, else its alarm, read in
    ``observer``'s region (fast and best effort: an unreachable region votes unknown)."""
    cfg = settings.estate.regions[failed]
    fast = Profile.OBSERVE
    found = vote(
        "recovery_probe",
        [
            (
                "probe_results",
                lambda: probe_results(
                    clients("cloudwatch", observer, fast), settings.metrics_namespace, failed, now
                ),
            ),
            (
                "probe_alarm",
                lambda: alarm(clients("cloudwatch", observer, fast), cfg.probe_alarm_name),
            ),
        ],
    )
    return FamilyVote(found.family, found.verdict, found.observations, observer)


def observe_families(
    settings: Settings, failed: str, now: datetime, clients: Callable[..., Any]
) -> list[FamilyVote]:
    """Every family's vote on ``failed``, fast and best effort: the two global families, then
    each observing region's probe (this region's first)."""
    cfg = settings.estate.regions[failed]
    fast = Profile.OBSERVE
    east = ROUTE53_REGION
    home = settings.home_region
    observers = [home, *(r for r in settings.estate.others(failed) if r != home)]
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
        *(_probe(settings, failed, observer, now, clients) for observer in observers),
    ]


POLL_SECONDS = 10
"""WaitForObservers: the state machine reads the families again every 10 s."""

WINDOW_POLLS = 9
"""9 polls 10 s apart: 90 s for the families to *agree* (Global Accelerator's health checks need
10 s x 3 to mark an endpoint unhealthy; the probe and the checkers are quicker). The poll budget
adds the time the agreement must then last (MinOutageSeconds) and any in-region hold, so the
window always reaches the minimum outage duration (:func:`poll_limit`)."""


def poll_limit(required_seconds: float, held: bool) -> int:
    """Polls before a run that never confirmed ends as a false alarm."""
    hold = in_region.HOLD_SECONDS if held else 0
    return WINDOW_POLLS + math.ceil((required_seconds + hold) / POLL_SECONDS)


def carry_since(
    previous: Mapping[str, str | None], families: Sequence[FamilyVote], now: datetime
) -> dict[str, str | None]:
    """Since when each family has been unhealthy without a break (ISO time, or None).

    A healthy reading restarts that family's count; an unknown one neither extends nor breaks
    it (an observer that cannot be read says nothing about the target)."""
    since: dict[str, str | None] = {}
    for family in families:
        before = previous.get(family.key)
        if family.verdict == "healthy":
            since[family.key] = None
        elif family.verdict == "unhealthy":
            since[family.key] = before or now.isoformat()
        else:
            since[family.key] = before
    return since


def lasted(
    since: Mapping[str, str | None], families: Sequence[FamilyVote], quorum: int, now: datetime
) -> float:
    """How long the outage has been confirmed without a break, as a majority of the observing
    regions sees it: for each observing region, the quorum-th longest run among its families
    unhealthy now (0 when fewer than a quorum are); then the majority-th longest of those."""
    per_region = sorted(
        (
            _region_lasted(since, region_families(families, region), quorum, now)
            for region in observing_regions(families)
        ),
        reverse=True,
    )
    needed = majority(len(per_region))
    return per_region[needed - 1] if len(per_region) >= needed else 0.0


def _region_lasted(
    since: Mapping[str, str | None], families: Sequence[FamilyVote], quorum: int, now: datetime
) -> float:
    runs = sorted(
        (
            (now - datetime.fromisoformat(str(since[f.key]))).total_seconds()
            for f in families
            if f.verdict == "unhealthy" and since.get(f.key)
        ),
        reverse=True,
    )
    return max(runs[quorum - 1], 0.0) if len(runs) >= quorum else 0.0


def required_seconds(settings: Settings, seen: in_region.InRegion) -> float:
    """The outage that must last before an automatic run acts: MinOutageSeconds, or less when
    the failed region's own APIs are unreachable too (failover.in_region explains why)."""
    if seen.apis_unreachable:
        return float(min(settings.min_outage_seconds, in_region.UNREACHABLE_MIN_OUTAGE_SECONDS))
    return float(settings.min_outage_seconds)


def confirm(
    settings: Settings, request: Request, previous: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """ConfirmOutage's decision: cooldown, confirmed, pending (poll again) or false_alarm.

    Confirmed only when a quorum of families has agreed *continuously* for the required
    duration (``since``, carried from poll to poll in the state document), and the failed
    region is not recovering in-region, or has held for longer than the hold's bound."""
    last = table.call(settings, lambda ddb: cooldown.last_move(ddb, settings.table_name))
    waited = cooldown.decide(request, last, now, settings.cooldown_minutes)
    if waited.skip:
        return {"decision": "cooldown", "cooldown": plain(waited)}
    families = observe_families(settings, request.source_region, now, client)
    result = decide(families, settings.outage_quorum)
    since = carry_since(previous.get("since") or {}, families, now)
    polls = int(previous.get("polls", 0)) + 1
    seen = (
        in_region.observe(settings, request.source_region, now, client)
        if result.confirmed
        else in_region.InRegion(None, False, "not read: no quorum yet")
    )
    required = required_seconds(settings, seen)
    agreed = lasted(since, families, settings.outage_quorum, now)
    hold = dict(previous.get("hold") or {})
    holding = False
    if result.confirmed and seen.recovering:
        hold.setdefault("since", now.isoformat())
        hold["reason"] = seen.recovering
        held_for = (now - datetime.fromisoformat(hold["since"])).total_seconds()
        holding = held_for < in_region.HOLD_SECONDS
        hold["expired"] = not holding
    sustained = result.confirmed and agreed >= required
    limit = poll_limit(required, bool(hold))
    waiting = result.unhealthy_families > 0 and polls < limit
    if sustained and not holding:
        decision = "confirmed"
    elif waiting:
        decision = "pending"
    else:
        decision = "false_alarm"
    return {
        "decision": decision,
        "polls": polls,
        "since": since,
        "agreed_seconds": round(agreed, 1),
        "required_seconds": required,
        "in_region": plain(seen),
        "hold": hold or None,
        "quorum": plain(result),
        "cooldown": plain(waited),
    }
