"""PostRecovery: after an unplanned failover, once the old region answers: check it rejoined as
a secondary, copy Aurora's point-of-failure snapshot, record the window of possibly lost writes,
restore the warm standby (failover.post_recovery)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import post_recovery
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput


def handle(stage: StageInput, settings: Settings) -> dict[str, Any]:
    return post_recovery.recover(settings, stage.request)


lambda_handler = stage_handler(handle)
