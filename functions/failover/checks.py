"""Checks that a region could take over: one definition of each, shared by Preflight (during a
run) and Readiness (on a schedule, before any incident).

A check yields PASS, WARN or FAIL with a one-line reason. A FAIL that would make a move fail
names the modes it blocks and the error Preflight raises for it; Readiness only reports.
A check that cannot run (an unreachable API, a denied call) is WARN with the reason, never a
silent PASS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from failover.errors import (
    PreflightFailed,
    ReplicationLagTooHigh,
    ReplicationLagUnknown,
    RunError,
    SourceUnhealthy,
)
from failover.traffic import desired_dials

if TYPE_CHECKING:
    from failover.aurora import GlobalClusterView
    from failover.compute import ServiceView
    from failover.readings import Reading

Status = Literal["PASS", "WARN", "FAIL"]
ALL_MODES = frozenset({"unplanned", "planned", "failback"})
PLANNED_MODES = frozenset({"planned", "failback"})


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    reason: str
    blocks: frozenset[str] = field(default_factory=frozenset)
    error: type[RunError] = PreflightFailed
    strict: bool = False
    """A WARN (could not check) blocks ``blocks`` too: a planned move does not guess."""

    def blocking(self, mode: str) -> bool:
        failing = self.status == "FAIL" or (self.strict and self.status == "WARN")
        return failing and mode in self.blocks


_RANK = {"PASS": 0, "WARN": 1, "FAIL": 2}


def per_region(name: str, found: dict[str, Check]) -> Check:
    """One check over several regions (each region's reason after its name, in priority
    order): the worst status wins, and the blocks and strictness of every region's check
    carry over."""
    worst = max(found.values(), key=lambda check: _RANK[check.status])
    return Check(
        name,
        worst.status,
        "; ".join(f"{region}: {check.reason}" for region, check in found.items()),
        frozenset().union(*(check.blocks for check in found.values())),
        worst.error,
        any(check.strict for check in found.values()),
    )


def _unknown(name: str, reading: Reading[Any], blocks: frozenset[str] = frozenset()) -> Check:
    return Check(name, "WARN", f"could not check: {reading.problem}", blocks)


def database_member(
    cluster: Reading[GlobalClusterView], target_arn: str, status: Reading[str]
) -> Check:
    name = "database.member"
    if cluster.value is None:
        return Check(name, "FAIL", f"global cluster unreadable: {cluster.problem}", ALL_MODES)
    if target_arn not in cluster.value.member_arns:
        return Check(
            name, "FAIL", f"{target_arn} is not a member of {cluster.value.identifier}", ALL_MODES
        )
    synchronization = (cluster.value.synchronization or {}).get(target_arn)
    if cluster.value.writer_arn != target_arn and synchronization not in (None, "connected"):
        return Check(
            name,
            "FAIL",
            f"SynchronizationStatus is {synchronization}: Aurora is rebuilding this secondary to "
            "the new primary's point in time after an unplanned failover (minutes to hours); "
            "it is not a failover target until it is connected",
            ALL_MODES,
        )
    if status.value is None:
        return _unknown(name, status)
    if status.value != "available":
        return Check(name, "FAIL", f"target cluster is {status.value}, not available", ALL_MODES)
    return Check(name, "PASS", f"member of {cluster.value.identifier}, available")


def replication_lag(lag_ms: Reading[float | None], limit_ms: float, already_writer: bool) -> Check:
    name = "database.replication_lag"
    if already_writer:
        return Check(name, "PASS", "the target is the writer (no lag)")
    if lag_ms.problem:
        return Check(
            name,
            "WARN",
            f"could not check: {lag_ms.problem}",
            PLANNED_MODES,
            ReplicationLagUnknown,
            strict=True,
        )
    if lag_ms.value is None:
        return Check(
            name,
            "FAIL",
            "no AuroraGlobalDBReplicationLag datapoint in the last 5 minutes",
            PLANNED_MODES,
            ReplicationLagUnknown,
        )
    if lag_ms.value > limit_ms:
        return Check(
            name,
            "FAIL",
            f"replication lag {lag_ms.value:.0f} ms is over the switchover limit {limit_ms:.0f} ms",
            PLANNED_MODES,
            ReplicationLagTooHigh,
        )
    return Check(name, "PASS", f"replication lag {lag_ms.value:.0f} ms (limit {limit_ms:.0f} ms)")


def source_healthy(
    cluster: Reading[GlobalClusterView], source_status: Reading[str], already_writer: bool
) -> Check:
    """A planned switchover needs a healthy source; an unplanned failover does not."""
    name = "database.source"
    if already_writer:
        return Check(name, "PASS", "the target is already the writer")
    global_status = cluster.value.status if cluster.value else "unknown"
    if source_status.value == "available" and global_status == "available":
        return Check(name, "PASS", "source cluster and global cluster available")
    return Check(
        name,
        "FAIL",
        f"source cluster is {source_status.value or source_status.problem} and global cluster is "
        f"{global_status}; a planned switchover needs both available (use mode=unplanned)",
        PLANNED_MODES,
        SourceUnhealthy,
    )


def compute_service(service: Reading[ServiceView | None], where: str) -> Check:
    name = "compute.service"
    if service.problem:
        return Check(name, "FAIL", f"{where}: could not read: {service.problem}", ALL_MODES)
    if service.value is None or not service.value.active:
        return Check(name, "FAIL", f"ECS service {where} not active", ALL_MODES)
    return Check(name, "PASS", f"{where} active, {service.value.running} running")


def endpoint_groups(dials: dict[str, Reading[float]]) -> Check:
    """The GA API is in us-west-2: unreachable is a WARN for unplanned moves (GA's own health
    checks steer traffic away from a failed region), a FAIL for planned ones."""
    name = "traffic.endpoint_groups"
    missing = {region: r.problem for region, r in dials.items() if r.problem}
    if not missing:
        return Check(name, "PASS", "endpoint groups readable: " + ", ".join(dials))
    unreachable = all((p or "").startswith("unreachable") for p in missing.values())
    if unreachable:
        return Check(name, "WARN", f"endpoint groups: {missing}", PLANNED_MODES, strict=True)
    return Check(name, "FAIL", f"endpoint groups: {missing}", ALL_MODES)


def global_endpoint(
    endpoint: Reading[str | None], chain: Reading[list[str]], writer: Reading[str]
) -> Check:
    """The global writer endpoint resolves (DNS) through the current writer's cluster endpoint.

    ``chain`` is the endpoint's CNAME chain, the queried name first (``gethostbyname_ex``'s
    aliases, then its canonical name). The writer cluster's endpoint is itself a CNAME to its
    writer instance, so it is a link of the chain, not its end."""
    name = "database.global_endpoint"
    if endpoint.value is None:
        return Check(name, "WARN", f"no global writer endpoint: {endpoint.problem or 'none'}")
    if not chain.value:
        return Check(name, "WARN", f"could not resolve {endpoint.value}: {chain.problem}")
    if not writer.value:
        # The writer's own region cannot be read (it may be the region that is down): an
        # unknown, never a FAIL that would read as "the estate is broken".
        return Check(
            name, "WARN", f"could not read the writer's endpoint: {writer.problem or 'no writer'}"
        )
    names = [link.rstrip(".").lower() for link in chain.value]
    if writer.value.rstrip(".").lower() not in names:
        via = " -> ".join(chain.value)
        return Check(
            name, "FAIL", f"{endpoint.value} resolves via {via}, not to the writer {writer.value}"
        )
    return Check(name, "PASS", f"{endpoint.value} resolves to the writer {writer.value}")


def image_pullable(
    images: Reading[list[str]], present: dict[str, Reading[bool]], region: str
) -> Check:
    """Every image of the target's task definition can be pulled in the target region without
    the other region: an ECR image in this region that exists (pushed or replicated)."""
    name = "compute.image"
    if images.value is None:
        return Check(name, "WARN", f"could not read the task definition: {images.problem}")
    problems = []
    for image in images.value:
        host = image.split("/", 1)[0]
        if ".dkr.ecr." not in host:
            problems.append(f"{image} is not in ECR (a public registry is not region-independent)")
        elif f".dkr.ecr.{region}." not in host:
            return Check(
                name,
                "FAIL",
                f"{image} is pulled from another region's ECR: the failover would depend on it",
                PLANNED_MODES,
            )
        elif present[image].value is False:
            return Check(
                name,
                "FAIL",
                f"{image} is not in {region}'s ECR (not pushed or replicated)",
                PLANNED_MODES,
            )
        elif present[image].problem:
            problems.append(f"{image}: could not check: {present[image].problem}")
    if problems:
        return Check(name, "WARN", "; ".join(problems))
    return Check(name, "PASS", f"{len(images.value)} image(s) in {region}'s ECR")


def _at_least(
    name: str,
    reading: Reading[int] | Reading[float],
    minimum: float,
    what: str,
    *,
    below: str,
    enough: str,
    blocks: frozenset[str] = frozenset(),
) -> Check:
    """WARN when ``reading`` is unknown, FAIL (blocking ``blocks``) below ``minimum``, else
    PASS. ``below`` and ``enough`` are formatted with ``value`` and ``minimum``."""
    if reading.value is None:
        return Check(name, "WARN", f"could not read {what}: {reading.problem}")
    text = {"value": reading.value, "minimum": minimum}
    if reading.value < minimum:
        return Check(name, "FAIL", below.format(**text), blocks)
    return Check(name, "PASS", enough.format(**text))


def warm_standby(running: Reading[int], minimum: int) -> Check:
    return _at_least(
        "compute.warm_standby",
        running,
        minimum,
        "the service",
        below="{value} tasks running, fewer than the warm-standby minimum {minimum}",
        enough="{value} tasks running (minimum {minimum})",
    )


def fargate_quota(quota: Reading[float], needed: float) -> Check:
    """The region's Fargate On-Demand vCPU quota (Service Quotas L-3032A538) takes the full load."""
    return _at_least(
        "compute.fargate_quota",
        quota,
        needed,
        "the quota",
        below="Fargate vCPU quota {value:g} is below the {minimum:g} vCPU of full capacity",
        enough="Fargate vCPU quota {value:g} covers {minimum:g} vCPU",
        blocks=PLANNED_MODES,
    )


