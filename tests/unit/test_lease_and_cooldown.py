"""The estate's lease and the cooldown, against DynamoDB (moto) with the template's key schema."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from failover import cooldown, lease
from failover.errors import CooldownActive, LeaseHeld, Superseded
from failover.models import Request
from moto import mock_aws
from mypy_boto3_dynamodb import DynamoDBClient

from tests.unit.estate_settings import PRIMARY, SECONDARY
from tests.unit.table import create_failover_table

TABLE = "shop-failover"
NOW = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)
ME = "arn:aws:states:us-west-2:123456789012:execution:shop-failover:me"
OTHER = "arn:aws:states:us-east-1:123456789012:execution:shop-failover:other"


@pytest.fixture
def ddb() -> Iterator[DynamoDBClient]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=SECONDARY)
        create_failover_table(client, TABLE)
        yield client


def hold(ddb: DynamoDBClient, holder: str, target: str, expires: datetime) -> None:
    ddb.put_item(
        TableName=TABLE,
        Item={
            **lease.LEASE_KEY,
            "holder": {"S": holder},
            "target_region": {"S": target},
            "acquired_at": {"S": NOW.isoformat()},
            "expires_at": {"N": str(int(expires.timestamp()))},
        },
    )


def running(_: str) -> str:
    return "RUNNING"


def test_a_free_lease_is_taken(ddb: DynamoDBClient) -> None:
    taken = lease.inspect_and_take_over(ddb, TABLE, ME, SECONDARY, NOW, 3720, running)

    assert (taken.holder, taken.taken_over) == (ME, "free")
    assert lease.current(ddb, TABLE).holder == ME  # type: ignore[union-attr]


def test_a_live_holder_in_the_same_direction_means_already_in_progress(ddb: DynamoDBClient) -> None:
    hold(ddb, OTHER, SECONDARY, NOW + timedelta(hours=1))

    with pytest.raises(LeaseHeld, match="already in progress"):
        lease.inspect_and_take_over(ddb, TABLE, ME, SECONDARY, NOW, 3720, running)
    assert lease.current(ddb, TABLE).holder == OTHER  # type: ignore[union-attr]


def test_a_live_holder_in_the_other_direction_supersedes_this_run(ddb: DynamoDBClient) -> None:
    hold(ddb, OTHER, PRIMARY, NOW + timedelta(hours=1))

    with pytest.raises(Superseded, match=f"into {PRIMARY}"):
        lease.inspect_and_take_over(ddb, TABLE, ME, SECONDARY, NOW, 3720, running)


@pytest.mark.parametrize(
    ("expires", "status", "reason"),
    [
        (NOW - timedelta(seconds=1), "RUNNING", "expired"),
        (NOW + timedelta(hours=1), "FAILED", "its holder is FAILED"),
        (NOW + timedelta(hours=1), "ABORTED", "its holder is ABORTED"),
    ],
)
def test_a_stale_lease_is_taken_over(
    ddb: DynamoDBClient, expires: datetime, status: str, reason: str
) -> None:
    hold(ddb, OTHER, PRIMARY, expires)

    taken = lease.inspect_and_take_over(ddb, TABLE, ME, SECONDARY, NOW, 3720, lambda _: status)

    assert taken.holder == ME
    assert taken.taken_over is not None
    assert taken.taken_over.startswith(reason)
    assert lease.current(ddb, TABLE).holder == ME  # type: ignore[union-attr]


def test_an_unreadable_holder_status_is_not_taken_as_stopped(ddb: DynamoDBClient) -> None:
    hold(ddb, OTHER, SECONDARY, NOW + timedelta(hours=1))

    with pytest.raises(LeaseHeld):
        lease.inspect_and_take_over(ddb, TABLE, ME, SECONDARY, NOW, 3720, lambda _: None)


def test_only_the_holder_passes_the_fencing_check_and_releases(ddb: DynamoDBClient) -> None:
    hold(ddb, OTHER, SECONDARY, NOW + timedelta(hours=1))

    with pytest.raises(Superseded, match="no longer holds"):
        lease.require(ddb, TABLE, ME)
    assert lease.release(ddb, TABLE, ME) is False
    lease.require(ddb, TABLE, OTHER)
    assert lease.release(ddb, TABLE, OTHER) is True
    assert lease.current(ddb, TABLE) is None


def request(trigger: str, target: str = SECONDARY, force: bool = False) -> Request:
    return Request.parse(
        {
            "trigger": trigger,
            "mode": "unplanned",
            "target_region": target,
            "source_region": PRIMARY if target == SECONDARY else SECONDARY,
            "reason": "test",
            "requested_by": "test",
            "force": force,
        }
    )


def test_the_cooldown_marker_round_trips(ddb: DynamoDBClient) -> None:
    move = cooldown.LastMove(NOW.isoformat(), PRIMARY, OTHER)
    cooldown.remember_move(ddb, TABLE, move)

    assert cooldown.last_move(ddb, TABLE) == move


def test_inside_the_window_automatic_runs_skip_and_manual_runs_need_force() -> None:
    last = cooldown.LastMove((NOW - timedelta(minutes=5)).isoformat(), PRIMARY, OTHER)

    assert cooldown.decide(request("alarm"), last, NOW, 30).skip is True
    with pytest.raises(CooldownActive, match="force=true"):
        cooldown.decide(request("manual"), last, NOW, 30)
    assert cooldown.decide(request("manual", force=True), last, NOW, 30).overridden is True
    assert cooldown.decide(request("alarm"), last, NOW + timedelta(minutes=30), 30).active is False


def test_completing_the_last_move_is_never_held_back_by_the_cooldown() -> None:
    # given the database moved to us-west-2 five minutes ago, but the run did not finish
    last = cooldown.LastMove((NOW - timedelta(minutes=5)).isoformat(), SECONDARY, OTHER)

    # then a run into us-west-2 (completing that move) is not a flap
    decision = cooldown.decide(request("alarm", target=SECONDARY), last, NOW, 30)
    assert (decision.active, decision.skip) == (False, False)
