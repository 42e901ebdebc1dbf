"""InspectLease: take over a dead or lapsed lease, or end / wait (failover.lease)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from failover import lease
from failover.clients import client
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput


def handle(stage: StageInput, settings: Settings) -> lease.Lease:
    return lease.inspect_and_take_over(
        client("dynamodb", settings.home_region),
        settings.table_name,
        stage.execution.id,
        stage.request.target_region,
        datetime.now(UTC),
        settings.lease_seconds,
        lease.status_of,
        stage.part("lease").get("waiting_since"),
    )


lambda_handler = stage_handler(handle)
