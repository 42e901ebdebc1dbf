"""AcquireLease: take the estate's lease if it is free, lapsed or already this run's
(failover.lease.acquire) through failover.table's replica; held by another execution:
LeaseNotFree, and InspectLease decides."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import lease, table
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput


def handle(stage: StageInput, settings: Settings) -> dict[str, Any]:
    me, target, now = stage.execution.id, stage.request.target_region, datetime.now(UTC)
    name, seconds = settings.table_name, settings.lease_seconds
    taken = table.call(settings, lambda ddb: lease.acquire(ddb, name, me, target, now, seconds))
    before = stage.part("lease")  # a run that waited for the other direction says so
    waited = before.get("target_region") if before.get("decision") == "wait" else None
    return {**lease.as_state(taken), "waited_for": waited or before.get("waited_for")}


lambda_handler = stage_handler(handle)
