"""Named errors. The class name is the error name the ASL retries and catches.

Three kinds:
- ``InvalidInput`` and its subclasses: the execution input is not acceptable. Raised by
  ValidateInput only, before any change and before the lease.
- ``RunError`` subclasses: the run cannot go on (or ends cleanly, for ``LeaseHeld`` and
  ``Superseded``). They are never retried.
- ``TransientAwsError``: throttling, a 5xx or a connection problem that outlived the SDK's
  short retry. The ASL retries it with backoff and jitter; it is never turned into a domain
  error. Every other AWS error (AccessDenied, a validation error...) propagates by its own
  name (``ClientError``) and takes the failure path.
"""

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


# --- Input: raised by ValidateInput before any change and before the lease ------------------
class InvalidInput(FailoverError):
    """The execution input is not acceptable. The message starts with the field's name."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"{field}: {problem}")


class MissingField(InvalidInput):
    pass


class InvalidFieldType(InvalidInput):
    pass


class UnexpectedField(InvalidInput):
    pass


class UnknownMode(InvalidInput):
    pass


class UnknownTargetRegion(InvalidInput):
    pass


class WrongControlPlaneRegion(InvalidInput):
    pass


class TargetNotEligible(InvalidInput):
    """The named target fails a check no move survives (failover.candidates: not a member, not
    available, no instance, another engine version, or still rebuilding after an unplanned
    failover)."""


class TargetAlreadyActive(InvalidInput):
    """The target is already fully active: writer, traffic, capacity and app config."""


class UnrecognisedEvent(InvalidInput):
    pass


INPUT_ERRORS: tuple[str, ...] = (
    "MissingField",
    "InvalidFieldType",
    "UnexpectedField",
    "UnknownMode",
    "UnknownTargetRegion",
    "WrongControlPlaneRegion",
    "TargetNotEligible",
    "TargetAlreadyActive",
    "UnrecognisedEvent",
)
"""The ASL's NotifyInvalidInput catch lists exactly these (tests/template checks it)."""


# --- Run ------------------------------------------------------------------------------------
class RunError(FailoverError):
    """The run cannot go on as asked."""


class LeaseHeld(RunError):
    """Another running execution holds the estate's lease: this run ends as already in
    progress (same direction) and changes nothing."""


class Superseded(RunError):
    """The other direction has won (the lease or the writer moved elsewhere): this run stops
    without touching traffic or app config."""


class LeaseNotFree(RunError):
    """AcquireLease's conditional write was refused: another execution holds the lease.
    Not an ending: the ASL's Catch hands the run to InspectLease, which decides (take over a
    stale lease, end as in progress, wait for the other direction)."""


class LeaseLost(RunError):
    """This run no longer holds the estate's lease (it lapsed while the run was cut off, or
    another run took it over): it stops before acting, and fails so that someone looks."""


class CooldownActive(RunError):
    """A manual run inside the cooldown window without ``force``."""


class PreflightFailed(RunError):
    pass


class ReplicationLagTooHigh(PreflightFailed):
    pass


class ReplicationLagUnknown(PreflightFailed):
    pass


class DataLossNotAccepted(PreflightFailed):
    """A manual unplanned run whose target is over the data-loss budget (or its lag unknown),
    without ``accept_data_loss``."""


class OldRegionNotRecovered(RunError):
    """Post-recovery: the old primary has not rejoined the global cluster as a connected
    secondary yet (or there was no failover away from it). Nothing changed; run it later."""


class SourceUnhealthy(PreflightFailed):
    pass


class DatabasePromotionFailed(RunError):
    pass


class DatabasePromotionTimedOut(RunError):
    pass


class ComputeNotStable(RunError):
    pass


class VerificationFailed(RunError):
    pass


class ApprovalRejected(RunError):
    pass


class ConfigurationError(FailoverError):
    """The deployment's settings are missing or malformed, or a grant is missing."""


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
        "ReplicatedWriteConflictException",
        "TransactionConflictException",
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

_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"}
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


def is_denied(error: BaseException) -> bool:
    """An IAM denial: a configuration problem, never an "unknown" to shrug off."""
    return isinstance(error, ClientError) and error_code(error) in _DENIED_CODES


@contextmanager
def transient_aws_errors() -> Iterator[None]:
    """Re-raise throttling and connection failures as TransientAwsError for the ASL's Retry."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        if is_transient(error):
            raise TransientAwsError(f"{type(error).__name__}: {error}") from error
        raise
