"""Where the estate stands, read through the AWS APIs, and the checks an operator makes.

The same code reads the embedded AWS and a real account: it takes the estate config the
control plane itself runs with (``ESTATE_CONFIG``), the lock/audit table's name and a
client factory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drill.model import Check, Rpo

GA_REGION = "us-west-2"  # the Global Accelerator API is served only from us-west-2
LOCK_KEY = {"pk": {"S": "LOCK"}, "sk": {"S": "FAILOVER"}}

ClientFactory = Callable[[str, str], Any]  # (service, region) -> boto3 client


@dataclass
class EstateState:
    writer_region: str | None
    global_cluster_status: str
    dials: dict[str, float]
    desired: dict[str, int]
    running: dict[str, int]
    active_parameter: dict[str, str | None]
    lock_holder: dict[str, str | None]


def observe(config: dict[str, Any], table: str, client: ClientFactory) -> EstateState:
    regions: dict[str, Any] = config["regions"]
    first = next(iter(regions))
    rds = client("rds", first)
    cluster = rds.describe_global_clusters(GlobalClusterIdentifier=config["global_cluster_id"])[
        "GlobalClusters"
    ][0]
    writer = next(
        (m["DBClusterArn"] for m in cluster["GlobalClusterMembers"] if m["IsWriter"]), None
    )
    ga = client("globalaccelerator", GA_REGION)
    dials, desired, running, parameter, holder = {}, {}, {}, {}, {}
    for region, cfg in regions.items():
        group = ga.describe_endpoint_group(EndpointGroupArn=cfg["endpoint_group_arn"])
        dials[region] = float(group["EndpointGroup"]["TrafficDialPercentage"])
        service = client("ecs", region).describe_services(
            cluster=cfg["ecs_cluster"], services=[cfg["ecs_service"]]
        )["services"][0]
        desired[region] = int(service["desiredCount"])
        running[region] = int(service["runningCount"])
        try:
            parameter[region] = client("ssm", region).get_parameter(
                Name=config["active_region_parameter"]
            )["Parameter"]["Value"]
        except client("ssm", region).exceptions.ParameterNotFound:
            parameter[region] = None
        item = client("dynamodb", region).get_item(TableName=table, Key=LOCK_KEY)
        holder[region] = item["Item"]["holder"]["S"] if "Item" in item else None
    return EstateState(
        writer_region=writer.split(":")[3] if writer else None,
        global_cluster_status=str(cluster.get("Status", "unknown")),
        dials=dials,
        desired=desired,
        running=running,
        active_parameter=parameter,
        lock_holder=holder,
    )


def _check(name: str, expected: object, actual: object) -> Check:
    return Check(name, str(expected), str(actual), expected == actual)


def active_in(state: EstateState, config: dict[str, Any], region: str) -> list[Check]:
    """The checks that ``region`` carries everything and the other region nothing."""
    regions: dict[str, Any] = config["regions"]
    full = int(regions[region]["full_capacity"])
    checks = [
        _check("writer region", region, state.writer_region),
        _check("global cluster status", "available", state.global_cluster_status),
    ]
    for name in regions:
        checks.append(
            _check(f"traffic dial {name}", 100.0 if name == region else 0.0, state.dials[name])
        )
    checks.append(_check(f"desired tasks {region}", full, state.desired[region]))
    checks.append(_check(f"running tasks {region}", full, state.running[region]))
    for name in regions:
        checks.append(
            _check(f"active-region parameter in {name}", region, state.active_parameter[name])
        )
    checks.extend(locks_released(state))
    return checks


def locks_released(state: EstateState) -> list[Check]:
    return [
        _check(
            f"lock released in {name}", "free", "free" if holder is None else f"held by {holder}"
        )
        for name, holder in state.lock_holder.items()
    ]


def audit_row(
    client: ClientFactory, table: str, region: str, execution_arn: str
) -> dict[str, Any] | None:
    """The audit row the run wrote (RecordOutcome / RecordFailure), as plain values."""
    from boto3.dynamodb.types import TypeDeserializer

    deserialize = TypeDeserializer().deserialize
    name = execution_arn.rsplit(":", 1)[-1]
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :run",
        "ExpressionAttributeValues": {":run": {"S": "RUN"}},
    }
    while True:
        page = client("dynamodb", region).query(**kwargs)
        for item in page["Items"]:
            row = {key: deserialize(value) for key, value in item.items()}
            if row.get("execution_name") == name:
                return row
        if "LastEvaluatedKey" not in page:
            return None
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def rpo_from(row: dict[str, Any] | None) -> Rpo | None:
    if row is None:
        return None
    preflight = _number(row.get("replication_lag_at_preflight_ms"))
    cutover = _number(row.get("replication_lag_at_cutover_ms"))
    unplanned = row.get("mode") == "unplanned"
    loss = bool(unplanned and (cutover is None or cutover > 0))
    if unplanned:
        lag = "unknown" if cutover is None else f"{cutover:.0f} ms"
        evidence = (
            f"unplanned failover (AllowDataLoss): AuroraGlobalDBReplicationLag was {lag} at "
            "cutover, so at most that much of the last writes can be lost"
        )
    else:
        evidence = (
            "planned switchover: Aurora synchronises the secondary first, no data loss (RPO 0)"
        )
    return Rpo(preflight, cutover, loss, evidence)


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
