"""The shared checks (Preflight and Readiness) and which modes a FAIL blocks, on plain data."""

from __future__ import annotations

import pytest
from failover import checks
from failover.aurora import GlobalClusterView
from failover.errors import (
    PreflightFailed,
    ReplicationLagTooHigh,
    ReplicationLagUnknown,
    SourceUnhealthy,
)
from failover.readings import Reading

TARGET = "arn:aws:rds:us-west-2:123456789012:cluster:shop-usw2"
SOURCE = "arn:aws:rds:us-east-1:123456789012:cluster:shop-use1"
CLUSTER = Reading(GlobalClusterView("shop-global", "available", SOURCE, (SOURCE, TARGET), None))


def test_lag_over_the_limit_blocks_planned_moves_only() -> None:
    check = checks.replication_lag(Reading[float | None](30_000.0), 5000, already_writer=False)

    assert check.status == "FAIL"
    assert check.blocking("planned")
    assert check.blocking("failback")
    assert not check.blocking("unplanned")
    with pytest.raises(ReplicationLagTooHigh, match="30000 ms"):
        checks.refuse_blocking([check], "planned")
    checks.refuse_blocking([check], "unplanned")


def test_unknown_lag_refuses_a_planned_move_and_is_a_warning_elsewhere() -> None:
    missing = checks.replication_lag(Reading[float | None](None), 5000, already_writer=False)
    unreadable = checks.replication_lag(
        Reading(None, "unreachable: EndpointConnectionError"), 5000, False
    )

    assert missing.status == "FAIL"
    assert unreadable.status == "WARN"
    for check in (missing, unreadable):
        with pytest.raises(ReplicationLagUnknown):
            checks.refuse_blocking([check], "planned")
        checks.refuse_blocking([check], "unplanned")


def test_a_target_outside_the_global_cluster_blocks_every_mode() -> None:
    check = checks.database_member(
        CLUSTER, "arn:aws:rds:us-west-2:123456789012:cluster:other", Reading("available")
    )

    for mode in ("unplanned", "planned", "failback"):
        with pytest.raises(PreflightFailed, match="not a member"):
            checks.refuse_blocking([check], mode)


def test_a_planned_move_needs_a_healthy_source() -> None:
    check = checks.source_healthy(
        CLUSTER, Reading(None, "unreachable: ConnectTimeoutError"), already_writer=False
    )

    with pytest.raises(SourceUnhealthy, match="use mode=unplanned"):
        checks.refuse_blocking([check], "planned")


def test_an_unreachable_accelerator_api_warns_unplanned_and_blocks_planned() -> None:
    check = checks.endpoint_groups(
        {"us-west-2": Reading(None, "unreachable: EndpointConnectionError")}
    )

    assert check.status == "WARN"
    checks.refuse_blocking([check], "unplanned")
    with pytest.raises(PreflightFailed):
        checks.refuse_blocking([check], "planned")


WRITER = "shop-use1.cluster-c7tj4example.us-east-1.rds.amazonaws.com"
GLOBAL_ENDPOINT = "shop-global.global-4ab1c2d3.global.rds.amazonaws.com"


def test_the_global_endpoint_passes_when_its_chain_goes_through_the_writer_cluster() -> None:
    # given the chain AWS answers: global -> writer cluster endpoint -> writer instance
    chain = Reading(
        [GLOBAL_ENDPOINT, WRITER, "shop-use1-1.c7tj4example.us-east-1.rds.amazonaws.com"]
    )

    check = checks.global_endpoint(Reading(GLOBAL_ENDPOINT), chain, Reading(WRITER))

    assert check.status == "PASS"


def test_the_global_endpoint_fails_when_it_names_another_cluster() -> None:
    # given a chain through the old writer (say, DNS not yet moved after a failover)
    other = "shop-usw2.cluster-c7tj4example.us-west-2.rds.amazonaws.com"
    chain = Reading(
        [GLOBAL_ENDPOINT, other, "shop-usw2-1.c7tj4example.us-west-2.rds.amazonaws.com"]
    )

    check = checks.global_endpoint(Reading(GLOBAL_ENDPOINT), chain, Reading(WRITER))

    assert check.status == "FAIL"
    assert f"not to the writer {WRITER}" in check.reason
    assert other in check.reason


def test_an_unresolvable_global_endpoint_is_a_warning() -> None:
    check = checks.global_endpoint(
        Reading(GLOBAL_ENDPOINT),
        Reading(None, "DNS: [Errno -2] Name or service not known"),
        Reading(WRITER),
    )

    assert check.status == "WARN"
    assert "Name or service not known" in check.reason


def test_a_writer_that_cannot_be_read_is_a_warning_not_a_failure() -> None:
    # given the writer's own region is down (region-down): its cluster endpoint cannot be read
    chain = Reading([GLOBAL_ENDPOINT, WRITER])

    check = checks.global_endpoint(
        Reading(GLOBAL_ENDPOINT), chain, Reading(None, "unreachable: EndpointConnectionError")
    )

    assert check.status == "WARN"
    assert "EndpointConnectionError" in check.reason


def test_the_lease_check_names_the_replica_that_answered() -> None:
    order = ("us-east-2", "us-west-2", "us-east-1")  # eu-west-1's, estate us-east-1 + eu-west-1

    first = checks.lease_free(Reading(None), None, "us-east-2", order)
    later = checks.lease_free(Reading(None), None, "us-west-2", order)

    assert (first.status, first.reason) == (
        "PASS",
        "the lease is free (through us-east-2's replica)",
    )
    assert later.status == "WARN"
    assert "answered through us-west-2, not us-east-2" in later.reason
