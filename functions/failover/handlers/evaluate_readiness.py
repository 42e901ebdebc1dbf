"""EvaluateReadiness: could this region take over now? Read-only, on a schedule, no lease.

Every check is shared with Preflight (failover.checks); the result is stored, measured
(Readiness metrics) and announced when it changes (failover.readiness).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import readiness
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings


def handle(event: dict[str, Any], settings: Settings) -> dict[str, Any]:
    return readiness.run(settings, datetime.now(UTC))


lambda_handler = stage_handler(handle)
