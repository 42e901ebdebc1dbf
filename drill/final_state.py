"""Where the estate stands, read through the AWS APIs, and the checks an operator makes.

The same code reads the embedded AWS and a real account: it takes the estate config the
control plane itself runs with (``ESTATE_CONFIG``: the columnar JSON, parsed here with
:meth:`failover.config.EstateConfig.from_dict`, or the parsed config), the name of the failover
table (lease, cooldown marker, audit rows) and a client factory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from failover.config import GLOBAL_ACCELERATOR_REGION, EstateConfig
from failover.geography import nearest_first
from failover.traffic import desired_dials

from drill.model import Check, Rpo

ClientFactory = Callable[[str, str], Any]  # (service, region) -> boto3 client
Config = dict[str, Any] | EstateConfig
"""ESTATE_CONFIG as JSON (columnar) or parsed."""


def estate_config(config: Config) -> EstateConfig:
    """``config`` parsed (:meth:`EstateConfig.from_dict`: strict, every region in priority
    order)."""
    return config if isinstance(config, EstateConfig) else EstateConfig.from_dict(config)


@dataclass
class EstateState:
    writer_region: str | None
    global_cluster_status: str
    dials: dict[str, float]
    desired: dict[str, int]
    running: dict[str, int]
    active_parameter: dict[str, str | None]
    lease_holder: dict[str, str | None]
    # active-passive: the region that serves a user near each region (see where_users_land)
    lands: dict[str, str] = field(default_factory=dict)


def observe(
    config: Config,
    table: str,
    client: ClientFactory,
    reader: str | None = None,
    table_region: str | None = None,
    read_lease: Callable[[], Any] | None = None,
) -> EstateState:
    """Where the estate stands, read as the product reads it (failover.estate_view); the
    lease is one item of the multi-Region table, so every region reports the same holder.
    ``reader`` serves the global cluster (default: the first region in priority order);
    the lease is read with ``read_lease`` (the local drill's
    :meth:`testbed.estate.LocalEstate.read_lease`), else through the replica in
    ``table_region`` (default: ``reader``)."""
    from failover import lease
    from failover.estate_view import observe as observe_estate

    estate = estate_config(config)
    reader = reader or estate.priority[0]
    if read_lease is None:
        replica = table_region or reader

        def read_lease() -> Any:
            return lease.current(client("dynamodb", replica), table)

    view = observe_estate(estate, client, reader, read_lease=read_lease)
    return EstateState(
        writer_region=view.writer_region,
        global_cluster_status=str(view.global_status or "unknown"),
        dials={r: float(s.dial if s.dial is not None else -1) for r, s in view.regions.items()},
        desired={
            r: int(s.desired if s.desired is not None else -1) for r, s in view.regions.items()
        },
        running={
            r: int(s.running if s.running is not None else -1) for r, s in view.regions.items()
        },
        active_parameter={r: s.active_region for r, s in view.regions.items()},
        lease_holder=dict.fromkeys(estate.regions, view.lease_holder),
        lands=where_users_land(estate, client) if estate.topology == "active-passive" else {},
    )


def where_users_land(config: Config, client: ClientFactory) -> dict[str, str]:
    """active-passive: the region whose ALB serves a user near each region.

    The application's name aliases the accelerator (stacks/global.yaml ApplicationRecord;
    a static record, so no Route 53 API call is needed to follow it, which matters when
    us-east-1 is gone). The accelerator sends a user to the nearest endpoint group whose
    dial is above 0 and that has a healthy endpoint (nearest by :mod:`failover.geography`);
    when no such group is left it routes
    around the unhealthy ones to any healthy group, whatever its dial ("Traffic dials",
    AWS Global Accelerator developer guide). "nowhere" when no group can serve."""
    estate = estate_config(config)
    ga = client("globalaccelerator", GLOBAL_ACCELERATOR_REGION)
    groups: dict[str, tuple[float, bool]] = {}
    for name, region in estate.regions.items():
        group = ga.describe_endpoint_group(EndpointGroupArn=region.endpoint_group_arn)
        described = group["EndpointGroup"]
        healthy = any(e.get("HealthState") == "HEALTHY" for e in described["EndpointDescriptions"])
        groups[name] = (float(described.get("TrafficDialPercentage", 100.0)), healthy)
    dialled = [name for name, (dial, healthy) in groups.items() if dial > 0 and healthy]
    usable = dialled or [name for name, (_, healthy) in groups.items() if healthy]
    return {
        user: nearest_first(user, usable)[0] if usable else "nowhere" for user in estate.regions
    }


def _check(name: str, expected: object, actual: object) -> Check:
    return Check(name, str(expected), str(actual), expected == actual)


UNKNOWN = "unknown"


def _unknown(name: str, down: str, actual: object) -> Check:
    """A piece that lives in an unreachable region: nobody can read it, so the honest
    answer is "unknown"; the check fails if a value is seen anyway (a leak in the model)."""
    seen = actual is None or actual in (-1, -1.0)
    return Check(name, f"{UNKNOWN} ({down} unreachable)", UNKNOWN if seen else str(actual), seen)


def active_in(
    state: EstateState,
    config: Config,
    region: str,
    unreachable: set[str] | frozenset[str] = frozenset(),
) -> list[Check]:
    """The checks that ``region`` carries everything and every other region nothing.

    Pieces that live in an ``unreachable`` region (its app-config parameter, its view of the
    lease table) read as unknown; the traffic dials do not: the Global Accelerator API is
    served from us-west-2, so every region's dial stays readable."""
    regions = estate_config(config).regions
    full = regions[region].full_capacity
    checks = [
        _check("writer region", region, state.writer_region),
        _check("global cluster status", "available", state.global_cluster_status),
    ]
    for name, dial in desired_dials(regions, region).items():
        checks.append(_check(f"traffic dial {name}", dial, state.dials[name]))
    checks.append(_check(f"desired tasks {region}", full, state.desired[region]))
    checks.append(_check(f"running tasks {region}", full, state.running[region]))
    for name in regions:
        label = f"active-region parameter in {name}"
        if name in unreachable:
            checks.append(_unknown(label, name, state.active_parameter[name]))
        else:
            checks.append(_check(label, region, state.active_parameter[name]))
    for user, served in state.lands.items():
        checks.append(_check(f"a user near {user} lands in", region, served))
    checks.extend(leases_released(state, unreachable))
    return checks