def endpoint_health(health: Reading[str], region: str) -> Check:
    name = "traffic.target_health"
    if health.value is None:
        return Check(name, "WARN", f"could not read: {health.problem}")
    if health.value == "unhealthy":
        return Check(name, "FAIL", f"{region}'s accelerator endpoints are unhealthy", PLANNED_MODES)
    if health.value != "healthy":
        return Check(
            name, "WARN", f"{region}'s accelerator endpoints: {health.value}, no verdict yet"
        )
    return Check(name, "PASS", f"{region}'s accelerator endpoints are healthy")


def dials_match(dials: dict[str, float | None], active: str | None) -> Check:
    name = "traffic.dials"
    if active is None or None in dials.values():
        return Check(
            name, "WARN", f"could not compare dials {dials} with the active region {active}"
        )
    if dials != desired_dials(dials, active):
        return Check(name, "FAIL", f"dials {dials} do not match the active region {active}")
    return Check(name, "PASS", f"dials follow the active region {active}")


def exists(
    name: str, found: Reading[bool], what: str, blocks: frozenset[str] = frozenset()
) -> Check:
    """A resource the failover relies on is there."""
    if found.value is None:
        return Check(name, "WARN", f"could not check {what}: {found.problem}")
    if not found.value:
        return Check(name, "FAIL", f"missing: {what}", blocks)
    return Check(name, "PASS", f"found: {what}")


