"""The modelled world every emulated service shares, and the registry of services.

A :class:`World` holds what the services have in common: the clock (modelled seconds, a
discrete-event simulation: :mod:`emulator.clock`), the latency model, injected faults, the
regions whose alarms and schedules run, and the notices of what happened (for whoever follows
along). The *world actor* (:meth:`World.start_world`) runs :meth:`World.tick` every ``step``
of modelled time: health checks, schedules, alarm evaluation. It also holds one instance of every
registered service, found by name at run time: ``world.service("eventbridge")``, or, for
callers, ``world.eventbridge``.

A service is one module in :mod:`emulator.services` with a :class:`Service` subclass that
registers itself when its module is imported::

    @register
    class Route53(Service):
        name = "route53"

        def install(self, patcher: Patcher) -> None: ...

Services import this module, never :mod:`emulator.core` nor each other at run time: they
reach another service through ``self.world.service(name)``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .clock import ActorThread, VirtualClock, VirtualEvent, next_multiple
from .faults import Faults

if TYPE_CHECKING:
    from ._patching import Patcher
    from .latency import LatencyModel

__all__ = [
    "EVALUATE",
    "OBSERVE",
    "SCHEDULE",
    "Service",
    "World",
    "WorldEvent",
    "active",
    "default_account",
    "register",
]

LOG = logging.getLogger(__name__)

# World.tick() runs the services' tick() in this order: what the checkers observe becomes
# metrics, schedules fire, then alarms are evaluated on what is there.
OBSERVE, SCHEDULE, EVALUATE = 0, 1, 2


@dataclass(frozen=True)
class WorldEvent:
    """One thing that happened in the modelled world, for whoever follows along (not the
    product's operator notice, :class:`failover.notify.Notice`)."""

    at: float  # modelled seconds (world.clock)
    # health-check | accelerator-health | alarm | delivery | delivery-failed | schedule |
    # execution-status (a Step Functions execution's status change) | lambda-destination
    kind: str
    subject: str  # the health check id, endpoint group ARN, alarm name, rule name...
    state: str  # "healthy"/"unhealthy", the alarm state, the target ARN...
    detail: dict[str, Any] = field(default_factory=dict)


class Service:
    """One emulated AWS service (or one concern of one). See the module docstring."""

    name: ClassVar[str]
    #: When :meth:`World.tick` runs :meth:`tick` (lower first); None: nothing happens by itself.
    tick_phase: ClassVar[int | None] = None
    #: The boto3 service this one answers in full, in place of moto (None: it patches moto).
    serves: ClassVar[str | None] = None
    #: Regions where that API has an endpoint (empty: every region).
    endpoint_regions: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, world: World) -> None:
        self.world = world
        self._lock = threading.RLock()  # guards the service's own state

    def install(self, patcher: Patcher) -> None:
        """Apply this service's patches (``Emulator.uninstall`` reverts them)."""

    def tick(self) -> None:
        """Do what is due at ``world.clock.now()`` (services with a ``tick_phase``)."""

    def check_call(self, service: str, operation: str, params: dict[str, Any], region: str) -> None:
        """Refuse one call of any service before moto sees it (raise ``EmulatedServiceError``).

        ``params`` is what botocore serialised (``params["body"]``); ``region`` where it goes.
        """

    def handle(self, operation: str, params: dict[str, Any], account_id: str) -> dict[str, Any]:
        """Serve one call of the API named by ``serves`` (parsed response body)."""
        raise NotImplementedError(f"{self.name} serves no API")


S = TypeVar("S", bound=type[Service])

_REGISTRY: dict[str, type[Service]] = {}


def register(cls: S) -> S:
    """Class decorator: make ``cls`` one of the services every new world carries."""
    known = _REGISTRY.get(cls.name)
    if known is not None and known.__qualname__ != cls.__qualname__:
        raise ValueError(f"two services named {cls.name!r}: {known} and {cls}")
    _REGISTRY[cls.name] = cls
    return cls


def default_account() -> str:
    """The account moto serves by default (``MOTO_ACCOUNT_ID``)."""
    return os.environ.get("MOTO_ACCOUNT_ID", "123456789012")


