"""ShiftTraffic: Global Accelerator dials 100 for the target and 0 for the source.

Only once the target is the writer and this run still holds the lease (failover.guard);
see failover.traffic for how the data plane moves users first in an unplanned failover."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import traffic
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput


def handle(stage: StageInput, settings: Settings) -> dict[str, Any]:
    return traffic.shift(settings, stage)


lambda_handler = stage_handler(handle, renews_lease=True)
