"""The action plan: what a run will do, built once by Preflight, read typed by every later state.

Preflight (:mod:`failover.preflight`) builds an :class:`ActionPlan` from the estate view it
holds; the state machine stores it at ``$.plan`` (its JSON form, :meth:`ActionPlan.to_dict`);
PromoteDatabase, ScaleCompute, VerifyFailover and RecordOutcome read it back with
:meth:`ActionPlan.parse` and use attributes. The JSON shape is the audit record's ``plan`` and
the dry run's output, so it is kept stable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

DatabaseStep = Literal["none", "switchover", "failover"]
TrafficStep = Literal["none", "shift"]
ComputeStep = Literal["none", "scale"]
ActiveRegionStep = Literal["none", "set"]


@dataclass(frozen=True)
class CheckResult:
    """One shared check's result, as recorded (:class:`failover.checks.Check` without its
    blocking rule)."""

    name: str
    status: str
    reason: str


@dataclass(frozen=True)
class FailingCheck:
    name: str
    reason: str


@dataclass(frozen=True)
class ReadinessSummary:
    """What was failing at the latest Readiness evaluation (live for a planned move)."""

    evaluated_at: str | None
    failing: list[FailingCheck] = field(default_factory=list)


@dataclass(frozen=True)
class DatabaseAction:
    action: DatabaseStep
    global_cluster_id: str
    target_cluster_arn: str
    source_cluster_arn: str
    writer_region: str | None
    planned_from: str | None
    """The writer the plan was made from: PromoteDatabase compares-and-sets on it."""
    allow_data_loss: bool


@dataclass(frozen=True)
class Dial:
    current: float | None
    desired: float


@dataclass(frozen=True)
class TrafficAction:
    action: TrafficStep
    dials: dict[str, Dial]
    global_accelerator_reachable: bool


@dataclass(frozen=True)
class ComputeAction:
    cluster: str
    service: str
    current_desired: int
    required: int
    source_observed_desired: int | None
    action: ComputeStep


@dataclass(frozen=True)
class ActiveRegionAction:
    parameter: str
    current: dict[str, str | None]
    desired: str
    action: ActiveRegionStep


@dataclass(frozen=True)
class FenceAction:
    region: str
    action: str


@dataclass(frozen=True)
class Approval:
    """Whether a person must approve before Act (PlanDecision), and why: the data-loss gate or
    a readiness FAIL (failover.data_loss). A request's own ``require_approval`` is apart."""

    required: bool = False
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ActionPlan:
    mode: str
    target_region: str
    source_region: str
    converged: bool
    gaps: list[str]
    replication_lag_ms: float | None
    cooldown: dict[str, Any] | None
    checks: list[CheckResult]
    readiness: ReadinessSummary
    database: DatabaseAction
    traffic: TrafficAction
    compute: ComputeAction
    active_region: ActiveRegionAction
    fence: FenceAction
    data_loss: dict[str, Any] | None = None
    """The data-loss gate's reading (failover.data_loss.Gate as JSON): the lag at the decision,
    the budget, the verdict; None where no promotion with data loss is planned."""
    approval: Approval = field(default_factory=Approval)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def parse(cls, raw: Any) -> ActionPlan:
        """The plan Preflight stored (``stage.part("plan")``); a named error when absent."""
        if not isinstance(raw, dict) or not raw:
            raise ValueError("no action plan: Preflight has not run")
        readiness = raw["readiness"]
        traffic = raw["traffic"]
        return cls(
            **{key: raw[key] for key in _SCALARS},
            checks=[CheckResult(**c) for c in raw["checks"]],
            readiness=ReadinessSummary(
                readiness.get("evaluated_at"),
                [FailingCheck(c["name"], c["reason"]) for c in readiness.get("failing") or []],
            ),
            database=DatabaseAction(**raw["database"]),
            traffic=TrafficAction(
                action=traffic["action"],
                dials={name: Dial(**dial) for name, dial in traffic["dials"].items()},
                global_accelerator_reachable=traffic["global_accelerator_reachable"],
            ),
            compute=ComputeAction(**raw["compute"]),
            active_region=ActiveRegionAction(**raw["active_region"]),
            fence=FenceAction(**raw["fence"]),
            data_loss=raw.get("data_loss"),
            approval=Approval(**(raw.get("approval") or {})),
        )


_SCALARS = (
    "mode",
    "target_region",
    "source_region",
    "converged",
    "gaps",
    "replication_lag_ms",
    "cooldown",
)
