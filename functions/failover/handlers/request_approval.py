"""RequestApproval: publish the task token; a person approves or rejects it.

The state waits (lambda:invoke.waitForTaskToken) for SendTaskSuccess, SendTaskFailure
(error ApprovalRejected) or its 30-minute timeout. The notice carries the plan, the deadline
and the commands to paste.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import notify
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings


def handle(event: dict[str, Any], settings: Settings) -> notify.Delivery:
    state, token = dict(event.get("state") or {}), str(event["token"])
    notice = notify.compose(
        "approval_requested", settings.estate.estate_name, state, token, now=datetime.now(UTC)
    )
    return notify.send(notice, settings)


lambda_handler = stage_handler(handle)
