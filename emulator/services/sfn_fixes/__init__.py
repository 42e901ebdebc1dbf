"""Narrow fixes of moto's Step Functions interpreter where it differs from AWS.

Write the ASL to be right on AWS; these patches make moto agree (all reverted by
``Emulator.uninstall``). Each is a moto 5.2.5 bug (the pinned version, checked by
tests/unit/test_emulator_moto_pin.py) in a module of its own, whose docstring is written up
to be sent upstream: the file it patches, what moto does, what AWS does, and a reproduction.
The reproductions share::

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        role = "arn:aws:iam::123456789012:role/r"

        def run(definition, payload="{}", name="x"):
            machine = sfn.create_state_machine(
                name=name, definition=json.dumps(definition), roleArn=role
            )["stateMachineArn"]
            arn = sfn.start_execution(stateMachineArn=machine, input=payload)["executionArn"]
            while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
                time.sleep(0.05)
            return sfn.describe_execution(executionArn=arn)

        pass_state = lambda **fields: {"StartAt": "S", "States": {"S": {**fields, "End": True}}}

The fixes, in the order they are installed:

 1. :mod:`.json_path`: Indexed JSONPath
 2. :mod:`.execution_names`: Unnamed executions
 3. :mod:`.context_object`: Context object
 4. :mod:`.aws_sdk`: AWS SDK integrations
 5. :mod:`.definition_check`: Transitions
 6. :mod:`.error_codes`: Error codes
 7. :mod:`.jsonata_hook`: JSONata
 8. :mod:`.lambda_errors`: Lambda service errors
 9. :mod:`.task_timeouts`: A stopped task's timeout
10. :mod:`.lambda_invocation_type`: ``lambda:invoke`` parameters
11. :mod:`.preprocessor_scopes`: Concurrent starts
12. :mod:`.timed_out_stop_date`: ``DescribeExecution`` of a timed-out execution
13. :mod:`.execution_history`: ``GetExecutionHistory``
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...world import Service, register
from . import (
    aws_sdk,
    context_object,
    definition_check,
    error_codes,
    execution_history,
    execution_names,
    json_path,
    jsonata_hook,
    lambda_errors,
    lambda_invocation_type,
    preprocessor_scopes,
    task_timeouts,
    timed_out_stop_date,
)
from .aws_sdk import sdk_error_name, sdk_service_error_prefix
from .definition_check import transition_problems
from .json_path import is_definite_json_path

if TYPE_CHECKING:
    from ..._patching import Patcher

__all__ = [
    "StepFunctionsFixes",
    "is_definite_json_path",
    "sdk_error_name",
    "sdk_service_error_prefix",
    "transition_problems",
]

FIXES = (
    json_path,
    execution_names,
    context_object,
    aws_sdk,
    definition_check,
    error_codes,
    jsonata_hook,
    lambda_errors,
    task_timeouts,
    lambda_invocation_type,
    preprocessor_scopes,
    timed_out_stop_date,
    execution_history,
)


@register
class StepFunctionsFixes(Service):
    """moto's Step Functions interpreter, corrected where it differs from AWS."""

    name = "sfn_fixes"

    def install(self, patcher: Patcher) -> None:
        for fix in FIXES:
            fix.install(patcher)
