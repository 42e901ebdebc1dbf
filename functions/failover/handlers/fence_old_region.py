"""FenceOldRegion: best effort, point the old region's app config at the new active region.

The old region may be the one that failed: short timeouts, one attempt, and it never fails
the run. What happened is recorded either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from failover import appconfig
from failover.clients import Profile, client
from failover.config import get_settings
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
    ssm = client("ssm", request.source_region, Profile.BEST_EFFORT)
    try:
        changed = appconfig.set_active_region(ssm, parameter, request.target_region)
    except (ClientError, BotoCoreError) as error:
        result = {
            "status": "skipped",
            "region": request.source_region,
            "reason": f"{type(error).__name__}: {error}",
        }
        logger.warning("fencing skipped", extra={"fence": result})
        return result
    result = {
        "status": "fenced" if changed else "already_fenced",
        "region": request.source_region,
        "parameter": parameter,
        "value": request.target_region,
    }
    logger.info("old region fenced", extra={"fence": result})
    return result
