"""Fix 4: AWS SDK integrations (``.../state_task/service/state_task_service_aws_sdk.py``
``StateTaskServiceAwsSdk``), per
https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html:

* parameters are PascalCase even when the API is camelCase ("Cluster" for ECS); moto
 passes them to boto3 as written. They are mapped to the API's member names.
* results use PascalCase member names, and timestamps are ISO 8601 strings; moto returns
 boto3's camelCase keys and ``datetime`` objects:
 ``run(pass_state(Type="Task", Resource="arn:aws:states:::aws-sdk:ssm:getParameter",
 Parameters={"Name": "/p"}))`` (an existing parameter) raises ``TypeError: Object of
 type datetime is not JSON serializable`` in ``describe_execution``.
* errors are ``ServiceName.ErrorName``, both PascalCase, always ending in "Exception":
 the same task for a missing parameter fails with ``ssm.ParameterNotFoundException``;
 AWS: ``Ssm.ParameterNotFoundException`` (and ``Rds.DbClusterNotFoundException``, where
 moto says ``rds.DBClusterNotFoundFaultException``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from typing import TYPE_CHECKING, Any

from botocore.exceptions import UnknownServiceError

from ..._service_model import service_model
from .timestamps import iso

if TYPE_CHECKING:
    from botocore.model import Shape

    from ..._patching import Patcher


def _pascal_words(text: str) -> str:
    """PascalCase with acronyms as words, as the AWS SDK for Java v2 names things:
    "DynamoDB" -> "DynamoDb", "SSM" -> "Ssm", "DBClusterNotFound" -> "DbClusterNotFound"."""
    words: list[str] = []
    for chunk in re.split(r"[^A-Za-z0-9]+", text):
        words.extend(re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", chunk))
    return "".join(word[:1].upper() + word[1:].lower() for word in words)


def sdk_service_error_prefix(boto_service: str) -> str:
    """The ``ServiceName`` of ``ServiceName.ErrorName`` (from the model's serviceId)."""
    try:
        service_id = service_model(boto_service).metadata.get("serviceId") or boto_service
    except UnknownServiceError:  # keep the name as written
        service_id = boto_service
    return _pascal_words(str(service_id))


def sdk_error_name(boto_service: str, error_code: str | None) -> str:
    """``ServiceName.ErrorNameException`` for an AWS SDK integration error."""
    prefix = sdk_service_error_prefix(boto_service)
    if not error_code:
        return f"{prefix}.{prefix}Exception"
    name = re.sub(r"(Fault|Exception)$", "", error_code)
    return f"{prefix}.{_pascal_words(name)}Exception"


def _to_json_safe(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "read"):  # streaming bodies
        return base64.b64encode(value.read()).decode("ascii")
    return value


def _request_to_boto(params: Any, shape: Shape | None) -> Any:
    """Map PascalCase parameter names onto the API's member names (case-insensitive)."""
    if shape is None:
        return params
    if shape.type_name == "structure" and isinstance(params, dict):
        members = shape.members  # type: ignore[attr-defined]
        by_lower = {name.lower(): name for name in members}
        result: dict[str, Any] = {}
        for key, value in params.items():
            name = by_lower.get(str(key).lower(), str(key))
            result[name] = _request_to_boto(value, members.get(name))
        return result
    if shape.type_name == "list" and isinstance(params, list):
        return [_request_to_boto(item, shape.member) for item in params]  # type: ignore[attr-defined]
    if shape.type_name == "map" and isinstance(params, dict):
        return {k: _request_to_boto(v, shape.value) for k, v in params.items()}  # type: ignore[attr-defined]
    return params


def _response_from_boto(value: Any, shape: Shape | None) -> Any:
    """PascalCase member names, ISO 8601 timestamps, base64 blobs: JSON as AWS returns it."""
    if shape is None:
        return _to_json_safe(value)
    if shape.type_name == "structure" and isinstance(value, dict):
        members = shape.members  # type: ignore[attr-defined]
        return {
            (key[:1].upper() + key[1:]): _response_from_boto(item, members.get(key))
            for key, item in value.items()
        }
    if shape.type_name == "list" and isinstance(value, list):
        return [_response_from_boto(item, shape.member) for item in value]  # type: ignore[attr-defined]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _response_from_boto(v, shape.value) for k, v in value.items()}  # type: ignore[attr-defined]
    return _to_json_safe(value)


def install(patcher: Patcher) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )

    cls = aws_sdk.StateTaskServiceAwsSdk

    def _operation(self: Any) -> Any:
        service = self._get_boto_service_name()
        action = self._get_boto_service_action()
        model = service_model(service)
        for operation in model.operation_names:
            if re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower() == action or (
                operation.lower() == str(self.resource.api_action).lower()
            ):
                return model.operation_model(operation)
        return None

    def _normalise_parameters(
        self: Any,
        parameters: dict[str, Any],
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        operation = _operation(self)
        if operation is None or operation.input_shape is None:
            return
        converted = _request_to_boto(dict(parameters), operation.input_shape)
        parameters.clear()
        parameters.update(converted)

    def _normalise_response(
        self: Any,
        response: Any,
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        if not isinstance(response, dict):
            return
        operation = _operation(self)
        shape = operation.output_shape if operation is not None else None
        converted = _response_from_boto(response, shape)
        response.clear()
        response.update(converted)
        json.dumps(response)  # must now be JSON: fail here, not in describe_execution

    def _normalise_service_error_name(service_name: str) -> str:
        boto = {"sfn": "stepfunctions", "states": "stepfunctions"}.get(service_name, service_name)
        return sdk_service_error_prefix(boto)

    def _normalise_exception_name(norm_service_name: str, ex: Exception) -> str:
        code = None
        if type(ex).__name__ != "ClientError":
            code = getattr(ex, "response", {}).get("Error", {}).get("Code")
        if not code:
            return f"{norm_service_name}.{norm_service_name}Exception"
        name = re.sub(r"(Fault|Exception)$", "", str(code))
        return f"{norm_service_name}.{_pascal_words(name)}Exception"

    patcher.setattr(cls, "_normalise_parameters", _normalise_parameters)
    patcher.setattr(cls, "_normalise_response", _normalise_response)
    patcher.setattr(
        cls, "_normalise_service_error_name", staticmethod(_normalise_service_error_name)
    )
    patcher.setattr(cls, "_normalise_exception_name", staticmethod(_normalise_exception_name))
