"""PromoteDatabase: make the target's Aurora cluster the global writer.

A compare-and-set on the writer the plan saw (Aurora serialises promotions itself), and the
cooldown marker is written as soon as the database moves (failover.database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import database
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput


def handle(stage: StageInput, settings: Settings) -> dict[str, Any]:
    return database.promote(settings, stage, datetime.now(UTC))


lambda_handler = stage_handler(handle, renews_lease=True)
