"""Anti-flapping: no automatic failover within N minutes of the last one."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from failover.errors import CooldownActive

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

    from failover.models import Request

LAST_FAILOVER_KEY: dict[str, AttributeValueTypeDef] = {
    "pk": {"S": "STATE"},
    "sk": {"S": "LAST_FAILOVER"},
}


@dataclass(frozen=True)
class LastFailover:
    completed_at: str
    target_region: str
    execution_id: str


@dataclass(frozen=True)
class CooldownDecision:
    active: bool
    skip: bool
    overridden: bool
    last_failover: dict[str, Any] | None
    remaining_seconds: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def last_failover(ddb: DynamoDBClient, table: str) -> LastFailover | None:
    item = ddb.get_item(TableName=table, Key=LAST_FAILOVER_KEY, ConsistentRead=True).get("Item")
    if not item:
        return None
    return LastFailover(
        completed_at=item["completed_at"]["S"],
        target_region=item["target_region"]["S"],
        execution_id=item["execution_id"]["S"],
    )


def remember_failover(ddb: DynamoDBClient, table: str, last: LastFailover) -> None:
    ddb.put_item(
        TableName=table,
        Item={
            **LAST_FAILOVER_KEY,
            "completed_at": {"S": last.completed_at},
            "target_region": {"S": last.target_region},
            "execution_id": {"S": last.execution_id},
        },
    )


def decide(
    request: Request, last: LastFailover | None, now: datetime, minutes: int
) -> CooldownDecision:
    """Automatic runs inside the window are skipped; manual ones need ``force``."""
    if last is None or minutes == 0:
        return CooldownDecision(False, False, False, None, 0)
    ends = datetime.fromisoformat(last.completed_at) + timedelta(minutes=minutes)
    remaining = int((ends - now).total_seconds())
    if remaining <= 0:
        return CooldownDecision(False, False, False, asdict(last), 0)
    if request.trigger == "alarm":
        return CooldownDecision(True, True, False, asdict(last), remaining)
    if request.force:
        return CooldownDecision(True, False, True, asdict(last), remaining)
    raise CooldownActive(
        f"last failover to {last.target_region} completed at {last.completed_at}; "
        f"cooldown ends in {remaining} s. Set force=true to override."
    )
