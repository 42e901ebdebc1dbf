"""RecordOutcome: every ending of a run comes here. The audit row (per-stage timings from the
execution's own history, RPO evidence, where the estate stands after a failure) and the
outcome metrics (failover.record)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import record
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings


def handle(state: dict[str, Any], settings: Settings) -> dict[str, Any]:
    return record.record(settings, state, datetime.now(UTC))


lambda_handler = stage_handler(handle)
