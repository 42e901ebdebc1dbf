"""Helpers built on botocore's service models: request validation, response shape checks,
wire-shaped error responses and the short-circuit responses a ``before-call`` handler returns.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import ParamValidationError
from botocore.utils import parse_timestamp
from botocore.validate import validate_parameters

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel, Shape

__all__ = [
    "EmulatedServiceError",
    "ResponseShapeError",
    "check_response_shape",
    "error_response",
    "http_status_for",
    "operation_model",
    "parse_json_body",
    "service_model",
    "success_response",
    "validation_problems",
]

_SESSION_LOCK = threading.Lock()
_SESSION: botocore.session.Session | None = None


def _session() -> botocore.session.Session:
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is None:
            _SESSION = botocore.session.get_session()
        return _SESSION


@functools.cache
def service_model(service: str) -> ServiceModel:
    """The botocore service model for a boto3 service name ("globalaccelerator", "rds")."""
    return _session().get_service_model(service)


def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


class EmulatedServiceError(Exception):
    """An error an emulated service returns: serialised as the service's error response."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class ResponseShapeError(AssertionError):
    """The emulator built a response the real service could not have sent (a bug here)."""


# --------------------------------------------------------------------------- validation


def _strict_problems(value: Any, shape: Shape, path: str) -> Iterator[str]:
    """Constraints botocore's client-side validator leaves to the service: ``max`` (length
    or value) and enums. The service enforces them; so does the emulator."""
    type_name = shape.type_name
    meta = shape.metadata
    if value is None:
        return
    if type_name == "structure":
        if isinstance(value, Mapping):
            members = shape.members  # type: ignore[attr-defined]
            for key, item in value.items():
                if key in members:
                    yield from _strict_problems(item, members[key], f"{path}.{key}")
        return
    if type_name == "list":
        if isinstance(value, list):
            if "max" in meta and len(value) > meta["max"]:
                yield f"{path}: list has {len(value)} items, more than the maximum {meta['max']}"
            member = shape.member  # type: ignore[attr-defined]
            for index, item in enumerate(value):
                yield from _strict_problems(item, member, f"{path}[{index}]")
        return
    if type_name == "map":
        if isinstance(value, Mapping):
            for key, item in value.items():
                yield from _strict_problems(item, shape.value, f"{path}.{key}")  # type: ignore[attr-defined]
        return
    if type_name == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            yield f"{path}: length {len(value)} is greater than the maximum {meta['max']}"
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            yield f"{path}: {value!r} is not one of {', '.join(enum)}"
        return
    numeric = ("integer", "long", "float", "double")
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if type_name in numeric and is_number:
        if "max" in meta and value > meta["max"]:
            yield f"{path}: {value} is greater than the maximum {meta['max']}"
        if "min" in meta and value < meta["min"]:
            yield f"{path}: {value} is less than the minimum {meta['min']}"


def validation_problems(service: str, operation: str, params: Mapping[str, Any]) -> str | None:
    """Validate ``params`` against the operation's input shape, as the service would.

    Runs botocore's own ``validate_parameters`` (required members, types, minimums, unknown
    members) and then the constraints only the service checks (maximums, enums). Returns a
    message listing the problems, or None when the request is valid.
    """
    shape = operation_model(service, operation).input_shape
    if shape is None:
        return None
    problems: list[str] = []
    try:
        validate_parameters(dict(params), shape)
    except ParamValidationError as exc:
        report = str(exc.kwargs.get("report", exc))
        problems.extend(line for line in report.splitlines() if line.strip())
    problems.extend(_strict_problems(params, shape, shape.name))
    if not problems:
        return None
    return "; ".join(problems)


# ---------------------------------------------------------------------- response shapes


_SCALARS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, float),
    "double": lambda v: isinstance(v, float),
    # botocore's parsers return timezone-aware datetimes
    "timestamp": lambda v: isinstance(v, dt.datetime) and v.tzinfo is not None,
}


