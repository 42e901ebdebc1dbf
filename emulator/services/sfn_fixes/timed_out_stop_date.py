"""Fix 12: ``DescribeExecution`` of a timed-out execution (``moto/stepfunctions/responses.py``
``StepFunctionResponse.describe_execution``) has no ``stopDate``: moto adds it for
SUCCEEDED, ABORTED and FAILED only. ``run({"StartAt": "W", "TimeoutSeconds": 1, "States":
{"W": {"Type": "Wait", "Seconds": 5, "End": True}}})`` has status TIMED_OUT and no
``stopDate``. Expected (AWS): ``stopDate`` = ``startDate`` + the machine's TimeoutSeconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..._patching import Patcher


def install(patcher: Patcher) -> None:
    """A timed-out execution's description has its ``stopDate`` ."""
    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    original = StepFunctionResponse.describe_execution

    def describe_execution(self: Any) -> Any:
        found = original(self)
        response = found.result if isinstance(found, ActionResult) else None
        if isinstance(response, dict) and str(response.get("status")) in (
            "TIMED_OUT",
            "ExecutionStatus.TIMED_OUT",
        ):
            execution = self.stepfunction_backend.describe_execution(response["executionArn"])
            response.setdefault("stopDate", execution.stop_date)
        return found

    patcher.setattr(StepFunctionResponse, "describe_execution", describe_execution)
