"""ScaleCompute: raise the target ECS service to the capacity the source had."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import compute
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput


def handle(stage: StageInput, settings: Settings) -> dict[str, Any]:
    return compute.scale(settings, stage)


lambda_handler = stage_handler(handle, renews_lease=True)
