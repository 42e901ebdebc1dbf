"""One cached boto3 client factory keyed by (service, region, profile).

Every client names its region explicitly: the home region for the recovery side,
``config.GLOBAL_ACCELERATOR_REGION`` for Global Accelerator, ``config.ROUTE53_REGION`` for
Route 53 and the CloudWatch side of its health checks.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_ecs import ECSClient
    from mypy_boto3_globalaccelerator import GlobalAcceleratorClient
    from mypy_boto3_rds import RDSClient
    from mypy_boto3_route53 import Route53Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_ssm import SSMClient
    from mypy_boto3_stepfunctions import SFNClient


class Profile(Enum):
    """How patient a client is."""

    CRITICAL = "critical"
    """Calls on the critical path: short SDK retry; the ASL's Retry does the backoff.
    Worst case per call: 2 attempts x (3 s connect + 10 s read) = 26 s, inside the functions'
    40 s timeout (template.yaml Globals), itself inside the states' 50 s TimeoutSeconds.
    (``total_max_attempts`` counts the first call; the client config's ``max_attempts``
    counts retries only, so ``max_attempts=2`` would be three attempts, 39 s.)"""
    BEST_EFFORT = "best_effort"
    """Calls that may reach a failed region (fencing, observers): one attempt, fail fast,
    never hang. Fencing hands throttling back to the ASL's Retry (``active_region.fence``).
    Connect timeout 1 s: a TCP handshake with another AWS region takes well under 0.2 s
    (the farthest pair of US regions is about 70 ms apart). Always tries: fencing, notices,
    the lease's holder."""
    OBSERVE = "observe"
    """Reads of a region that may be down (the estate view's peer, the outage observers): the
    :attr:`BEST_EFFORT` timeouts, and a region this run could not connect to a moment ago is
    not tried again (:class:`Reachability`): one connect timeout per run, not one per state."""


_FAIL_FAST = Config(
    connect_timeout=1,
    read_timeout=4,
    retries={"mode": "standard", "total_max_attempts": 1},
)
_CONFIGS = {
    Profile.CRITICAL: Config(
        connect_timeout=3,
        read_timeout=10,
        retries={"mode": "standard", "total_max_attempts": 2},
    ),
    Profile.BEST_EFFORT: _FAIL_FAST,
    Profile.OBSERVE: _FAIL_FAST,
}

UNREACHABLE_MEMORY = timedelta(seconds=120)
"""How long a failed connect to an endpoint keeps this run's reads away from it. Longer than one
run's critical path from ValidateInput to VerifyFailover (about 75 s with a dead region), far
shorter than an outage worth failing over for: a blip costs at most the reads of the next two
minutes of one run, and a read skipped is exactly a read that timed out, which every reader
already handles (an unknown reading)."""


def endpoint(service: str, region: str) -> str:
    """The key of one service's endpoint in one region (``ecs.us-east-1``): what is remembered
    unreachable. Per endpoint, not per region: one refused connection to one service (one
    observer) costs that observer's vote only, not the other services of its region, nor
    Global Accelerator's API, which us-west-2 serves."""
    return f"{service}.{region}"


class Reachability:
    """The endpoints (:func:`endpoint`: service and region) this run could not connect to, and
    when: per invocation (a context variable, reset by
    :func:`failover.runtime.stage_handler` at the start of each one).

    Every state of a run that reads a dead region would otherwise pay its own connect timeout
    on the critical path (1 s each, five states in a row when us-east-1 is gone). A state
    hands what it saw to the next through the state document (``unreachable``: endpoint ->
    ISO time of the failed connect), and :attr:`Profile.OBSERVE` clients fail fast, with the
    ``EndpointConnectionError`` a dead endpoint raises, for an endpoint seen unreachable within
    :data:`UNREACHABLE_MEMORY`. Fencing and notices always try (:attr:`Profile.BEST_EFFORT`).

    A context variable, not a global: Lambda runs one invocation at a time per environment,
    but code that runs invocations side by side in one process (the emulator) must not let one
    run's sightings leak into another's."""

    def __init__(self) -> None:
        # One dict per context: a thread starts with a fresh one, so nothing here is shared
        # between threads and needs no lock.
        self._seen: ContextVar[dict[str, datetime] | None] = ContextVar("unreachable", default=None)

    def _current(self) -> dict[str, datetime]:
        found = self._seen.get()
        if found is None:
            found = {}
            self._seen.set(found)
        return found

    def begin(self, seen: Mapping[str, datetime]) -> None:
        """Start an invocation knowing what earlier states saw."""
        self._seen.set(dict(seen))

    def saw_unreachable(self, key: str) -> None:
        self._current()[key] = datetime.now(UTC)

    def known_unreachable(self, key: str) -> datetime | None:
        """When the endpoint ``key`` was seen unreachable, if that is recent enough to skip."""
        seen = self._current().get(key)
        if seen is None or datetime.now(UTC) - seen > UNREACHABLE_MEMORY:
            return None
        return seen

    def seen(self) -> dict[str, str]:
        """For the state document: endpoint -> ISO time, the recent ones only."""
        found = {key: self.known_unreachable(key) for key in list(self._current())}
        return {key: when.isoformat() for key, when in found.items() if when is not None}


