"""FenceOldRegion: best effort, point the old region's active-region parameter at the new
active region. Short timeouts, one attempt; never fails the run, and says what happened."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import active_region
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput


def handle(stage: StageInput, settings: Settings) -> dict[str, Any]:
    return active_region.fence(settings, stage)


lambda_handler = stage_handler(handle, renews_lease=True)
