"""Preflight: check the target region can take over and build the action plan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import preflight
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
        plan = preflight.build_plan(settings, stage.request, datetime.now(UTC))
    logger.info("action plan", extra={"plan": plan})
    return plan
