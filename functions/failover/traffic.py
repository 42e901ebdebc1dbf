"""Traffic: Global Accelerator traffic dials (us-west-2 API) and, in planned moves, DNS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from mypy_boto3_globalaccelerator import GlobalAcceleratorClient
    from mypy_boto3_route53 import Route53Client

    from failover.config import EstateConfig

EndpointHealth = Literal["healthy", "unhealthy", "unknown"]


@dataclass(frozen=True)
class EndpointGroupView:
    arn: str
    dial: float
    health: EndpointHealth


def describe_endpoint_group(ga: GlobalAcceleratorClient, arn: str) -> EndpointGroupView:
    group = ga.describe_endpoint_group(EndpointGroupArn=arn)["EndpointGroup"]
    states = [d.get("HealthState", "INITIAL") for d in group.get("EndpointDescriptions", [])]
    health: EndpointHealth = "unknown"
    if any(state == "HEALTHY" for state in states):
        health = "healthy"
    elif states and all(state == "UNHEALTHY" for state in states):
        health = "unhealthy"
    return EndpointGroupView(arn, float(group.get("TrafficDialPercentage", 100.0)), health)


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


def steer_dns(route53: Route53Client, estate: EstateConfig, target: str, source: str) -> list[str]:
    """Point the source's latency record at the target's ALB and the target's at its own.

    Returns the set identifiers that changed. Route 53 record changes are control plane
    (us-east-1), so this is used only in planned moves; unplanned moves rely on health checks.
    """
    target_region = estate.regions[target]
    wanted = {
        estate.regions[target].record_set_identifier: (target, target_region),
        estate.regions[source].record_set_identifier: (source, target_region),
    }
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
