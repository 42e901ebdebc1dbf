"""ScaleCompute: raise the target ECS service to the capacity the source had."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import compute
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
    required = int((stage.plan or {})["compute"]["required"])
    target = settings.home
    with transient_aws_errors():
        ecs = client("ecs", settings.home_region)
        changed = compute.scale_up(ecs, target.ecs_cluster, target.ecs_service, required)
        view = compute.describe_service(ecs, target.ecs_cluster, target.ecs_service)
    result = {
        "branch": "compute",
        "required": required,
        "scaled": changed,
        "stable": view is not None and view.stable_at(required),
        "polls": 0,
    }
    logger.info("compute scaled", extra={"compute": result})
    return result
