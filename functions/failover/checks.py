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


def refuse_blocking(found: list[Check], mode: str) -> None:
    """Raise the named error of the first check that blocks ``mode``."""
    for check in found:
        if check.blocking(mode):
            raise check.error(f"{check.name}: {check.reason}")
