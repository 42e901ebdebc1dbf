"""CheckCooldown: skip automatic runs inside the window; manual runs need force."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import cooldown
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
    stage = StageInput.model_validate(event)
    with transient_aws_errors():
        last = cooldown.last_failover(client("dynamodb", settings.home_region), settings.table_name)
    decision = cooldown.decide(stage.request, last, datetime.now(UTC), settings.cooldown_minutes)
    logger.info("cooldown decided", extra={"cooldown": decision.to_dict()})
    return decision.to_dict()
