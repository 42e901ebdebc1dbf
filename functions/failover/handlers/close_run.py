"""CloseRun: an execution of this region's state machine ended (EventBridge rule on "Step
Functions Execution Status Change"). A run that timed out, was stopped, or failed where no
Catch reaches gets its record and notice here, and a lease it left is released."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import record
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings


def handle(event: dict[str, Any], settings: Settings) -> dict[str, Any]:
    return record.close_run(settings, event, datetime.now(UTC))


lambda_handler = stage_handler(handle)