def check_response_shape(value: Any, shape: Shape | None, path: str = "") -> None:
    """Assert that a parsed response only uses members and types of the output shape.

    Timestamps must be ``datetime`` objects, as botocore's parsers return them.
    """
    where = path or (shape.name if shape is not None else "<none>")
    if shape is None:
        if value not in (None, {}):
            raise ResponseShapeError(f"{where}: operation has no output, got {value!r}")
        return
    type_name = shape.type_name
    if type_name == "structure":
        if not isinstance(value, Mapping):
            raise ResponseShapeError(f"{where}: expected a structure, got {type(value).__name__}")
        members = shape.members  # type: ignore[attr-defined]
        for key, item in value.items():
            if key == "ResponseMetadata" and not path:
                continue
            if key not in members:
                raise ResponseShapeError(f"{where}: {key!r} is not a member of {shape.name}")
            check_response_shape(item, members[key], f"{where}.{key}")
    elif type_name == "list":
        if not isinstance(value, list):
            raise ResponseShapeError(f"{where}: expected a list, got {type(value).__name__}")
        for index, item in enumerate(value):
            check_response_shape(item, shape.member, f"{where}[{index}]")  # type: ignore[attr-defined]
    elif type_name == "map":
        if not isinstance(value, Mapping):
            raise ResponseShapeError(f"{where}: expected a map, got {type(value).__name__}")
        for key, item in value.items():
            check_response_shape(item, shape.value, f"{where}.{key}")  # type: ignore[attr-defined]
    else:
        check = _SCALARS.get(type_name)
        if check is not None and not check(value):
            raise ResponseShapeError(f"{where}: {value!r} is not a valid {type_name}")
        enum = getattr(shape, "enum", None)
        if type_name == "string" and enum and value not in enum:
            raise ResponseShapeError(f"{where}: {value!r} is not one of {enum}")


# --------------------------------------------------------------- short-circuit responses


class _RawBody(io.BytesIO):
    def stream(self, **_: Any) -> Iterator[bytes]:
        chunk = self.read()
        while chunk:
            yield chunk
            chunk = self.read()


def http_status_for(service: str, code: str) -> int:
    """The HTTP status the service uses for an error code.

    The service model's error shape says it when the code is modelled; otherwise the common
    AWS conventions apply: 5xx for server-side failures, 400 for everything else (including
    throttling, which most AWS services send as 400).
    """
    for error_shape in service_model(service).error_shapes:
        error_meta = error_shape.metadata.get("error", {})
        if error_shape.name == code or error_meta.get("code") == code:
            status = error_meta.get("httpStatusCode")
            if isinstance(status, int):
                return status
    if code in {"ServiceUnavailable", "ServiceUnavailableException", "Unavailable"}:
        return 503
    if code in {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServerException",
        "InternalServiceError",
        "InternalServiceErrorException",
        "ServerException",
        "ServiceException",
    }:
        return 500
    if code in {"RequestTimeout", "RequestTimeoutException"}:
        return 408
    if code == "TooManyRequestsException":
        return 429
    return 400


def _metadata(status: int, request_id: str) -> dict[str, Any]:
    return {
        "RequestId": request_id,
        "HTTPStatusCode": status,
        "HTTPHeaders": {"x-amzn-requestid": request_id, "content-type": "application/json"},
        "RetryAttempts": 0,
    }


def _http(url: str, status: int, request_id: str) -> AWSResponse:
    headers = HTTPHeaders()
    headers["x-amzn-requestid"] = request_id
    return AWSResponse(url, status, headers, _RawBody(b""))


def _as_parsed(value: Any) -> Any:
    """Timestamps as botocore's response parsers return them (``parse_timestamp``)."""
    if isinstance(value, dt.datetime):
        return parse_timestamp(value.timestamp())  # type: ignore[arg-type]  # epochs are fine
    if isinstance(value, dict):
        return {key: _as_parsed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_parsed(item) for item in value]
    return value


def success_response(url: str, body: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    """A ``before-call`` return value for a successful call: (http response, parsed body)."""
    request_id = str(uuid.uuid4())
    parsed = _as_parsed(body)
    parsed["ResponseMetadata"] = _metadata(200, request_id)
    return _http(url, 200, request_id), parsed


def error_response(
    url: str, code: str, message: str, status: int
) -> tuple[AWSResponse, dict[str, Any]]:
    """A ``before-call`` return value for a failed call. botocore turns it into the modelled
    exception class (``client.exceptions.<Code>``) or a plain ``ClientError``."""
    request_id = str(uuid.uuid4())
    parsed: dict[str, Any] = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": _metadata(status, request_id),
    }
    if status >= 500:
        parsed["Error"]["Type"] = "Receiver"
    return _http(url, status, request_id), parsed


def parse_json_body(body: bytes | str | None) -> dict[str, Any]:
    """The JSON request body botocore serialised for a ``json`` protocol call."""
    if not body:
        return {}
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    value = json.loads(text)
    if not isinstance(value, dict):
        raise EmulatedServiceError("SerializationException", "Request body must be an object.")
    return value
