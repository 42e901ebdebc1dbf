"""Best-effort reads: a value, or why it is unknown, and denials surfaced, never shrugged off.

Observers, the estate view and fencing may call a region that is down: an unreachable API
is an "unknown", which is normal during an outage. An AccessDenied is not: it means a grant
is missing, and it would hide the same way in every drill. It is logged as a configuration
error and counted (:func:`denials`), and the handler decorator turns the count into a
``ConfigurationError`` metric; Readiness reports it as WARN.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from failover.errors import TransientAwsError, error_code, is_denied, is_transient
from failover.observability import logger

T = TypeVar("T")

_local = threading.local()


@dataclass(frozen=True)
class Reading(Generic[T]):
    value: T | None
    problem: str | None = None
    denied: bool = False
    throttled: bool = False
    """Throttling or a 5xx from an API that answered: worth a retry, unlike no answer."""

    @property
    def known(self) -> bool:
        return self.problem is None


def read(what: str, call: Callable[[], T]) -> Reading[T]:
    """Run ``call``; an AWS error becomes an unknown reading that says why."""
    try:
        return Reading(call())
    except ClientError as error:
        code = error_code(error)
        if is_denied(error):
            _denied().append(what)
            logger.error(
                "configuration error: call denied",
                extra={"configuration_error": True, "call": what, "code": code},
            )
            return Reading(None, f"denied ({code}): {what}", denied=True)
        message = error.response.get("Error", {}).get("Message", "")
        return Reading(None, f"{code}: {message}", throttled=is_transient(error))
    except BotoCoreError as error:
        return Reading(None, f"unreachable: {type(error).__name__}")


def _denied() -> list[str]:
    found: list[str] | None = getattr(_local, "denied", None)
    if found is None:
        found = _local.denied = []
    return found


def denials() -> list[str]:
    """The denied calls of this invocation so far, and forget them."""
    found = list(_denied())
    _denied().clear()
    return found


def retry_if_throttled(**found: Reading[Any]) -> None:
    """Raise TransientAwsError when a reading the decision needs was throttled or met a 5xx:
    the ASL's Retry (backoff and jitter) reads it again; a domain error (PreflightFailed,
    never retried) would abort the run over a busy API."""
    busy = {what: reading.problem for what, reading in found.items() if reading.throttled}
    if busy:
        raise TransientAwsError(f"throttled or 5xx, read again: {busy}")
