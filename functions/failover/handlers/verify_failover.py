"""VerifyFailover: writer, dials, ECS stability and the target's health endpoint."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from failover import verify
from failover.config import get_settings
from failover.errors import VerificationFailed, transient_aws_errors
from failover.models import StageInput
from failover.observability import logger, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    stage = StageInput.model_validate(event)
    required = int((stage.plan or {})["compute"]["required"])
    with transient_aws_errors():
        checks = verify.run_checks(settings, stage.request, required)
    failed = [check for check in checks if not check.passed]
    if failed:
        raise VerificationFailed(json.dumps(verify.as_dicts(failed)))
    result = {"passed": True, "checks": verify.as_dicts(checks)}
    logger.info("verified", extra={"verification": result})
    return result
