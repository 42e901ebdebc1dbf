"""One cached boto3 client factory keyed by (service, region, profile).

Every client names its region explicitly: the home region for the recovery side,
``config.GLOBAL_ACCELERATOR_REGION`` for Global Accelerator, ``config.ROUTE53_REGION`` for
Route 53 and the CloudWatch side of its health checks.
"""

from __future__ import annotations

import threading
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config

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
    (the farthest pair of US regions is about 70 ms apart), and every state that reads a dead
    region pays it once, on the critical path."""


_CONFIGS = {
    Profile.CRITICAL: Config(
        connect_timeout=3,
        read_timeout=10,
        retries={"mode": "standard", "total_max_attempts": 2},
    ),
    Profile.BEST_EFFORT: Config(
        connect_timeout=1,
        read_timeout=4,
        retries={"mode": "standard", "total_max_attempts": 1},
    ),
}

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
            _cache[key] = found
        return found


def best_effort(service: str, region: str) -> Any:
    """A :attr:`Profile.BEST_EFFORT` client: for reads of a region that may be down (the
    estate view's reads of the peer region), one attempt of at most 1 s + 4 s."""
    return client(service, region, Profile.BEST_EFFORT)


def reset() -> None:
    """Forget every cached client (tests and the drill call this between estates)."""
    global _session
    with _lock:
        _cache.clear()
        _session = None
