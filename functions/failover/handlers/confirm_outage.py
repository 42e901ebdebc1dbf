"""ConfirmOutage: an automatic run acts only when a quorum of independent observers agree.

Observers: Route 53 health checkers (GetHealthCheckStatus), the us-east-1 health alarm,
this region's own probe alarm, and Global Accelerator's endpoint health (us-west-2 API).
An observer that cannot be reached votes "unknown"; one observer alone never moves the region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import quorum
from failover.clients import GLOBAL_ACCELERATOR_REGION, ROUTE53_METRICS_REGION, Profile, client
from failover.config import get_settings
from failover.models import StageInput
from failover.observability import logger, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    stage = StageInput.model_validate(event)
    failed = settings.estate.regions[stage.request.source_region]
    fast = Profile.BEST_EFFORT
    observations = [
        quorum.observe(
            "route53_health_checkers",
            lambda: quorum.route53_checkers(
                client("route53", ROUTE53_METRICS_REGION, fast), failed.health_check_id
            ),
        ),
        quorum.observe(
            "route53_health_alarm",
            lambda: quorum.health_alarm(
                client("cloudwatch", ROUTE53_METRICS_REGION, fast), failed.health_alarm_name
            ),
        ),
        quorum.observe(
            "recovery_region_probe",
            lambda: quorum.recovery_probe(
                client("cloudwatch", settings.home_region, fast), failed.probe_alarm_name
            ),
        ),
        quorum.observe(
            "global_accelerator_health",
            lambda: quorum.accelerator_health(
                client("globalaccelerator", GLOBAL_ACCELERATOR_REGION, fast),
                failed.endpoint_group_arn,
            ),
        ),
    ]
    result = quorum.decide(observations, settings.outage_quorum)
    logger.info("outage quorum", extra={"quorum": result.to_dict()})
    return result.to_dict()
