"""Preflight: check the target region can take over, and plan what is not yet converged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import preflight
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput


def handle(stage: StageInput, settings: Settings) -> dict[str, Any]:
    waited_for = stage.part("lease").get("waited_for")
    return preflight.build_plan(settings, stage.request, datetime.now(UTC), waited_for).to_dict()


lambda_handler = stage_handler(handle, renews_lease=True)
