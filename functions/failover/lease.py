"""The estate's lease: one direction at a time across the whole estate.

One item (``LEASE_KEY``) in the failover table, a DynamoDB global table with multi-Region
strong consistency (MRSC): a conditional write sees the latest version in every replica, so
two regions can never both hold it. AcquireLease writes it natively from the state machine
(no Lambda); this module is the rest:

- :func:`inspect_and_take_over` (InspectLease): the write was refused. A lease whose holder
  is no longer RUNNING, or that expired, is taken over with a compare-and-set on the holder;
  a live holder ends this run as already in progress (same target) or superseded (the other
  direction).
- :func:`require` (ShiftTraffic, SetActiveRegion): the fencing check before traffic or app
  config move.
- :func:`release` (CloseRun): a lease left by an execution that ended.

The lease length (``LEASE_SECONDS``) is the state machine's own ``TimeoutSeconds`` plus a
margin: past it, the holder cannot be running any more. MRSC tables have no TTL, so expiry
is this comparison, not a sweeper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from failover import arns, readings
from failover.clients import Profile, client
from failover.errors import LeaseHeld, Superseded

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

LEASE_KEY: dict[str, AttributeValueTypeDef] = {"pk": {"S": "LEASE"}, "sk": {"S": "ESTATE"}}
"""The one lease item (statemachines/failover.asl.json writes the same key)."""

StatusOf = Callable[[str], str | None]
"""Execution ARN -> its status (RUNNING, SUCCEEDED...), or None when it cannot be read."""


@dataclass(frozen=True)
class Lease:
    holder: str
    target_region: str
    acquired_at: str
    expires_at: int
    taken_over: str | None = None


def current(ddb: DynamoDBClient, table: str) -> Lease | None:
    item = ddb.get_item(TableName=table, Key=LEASE_KEY, ConsistentRead=True).get("Item")
    if not item:
        return None
    return Lease(
        holder=item["holder"]["S"],
        target_region=item.get("target_region", {}).get("S", ""),
        acquired_at=item.get("acquired_at", {}).get("S", ""),
        expires_at=int(item["expires_at"]["N"]),
    )


def status_of(execution_arn: str) -> str | None:
    """The holder's status from its own region, best effort (the region may be down)."""
    sfn = client("stepfunctions", arns.region_of(execution_arn), Profile.BEST_EFFORT)
    return readings.read(
        "states:DescribeExecution",
        lambda: sfn.describe_execution(executionArn=execution_arn)["status"],
    ).value


def stale_reason(lease: Lease, now: datetime, status_of: StatusOf) -> str | None:
    """Why ``lease`` no longer protects a run, or None while its holder may still act."""
    if lease.expires_at < int(now.timestamp()):
        return f"expired at {datetime.fromtimestamp(lease.expires_at).isoformat()}"
    status = status_of(lease.holder)
    if status is not None and status != "RUNNING":
        return f"its holder is {status}"
    return None


def inspect_and_take_over(
    ddb: DynamoDBClient,
    table: str,
    me: str,
    target: str,
    now: datetime,
    seconds: int,
    status_of: StatusOf,
) -> Lease:
    """Take the lease over if it is stale; else raise LeaseHeld or Superseded."""
    found = current(ddb, table)
    if found is not None and found.holder == me:
        return found
    reason = "free" if found is None else stale_reason(found, now, status_of)
    if found is not None and reason is None:
        if found.target_region == target:
            raise LeaseHeld(
                f"failover into {target} already in progress: lease held by {found.holder} "
                f"since {found.acquired_at}"
            )
        raise Superseded(
            f"the other direction holds the estate's lease: {found.holder} is moving the "
            f"estate into {found.target_region} (since {found.acquired_at})"
        )
    lease = Lease(me, target, now.isoformat(), int(now.timestamp()) + seconds, reason)
    condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
    if found is not None:
        condition = {
            "ConditionExpression": "holder = :old AND expires_at = :old_expiry",
            "ExpressionAttributeValues": {
                ":old": {"S": found.holder},
                ":old_expiry": {"N": str(found.expires_at)},
            },
        }
    try:
        ddb.put_item(
            TableName=table,
            Item={
                **LEASE_KEY,
                "holder": {"S": lease.holder},
                "target_region": {"S": lease.target_region},
                "acquired_at": {"S": lease.acquired_at},
                "expires_at": {"N": str(lease.expires_at)},
            },
            **condition,
        )
    except ddb.exceptions.ConditionalCheckFailedException as error:
        raise LeaseHeld(f"another run took the lease first ({reason} before)") from error
    return lease


def require(ddb: DynamoDBClient, table: str, me: str) -> None:
    """The fencing check: raise Superseded unless this execution still holds the lease."""
    found = current(ddb, table)
    if found is None or found.holder != me:
        holder = found.holder if found else "nobody"
        raise Superseded(f"this run no longer holds the estate's lease (held by {holder})")


def release(ddb: DynamoDBClient, table: str, holder: str) -> bool:
    """Release the lease if ``holder`` holds it. Returns whether it deleted anything."""
    try:
        ddb.delete_item(
            TableName=table,
            Key=LEASE_KEY,
            ConditionExpression="holder = :me",
            ExpressionAttributeValues={":me": {"S": holder}},
        )
    except ddb.exceptions.ConditionalCheckFailedException:
        return False
    return True
