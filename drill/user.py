"""The drill's synthetic user: a read and a write through the application's name every second.

What an operator's users would measure, beside the control plane's RTO. The user sits near the
primary region and, every modelled second, sends one read and one write to the application's
name, the way the estate routes them (ARCHITECTURE.md "The estate"):

* **active-passive**: the name aliases the accelerator. Global Accelerator's data plane sends
  the request to the nearest endpoint group whose dial is above 0 and that has a healthy
  endpoint; when none has, to the nearest healthy group of the three closest whatever its
  dial; when none of those is healthy, to the closest (fails open)
  (:meth:`emulator.services.globalaccelerator.GlobalAccelerator.landing_group`, its sources).
* **read-local**: latency records; the user's region's record unless its Route 53 health check
  is unhealthy (then a healthy region's; if every record is unhealthy Route 53 answers as if
  all were healthy).

The region that gets the request answers following the container contract (docs/DEPLOY.md
"Container contract", ``LocalEstate.may_serve``): nothing from an unreachable region or an app
that is down (its ``/health`` fails); in active-passive a region whose cluster is not the
global writer hands the user to a region that may serve (307), which answers if it is up
(during an unplanned failover a standby therefore serves nobody until one is promoted: the
only region that may serve is the failed one); in read-local every region serves reads, and
writes are forwarded to the writer while the writer's region is reachable.

The user reads the emulated data plane directly (no AWS API call, so it costs no modelled time
and sees an unreachable region's API outage as a user would: not at all). DNS caching by the
user's resolver is not modelled (each request resolves afresh): an assumption that favours the
read-local figures by up to the records' TTL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emulator.clock import ActorThread, VirtualEvent

if TYPE_CHECKING:
    from emulator import Emulator
    from testbed.estate import LocalEstate

__all__ = ["Attempt", "SyntheticUser", "UserView"]

EVERY = 1.0  # modelled seconds between two requests of each kind
OFFSET = 0.5  # requests go out half-way between the world's ticks (no tie with a tick)


@dataclass(frozen=True)
class Attempt:
    at: float  # modelled seconds since t0
    region: str  # where the request landed ("nowhere": no answer)
    read_ok: bool
    write_ok: bool
    writer: str | None = None  # the global database's writer region at that moment


@dataclass
class UserView:
    """What the synthetic user saw after the outage (modelled seconds since t0)."""

    near: str
    through: str  # "Global Accelerator" | "latency records"
    first_good_read_s: float | None
    first_good_write_s: float | None
    writer_promoted_s: float | None = None  # first request that saw another writer region
    attempts: int = 0
    last_bad_read_s: float | None = None
    regions: dict[str, int] = field(default_factory=dict)  # region -> requests it answered

    def to_dict(self) -> dict[str, Any]:
        return {
            "near": self.near,
            "through": self.through,
            "first_good_read_s": self.first_good_read_s,
            "first_good_write_s": self.first_good_write_s,
            "writer_promoted_s": self.writer_promoted_s,
            "attempts": self.attempts,
            "last_bad_read_s": self.last_bad_read_s,
            "regions": dict(self.regions),
        }


class SyntheticUser:
    """``user.start(t0)`` before the outage; ``user.stop()``; ``user.view()``."""

    def __init__(self, emu: Emulator, estate: LocalEstate, near: str | None = None) -> None:
        self.emu = emu
        self.estate = estate
        self.spec = estate.spec
        self.near = near or self.spec.primary
        self.attempts: list[Attempt] = []
        self._t0 = 0.0
        self._stop: VirtualEvent | None = None
        self._actor: ActorThread | None = None

    # ------------------------------------------------------------------------ running
    def start(self, t0: float) -> None:
        self._t0 = t0
        self._stop = stop = VirtualEvent(self.emu.clock)
        self._actor = ActorThread(target=self._loop, args=(stop,), name="user", daemon=True)
        self._actor.start()

    def stop(self) -> None:
        actor, stop = self._actor, self._stop
        self._actor = self._stop = None
        if actor is None or stop is None:
            return
        stop.set()
        actor.join()

    def _loop(self, stop: VirtualEvent) -> None:
        clock = self.emu.clock
        start = clock.now()
        first = self._t0 + OFFSET if start <= self._t0 + OFFSET else start
        stop.wait(max(first - clock.now(), 0.0))
        while not stop.is_set():
            self.attempts.append(self.attempt(clock.now() - self._t0))
            stop.wait(EVERY)

    # ------------------------------------------------------------------- one request
    def attempt(self, at: float) -> Attempt:
        landed = self.lands_in()
        writer = self.writer_region()
        served = self._served_by(landed)
        if served is None:
            return Attempt(at, landed, False, False, writer)
        return Attempt(at, served, True, self._writes(served, writer), writer)

    def _served_by(self, region: str) -> str | None:
        """The region that answers a request landing in ``region`` (the container contract:
        a region that may not serve, in active-passive one whose cluster is not the writer,
        redirects, once, to a region that may serve: testbed.health_endpoints), or None
        (down, unreachable, or redirected into one)."""
        if region == "nowhere" or not self._up(region):
            return None
        if self.estate.may_serve(region):
            return region
        others = self.spec.others(region)
        to = next((r for r in others if self.estate.may_serve(r)), others[0])
        if self._up(to) and self.estate.may_serve(to):
            return to
        return None

    def lands_in(self) -> str:
        if self.spec.topology == "active-passive":
            return self._through_accelerator()
        return self._through_latency_records()

    def _through_accelerator(self) -> str:
        """Global Accelerator's data plane for a client near the user's region
        (:meth:`GlobalAccelerator.landing_group`): the nearest healthy group with a dial above
        0, else the nearest healthy of the three closest, else the closest (fails open)."""
        accelerator = self.emu.globalaccelerator
        group = accelerator.landing_group(self.estate.accelerator_arn, self.near)
        regions = [r for r, arn in self.estate.endpoint_group_arns.items() if arn == group]
        return regions[0] if regions else "nowhere"

    def _through_latency_records(self) -> str:
        route53 = self.emu.route53
        regions = list(self.spec.regions)
        healthy = [r for r in regions if route53.is_healthy(self.estate.health_check_ids[r])]
        usable = healthy or regions
        return self.near if self.near in usable else usable[0]

    def _up(self, region: str) -> bool:
        if self.emu.faults.is_unreachable(region):
            return False
        return bool(self.estate.health.is_healthy(region))

    def _writes(self, region: str, writer: str | None) -> bool:
        if writer is None or self.emu.faults.is_unreachable(writer):
            return False
        if writer == region:
            return True
        return self.spec.topology == "read-local"  # Aurora write forwarding to the writer

    def writer_region(self) -> str | None:
        from moto.rds.models import rds_backends

        from emulator.world import default_account

        # moto keeps every global cluster in its us-east-1 backend, whichever region created
        # it (moto.rds.responses.RDSResponse.global_backend): not the estate's primary
        backend = rds_backends[default_account()]["us-east-1"]
        found = backend.global_clusters.get(self.spec.global_cluster_id)
        if found is None:
            return None
        writer = self.emu.rds.writer(found)
        if writer is None:
            return None
        return str(writer.db_cluster_arn).split(":")[3]

    # ------------------------------------------------------------------------- result
    def view(self) -> UserView:
        after = [a for a in self.attempts if a.at >= 0]
        bad_reads = [a.at for a in after if not a.read_ok]
        first_bad = bad_reads[0] if bad_reads else None
        # the first good answer after the outage took effect (after the first failure);
        # a user who never saw a failure has nothing to recover from (0)
        read = _first(after, "read_ok", first_bad)
        bad_writes = [a.at for a in after if not a.write_ok]
        write = _first(after, "write_ok", bad_writes[0] if bad_writes else None)
        regions: dict[str, int] = {}
        for a in after:
            if a.read_ok:
                regions[a.region] = regions.get(a.region, 0) + 1
        before = next((a.writer for a in self.attempts if a.writer is not None), None)
        promoted = next(
            (round(a.at, 1) for a in after if a.writer is not None and a.writer != before), None
        )
        through = (
            "Global Accelerator" if self.spec.topology == "active-passive" else "latency records"
        )
        return UserView(
            near=self.near,
            through=through,
            first_good_read_s=read,
            first_good_write_s=write,
            writer_promoted_s=promoted,
            attempts=len(after),
            last_bad_read_s=bad_reads[-1] if bad_reads else None,
            regions=regions,
        )


def _first(attempts: list[Attempt], kind: str, first_bad: float | None) -> float | None:
    if first_bad is None:
        return 0.0
    for attempt in attempts:
        if attempt.at > first_bad and getattr(attempt, kind):
            return round(attempt.at, 1)
    return None
