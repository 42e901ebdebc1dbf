"""Named errors. The class name is the error name the ASL retries and catches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)


class FailoverError(Exception):
    """Base of every error this control plane raises on purpose."""


# --- Input: raised by ValidateInput before any change and before the lock -------------------
class InvalidInput(FailoverError):
    """The execution input is not acceptable. The message names the field."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"{field}: {problem}")


class MissingField(InvalidInput):
    pass


class InvalidFieldType(InvalidInput):
    pass


class UnknownMode(InvalidInput):
    pass


class UnknownTargetRegion(InvalidInput):
    pass


class WrongControlPlaneRegion(InvalidInput):
    pass


class TargetAlreadyActive(InvalidInput):
    pass


class UnrecognisedEvent(InvalidInput):
    pass


# --- Run ------------------------------------------------------------------------------------
class LockHeld(FailoverError):
    """Another execution holds the lease lock: this run ends as already in progress."""


class CooldownActive(FailoverError):
    """A manual run inside the cooldown window without force."""


class PreflightFailed(FailoverError):
    pass


class ReplicationLagTooHigh(PreflightFailed):
    pass


class ReplicationLagUnknown(PreflightFailed):
    pass


class SourceUnhealthy(PreflightFailed):
    pass


class DatabasePromotionFailed(FailoverError):
    pass


class DatabasePromotionTimedOut(FailoverError):
    pass


class ComputeNotStable(FailoverError):
    pass


class VerificationFailed(FailoverError):
    pass


class ApprovalRejected(FailoverError):
    pass


class ConfigurationError(FailoverError):
    """The deployment's settings are missing or malformed."""


class TransientAwsError(FailoverError):
    """Throttling, a 5xx or a connection problem that outlived the SDK's short retry."""


_TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "PriorRequestNotComplete",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "InternalServiceError",
        "InternalServiceErrorException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)

UNREACHABLE_ERRORS: tuple[type[Exception], ...] = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionError,
)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_transient(error: BaseException) -> bool:
    if isinstance(error, ClientError):
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return error_code(error) in _TRANSIENT_CODES or status >= 500
    return isinstance(error, UNREACHABLE_ERRORS)


@contextmanager
def transient_aws_errors() -> Iterator[None]:
    """Re-raise throttling and connection failures as TransientAwsError for the ASL's Retry."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        if is_transient(error):
            raise TransientAwsError(f"{type(error).__name__}: {error}") from error
        raise


class UnexpectedField(InvalidInput):
    pass
