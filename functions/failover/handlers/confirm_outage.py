"""ConfirmOutage: an automatic run acts only outside the cooldown, when a quorum of independent
observer families has agreed continuously for MinOutageSeconds, and when the failed region is
not recovering in-region (failover.quorum, failover.in_region). Polled every 10 s by the state
machine (WaitForObservers) while some family sees the outage and the window lasts; the last
poll's reading is carried in ``$.outage``; then a false alarm."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import quorum
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput


def handle(stage: StageInput, settings: Settings) -> dict[str, Any]:
    return quorum.confirm(settings, stage.request, stage.part("outage"), datetime.now(UTC))


lambda_handler = stage_handler(handle, renews_lease=True, own_result="outage")
