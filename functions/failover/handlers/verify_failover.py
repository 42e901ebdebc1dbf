"""VerifyFailover: the writer is the target, the dials are applied, the ECS service is
stable at the required capacity, and the target's health endpoint answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import verify
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput


def handle(stage: StageInput, settings: Settings) -> dict[str, Any]:
    return verify.verify(settings, stage)


lambda_handler = stage_handler(handle, renews_lease=True)
