"""The failover table: which of its replicas this control plane reads and writes through.

The table (the lease, the cooldown marker, the audit rows) is a DynamoDB global table with
multi-Region strong consistency (MRSC) whose three Regions, ``LeaseRegions``, are one MRSC set
chosen by the operator, independently of the estate's Regions (an estate in us-east-1 and
eu-west-1 keeps its lease in the US set, say). Every replica answers alike: a conditional write
through any of them sees the latest version written through any other, and a replica that has
lost the set's majority refuses (``InternalServerError``) rather than answer alone
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/multi-region-strong-consistency-gt.html).
So which replica a control plane uses is a question of latency and of dependencies, never of
correctness.

**The order** (:func:`replicas`):

1. The control plane's own Region, when it is a member: no call leaves the Region, as before.
2. Members that are not estate Regions, nearest first (``failover.geography``): a control plane
   outside the set depends on no other estate Region for its lease. Recovery must not depend
   on the failed Region, and before ConfirmOutage a run cannot be sure which Region that is.
3. Members that are other estate Regions, nearest first: used only when every member outside
   the estate is unreachable from here.

**Moving on** (:func:`call`): a replica this control plane cannot connect to, that hangs, or
that answers with a server error (a member cut off from the set's majority) is left for the
next in order, within the same call; one it saw unreachable a moment ago is skipped
(``clients.Reachability``, :data:`~failover.clients.UNREACHABLE_MEMORY`). Every operation on the
table is safe to repeat through another replica after a timeout whose write may have landed:
the lease's writes are conditional on this execution's own holder id (a repeated acquire or
renew finds the lease already ours; a repeated release finds it gone, which is fine), and the
other items are whole-item puts of the same key.

**When the nearest member is the failed Region.** For the default US set seen from eu-west-1,
the nearest member is us-east-1. If us-east-1 is an estate Region, it is not used while
us-east-2 or us-west-2 answers (rule 2), so its failure costs nothing. If it is not an estate
Region and fails, the first call that reaches for it pays one connect timeout (1 s) and moves
on to the next member; later states of the run skip it for two minutes. The set itself keeps
its majority (two of three members) through the loss of any one Region. Losing two members
at once leaves no majority: the table refuses writes everywhere, so no run can take the lease
and nothing moves (safe, not live), as for an estate inside the set.

**The cost.** A control plane outside the set pays, for every table call, one network round
trip to the member it uses on top of the MRSC write itself (modelled in the emulator from the
Regions' great-circle distance, ``failover.geography``; eu-west-1 to us-east-2 is at least
57 ms there and back). A run makes about a dozen table calls (acquire, one renewal per acting
stage, the cooldown marker, the audit row, the release): well under a second in all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.exceptions import ConnectionError as BotoConnectionError

from failover import geography
from failover.clients import Profile, client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from failover.config import Settings

T = TypeVar("T")

SERVER_ERRORS = frozenset({"InternalServerError", "ServiceUnavailable"})
"""Answers of a replica that cannot serve now (an MRSC member cut off from the majority
answers ``InternalServerError``): the next replica may."""


def replicas(
    home: str, lease_regions: tuple[str, ...], estate_regions: tuple[str, ...]
) -> tuple[str, ...]:
    """The members of ``lease_regions`` in the order a control plane in ``home`` tries them
    (see the module docstring)."""
    own = (home,) if home in lease_regions else ()
    others = [region for region in lease_regions if region != home]
    outside = [region for region in others if region not in estate_regions]
    inside = [region for region in others if region in estate_regions]
    return (
        *own,
        *geography.nearest_first(home, outside),
        *geography.nearest_first(home, inside),
    )


def order_for(settings: Settings) -> tuple[str, ...]:
    """:func:`replicas` for this control plane."""
    return replicas(settings.home_region, settings.lease_regions, tuple(settings.estate.regions))


def _client(settings: Settings, region: str, last: bool) -> DynamoDBClient:
    """The home replica with the critical path's patience. A remote one fails fast (1 s
    connect, 4 s read, one attempt) and is remembered unreachable, so the next member is tried
    at once; the last one in order is always tried (never skipped from memory: a run whose
    every replica blipped once must not wait out the memory)."""
    if region == settings.home_region:
        profile = Profile.CRITICAL
    else:
        profile = Profile.BEST_EFFORT if last else Profile.OBSERVE
    return client("dynamodb", region, profile)


def call(settings: Settings, operation: Callable[[DynamoDBClient], T]) -> T:
    """Run ``operation`` against the first replica that answers, in :func:`order_for` order.
    Errors of the operation itself (a failed condition, throttling) are the operation's:
    only an unreachable, hanging or failing replica moves the call on. The last replica's
    error is raised when none answers."""
    order = order_for(settings)
    for index, region in enumerate(order):
        last = index == len(order) - 1
        try:
            return operation(_client(settings, region, last))
        except (BotoConnectionError, ReadTimeoutError):
            if last:
                raise
        except ClientError as error:
            if last or error.response.get("Error", {}).get("Code") not in SERVER_ERRORS:
                raise
    raise AssertionError("unreachable: LeaseRegions has three members")  # pragma: no cover
