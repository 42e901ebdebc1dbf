"""ShiftTraffic: Global Accelerator dials to 100 for the target and 0 for the source.

The GA API lives only in us-west-2. If it cannot be reached during an unplanned failover,
GA's own endpoint health checks (data plane) already steer traffic away from the failed
region, so the step is recorded as deferred instead of failing the run.
In planned moves the source's latency DNS record is also pointed at the target.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import traffic
from failover.clients import GLOBAL_ACCELERATOR_REGION, ROUTE53_METRICS_REGION, client
from failover.config import get_settings
from failover.errors import UNREACHABLE_ERRORS, transient_aws_errors
from failover.models import StageInput
from failover.observability import logger, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    request = StageInput.model_validate(event).request
    estate = settings.estate
    ga = client("globalaccelerator", GLOBAL_ACCELERATOR_REGION)
    result: dict[str, Any] = {"branch": "traffic", "dials": {}, "dns_changed": []}
    with transient_aws_errors():
        try:
            for region, percent in ((request.target_region, 100.0), (request.source_region, 0.0)):
                changed = traffic.set_dial(ga, estate.regions[region].endpoint_group_arn, percent)
                result["dials"][region] = {"percent": percent, "changed": changed}
            result["global_accelerator"] = "applied"
        except UNREACHABLE_ERRORS as error:
            if request.planned:
                raise
            result["global_accelerator"] = f"deferred to GA health checks: {error}"
        if request.planned:
            result["dns_changed"] = traffic.steer_dns(
                client("route53", ROUTE53_METRICS_REGION),
                estate,
                request.target_region,
                request.source_region,
            )
    logger.info("traffic shifted", extra={"traffic": result})
    return result
