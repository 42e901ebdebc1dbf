"""Preflight the target region and build the action plan. Reads only; changes nothing.

The plan covers only what is not yet converged (:meth:`EstateView.gaps`): a re-run after a
partial failure, or a run into a region that is already the writer, completes what is
missing and repeats nothing. Manual runs meet the cooldown here (automatic runs met it in
ConfirmOutage).

The estate is read once (:func:`failover.estate_view.observe`): the checks and the plan use
that view's readings; Preflight adds only what the view does not say (the target cluster's
status, the replication lag, and for a planned move the source cluster's status and the rest
of the Readiness checks, :func:`failover.readiness.evaluate` on the same view).

The checks are the shared ones (:mod:`failover.checks`). A planned move is not in a hurry:
it runs every Readiness check live and refuses, by the check's named error, on a FAIL that
would make it fail. An unplanned one runs only the checks it cannot do without, and lists
what the latest Readiness evaluation found failing, in its plan and so in its record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from failover import (
    aurora,
    checks,
    cooldown,
    data_loss,
    estate_view,
    readiness,
    readings,
    table,
    traffic,
)
from failover.clients import Profile, best_effort, client
from failover.config import GLOBAL_ACCELERATOR_REGION
from failover.errors import Superseded
from failover.models import plain
from failover.plan import (
    ActionPlan,
    ActiveRegionAction,
    CheckResult,
    ComputeAction,
    DatabaseAction,
    Dial,
    FailingCheck,
    FenceAction,
    ReadinessSummary,
    TrafficAction,
)

if TYPE_CHECKING:
    from failover.checks import Check
    from failover.config import Settings
    from failover.estate_view import EstateView
    from failover.models import Request


@dataclass(frozen=True)
class Move:
    """What the plan is made for: the two regions, the mode, and what is not converged."""

    target: str
    source: str
    mode: str
    planned: bool
    gaps: list[str]
    required: int

    @property
    def already_writer(self) -> bool:
        return "database" not in self.gaps


def required_capacity(settings: Settings, view: EstateView, source: str, target: str) -> int:
    """The capacity the target must take: the larger full capacity, or what the source ran
    (as the estate view read it; nothing when the source cannot be read)."""
    regions = settings.estate.regions
    ran = view.regions[source].desired or 0
    return max(regions[source].full_capacity, regions[target].full_capacity, ran)


def build_plan(
    settings: Settings, request: Request, now: datetime, waited_for: str | None = None
) -> ActionPlan:
    """Read the estate once, stand down if another run has won, meet the cooldown (manual
    runs), run the checks that the mode needs (refusing on a blocking FAIL), and plan each
    piece that is not yet converged. ``waited_for``: the region a live lease of the other
    direction was moving the estate into while this run waited for it (WaitForLease)."""
    view = estate_view.observe(settings.estate, client, request.target_region, peers=best_effort)
    _refuse_superseded(settings, request.target_region, view, waited_for)
    _refuse_moved_elsewhere(request, view)
    decision = _cooldown(settings, request, now)
    move = _move(settings, request, view)
    lag = _replication_lag(settings, move, now)
    found = _checks(settings, move, view, lag, now)
    checks.refuse_blocking(found, move.mode)
    known = _readiness(settings, move, found, now)
    gate = data_loss.gate(settings, request, move.target, now, known.failing, move.already_writer)
    return ActionPlan(
        mode=move.mode,
        target_region=move.target,
        source_region=move.source,
        converged=not move.gaps,
        gaps=move.gaps,
        replication_lag_ms=lag.value,
        cooldown=plain(decision),
        checks=[CheckResult(c.name, c.status, c.reason) for c in found],
        readiness=known,
        database=_database(settings, move, view),
        traffic=_traffic(move, view),
        compute=_compute(settings, move, view),
        active_region=_active_region(settings, move, view),
        fence=FenceAction(
            move.source,
            f"point every other region's active-region parameter at {move.target}, "
            f"{move.source} first (best effort)",
        ),
        data_loss=gate.data_loss,
        approval=gate.approval,
    )


def _cooldown(
    settings: Settings, request: Request, now: datetime
) -> cooldown.CooldownDecision | None:
    """Manual runs meet the cooldown here (raises CooldownActive); automatic ones met it in
    ConfirmOutage."""
    if request.trigger != "manual":
        return None
    last = table.call(settings, lambda ddb: cooldown.last_move(ddb, settings.table_name))
    return cooldown.decide(request, last, now, settings.cooldown_minutes)


def _refuse_superseded(
    settings: Settings, target: str, view: EstateView, waited_for: str | None
) -> None:
    """Another run has won, and this one stands down (it would only undo that run's move):
    a promotion is in flight towards another cluster, or this run waited for the other
    direction's lease (WaitForLease) and that run has since moved the estate, fully, into
    its region. A holder that died or failed on the way leaves the estate not converged
    there: this run then plans afresh from where it stands (a dead region's lease never
    blocks the survivor past the lease's bound)."""
    into = settings.estate.regions[target].db_cluster_arn
    moving_to = (view.failover_state or {}).get("ToDbClusterArn")
    if view.promotion_in_flight and moving_to not in (None, into):
        raise Superseded(f"the database is being moved to {moving_to}")
    if waited_for and waited_for != target:
        full = settings.estate.regions[waited_for].full_capacity
        if not view.gaps(waited_for, full):
            raise Superseded(
                f"while this run waited for the lease, the other direction's run moved the "
                f"estate into {waited_for} (writer, traffic, capacity, app config): this run "
                f"would only undo it"
            )


def _refuse_moved_elsewhere(request: Request, view: EstateView) -> None:
    """An alarm's run moves the writer out of the region the alarm is about, and nowhere else:
    when the writer is already in a third region (another control plane's run took it there),
    this run stands down rather than move a healthy writer with data loss allowed. With two
    regions the writer is always the source or the target."""
    writer = view.writer_region
    if request.trigger == "alarm" and writer not in (
        None,
        request.source_region,
        request.target_region,
    ):
        raise Superseded(
            f"the writer is in {writer}, not in {request.source_region} that the alarm is "
            f"about: another run has moved the estate"
        )


def _move(settings: Settings, request: Request, view: EstateView) -> Move:
    """The request as the plan needs it (nothing later reads the request again)."""
    required = required_capacity(settings, view, request.source_region, request.target_region)
    return Move(
        target=request.target_region,
        source=request.source_region,
        mode=request.mode,
        planned=request.planned,
        gaps=view.gaps(request.target_region, required),
        required=required,
    )


def _replication_lag(
    settings: Settings, move: Move, now: datetime
) -> readings.Reading[float | None]:
    """The target's replication lag (none to read when it is already the writer)."""
    if move.already_writer:
        return readings.Reading[float | None](0.0)
    arn = settings.estate.regions[move.target].db_cluster_arn
    return readings.read(
        "cloudwatch:GetMetricStatistics",
        lambda: aurora.replication_lag_ms(client("cloudwatch", move.target), arn, now),
    )


def _checks(
    settings: Settings,
    move: Move,
    view: EstateView,
    lag: readings.Reading[float | None],
    now: datetime,
) -> list[Check]:
    """The checks a move cannot do without; a planned move adds the source's health and every
    other Readiness check, on the same view."""
    basis = readiness.Basis.of(settings, view, lag)
    _read_again_if_throttled(move, basis)
    found = readiness.essential(settings, basis)
    if not move.planned:
        return found
    cluster = basis.cluster
    source_arn = settings.estate.regions[move.source].db_cluster_arn
    source_status = readings.read(
        "rds:DescribeDBClusters",
        lambda: aurora.cluster_status(client("rds", move.source, Profile.OBSERVE), source_arn),
    )
    found.append(checks.source_healthy(cluster, source_status, move.already_writer))
    ran = {check.name for check in found}
    return found + [c for c in readiness.evaluate(settings, now, basis).checks if c.name not in ran]


def _read_again_if_throttled(move: Move, basis: readiness.Basis) -> None:
    """The target region's readings decide the plan: throttled or 5xx, they are read again
    (TransientAwsError, the ASL's Retry), never turned into PreflightFailed. Global
    Accelerator's, when us-west-2 is not the target, are best effort: a WARN, not a retry."""
    target = basis.region(move.target)
    dials = (
        {f"dial:{name}": basis.region(name).dial for name in basis.view.regions}
        if move.target == GLOBAL_ACCELERATOR_REGION
        else {}
    )
    readings.retry_if_throttled(
        cluster=basis.cluster,
        status=basis.status,
        lag=basis.lag,
        service=target.service,
        **dials,
    )


def _readiness(
    settings: Settings, move: Move, found: list[Check], now: datetime
) -> ReadinessSummary:
    """What was failing: the live checks for a planned move, else the latest evaluation."""
    if move.planned:
        return ReadinessSummary(
            now.isoformat(), [FailingCheck(c.name, c.reason) for c in found if c.status == "FAIL"]
        )
    known = readings.read("dynamodb:GetItem", lambda: readiness.latest(settings)).value or {}
    failing = [c for c in known.get("checks", []) if c["status"] == "FAIL"]
    return ReadinessSummary(
        known.get("evaluated_at"), [FailingCheck(c["name"], c["reason"]) for c in failing]
    )


def _database(settings: Settings, move: Move, view: EstateView) -> DatabaseAction:
    estate = settings.estate
    cluster = view.cluster.value if view.cluster else None
    return DatabaseAction(
        action="none" if move.already_writer else "switchover" if move.planned else "failover",
        global_cluster_id=estate.global_cluster_id,
        target_cluster_arn=estate.regions[move.target].db_cluster_arn,
        source_cluster_arn=estate.regions[move.source].db_cluster_arn,
        writer_region=view.writer_region,
        planned_from=cluster.writer_arn if cluster else None,
        allow_data_loss=not move.planned,
    )


def _traffic(move: Move, view: EstateView) -> TrafficAction:
    dials = view.dials()
    desired = traffic.desired_dials(dials, move.target)
    return TrafficAction(
        action="shift" if "traffic" in move.gaps else "none",
        dials={name: Dial(r.value, desired[name]) for name, r in dials.items()},
        global_accelerator_reachable=all(r.known for r in dials.values()),
    )


def _compute(settings: Settings, move: Move, view: EstateView) -> ComputeAction:
    into = settings.estate.regions[move.target]
    current = view.regions[move.target].desired or 0
    return ComputeAction(
        cluster=into.ecs_cluster,
        service=into.ecs_service,
        current_desired=current,
        required=move.required,
        source_observed_desired=view.regions[move.source].desired,
        action="scale" if current < move.required else "none",
    )


def _active_region(settings: Settings, move: Move, view: EstateView) -> ActiveRegionAction:
    return ActiveRegionAction(
        parameter=settings.estate.active_region_parameter,
        current={name: state.active_region for name, state in view.regions.items()},
        desired=move.target,
        action="set" if any(g.startswith("active_region") for g in move.gaps) else "none",
    )
