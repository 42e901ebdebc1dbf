"""ProbeHealth: this region's own observer of every other region (an EventBridge schedule,
every minute).

Probes each other region's /health six times, 10 s apart, publishing each result as a
high-resolution PeerHealthy datapoint with the watched region as its dimension
(failover.health). Each watched region has its own alarm here: one observer family, which keeps
working when us-east-1 (where the Route 53 health-check alarms live) is the region that failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import health
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings


def handle(event: dict[str, Any], settings: Settings) -> dict[str, Any]:
    return {"probes": health.watch_others(settings)}


lambda_handler = stage_handler(handle)