class World:
    """The shared modelled world and its services. See the module docstring."""

    def __init__(self, clock: VirtualClock, latency: LatencyModel) -> None:
        self.clock = clock
        self.latency = latency
        self.faults = Faults()
        #: Regions whose alarms are evaluated and whose schedules fire.
        self.regions: set[str] = set()
        self.listeners: list[Callable[[WorldEvent], None]] = []
        self.notices: list[WorldEvent] = []
        self._tick_lock = threading.RLock()
        self._world_actor: ActorThread | None = None
        self._world_stop: VirtualEvent | None = None
        #: An error that ended the world actor (the drill surfaces it).
        self.world_error: BaseException | None = None
        self._services: dict[str, Service] = {
            name: cls(self) for name, cls in sorted(_REGISTRY.items())
        }

    # ----------------------------------------------------------------------- services

    def service(self, name: str) -> Any:
        """The world's instance of the service registered as ``name``."""
        try:
            return self._services[name]
        except KeyError:
            raise LookupError(f"no emulated service {name!r}") from None

    def __getattr__(self, name: str) -> Any:
        # Only for names that are not attributes: world.route53 is world.service("route53").
        services = self.__dict__.get("_services", {})
        if name in services:
            return services[name]
        raise AttributeError(f"{type(self).__name__} has no attribute or service {name!r}")

    @property
    def services(self) -> list[Service]:
        return list(self._services.values())

    # --------------------------------------------------------------------------- time

    @property
    def time_scale(self) -> float:
        """Real seconds per modelled second of a jump of the clock (0: no pacing)."""
        return self.clock.time_scale

    def utcnow(self) -> dt.datetime:
        """The modelled wall-clock time: the clock's epoch + ``clock.now()`` seconds (UTC)."""
        return self.clock.utcnow()

    def wait(self, seconds: float, interrupt: Any = None) -> None:
        """Let ``seconds`` of modelled time pass for the caller (an actor: idle meanwhile);
        a :class:`~emulator.clock.VirtualEvent` ``interrupt`` ends the wait early when set."""
        if isinstance(interrupt, VirtualEvent):
            interrupt.wait(seconds)
        else:
            self.clock.sleep(seconds)

    def tick(self) -> None:
        """Do everything due at the current modelled time (checks, schedules, alarms).

        Nothing moves time here: the world actor calls it every step, tests may call it."""
        with self._tick_lock:
            due = [s for s in self._services.values() if s.tick_phase is not None]
            for service in sorted(due, key=lambda s: s.tick_phase or 0):
                service.tick()

    # ------------------------------------------------------------------ the world actor

    def start_world(self, step: float = 1.0) -> None:
        """Start the world actor: ``tick()`` now and at every multiple of ``step`` modelled
        seconds. Hold time from the calling thread (``clock.held()``) and let it pass with
        ``clock.advance``: an unheld periodic actor at time scale 0 runs time without bound."""
        if step <= 0:
            raise ValueError("step must be > 0")
        if self._world_actor is not None:
            raise RuntimeError("the world actor is already running")
        self._world_stop = stop = VirtualEvent(self.clock)
        self.world_error = None
        self._world_actor = ActorThread(
            target=self._world_loop, args=(step, stop), name="world-actor", daemon=True
        )
        self._world_actor.start()

    def stop_world(self) -> None:
        """Stop the world actor (it finishes the tick it is in)."""
        actor, stop = self._world_actor, self._world_stop
        self._world_actor = self._world_stop = None
        if actor is None or stop is None:
            return
        stop.set()
        actor.join()

    def _world_loop(self, step: float, stop: VirtualEvent) -> None:
        try:
            while not stop.is_set():
                self.tick()
                now = self.clock.now()
                stop.wait(next_multiple(now, step) - now)
        except BaseException as error:
            LOG.exception("the world actor failed")
            self.world_error = error

    # ---------------------------------------------------------------------- the rest

    def watch_regions(self, *regions: str) -> None:
        """Evaluate the alarms and fire the schedules of these regions too."""
        self.regions.update(regions)

    def notify(self, kind: str, subject: str, state: str, detail: dict[str, Any]) -> None:
        """Record a :class:`WorldEvent` and tell the listeners (a listener never breaks the
        world)."""
        notice = WorldEvent(self.clock.now(), kind, subject, state, detail)
        self.notices.append(notice)
        LOG.debug("%s", notice)
        for listener in list(self.listeners):
            try:
                listener(notice)
            except Exception:  # a display must never break the modelled world
                LOG.exception("notice listener failed")


_ACTIVE: World | None = None


def active() -> World | None:
    """The installed emulator's world, or None."""
    return _ACTIVE


def _set_active(world: World | None) -> None:
    global _ACTIVE
    _ACTIVE = world
