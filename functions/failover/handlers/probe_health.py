"""ProbeHealth: this region's own observer of its peer (an EventBridge schedule, every minute).

Probes the peer's /health six times, 10 s apart, publishing each result as a high-resolution
PeerHealthy datapoint (failover.health). The alarm on it is one observer family, and it keeps
working when us-east-1 (where the Route 53 health-check alarms live) is the region that failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import health
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings


def handle(event: dict[str, Any], settings: Settings) -> dict[str, Any]:
    return {"region": settings.peer_region, "probes": health.watch_peer(settings)}


lambda_handler = stage_handler(handle)
