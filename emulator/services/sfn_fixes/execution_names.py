"""Fix 2: Unnamed executions (``parser/models.py`` ``StepFunctionsParserBackend.start_execution``).
moto names them ``None``: the execution ARN ends in ``:None``, and the second unnamed
``sfn.start_execution(stateMachineArn=machine)`` raises ``ExecutionAlreadyExists``. AWS
generates a UUID name.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..._patching import Patcher


def install(patcher: Patcher) -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.start_execution

    def start_execution(
        self: Any,
        state_machine_arn: str,
        name: Any = None,
        execution_input: Any = None,
        trace_header: Any = None,
    ) -> Any:
        return original(
            self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header
        )

    patcher.setattr(StepFunctionsParserBackend, "start_execution", start_execution)