reachability = Reachability()


def _skip_known_unreachable(key: str) -> Any:
    def handler(params: dict[str, Any], **_: Any) -> None:
        seen = reachability.known_unreachable(key)
        if seen is not None:
            # What a dead endpoint raises, without waiting for the connect to time out again.
            raise EndpointConnectionError(
                endpoint_url=f"{params.get('url', key)} (unreachable since {seen.isoformat()})"
            )

    return handler


def _remember_unreachable(key: str) -> Any:
    def handler(exception: Exception, **_: Any) -> None:
        # A refused or timed-out connect, and a read that timed out (an API that accepts the
        # connection and never answers: a brownout) alike: a read skipped for a while is a
        # read that would have timed out again.
        if isinstance(exception, BotoConnectionError | ReadTimeoutError):
            reachability.saw_unreachable(key)

    return handler


_lock = threading.Lock()
_cache: dict[tuple[str, str, Profile], Any] = {}
_session: boto3.session.Session | None = None


@overload
def client(
    service: Literal["cloudwatch"], region: str, profile: Profile = ...
) -> CloudWatchClient: ...
@overload
def client(service: Literal["dynamodb"], region: str, profile: Profile = ...) -> DynamoDBClient: ...
@overload
def client(service: Literal["ecs"], region: str, profile: Profile = ...) -> ECSClient: ...
@overload
def client(
    service: Literal["globalaccelerator"], region: str, profile: Profile = ...
) -> GlobalAcceleratorClient: ...
@overload
def client(service: Literal["rds"], region: str, profile: Profile = ...) -> RDSClient: ...
@overload
def client(service: Literal["route53"], region: str, profile: Profile = ...) -> Route53Client: ...
@overload
def client(service: Literal["sns"], region: str, profile: Profile = ...) -> SNSClient: ...
@overload
def client(service: Literal["ssm"], region: str, profile: Profile = ...) -> SSMClient: ...
@overload
def client(service: Literal["stepfunctions"], region: str, profile: Profile = ...) -> SFNClient: ...
@overload
def client(service: str, region: str, profile: Profile = ...) -> Any: ...
def client(service: str, region: str, profile: Profile = Profile.CRITICAL) -> Any:
    key = (service, region, profile)
    with _lock:
        global _session
        found = _cache.get(key)
        if found is None:
            if _session is None:
                # One session per execution environment: creating a session is expensive,
                # and a session is not thread-safe, so clients are created under the lock.
                _session = boto3.session.Session()
            found = _session.client(
                service,  # type: ignore[call-overload]
                region_name=region,
                config=_CONFIGS[profile],
            )
            if profile is Profile.OBSERVE:
                events = found.meta.events
                where = endpoint(service, region)
                events.register_first("before-call", _skip_known_unreachable(where))
                events.register("after-call-error", _remember_unreachable(where))
            _cache[key] = found
        return found


def global_accelerator(home: str) -> GlobalAcceleratorClient:
    """The client for Global Accelerator's API, which only us-west-2 serves
    (``config.GLOBAL_ACCELERATOR_REGION``), for a run whose home (target) region is ``home``.

    From us-west-2 the API is in the run's own region: :attr:`Profile.CRITICAL`. From any other
    home it is a call outside the target region, and us-west-2 may be the failed region:
    :attr:`Profile.OBSERVE`, one attempt of at most 1 s connect + 4 s read, and not tried
    again by this run for :data:`UNREACHABLE_MEMORY` once it refused or hung. Every GA call
    is then bounded by 5 s, once per run: a dial that cannot be read or set is unknown or
    deferred (GA's data plane routes around a group with no healthy endpoint), never a wait."""
    from failover.config import GLOBAL_ACCELERATOR_REGION

    profile = Profile.CRITICAL if home == GLOBAL_ACCELERATOR_REGION else Profile.OBSERVE
    return client("globalaccelerator", GLOBAL_ACCELERATOR_REGION, profile)


def best_effort(service: str, region: str) -> Any:
    """A :attr:`Profile.OBSERVE` client: for reads of a region that may be down (the estate
    view's reads of the peer region), one attempt of at most 1 s + 4 s, none for a region
    this run saw unreachable a moment ago."""
    return client(service, region, Profile.OBSERVE)


def reset() -> None:
    """Forget every cached client (tests and the drill call this between estates)."""
    global _session
    with _lock:
        _cache.clear()
        _session = None
