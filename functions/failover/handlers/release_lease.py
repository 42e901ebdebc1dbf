"""ReleaseLease and ReleaseForApproval: release the estate's lease if this execution holds it
(a conditional delete: not held is fine), through the failover table's replica this control
plane uses (failover.table). A lease this run could not release is stale once the run ends,
and CloseRun releases it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import lease, table
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput


def handle(stage: StageInput, settings: Settings) -> dict[str, Any]:
    released = table.call(
        settings, lambda ddb: lease.release(ddb, settings.table_name, stage.execution.id)
    )
    return {"released": released}


lambda_handler = stage_handler(handle)
