"""ValidateInput: validate and normalise the alarm event or the operator's JSON.

Bad input fails here with a named error whose message names the field. Nothing changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import aurora
from failover.appconfig import active_region
from failover.clients import client
from failover.config import get_settings
from failover.errors import transient_aws_errors
from failover.inputs import EstateState, normalise
from failover.models import Execution
from failover.observability import logger, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    execution = Execution.model_validate(event.get("execution", {}))
    home = settings.home_region
    with transient_aws_errors():
        view = aurora.describe_global_cluster(
            client("rds", home), settings.estate.global_cluster_id
        )
        state = EstateState(
            writer_region=view.writer_region if not view.transition_in_progress else None,
            active_parameter=active_region(
                client("ssm", home), settings.estate.active_region_parameter
            ),
        )
    request = normalise(event.get("input"), settings, state)
    logger.info("request normalised", extra={"request": request.model_dump()})
    return {"request": request.model_dump(), "execution": execution.model_dump()}
