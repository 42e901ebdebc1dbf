"""Makes moto faithful where it is not, for the scenario tests and the local drill.

```python
from emulator import Emulator, ManualClock, ScaledClock, LatencyModel

with mock_aws():
    emu = Emulator.install(clock=ManualClock(), latency=LatencyModel(), time_scale=0.0)
    ...
    emu.uninstall()
```
"""

from __future__ import annotations

from . import lambda_runtime, sfn_time
from .clock import Clock, ManualClock, ScaledClock
from .core import Emulator, active
from .faults import Faults
from .latency import LatencyModel

__all__ = [
    "Clock",
    "Emulator",
    "Faults",
    "LatencyModel",
    "ManualClock",
    "ScaledClock",
    "active",
    "lambda_runtime",
    "sfn_time",
]
