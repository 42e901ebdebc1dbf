"""AcquireLock: take the lease lock, or end the run as already in progress (LockHeld)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import lock
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
        lease = lock.acquire(
            client("dynamodb", settings.home_region),
            settings.table_name,
            stage.execution.id,
            settings.lock_ttl_seconds,
            datetime.now(UTC),
        )
    logger.info("lock acquired", extra={"lease": asdict(lease)})
    return asdict(lease)
