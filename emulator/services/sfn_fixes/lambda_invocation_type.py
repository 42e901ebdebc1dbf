"""Fix 10: ``lambda:invoke`` parameters (``.../service/state_task_service_lambda.py``
``_SUPPORTED_API_PARAM_BINDINGS``). moto passes only ``ClientContext``, ``FunctionName``,
``Qualifier``, ``Payload`` and ``LogType`` to Invoke and silently drops
``InvocationType``, so a fire-and-forget Task (``"InvocationType": "Event"``) runs the
function synchronously and waits for it. AWS supports ``InvocationType``
(https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html: "Event" invokes
the function asynchronously; the Task gets ``StatusCode: 202``). Reproduction: a Task
``{"Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": fn,
"InvocationType": "Event", "Payload": {}}}`` on a function that sleeps: the task's output
has ``StatusCode: 200`` and the function's result, after the function's whole duration.
Expected (AWS): ``StatusCode: 202`` at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..._patching import Patcher


def install(patcher: Patcher) -> None:
    """``lambda:invoke`` passes ``InvocationType`` on to Invoke, as AWS does ."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_lambda as service_lambda,
    )

    bindings = {
        action: set(names) for action, names in service_lambda._SUPPORTED_API_PARAM_BINDINGS.items()
    }
    bindings.setdefault("invoke", set()).add("InvocationType")
    patcher.setattr(service_lambda, "_SUPPORTED_API_PARAM_BINDINGS", bindings)