def alarm_ready(name: str, state: Reading[tuple[str, bool]], alarm: str) -> Check:
    """An alarm that must be able to start the failover: it exists, it has data, and a rule
    that starts the state machine listens for it."""
    if state.value is None:
        return Check(name, "WARN", f"could not read {alarm}: {state.problem}")
    value, wired = state.value
    if value == "MISSING":
        return Check(name, "FAIL", f"{alarm} does not exist")
    if not wired:
        return Check(name, "FAIL", f"no enabled rule starts the failover on {alarm}")
    if value == "INSUFFICIENT_DATA":
        return Check(name, "FAIL", f"{alarm} is INSUFFICIENT_DATA: it could not fire")
    return Check(name, "PASS", f"{alarm} is {value} and wired")


def s3_replication(failed: Reading[float | None], latency: Reading[float | None]) -> Check:
    name = "data.s3_replication"
    if failed.problem or latency.problem:
        return Check(
            name, "WARN", f"could not read replication metrics: {failed.problem or latency.problem}"
        )
    if failed.value:
        return Check(
            name,
            "FAIL",
            f"{failed.value:g} object(s) failed to replicate in the last hour",
            PLANNED_MODES,
        )
    if latency.value is None:
        return Check(name, "WARN", "no replication metrics (replication metrics off, or no writes)")
    return Check(name, "PASS", f"replication latency {latency.value:g} s, no failures")


