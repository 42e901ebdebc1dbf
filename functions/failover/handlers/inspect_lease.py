"""InspectLease: take over a dead or lapsed lease, or end / wait (failover.lease)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from failover import lease, table
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput


def handle(stage: StageInput, settings: Settings) -> lease.Lease:
    me, target, now = stage.execution.id, stage.request.target_region, datetime.now(UTC)
    since = stage.part("lease").get("waiting_since")
    name, seconds = settings.table_name, settings.lease_seconds
    return table.call(
        settings,
        lambda ddb: lease.inspect_and_take_over(
            ddb, name, me, target, now, seconds, lease.status_of, since
        ),
    )


lambda_handler = stage_handler(handle)
