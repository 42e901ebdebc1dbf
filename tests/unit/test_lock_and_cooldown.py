"""The lease lock and the cooldown against DynamoDB (moto), with the template's key schema."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Literal

import boto3
import pytest
from failover import cooldown, lock
from failover.errors import CooldownActive, LockHeld
from failover.models import Request
from moto import mock_aws
from mypy_boto3_dynamodb import DynamoDBClient

from testbed.template import load_template, table_definition

TABLE = "shop-failover"
NOW = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)


@pytest.fixture
def ddb() -> Iterator[DynamoDBClient]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-west-2")
        definition = table_definition(load_template())
        client.create_table(
            TableName=TABLE,
            KeySchema=definition["KeySchema"],
            AttributeDefinitions=definition["AttributeDefinitions"],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def test_a_second_holder_is_refused_and_told_who_holds_the_lock(ddb: DynamoDBClient) -> None:
    lock.acquire(ddb, TABLE, "arn:exec:first", 3600, NOW)

    with pytest.raises(LockHeld, match="arn:exec:first"):
        lock.acquire(ddb, TABLE, "arn:exec:second", 3600, NOW + timedelta(minutes=1))

    assert lock.current_holder(ddb, TABLE) == "arn:exec:first"


def test_the_same_execution_re_enters_its_own_lock(ddb: DynamoDBClient) -> None:
    lock.acquire(ddb, TABLE, "arn:exec:first", 3600, NOW)
    again = lock.acquire(ddb, TABLE, "arn:exec:first", 3600, NOW + timedelta(minutes=1))
    assert again.reentered is True


def test_an_expired_lease_is_free_before_the_ttl_sweeper_runs(ddb: DynamoDBClient) -> None:
    lock.acquire(ddb, TABLE, "arn:exec:first", 60, NOW)
    lock.acquire(ddb, TABLE, "arn:exec:second", 60, NOW + timedelta(minutes=2))
    assert lock.current_holder(ddb, TABLE) == "arn:exec:second"


def test_only_the_holder_releases_the_lock(ddb: DynamoDBClient) -> None:
    lock.acquire(ddb, TABLE, "arn:exec:first", 3600, NOW)
    assert lock.release(ddb, TABLE, "arn:exec:second") is False
    assert lock.current_holder(ddb, TABLE) == "arn:exec:first"
    assert lock.release(ddb, TABLE, "arn:exec:first") is True
    assert lock.current_holder(ddb, TABLE) is None


def request(trigger: Literal["alarm", "manual"], force: bool = False) -> Request:
    return Request(
        trigger=trigger,
        mode="unplanned",
        target_region="us-west-2",
        source_region="us-east-1",
        force=force,
        reason="test",
        requested_by="test",
    )


def test_cooldown_skips_automatic_runs_and_needs_force_for_manual_ones(ddb: DynamoDBClient) -> None:
    cooldown.remember_failover(
        ddb,
        TABLE,
        cooldown.LastFailover((NOW - timedelta(minutes=10)).isoformat(), "us-west-2", "x"),
    )
    last = cooldown.last_failover(ddb, TABLE)

    automatic = cooldown.decide(request("alarm"), last, NOW, minutes=30)
    assert (automatic.active, automatic.skip, automatic.remaining_seconds) == (True, True, 1200)

    with pytest.raises(CooldownActive, match="force=true"):
        cooldown.decide(request("manual"), last, NOW, minutes=30)

    forced = cooldown.decide(request("manual", force=True), last, NOW, minutes=30)
    assert (forced.skip, forced.overridden) == (False, True)

    later = cooldown.decide(request("alarm"), last, NOW + timedelta(minutes=25), minutes=30)
    assert later.active is False
