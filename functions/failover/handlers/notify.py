"""Notify: one SNS notice per event of the run (start, outcome, failure, clean endings)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import notify, outcome
from failover.clients import client
from failover.config import get_settings
from failover.errors import transient_aws_errors
from failover.observability import logger, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    state: dict[str, Any] = dict(event.get("state") or {})
    kind = str(event.get("kind") or outcome.outcome_of(state))
    body = outcome.summary(state)
    with transient_aws_errors():
        message_id = notify.publish(
            client("sns", settings.home_region),
            settings.topic_arn,
            kind,
            settings.estate.estate_name,
            body,
        )
    logger.info("notice sent", extra={"kind": kind, "message_id": message_id})
    return {"kind": kind, "message_id": message_id}
