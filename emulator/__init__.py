"""Makes moto faithful where it is not, for the scenario tests and the local failover drill.

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
``emu.route53``          ``set_health(health_check_id, healthy, failing_checkers=None)``.
``emu.globalaccelerator``  the GA backend: ``set_endpoint_health(endpoint_group_arn,
                         healthy, reason=None)``, ``accelerators``, ``endpoint_groups``.
``emu.rds``              Aurora global failover/switchover model (``tick()``).
``emu.ecs``              ECS rollout model.
``emu.monitoring``       health checkers, alarm evaluation, alarm events to EventBridge, rule
                         targets and schedules (``tick()`` does what is due; see the module).
``emulator.lambda_runtime`` / ``emulator.sfn_time`` / ``emulator.sfn_fixes``
                         in-process Lambda, modelled Wait/Retry time, moto SFN fixes.

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

from . import lambda_runtime, sfn_fixes, sfn_time
from .clock import Clock, ManualClock, ModelledClock, ScaledClock
from .core import Emulator, active
from .faults import Faults
from .latency import LatencyModel

__all__ = [
    "Clock",
    "Emulator",
    "Faults",
    "LatencyModel",
    "ManualClock",
    "ModelledClock",
    "ScaledClock",
    "active",
    "lambda_runtime",
    "sfn_fixes",
    "sfn_time",
]
