"""SetActiveRegion: point this region's app-config parameter at the new active region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import appconfig
from failover.clients import client
from failover.config import get_settings
from failover.errors import transient_aws_errors
from failover.models import StageInput
from failover.observability import logger, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    request = StageInput.model_validate(event).request
    parameter = settings.estate.active_region_parameter
    with transient_aws_errors():
        changed = appconfig.set_active_region(
            client("ssm", settings.home_region), parameter, request.target_region
        )
    result = {
        "branch": "app_config",
        "parameter": parameter,
        "value": request.target_region,
        "changed": changed,
    }
    logger.info("active region set", extra={"app_config": result})
    return result
