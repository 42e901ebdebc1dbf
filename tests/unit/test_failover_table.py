"""failover.table: which replica of the failover table a control plane uses, and moving on
when one cannot answer (the emulator's MRSC table: one table, three replica regions)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from failover import clients, lease, table
from failover.config import EstateConfig
from failover.errors import LeaseNotFree

from emulator import Emulator
from tests.unit.estate_settings import estate_dict, settings
from tests.unit.table import create_failover_table

US = ("us-east-1", "us-east-2", "us-west-2")
ME = "arn:aws:states:eu-west-1:123456789012:execution:shop-failover:me"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def eu_estate() -> EstateConfig:
    """The pair the project was built from: us-east-1 + eu-west-1."""
    return EstateConfig.from_dict(estate_dict(("us-east-1", "eu-west-1")))


@pytest.mark.parametrize(
    ("home", "estate", "expected"),
    [
        # a member uses its own replica first
        ("us-east-1", ("us-east-1", "us-west-2"), ("us-east-1", "us-east-2", "us-west-2")),
        ("us-west-2", ("us-east-1", "us-west-2"), ("us-west-2", "us-east-2", "us-east-1")),
        # outside the set: the members outside the estate nearest first, the estate's last
        ("eu-west-1", ("us-east-1", "eu-west-1"), ("us-east-2", "us-west-2", "us-east-1")),
        # an estate in no region of the set: nearest first
        (
            "ap-southeast-2",
            ("ap-southeast-2", "eu-west-1"),
            ("us-west-2", "us-east-2", "us-east-1"),
        ),
    ],
)
def test_the_replica_order(home: str, estate: tuple[str, str], expected: tuple[str, ...]) -> None:
    assert table.replicas(home, US, estate) == expected


@pytest.fixture
def mrsc(emu: Emulator) -> Emulator:
    """The failover table as MRSC across the US set (created in us-east-1)."""
    ddb: Any = boto3.client("dynamodb", region_name="us-east-1")
    create_failover_table(ddb, "shop-failover")
    ddb.update_table(
        TableName="shop-failover",
        ReplicaUpdates=[{"Create": {"RegionName": r}} for r in ("us-east-2", "us-west-2")],
        MultiRegionConsistency="STRONG",
    )
    clients.reset()
    clients.reachability.begin({})  # what stage_handler does at each invocation
    return emu


def test_a_control_plane_outside_the_set_takes_the_lease_through_a_member(mrsc: Emulator) -> None:
    outside = settings(home="eu-west-1", estate=eu_estate())

    taken = table.call(
        outside, lambda ddb: lease.acquire(ddb, "shop-failover", ME, "eu-west-1", NOW, 120)
    )

    # every replica sees it: the lease is one item of the MRSC table
    for region in US:
        seen = lease.current(boto3.client("dynamodb", region_name=region), "shop-failover")
        assert seen is not None
        assert seen.holder == ME == taken.holder
    # and another execution's acquire is refused through any replica
    other = settings(home="us-east-1", estate=eu_estate())
    with pytest.raises(LeaseNotFree):
        table.call(
            other, lambda ddb: lease.acquire(ddb, "shop-failover", "other", "us-east-1", NOW, 120)
        )


def test_an_unreachable_replica_is_left_for_the_next(mrsc: Emulator) -> None:
    outside = settings(home="eu-west-1", estate=eu_estate())
    mrsc.faults.unreachable_regions.add("us-east-2")  # the nearest member outside the estate

    answered = table.call(
        outside,
        lambda ddb: ddb.describe_table(TableName="shop-failover") and ddb.meta.region_name,
    )
    table.call(outside, lambda ddb: lease.acquire(ddb, "shop-failover", ME, "eu-west-1", NOW, 120))

    assert answered == "us-west-2"
    held = lease.current(boto3.client("dynamodb", region_name="us-east-1"), "shop-failover")
    assert held is not None
    assert held.holder == ME


def test_with_no_replica_reachable_the_call_fails_with_the_connection_error(
    mrsc: Emulator,
) -> None:
    outside = settings(home="eu-west-1", estate=eu_estate())
    mrsc.faults.unreachable_regions.update(US)

    with pytest.raises(EndpointConnectionError):
        table.call(
            outside, lambda ddb: lease.acquire(ddb, "shop-failover", ME, "eu-west-1", NOW, 120)
        )


def test_an_error_of_the_operation_itself_is_not_retried_elsewhere(mrsc: Emulator) -> None:
    outside = settings(home="eu-west-1", estate=eu_estate())
    tried: list[str] = []

    def refuse(ddb: Any) -> None:
        tried.append(ddb.meta.region_name)
        ddb.get_item(TableName="no-such-table", Key=lease.LEASE_KEY)

    with pytest.raises(ClientError) as raised:
        table.call(outside, refuse)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert tried == ["us-east-2"]