def version_match(ours: Reading[str], theirs: Reading[str]) -> Check:
    """Another region's control plane runs the same code (one region's; readiness has one
    line per other region)."""
    name = "control_plane.peer_version"
    if ours.value is None or theirs.value is None:
        return Check(name, "WARN", f"could not compare: {ours.problem or theirs.problem}")
    if ours.value != theirs.value:
        return Check(
            name, "WARN", f"it runs another version ({theirs.value[:12]} vs {ours.value[:12]})"
        )
    return Check(name, "PASS", f"it runs the same version ({ours.value[:12]})")


def lease_free(
    holder: Reading[str | None],
    status: str | None,
    replica: str | None = None,
    order: tuple[str, ...] = (),
) -> Check:
    """The lease, read through the failover table's replica this control plane uses
    (``failover.table``: ``order``, first choice first; ``replica``: the one that answered).
    An answer from a later replica than the first choice is a WARN: the preferred one is
    unreachable or lost the set's majority, and a second loss would leave the lease
    unwritable."""
    name = "control_plane.lease"
    if holder.problem:
        return Check(name, "WARN", f"could not read the lease: {holder.problem}")
    through = f" (through {replica}'s replica)" if replica else ""
    if replica and order and replica != order[0]:
        return Check(
            name,
            "WARN",
            f"the failover table answered through {replica}, not {order[0]}, this control "
            f"plane's first choice of {', '.join(order)}: that replica is unreachable or lost "
            "the majority",
        )
    if holder.value is None:
        return Check(name, "PASS", f"the lease is free{through}")
    if status == "RUNNING":
        return Check(name, "WARN", f"a run holds the lease{through}: {holder.value}")
    return Check(
        name,
        "WARN",
        f"a stale lease{through} ({holder.value} is {status}); the next run takes it over",
    )


def subscriptions(confirmed: Reading[int]) -> Check:
    name = "control_plane.notices"
    if confirmed.value is None:
        return Check(name, "WARN", f"could not read the topic: {confirmed.problem}")
    if confirmed.value == 0:
        return Check(
            name, "WARN", "the notification topic has no confirmed subscription: nobody hears"
        )
    return Check(name, "PASS", f"{confirmed.value} confirmed subscription(s)")


def refuse_blocking(found: list[Check], mode: str) -> None:
    """Raise the named error of the first check that blocks ``mode``."""
    for check in found:
        if check.blocking(mode):
            raise check.error(f"{check.name}: {check.reason}")
