"""Anti-flapping: no automatic failover within N minutes of the last move of the database.

The marker (``COOLDOWN_KEY``, in the same multi-Region table as the lease, so the window is
estate-wide) is written by PromoteDatabase when it starts moving the writer, not at the end
of the run: a run whose record later fails still opens the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from failover import items
from failover.errors import CooldownActive

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

    from failover.models import Request

COOLDOWN_KEY: dict[str, AttributeValueTypeDef] = {"pk": {"S": "COOLDOWN"}, "sk": {"S": "ESTATE"}}


@dataclass(frozen=True)
class LastMove:
    moved_at: str
    target_region: str
    execution_id: str


@dataclass(frozen=True)
class CooldownDecision:
    active: bool
    skip: bool
    overridden: bool
    last_move: LastMove | None
    remaining_seconds: int


def last_move(ddb: DynamoDBClient, table: str) -> LastMove | None:
    item = ddb.get_item(TableName=table, Key=COOLDOWN_KEY, ConsistentRead=True).get("Item")
    if not item:
        return None
    return items.from_item(LastMove, item)


def remember_move(ddb: DynamoDBClient, table: str, move: LastMove) -> None:
    ddb.put_item(
        TableName=table,
        Item={**COOLDOWN_KEY, **items.to_item(move)},
    )


def decide(
    request: Request, last: LastMove | None, now: datetime, minutes: int
) -> CooldownDecision:
    """Automatic runs inside the window are skipped; manual ones need ``force``.

    The window guards against moving the database back and forth. A run into the region the
    database last moved to only completes that move (convergence), so it is never held back.
    """
    if last is None or minutes == 0 or last.target_region == request.target_region:
        return CooldownDecision(False, False, False, last, 0)
    ends = datetime.fromisoformat(last.moved_at) + timedelta(minutes=minutes)
    remaining = int((ends - now).total_seconds())
    if remaining <= 0:
        return CooldownDecision(False, False, False, last, 0)
    if request.trigger == "alarm":
        return CooldownDecision(True, True, False, last, remaining)
    if request.force:
        return CooldownDecision(True, False, True, last, remaining)
    raise CooldownActive(
        f"the database last moved to {last.target_region} at {last.moved_at}; "
        f"the cooldown ends in {remaining} s. Set force=true to override."
    )
