"""Traffic: Global Accelerator traffic dials (us-west-2 API) and, in planned moves of the
read-local topology, DNS.

ShiftTraffic runs only once the target is the writer (:mod:`failover.guard`), and sets the
target's dial to 100 before the source's to 0, so no moment has every dial at 0.

In an unplanned failover the data plane moves users first: Global Accelerator sends new
connections away from an endpoint group with no healthy endpoint whatever its dial, even 0
("Failover for unhealthy endpoints",
https://docs.aws.amazon.com/global-accelerator/latest/dg/introduction-how-it-works.html).
The dials then make the move stick, and keep users away when the old region comes back. If
the GA API (us-west-2) cannot be reached during an unplanned failover, the step is recorded
as deferred to GA's health checks instead of failing the run; the estate is then not fully
converged and says so, and a later run completes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from failover import guard
from failover.clients import client, global_accelerator
from failover.config import GLOBAL_ACCELERATOR_REGION, ROUTE53_REGION
from failover.errors import UNREACHABLE_ERRORS, is_transient

if TYPE_CHECKING:
    from mypy_boto3_globalaccelerator import GlobalAcceleratorClient
    from mypy_boto3_route53 import Route53Client

    from failover.config import EstateConfig, Settings
    from failover.models import StageInput

EndpointHealth = Literal["healthy", "unhealthy", "unknown"]


@dataclass(frozen=True)
class EndpointGroupView:
    arn: str
    dial: float
    health: EndpointHealth


def desired_dials(regions: Iterable[str], target: str) -> dict[str, float]:
    """The dial rule: 100 for the target, 0 for every other region."""
    return {name: 100.0 if name == target else 0.0 for name in regions}


def describe_endpoint_group(ga: GlobalAcceleratorClient, arn: str) -> EndpointGroupView:
    group = ga.describe_endpoint_group(EndpointGroupArn=arn)["EndpointGroup"]
    states = [d.get("HealthState", "INITIAL") for d in group.get("EndpointDescriptions", [])]
    health: EndpointHealth = "unknown"
    if any(state == "HEALTHY" for state in states):
        health = "healthy"
    elif states and all(state == "UNHEALTHY" for state in states):
        health = "unhealthy"
    return EndpointGroupView(arn, float(group.get("TrafficDialPercentage", 100.0)), health)


def dial_of(ga: GlobalAcceleratorClient, arn: str) -> float:
    return describe_endpoint_group(ga, arn).dial


def set_dial(ga: GlobalAcceleratorClient, arn: str, percent: float) -> bool:
    """Set an endpoint group's traffic dial. Returns whether it changed anything."""
    if describe_endpoint_group(ga, arn).dial == percent:
        return False
    ga.update_endpoint_group(EndpointGroupArn=arn, TrafficDialPercentage=percent)
    return True


def _alias_target(record: object) -> str | None:
    if not isinstance(record, dict):
        return None
    alias = record.get("AliasTarget") or {}
    return str(alias.get("DNSName", "")).rstrip(".").lower() or None


def steer_dns(
    route53: Route53Client,
    estate: EstateConfig,
    target: str,
    source: str,
    ready: Mapping[str, bool | None] | None = None,
) -> list[str]:
    """Read-local latency records after a planned move: the target's record at its own ALB,
    the source's at the target's ALB, and every other region's at its own ALB when it is
    ready (its fresh readiness evaluation has no FAIL), at the target's when it is not; a
    region whose readiness is unknown keeps its record as it is.

    Returns the set identifiers that changed. Route 53 record changes are control plane
    (us-east-1), so this is used only in planned moves; unplanned moves rely on health checks.
    """
    target_region = estate.regions[target]
    wanted = {
        estate.regions[target].record_set_identifier: (target, target_region),
        estate.regions[source].record_set_identifier: (source, target_region),
    }
    for other in estate.others(target):
        if other == source or (ready or {}).get(other) is None:
            continue
        alb = estate.regions[other] if (ready or {})[other] else target_region
        wanted[estate.regions[other].record_set_identifier] = (other, alb)
    name = estate.record_name.rstrip(".") + "."
    existing = route53.list_resource_record_sets(
        HostedZoneId=estate.hosted_zone_id, StartRecordName=name, StartRecordType="A"
    )["ResourceRecordSets"]
    current = {
        r.get("SetIdentifier"): _alias_target(r)
        for r in existing
        if r["Name"].rstrip(".").lower() == name.rstrip(".").lower() and r["Type"] == "A"
    }
    changes = []
    changed: list[str] = []
    for set_identifier, (record_region, alb) in wanted.items():
        if current.get(set_identifier) == alb.alb_dns_name.rstrip(".").lower():
            continue
        changed.append(set_identifier)
        changes.append(
            {
                "Action": "UPSERT",
                "ResourceRecordSet": {
                    "Name": name,
                    "Type": "A",
                    "SetIdentifier": set_identifier,
                    "Region": record_region,
                    "HealthCheckId": alb.health_check_id,
                    "AliasTarget": {
                        "HostedZoneId": alb.alb_hosted_zone_id,
                        "DNSName": alb.alb_dns_name,
                        "EvaluateTargetHealth": True,
                    },
                },
            }
        )
    if changes:
        route53.change_resource_record_sets(
            HostedZoneId=estate.hosted_zone_id,
            ChangeBatch={"Comment": f"failover: steer {source} to {target}", "Changes": changes},  # type: ignore[typeddict-item]
        )
    return changed


def shift(settings: Settings, stage: StageInput) -> dict[str, Any]:
    """ShiftTraffic: dials 100 for the target, then 0 for every other region."""
    guard.require_writer_and_lease(settings, stage)
    request = stage.request
    ga = global_accelerator(request.target_region)
    # GA's API outside the target region (us-west-2 serves it) is best effort in an unplanned
    # move: refused, hanging (a read timeout) or failing (throttled, 5xx), the dial is
    # deferred to GA's health checks and the run goes on (failover.clients.global_accelerator
    # bounds the wait to one 5 s attempt).
    outside = request.target_region != GLOBAL_ACCELERATOR_REGION
    wanted = desired_dials(settings.estate.regions, request.target_region)
    order = sorted(wanted, key=lambda region: region != request.target_region)
    result: dict[str, Any] = {"dials": {}, "dns_changed": []}
    try:
        for region in order:
            percent = wanted[region]
            changed = set_dial(ga, settings.estate.regions[region].endpoint_group_arn, percent)
            result["dials"][region] = {"percent": percent, "changed": changed}
        result["global_accelerator"] = "applied"
    except (ClientError, BotoCoreError) as error:
        deferrable = isinstance(error, UNREACHABLE_ERRORS) or (outside and is_transient(error))
        if request.planned or not deferrable:
            raise
        result["global_accelerator"] = f"deferred to GA health checks: {error}"
    if request.planned and settings.estate.topology == "read-local":
        # Only read-local has latency records at the application's name; in active-passive
        # that name aliases the accelerator and the dials alone move every user.
        route53 = client("route53", ROUTE53_REGION)
        result["dns_changed"] = steer_dns(
            route53,
            settings.estate,
            request.target_region,
            request.source_region,
            _readiness_of_others(settings, request.target_region),
        )
    return result


def _readiness_of_others(settings: Settings, target: str) -> dict[str, bool | None]:
    """Each other region's readiness now (None: unknown), for the read-local records."""
    from datetime import UTC, datetime

    from failover import candidates

    found = candidates.evaluations_of(settings).value or {}
    now = datetime.now(UTC)
    return {r: candidates.ready_now(found.get(r), now) for r in settings.estate.others(target)}
