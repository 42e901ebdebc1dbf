"""Makes moto faithful where it is not, for the scenario tests and the local failover drill.

The emulator is a small shared world (:mod:`emulator.world`: clock, latency, faults,
notices) and a set of services (:mod:`emulator.services`, one module each) that register
themselves with it. :class:`Emulator` is that world, with every service's patches installed.

Public API
----------
``Emulator.install(clock=None, latency=None, time_scale=0.0) -> Emulator``
    Installs every patch and hook (idempotent: while one is installed it is returned).
    Call it inside an active ``mock_aws()``: everything runs in this process, a handler's
    AWS calls on the thread that makes them. ``clock=None`` makes a :class:`VirtualClock`
    with ``time_scale`` (real seconds per modelled second of a jump; 0: none).
``emu.uninstall()``
    Removes every patch and hook and stops modelled time.
``emu.clock``            the :class:`VirtualClock` (a discrete-event simulation; its rules are
                         in :mod:`emulator.clock`): ``now()``, ``advance(seconds)``,
                         ``held()``, ``run_until(condition, limit)``.
``emu.latency``          :class:`LatencyModel` (durations: ``emulator.latency.FIGURES``, each a
                         range with its source; ``LatencyModel()`` the floor,
                         ``.typical()``, ``.sampled(seed)``; ``.assumptions()``).
``emu.time_scale``       the clock's time scale.
``emu.utcnow()``         modelled wall-clock time (the clock's epoch + ``clock.now()``).
``emu.faults``           ``unreachable_regions: set[str]``; ``fail(service, operation, code,
                         message="Injected fault", count=1, region=None)``; ``slow(service,
                         operation, seconds, region=None, count=None)``; ``clear()``.
``emu.tick()``           does what is due at ``clock.now()``: health checks, schedules, alarm
                         evaluation.
``emu.start_world(step=1.0)`` / ``emu.stop_world()``  the world actor: ``tick()`` every
                         ``step`` modelled seconds (hold time while it runs, see
                         :meth:`World.start_world`); ``start_world``/``stop_world`` below do
                         the same for the installed emulator.
``emu.watch_regions(*regions)``  regions whose alarms and schedules run.
``emu.listeners`` / ``emu.notices``  who hears, and what was, each :class:`WorldEvent`.
``emu.service(name)`` or ``emu.<name>``  a service, e.g.
    ``emu.route53.set_health(health_check_id, healthy, failing_checkers=None)``,
    ``emu.globalaccelerator.set_endpoint_health(endpoint_group_arn, healthy, reason=None)``,
    ``emu.health_checkers.watch_route53(health_check_id, url, region=None)`` /
    ``watch_accelerator(endpoint_group_arn, url, alb=AlbHealthCheck(...), region=None)``,
    ``emu.ecs.alb`` (the target group's checks new tasks pass before they serve),
    ``emu.servicequotas.set_quota(region, service_code, quota_code, value)``,
    ``emu.sns.confirmation_token(topic_arn, endpoint)``, ``emu.s3.replication_seconds``.
    The services: cloudwatch, dns, dynamodb, ecs, eventbridge, globalaccelerator,
    health_checkers, lambda, rds, route53, s3, servicequotas, sfn_events, sfn_fixes,
    sfn_tasks, sfn_time, sns (see each module of :mod:`emulator.services`).

A pytest fixture
----------------
```python
@pytest.fixture
def emu() -> Iterator[Emulator]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        emulator = Emulator.install()
        try:
            yield emulator
        finally:
            emulator.uninstall()
```
Create boto3 clients after ``install`` (like moto, the hooks ride on botocore's handler
list when a session is created).
"""

from __future__ import annotations

from .clock import ActorThread, VirtualClock, VirtualEvent, VirtualLock
from .core import Emulator
from .faults import Faults
from .latency import LatencyModel
from .world import World, WorldEvent, active

__all__ = [
    "ActorThread",
    "Emulator",
    "Faults",
    "LatencyModel",
    "VirtualClock",
    "VirtualEvent",
    "VirtualLock",
    "World",
    "WorldEvent",
    "active",
    "start_world",
    "stop_world",
]


def start_world(step: float = 1.0) -> None:
    """Start the installed emulator's world actor (:meth:`World.start_world`)."""
    world = active()
    if world is None:
        raise RuntimeError("no emulator is installed")
    world.start_world(step)


def stop_world() -> None:
    """Stop the installed emulator's world actor, if any."""
    world = active()
    if world is not None:
        world.stop_world()
