"""The estate's lease and the cooldown, against DynamoDB (moto) with the template's key schema."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from failover import cooldown, lease
from failover.errors import CooldownActive, LeaseHeld, LeaseLost, Superseded
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


def test_a_live_holder_in_the_other_direction_makes_this_run_wait_then_supersedes_it(
    ddb: DynamoDBClient,
) -> None:
    hold(ddb, OTHER, PRIMARY, NOW + timedelta(hours=1))

    # first it waits (the ASL's WaitForLease loop), and remembers since when
    first = lease.inspect_and_take_over(ddb, TABLE, ME, SECONDARY, NOW, 120, running)
    assert (first.decision, first.waiting_since) == ("wait", NOW.isoformat())
    later = NOW + timedelta(seconds=lease.wait_seconds(120) - 1)
    again = lease.inspect_and_take_over(
        ddb, TABLE, ME, SECONDARY, later, 120, running, NOW.isoformat()
    )
    assert again.decision == "wait"

    # a holder still renewing (its lease still live) after a whole lease length: superseded
    end = NOW + timedelta(seconds=lease.wait_seconds(120))
    with pytest.raises(Superseded, match=f"into {PRIMARY}"):
        lease.inspect_and_take_over(ddb, TABLE, ME, SECONDARY, end, 120, running, NOW.isoformat())
    assert lease.current(ddb, TABLE).holder == OTHER  # type: ignore[union-attr]


def test_a_holder_pending_redrive_is_alive(ddb: DynamoDBClient) -> None:
    hold(ddb, OTHER, SECONDARY, NOW + timedelta(seconds=60))

    with pytest.raises(LeaseHeld):
        lease.inspect_and_take_over(
            ddb, TABLE, ME, SECONDARY, NOW, 120, lambda _: "PENDING_REDRIVE"
        )


@pytest.mark.parametrize(
    ("expires", "status", "reason"),
    [
        (NOW - timedelta(seconds=1), "RUNNING", "lapsed"),
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


def test_only_the_holder_passes_the_fencing_check_and_settles(ddb: DynamoDBClient) -> None:
    hold(ddb, OTHER, SECONDARY, NOW + timedelta(seconds=100))

    with pytest.raises(LeaseLost, match="no longer holds"):
        lease.require(ddb, TABLE, ME, NOW)
    assert lease.settle(ddb, TABLE, ME, NOW) is False
    lease.require(ddb, TABLE, OTHER, NOW)
    # an ended run's lease lapses once its last Lambda can have ended, not at once
    assert lease.settle(ddb, TABLE, OTHER, NOW) is True
    settled = lease.current(ddb, TABLE)
    assert settled is not None
    assert settled.expires_at == int(NOW.timestamp()) + lease.SETTLE_SECONDS
    with pytest.raises(LeaseHeld):
        lease.inspect_and_take_over(ddb, TABLE, ME, SECONDARY, NOW, 120, lambda _: None)
    after = NOW + timedelta(seconds=lease.SETTLE_SECONDS + 1)
    assert lease.inspect_and_take_over(ddb, TABLE, ME, SECONDARY, after, 120, running).holder == ME


def test_renewal_keeps_a_live_runs_lease_and_a_lapsed_one_goes_to_whoever_writes_first(
    ddb: DynamoDBClient,
) -> None:
    lease.inspect_and_take_over(ddb, TABLE, ME, SECONDARY, NOW, 120, running)

    # renewed every 101 s (a live run's longest gap, LONGEST_RENEWAL_GAP), it never lapses:
    # nobody else can take it meanwhile
    at = NOW
    for _ in range(10):
        at += timedelta(seconds=lease.LONGEST_RENEWAL_GAP)
        assert lease.renew(ddb, TABLE, ME, SECONDARY, at, 120) == int(at.timestamp()) + 120
        with pytest.raises(LeaseHeld):
            lease.inspect_and_take_over(ddb, TABLE, OTHER, SECONDARY, at, 120, lambda _: None)

    # a gap longer than the lease: it lapsed, and the other run's write comes first: this
    # run's next stage stops before acting
    late = at + timedelta(seconds=121)
    assert (
        lease.inspect_and_take_over(ddb, TABLE, OTHER, PRIMARY, late, 120, running).holder == OTHER
    )
    with pytest.raises(LeaseLost, match=f"held by {OTHER}"):
        lease.renew(ddb, TABLE, ME, SECONDARY, late, 120)


def test_a_lapsed_lease_nobody_took_is_taken_again_by_its_holder(ddb: DynamoDBClient) -> None:
    lease.inspect_and_take_over(ddb, TABLE, ME, SECONDARY, NOW, 120, running)
    back = NOW + timedelta(seconds=600)  # cut off for ten minutes; nobody needed the lease

    assert lease.renew(ddb, TABLE, ME, SECONDARY, back, 120) == int(back.timestamp()) + 120
    assert lease.current(ddb, TABLE).holder == ME  # type: ignore[union-attr]


def test_a_redriven_run_takes_a_free_lease_again_but_never_anothers(ddb: DynamoDBClient) -> None:
    # its lease was settled or released when it ended: the redriven run's first acting stage
    # takes it again
    assert lease.renew(ddb, TABLE, ME, SECONDARY, NOW, 120) == int(NOW.timestamp()) + 120
    assert lease.current(ddb, TABLE).target_region == SECONDARY  # type: ignore[union-attr]

    # another run holds it: the redriven run stops before acting
    ddb.delete_item(TableName=TABLE, Key=lease.LEASE_KEY)
    hold(ddb, OTHER, PRIMARY, NOW + timedelta(seconds=120))
    with pytest.raises(LeaseLost, match=f"held by {OTHER}"):
        lease.renew(ddb, TABLE, ME, SECONDARY, NOW, 120)


def test_a_holder_cut_off_loses_the_lease_within_the_bound_and_cannot_act_after(
    ddb: DynamoDBClient,
) -> None:
    """Two runs against one clock: A (a failback into us-east-1) holds and renews the lease
    every 10 s, then us-east-1 is cut off (A cannot write, its status cannot be read). B, the
    surviving region's run, polls every 10 s (WaitForLease): it takes the lease no later than
    LEASE_SECONDS + one poll after A's last renewal, and A, back, can no longer act."""
    a_run, b_run, seconds = OTHER, ME, 120
    lease.inspect_and_take_over(ddb, TABLE, a_run, PRIMARY, NOW, seconds, running)
    clock = NOW
    for _ in range(6):
        clock += timedelta(seconds=10)
        lease.renew(ddb, TABLE, a_run, PRIMARY, clock, seconds)
    last_renewal, cut_off = clock, True

    def status(arn: str) -> str | None:
        return None if cut_off and arn == a_run else "RUNNING"

    waiting_since: str | None = None
    while True:
        clock += timedelta(seconds=lease.WAIT_POLL_SECONDS)
        found = lease.inspect_and_take_over(
            ddb, TABLE, b_run, SECONDARY, clock, seconds, status, waiting_since
        )
        if found.decision == "taken":
            break
        waiting_since = found.waiting_since

    taken_after = (clock - last_renewal).total_seconds()
    assert seconds < taken_after <= seconds + lease.WAIT_POLL_SECONDS
    assert lease.current(ddb, TABLE).holder == b_run  # type: ignore[union-attr]
    # A comes back: its next stage's renewal fails, so it stops before acting
    with pytest.raises(LeaseLost, match=f"held by {b_run}"):
        lease.renew(ddb, TABLE, a_run, PRIMARY, clock + timedelta(seconds=1), seconds)
    with pytest.raises(LeaseLost):
        lease.require(ddb, TABLE, a_run, clock)


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


def test_a_takeover_whose_earlier_attempt_landed_meanwhile_is_ours(ddb: DynamoDBClient) -> None:
    # a stale lease; this run's first takeover attempt timed out through one replica but its
    # write lands while the repeat (through another replica, failover.table) is under way
    hold(ddb, OTHER, SECONDARY, NOW - timedelta(seconds=1))

    class InFlight:
        """The table, with this run's first attempt landing just before the repeat's write."""

        def __init__(self, real: DynamoDBClient) -> None:
            self.real, self.exceptions = real, real.exceptions

        def get_item(self, **kwargs: object) -> object:
            return self.real.get_item(**kwargs)  # type: ignore[arg-type]

        def put_item(self, **kwargs: object) -> object:
            self.real.put_item(TableName=TABLE, Item=kwargs["Item"])  # type: ignore[arg-type]
            return self.real.put_item(**kwargs)  # type: ignore[arg-type]

    taken = lease.inspect_and_take_over(InFlight(ddb), TABLE, ME, SECONDARY, NOW, 120, running)  # type: ignore[arg-type]

    assert taken.holder == ME
    assert lease.current(ddb, TABLE).holder == ME  # type: ignore[union-attr]
