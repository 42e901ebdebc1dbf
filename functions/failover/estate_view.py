"""Where the estate stands: the one reader of every piece in every region.

The product reads it to decide convergence (ValidateInput), to plan (Preflight), to verify
and to record where a failed run left things (RecordOutcome); the drill (local and live) and
the tests read it the same way. Every piece is read best effort: a region that cannot be
reached gives an unknown reading that says why, and a denied call is surfaced
(:mod:`failover.readings`).

**Converged on a region** means: it is the writer with no promotion in flight; its Global
Accelerator dial is 100 and every other dial 0; its ECS service wants at least its full
capacity; and the active-region parameter names it in every region that can be read. A
piece that cannot be read does not block convergence when it lives in the failed region
(the fence will catch up), but an unknown writer or dials always do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from failover import active_region, aurora, compute, lease, readings, traffic
from failover.config import GLOBAL_ACCELERATOR_REGION, EstateConfig, RegionConfig
from failover.models import plain
from failover.traffic import EndpointGroupView, desired_dials

if TYPE_CHECKING:
    from failover.aurora import GlobalClusterView
    from failover.compute import ServiceView

ClientFactory = Callable[[str, str], Any]
"""(service, region) -> a boto3 client."""


@dataclass(frozen=True)
class RegionReadings:
    """One region's readings as read, each with its problem (what the checks need)."""

    group: readings.Reading[EndpointGroupView]
    service: readings.Reading[ServiceView | None]
    parameter: readings.Reading[str | None]

    @property
    def dial(self) -> readings.Reading[float]:
        group = self.group.value
        return readings.Reading(group.dial if group else None, self.group.problem)


@dataclass(frozen=True)
class RegionState:
    dial: float | None
    desired: int | None
    running: int | None
    active_region: str | None
    problems: list[str] = field(default_factory=list)
    read: RegionReadings | None = field(default=None, compare=False, repr=False)
    """The readings this state was made from (None in a view built by hand); not serialised."""


@dataclass(frozen=True)
class EstateView:
    writer_region: str | None
    global_status: str | None
    failover_state: dict[str, Any] | None
    regions: dict[str, RegionState]
    lease_holder: str | None = None
    problems: list[str] = field(default_factory=list)
    cluster: readings.Reading[GlobalClusterView] | None = field(
        default=None, compare=False, repr=False
    )
    """The global cluster as read (None in a view built by hand); not serialised."""

    @property
    def promotion_in_flight(self) -> bool:
        return bool(self.failover_state) or self.global_status in ("failing-over", "switching-over")

    def gaps(self, target: str, full_capacity: int) -> list[str]:
        """What is not yet converged on ``target`` (empty when fully converged)."""
        found: list[str] = []
        if self.writer_region != target or self.promotion_in_flight:
            found.append("database")
        wanted = desired_dials(self.regions, target)
        if any(state.dial != wanted[name] for name, state in self.regions.items()):
            found.append("traffic")
        into = self.regions[target]
        if into.desired is None or into.desired < full_capacity:
            found.append("compute")
        for name, state in self.regions.items():
            if state.active_region is None and name != target and state.problems:
                continue  # the other region cannot be read: fencing catches up later
            if state.active_region != target:
                found.append(f"active_region:{name}")
        return found

    def dials(self) -> dict[str, readings.Reading[float]]:
        """Each region's traffic dial as read, with why it is unknown."""
        return {
            name: state.read.dial if state.read else readings.Reading(state.dial)
            for name, state in self.regions.items()
        }

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = plain(self)
        data.pop("cluster", None)
        for region in data["regions"].values():
            region.pop("read", None)
        return data


def _region_state(
    estate: EstateConfig, clients: ClientFactory, ga: Any, name: str, cfg: RegionConfig
) -> RegionState:
    """One region's pieces. When its ECS endpoint cannot even be connected to, the region is
    cut off: its SSM endpoint is not tried too (a second connect timeout on the run's
    critical path for a reading that cannot change the decision: a piece of the failed region
    does not block convergence)."""
    group = readings.read(
        "globalaccelerator:DescribeEndpointGroup",
        lambda: traffic.describe_endpoint_group(ga, cfg.endpoint_group_arn),
    )
    service = readings.read(
        "ecs:DescribeServices",
        lambda: compute.describe_service(clients("ecs", name), cfg.ecs_cluster, cfg.ecs_service),
    )
    if service.problem and service.problem.startswith("unreachable"):
        parameter: readings.Reading[str | None] = readings.Reading(None, service.problem)
    else:
        parameter = readings.read(
            "ssm:GetParameter",
            lambda: active_region.read(clients("ssm", name), estate.active_region_parameter),
        )
    view = service.value
    return RegionState(
        dial=group.value.dial if group.value else None,
        desired=view.desired if view else None,
        running=view.running if view else None,
        active_region=parameter.value,
        problems=[p for p in (group.problem, service.problem, parameter.problem) if p],
        read=RegionReadings(group, service, parameter),
    )


def observe(
    estate: EstateConfig,
    clients: ClientFactory,
    reader_region: str,
    *,
    read_lease: Callable[[], lease.Lease | None] | None = None,
    peers: ClientFactory | None = None,
) -> EstateView:
    """Read every piece. ``reader_region`` serves the global cluster (any member region);
    ``read_lease``, when given, reads the lease (the product's goes through
    :func:`failover.table.call`: the failover table may live outside the estate's regions).

    ``peers`` (default ``clients``) makes the clients for the other regions' pieces: the
    product passes short-timeout best-effort clients (:func:`failover.clients.best_effort`),
    so a region that is down costs one connect timeout, not the critical profile's retries."""
    problems: list[str] = []
    cluster = readings.read(
        "rds:DescribeGlobalClusters",
        lambda: aurora.describe_global_cluster(
            clients("rds", reader_region), estate.global_cluster_id
        ),
    )
    if cluster.problem:
        problems.append(f"global cluster: {cluster.problem}")
    # GA's API is served by us-west-2 alone: from any other reader it is a peer's piece (it
    # may be the failed region), read with the peers' bounded clients.
    outside = reader_region != GLOBAL_ACCELERATOR_REGION
    ga = (peers or clients if outside else clients)("globalaccelerator", GLOBAL_ACCELERATOR_REGION)
    regions = {
        name: _region_state(
            estate, clients if name == reader_region else (peers or clients), ga, name, cfg
        )
        for name, cfg in estate.regions.items()
    }
    holder = None
    if read_lease is not None:
        found = readings.read("dynamodb:GetItem", read_lease)
        holder = found.value.holder if found.value else None
    view_of_cluster = cluster.value
    return EstateView(
        writer_region=view_of_cluster.writer_region if view_of_cluster else None,
        global_status=view_of_cluster.status if view_of_cluster else None,
        failover_state=view_of_cluster.failover_state if view_of_cluster else None,
        regions=regions,
        lease_holder=holder,
        problems=problems,
        cluster=cluster,
    )


def emit_state(view: EstateView, namespace: str) -> None:
    """Where the estate stands, as metrics per region (the dashboard's first row)."""
    from failover.observability import emit_metric

    for name, state in view.regions.items():
        dims = {"Region": name}
        emit_metric(namespace, "IsWriter", 1.0 if view.writer_region == name else 0.0, "None", dims)
        emit_metric(
            namespace, "IsActive", 1.0 if state.active_region == name else 0.0, "None", dims
        )
        if state.dial is not None:
            emit_metric(namespace, "TrafficDial", state.dial, "Percent", dims)
        if state.desired is not None:
            emit_metric(namespace, "DesiredTasks", float(state.desired), "Count", dims)
