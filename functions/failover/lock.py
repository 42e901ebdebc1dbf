"""The lease lock: one DynamoDB item written conditionally, holding the execution ARN."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from failover.errors import LockHeld

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

LOCK_KEY: dict[str, AttributeValueTypeDef] = {"pk": {"S": "LOCK"}, "sk": {"S": "FAILOVER"}}


@dataclass(frozen=True)
class Lease:
    holder: str
    acquired_at: str
    expires_at: int
    reentered: bool = False


def acquire(ddb: DynamoDBClient, table: str, holder: str, ttl_seconds: int, now: datetime) -> Lease:
    """Take the lease, or re-enter it if this execution already holds it.

    A lease past its ``expires_at`` is free even before DynamoDB's TTL sweeper deletes it.
    """
    epoch = int(now.timestamp())
    current = ddb.get_item(TableName=table, Key=LOCK_KEY, ConsistentRead=True).get("Item")
    if current and current.get("holder", {}).get("S") == holder:
        return Lease(
            holder, current["acquired_at"]["S"], int(current["expires_at"]["N"]), reentered=True
        )
    lease = Lease(holder, now.astimezone(UTC).isoformat(), epoch + ttl_seconds)
    try:
        ddb.put_item(
            TableName=table,
            Item={
                **LOCK_KEY,
                "holder": {"S": holder},
                "acquired_at": {"S": lease.acquired_at},
                "expires_at": {"N": str(lease.expires_at)},
            },
            ConditionExpression="attribute_not_exists(pk) OR expires_at < :now OR holder = :me",
            ExpressionAttributeValues={":now": {"N": str(epoch)}, ":me": {"S": holder}},
        )
    except ddb.exceptions.ConditionalCheckFailedException as error:
        other = ddb.get_item(TableName=table, Key=LOCK_KEY, ConsistentRead=True).get("Item", {})
        other_holder = other.get("holder", {}).get("S", "another execution")
        since = other.get("acquired_at", {}).get("S", "unknown")
        raise LockHeld(
            f"failover already in progress: lock held by {other_holder} since {since}"
        ) from error
    return lease


def release(ddb: DynamoDBClient, table: str, holder: str) -> bool:
    """Release the lease if this execution holds it. Returns whether it deleted anything."""
    try:
        ddb.delete_item(
            TableName=table,
            Key=LOCK_KEY,
            ConditionExpression="holder = :me",
            ExpressionAttributeValues={":me": {"S": holder}},
        )
    except ddb.exceptions.ConditionalCheckFailedException:
        return False
    return True


def current_holder(ddb: DynamoDBClient, table: str) -> str | None:
    item = ddb.get_item(TableName=table, Key=LOCK_KEY, ConsistentRead=True).get("Item")
    return item["holder"]["S"] if item else None
