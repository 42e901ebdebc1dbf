"""SetActiveRegion: this region's active-region parameter names the target.

Only once the target is the writer and this run still holds the lease (failover.guard)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import active_region
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput


def handle(stage: StageInput, settings: Settings) -> dict[str, Any]:
    return active_region.set_home(settings, stage)


lambda_handler = stage_handler(handle, renews_lease=True)
