"""Which Task state is calling: a Task's service integration runs with its state's name.

A fault scoped to one Task (``Faults.fail(..., caller="AcquireLease")``) needs to know which
Task an AWS call comes from. moto evaluates each Task on its own thread; the calls a Task
makes itself (a native ``dynamodb:putItem``, ``lambda:invoke``, or the ``Invoke`` behind a
Lambda function ARN) are made inside ``StateTaskService._eval_execution`` (every service
integration) or ``StateTaskLambda._eval_execution``. Both run here with
:data:`emulator.faults.TASK_STATE` set to the state's name. (A Lambda handler's own calls are
its function's, found by ``AWS_LAMBDA_FUNCTION_NAME``: see :func:`emulator.faults.callers`.)
:data:`emulator.faults.TASK_REGION` is set with it, to the state machine's Region (the
execution's ``AWSExecutionDetails``): where the integration's calls leave from, for the
cross-Region round trip and a cut-off Region's isolation (:func:`emulator.faults.caller_region`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from ..faults import TASK_REGION, TASK_STATE
from ..world import Service, register

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._patching import Patcher

__all__ = ["StepFunctionsTasks"]


def _as_state(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        env = kwargs.get("env", args[0] if args else None)
        details = getattr(env, "aws_execution_details", None)
        token = TASK_STATE.set(str(self.name))
        region = TASK_REGION.set(getattr(details, "region", None))
        try:
            return method(self, *args, **kwargs)
        finally:
            TASK_REGION.reset(region)
            TASK_STATE.reset(token)

    return run


@register
class StepFunctionsTasks(Service):
    name = "sfn_tasks"

    def install(self, patcher: Patcher) -> None:
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (  # noqa: E501
            StateTaskService,
        )
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda import (  # noqa: E501
            StateTaskLambda,
        )

        patcher.setattr(
            StateTaskService, "_eval_execution", _as_state(StateTaskService._eval_execution)
        )
        patcher.setattr(
            StateTaskLambda, "_eval_execution", _as_state(StateTaskLambda._eval_execution)
        )
