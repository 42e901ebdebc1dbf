"""Fix 8: Lambda service errors (``.../state_task/state_task_lambda.py`` ``StateTaskLambda`` and
``.../service/state_task_service_lambda.py``). For a plain function-ARN Task moto names a
Lambda API error "Exception": ``run(pass_state(Type="Task",
Resource="arn:aws:lambda:us-east-1:123456789012:function:missing"))`` fails with error
``Exception``. AWS names it ``Lambda.<Code>`` (``Lambda.ResourceNotFoundException``,
``Lambda.TooManyRequestsException``, ``Lambda.ServiceException``), as moto's
``lambda:invoke`` integration already does, and a connection failure
``Lambda.SdkClientException`` (moto: ``States.TaskFailed``). These are the names Retry
policies list (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..._patching import Patcher


def _lambda_error(ex: Exception) -> tuple[str, str] | None:
    """(error, cause) as Step Functions reports a Lambda API failure, or None."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(ex, ClientError):
        code = str(ex.response.get("Error", {}).get("Code") or "AWSLambdaException")
        meta = ex.response.get("ResponseMetadata", {})
        details = "; ".join(
            [
                "Service: AWSLambda",
                f"Status Code: {meta.get('HTTPStatusCode')}",
                f"Error Code: {code}",
                f"Request ID: {meta.get('RequestId')}",
                "Proxy: null",
            ]
        )
        return f"Lambda.{code}", f"{ex.response.get('Error', {}).get('Message', '')} ({details})"
    if isinstance(ex, ConnectionError | HTTPClientError):
        return "Lambda.SdkClientException", f"Unable to execute HTTP request: {ex}"
    return None


def install(patcher: Patcher) -> None:
    from moto.stepfunctions.parser.api import (
        HistoryEventType,
        LambdaFunctionFailedEventDetails,
        TaskFailedEventDetails,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
        CustomErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_lambda import (  # noqa: E501
        StateTaskServiceLambda,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda import (
        StateTaskLambda,
    )

    def _details(**details: Any) -> Any:
        return dict(details)  # moto's EventDetails is a (total) TypedDict of optional keys

    def named_from_error(original: Any, event_type: Any, details: Any) -> Any:
        """A ``_from_error`` that names Lambda API failures as AWS does, else defers."""

        def from_error(self: Any, env: Any, ex: Exception) -> Any:
            named = _lambda_error(ex)
            if named is None:
                return original(self, env, ex)
            error, cause = named
            return FailureEvent(
                env=env,
                error_name=CustomErrorName(error),
                event_type=event_type,
                event_details=_details(**details(self, error, cause)),
            )

        return from_error

    plain_from_error = named_from_error(
        StateTaskLambda._from_error,
        HistoryEventType.LambdaFunctionFailed,
        lambda _self, error, cause: {
            "lambdaFunctionFailedEventDetails": LambdaFunctionFailedEventDetails(
                error=error, cause=cause
            )
        },
    )
    service_from_error = named_from_error(
        StateTaskServiceLambda._from_error,
        HistoryEventType.TaskFailed,
        lambda self, error, cause: {
            "taskFailedEventDetails": TaskFailedEventDetails(
                error=error,
                cause=cause,
                resource=self._get_sfn_resource(),
                resourceType=self._get_sfn_resource_type(),
            )
        },
    )

    patcher.setattr(StateTaskLambda, "_from_error", plain_from_error)
    patcher.setattr(StateTaskServiceLambda, "_from_error", service_from_error)
