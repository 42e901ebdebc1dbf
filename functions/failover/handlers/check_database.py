"""CheckDatabase: one poll of the promotion, inside the ASL's Wait -> Check -> Choice loop."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import aurora
from failover.clients import client
from failover.config import get_settings
from failover.errors import DatabasePromotionFailed, DatabasePromotionTimedOut, transient_aws_errors
from failover.models import StageInput
from failover.observability import logger, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SETTLE_POLLS = 3
"""Polls to wait for a just-started promotion to show up before calling it failed."""


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    StageInput.model_validate(event)
    previous: dict[str, Any] = dict(event.get("database") or {})
    polls = int(previous.get("polls", 0)) + 1
    target_arn = settings.home.db_cluster_arn
    with transient_aws_errors():
        view = aurora.describe_global_cluster(
            client("rds", settings.home_region), settings.estate.global_cluster_id
        )
    promoted = aurora.promotion_complete(view, target_arn)
    if not promoted:
        if polls >= settings.database_poll_limit:
            raise DatabasePromotionTimedOut(
                f"{target_arn} is not the writer after {polls} polls; status {view.status}, "
                f"failover state {view.failover_state}"
            )
        if not view.transition_in_progress and polls >= SETTLE_POLLS:
            raise DatabasePromotionFailed(
                f"no promotion in progress and the writer is still {view.writer_arn}"
            )
    result = {
        **previous,
        "promoted": promoted,
        "writer_arn": view.writer_arn,
        "failover_state": view.failover_state,
        "polls": polls,
    }
    logger.info("database poll", extra={"database": result})
    return result
