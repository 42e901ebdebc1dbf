"""Makes moto faithful where it is not, for the scenario tests and the local failover drill.

The emulator is a small shared world (:mod:`emulator.world`: clock, latency, faults,
notices) and a set of services (:mod:`emulator.services`, one module each) that register
themselves with it. :class:`Emulator` is that world, with every service's patches installed.

Public API
----------
``Emulator.install(clock=None, latency=None, time_scale=0.0) -> Emulator``
    Installs every patch and hook (idempotent: while one is installed it is returned).
    Call it inside an active ``mock_aws()``, or in a process running moto's
    ``ThreadedMotoServer``. ``clock=None`` picks ``ManualClock()`` for ``time_scale == 0``
    and ``ScaledClock(time_scale)`` otherwise.
``emu.uninstall()``
    Removes every patch and hook; clients created meanwhile stop seeing the emulator.
``emu.clock``            ``now() -> float`` modelled seconds; ``advance(seconds)``.
``emu.latency``          :class:`LatencyModel` (durations, each default cited).
``emu.time_scale``       real seconds slept per modelled second of a Wait/Retry.
``emu.utcnow()``         modelled wall-clock time (install time + ``clock.now()``).
``emu.faults``           ``unreachable_regions: set[str]``; ``fail(service, operation, code,
                         message="Injected fault", count=1, region=None)``; ``clear()``.
``emu.tick()``           does what is due at ``clock.now()``: health checks, schedules, alarm
                         evaluation (call it from a loop that advances the clock).
``emu.watch_regions(*regions)``  regions whose alarms and schedules run.
``emu.listeners`` / ``emu.notices``  who hears, and what was, each :class:`Notice`.
``emu.service(name)`` or ``emu.<name>``  a service, e.g.
    ``emu.route53.set_health(health_check_id, healthy, failing_checkers=None)``,
    ``emu.globalaccelerator.set_endpoint_health(endpoint_group_arn, healthy, reason=None)``,
    ``emu.health_checkers.watch_route53(health_check_id, url)`` / ``watch_accelerator(...)``,
    ``emu.servicequotas.set_quota(region, service_code, quota_code, value)``,
    ``emu.sns.confirmation_token(topic_arn, endpoint)``, ``emu.s3.replication_seconds``.
    The services: cloudwatch, dns, dynamodb, ecs, eventbridge, globalaccelerator,
    health_checkers, lambda, rds, route53, s3, servicequotas, sfn_fixes, sfn_time, sns (see
    each module of :mod:`emulator.services`).

A pytest fixture
----------------
```python
@pytest.fixture
def emu() -> Iterator[Emulator]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        emulator = Emulator.install(clock=ManualClock())
        try:
            yield emulator
        finally:
            emulator.uninstall()
```
Create boto3 clients after ``install`` (like moto, the hooks ride on botocore's handler
list when a session is created).
"""

from __future__ import annotations

from .clock import Clock, ManualClock, ModelledClock, ScaledClock
from .core import Emulator
from .faults import Faults
from .latency import LatencyModel
from .world import Notice, World, active

__all__ = [
    "Clock",
    "Emulator",
    "Faults",
    "LatencyModel",
    "ManualClock",
    "ModelledClock",
    "Notice",
    "ScaledClock",
    "World",
    "active",
]
