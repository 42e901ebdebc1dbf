"""RequestApproval: publish the task token; a person approves or rejects from the console/CLI.

The state waits (lambda:invoke.waitForTaskToken) until SendTaskSuccess, SendTaskFailure
(error ApprovalRejected) or its timeout.
"""

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
    token = str(event["token"])
    state: dict[str, Any] = dict(event.get("state") or {})
    body = {
        **outcome.summary(state),
        "plan": state.get("plan"),
        "approve": (
            "aws stepfunctions send-task-success --region "
            f"{settings.home_region} --task-token '{token}' "
            '--task-output \'{"approved_by": "<your name>"}\''
        ),
        "reject": (
            "aws stepfunctions send-task-failure --region "
            f"{settings.home_region} --task-token '{token}' "
            "--error ApprovalRejected --cause '<why>'"
        ),
    }
    with transient_aws_errors():
        message_id = notify.publish(
            client("sns", settings.home_region),
            settings.topic_arn,
            "approval_requested",
            settings.estate.estate_name,
            body,
        )
    logger.info("approval requested", extra={"message_id": message_id})
    return {"message_id": message_id}
