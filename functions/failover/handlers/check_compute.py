"""CheckCompute: one poll of the ECS service until it is stable at the required capacity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import compute
from failover.clients import client
from failover.config import get_settings
from failover.errors import ComputeNotStable, transient_aws_errors
from failover.models import StageInput
from failover.observability import logger, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    StageInput.model_validate(event)
    previous: dict[str, Any] = dict(event.get("compute") or {})
    polls = int(previous.get("polls", 0)) + 1
    required = int(previous["required"])
    target = settings.home
    with transient_aws_errors():
        view = compute.describe_service(
            client("ecs", settings.home_region), target.ecs_cluster, target.ecs_service
        )
    stable = view is not None and view.stable_at(required)
    if not stable and polls >= settings.compute_poll_limit:
        raise ComputeNotStable(f"{target.ecs_service} not stable after {polls} polls: {view}")
    result = {
        **previous,
        "stable": stable,
        "running": view.running if view else 0,
        "desired": view.desired if view else 0,
        "polls": polls,
    }
    logger.info("compute poll", extra={"compute": result})
    return result
