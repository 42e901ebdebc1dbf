"""Fix 3: Context object (``parser/backend/execution_worker.py``
``ExecutionWorker._get_evaluation_environment``). ``$$.Execution.StartTime`` is a
``datetime``: ``run(pass_state(Type="Pass", Parameters={"t.$": "$$.Execution.StartTime"}))``
raises ``TypeError: Object of type datetime is not JSON serializable`` in
``describe_execution``. AWS gives an ISO 8601 string.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from .timestamps import iso

if TYPE_CHECKING:
    from ..._patching import Patcher


def install(patcher: Patcher) -> None:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    original = ExecutionWorker._get_evaluation_environment

    def _get_evaluation_environment(self: Any) -> Any:
        env = original(self)
        execution = env.states.context_object.context_object_data.get("Execution", {})
        start = execution.get("StartTime")
        if isinstance(start, dt.datetime):
            execution["StartTime"] = iso(start)
        return env

    patcher.setattr(ExecutionWorker, "_get_evaluation_environment", _get_evaluation_environment)
