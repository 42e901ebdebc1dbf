"""ProbeHealth: this region's own observer of its peer (runs on a schedule).

Publishes PeerHealthy (1 or 0) for the peer region; the alarm on it is one quorum observer,
and it keeps working when us-east-1 (where Route 53 health-check alarms live) is down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import health
from failover.clients import client
from failover.config import get_settings
from failover.errors import transient_aws_errors
from failover.observability import logger, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    peer = settings.estate.peer_of(settings.home_region)
    result = health.probe(settings.estate.regions[peer].health_url)
    with transient_aws_errors():
        client("cloudwatch", settings.home_region).put_metric_data(
            Namespace=settings.metrics_namespace,
            MetricData=[
                {
                    "MetricName": "PeerHealthy",
                    "Dimensions": [{"Name": "Region", "Value": peer}],
                    "Value": 1.0 if result.healthy else 0.0,
                    "Unit": "Count",
                }
            ],
        )
    logger.info(
        "peer probed",
        extra={
            "peer": peer,
            "healthy": result.healthy,
            "status": result.status,
            "error": result.error,
        },
    )
    return {
        "region": peer,
        "healthy": result.healthy,
        "status": result.status,
        "error": result.error,
    }
