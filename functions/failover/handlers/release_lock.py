"""ReleaseLock: release the lease if this execution holds it (conditional delete)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import lock
from failover.clients import client
from failover.config import get_settings
from failover.errors import transient_aws_errors
from failover.models import Execution
from failover.observability import logger, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    execution = Execution.model_validate(event["execution"])
    with transient_aws_errors():
        released = lock.release(
            client("dynamodb", settings.home_region), settings.table_name, execution.id
        )
    logger.info("lock released" if released else "lock was not held by this execution")
    return {"released": released}