def leases_released(
    state: EstateState, unreachable: set[str] | frozenset[str] = frozenset()
) -> list[Check]:
    return [
        Check(f"lease released in {name}", f"{UNKNOWN} ({name} unreachable)", UNKNOWN, True)
        if name in unreachable
        else _check(
            f"lease released in {name}", "free", "free" if holder is None else f"held by {holder}"
        )
        for name, holder in state.lease_holder.items()
    ]


def audit_rows(client: ClientFactory, table: str, region: str) -> list[dict[str, Any]]:
    """Every audit row (RecordOutcome / RecordFailure), oldest first, as plain values."""
    from boto3.dynamodb.types import TypeDeserializer

    deserialize = TypeDeserializer().deserialize
    rows: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :run",
        "ExpressionAttributeValues": {":run": {"S": "RUN"}},
    }
    while True:
        page = client("dynamodb", region).query(**kwargs)
        rows += [{key: deserialize(value) for key, value in item.items()} for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return rows
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def audit_row(
    client: ClientFactory, table: str, region: str, execution_arn: str
) -> dict[str, Any] | None:
    """The audit row the run wrote (RecordOutcome / RecordFailure), as plain values."""
    name = execution_arn.rsplit(":", 1)[-1]
    return next(
        (row for row in audit_rows(client, table, region) if row.get("execution_name") == name),
        None,
    )


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
