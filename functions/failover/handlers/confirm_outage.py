"""ConfirmOutage: an automatic run acts only outside the cooldown and when a quorum of
independent observer families agree (failover.quorum). Polled every 10 s by the state machine
while some family already sees the outage and the window lasts; then a false alarm."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import quorum
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput


def handle(stage: StageInput, settings: Settings) -> dict[str, Any]:
    polls = int(stage.part("outage").get("polls", 0))
    return quorum.confirm(settings, stage.request, polls, datetime.now(UTC))


lambda_handler = stage_handler(handle, renews_lease=True)
