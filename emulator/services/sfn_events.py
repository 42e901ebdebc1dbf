"""Step Functions' "Execution Status Change" events on EventBridge, which moto never sends.

On AWS a Standard workflow's execution sends an event to the default bus of its region when
its status changes: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED (Express workflows send
none). https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html and
https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html. Shape (the
documented example)::

    {"version": "0", "id": "...", "detail-type": "Step Functions Execution Status Change",
     "source": "aws.states", "account": "123456789012", "time": "2019-02-26T19:42:21Z",
     "region": "us-east-1", "resources": ["<execution ARN>"],
     "detail": {"executionArn": "...", "stateMachineArn": "...", "name": "...",
                "status": "FAILED", "startDate": 1551225146847, "stopDate": 1551225151881,
                "input": "{}", "inputDetails": {"included": true}, "output": null,
                "outputDetails": null, "error": "States.Runtime", "cause": "...",
                "redriveCount": 0, "redriveDate": null, "redriveStatus": "REDRIVABLE",
                "redriveStatusReason": null}}

``startDate``/``stopDate`` are epoch milliseconds of the modelled clock. The events are
dispatched by :meth:`emulator.services.eventbridge.EventBridge.dispatch`, so rules on the
default bus deliver them to their targets (a Lambda target is an asynchronous invoke). Patches
``parser/backend/execution.py``: ``Execution.start`` (RUNNING) and
``BaseExecutionWorkerCommunication.terminated`` (the final status).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any

from ..world import Service, register

if TYPE_CHECKING:
    from .._patching import Patcher
    from .eventbridge import EventBridge

__all__ = ["StepFunctionsEvents", "status_change_detail"]

LOG = logging.getLogger(__name__)

DETAIL_TYPE = "Step Functions Execution Status Change"


def _millis(moment: Any) -> int | None:
    if not isinstance(moment, dt.datetime):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)


def _redrive(status: str) -> tuple[str, str | None]:
    if status in ("FAILED", "TIMED_OUT", "ABORTED"):
        return "REDRIVABLE", None
    if status == "RUNNING":
        return "NOT_REDRIVABLE", "Execution is RUNNING and cannot be redriven"
    return "NOT_REDRIVABLE", f"Execution is {status} and cannot be redriven"


def status_change_detail(execution: Any, status: str) -> dict[str, Any]:
    """The ``detail`` of a status change event for a moto parser ``Execution``."""
    ended = status != "RUNNING"
    output = None
    if status == "SUCCEEDED":
        output = json.dumps(execution.output, separators=(",", ":"))
    redrive_status, redrive_reason = _redrive(status)
    return {
        "executionArn": execution.exec_arn,
        "stateMachineArn": execution.state_machine.arn,
        "name": execution.name,
        "status": status,
        "startDate": _millis(execution.start_date),
        "stopDate": _millis(execution.stop_date) if ended else None,
        "input": json.dumps(execution.input_data, separators=(",", ":")),
        "inputDetails": {"included": True},
        "output": output,
        "outputDetails": {"included": True} if output is not None else None,
        "redriveCount": 0,
        "redriveDate": None,
        "redriveStatus": redrive_status,
        "redriveStatusReason": redrive_reason,
        "error": execution.error if ended else None,
        "cause": execution.cause if ended else None,
    }


@register
class StepFunctionsEvents(Service):
    """``world.sfn_events``: status change events of Standard executions."""

    name = "sfn_events"

    def emit(self, execution: Any, status: str) -> None:
        from moto.stepfunctions.parser.api import StateMachineType

        if getattr(execution, "sm_type", None) != StateMachineType.STANDARD:
            return
        events: EventBridge = self.world.service("eventbridge")
        account, region = execution.account_id, execution.region_name
        event = events.event(
            DETAIL_TYPE,
            "aws.states",
            account,
            region,
            [execution.exec_arn],
            status_change_detail(execution, status),
        )
        self.world.notify("execution-status", execution.exec_arn, status, {"region": region})
        events.dispatch(account, region, "default", event)

    def install(self, patcher: Patcher) -> None:
        from moto.stepfunctions.parser.backend.execution import (
            BaseExecutionWorkerCommunication,
            Execution,
        )

        service = self
        original_start = Execution.start
        original_terminated = BaseExecutionWorkerCommunication.terminated

        def start(execution: Any) -> None:
            original_start(execution)
            service._emit_safely(execution, "RUNNING")

        def terminated(comm: Any) -> None:
            original_terminated(comm)
            service._emit_safely(comm.execution, str(comm.execution.status))

        patcher.setattr(Execution, "start", start)
        patcher.setattr(BaseExecutionWorkerCommunication, "terminated", terminated)

    def _emit_safely(self, execution: Any, status: str) -> None:
        try:
            self.emit(execution, status)
        except Exception:
            LOG.exception("status change event of %s failed", execution.exec_arn)
