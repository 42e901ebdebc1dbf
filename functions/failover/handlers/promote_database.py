"""PromoteDatabase: make the target's Aurora cluster the global writer.

Unplanned: FailoverGlobalCluster with AllowDataLoss. Planned/failback: SwitchoverGlobalCluster.
Reads the global cluster first, so a re-run neither repeats nor fights a promotion.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import aurora
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
    home = settings.home_region
    target_arn = settings.home.db_cluster_arn
    with transient_aws_errors():
        rds = client("rds", home)
        view = aurora.describe_global_cluster(rds, settings.estate.global_cluster_id)
        lag_ms = (
            None
            if view.writer_arn == target_arn
            else aurora.replication_lag_ms(
                client("cloudwatch", home), target_arn, datetime.now(UTC)
            )
        )
        started = aurora.start_promotion(rds, view, target_arn, stage.request.planned)
        after = aurora.describe_global_cluster(rds, settings.estate.global_cluster_id)
    result = {
        "branch": "database",
        "action": started,
        "promoted": aurora.promotion_complete(after, target_arn),
        "writer_arn": after.writer_arn,
        "failover_state": after.failover_state,
        "lag_at_cutover_ms": lag_ms,
        "polls": 0,
    }
    logger.info("database promotion", extra={"database": result})
    return result
