"""The estate's lease: one direction at a time across the whole estate.

One item (``LEASE_KEY``) in the failover table, a DynamoDB global table with multi-Region
strong consistency (MRSC): a conditional write sees the latest version in every replica, so
two regions can never both hold it. The table may live in Regions other than the estate's
(``LeaseRegions``); every call goes through :func:`failover.table.call`, which picks the
replica. This module:

- :func:`acquire` (AcquireLease): the conditional write that takes a free, lapsed or already
  held lease; a lease another execution holds raises :class:`LeaseNotFree`, and the ASL hands
  the run to InspectLease. A Lambda, not a native ``dynamodb:putItem``: Step Functions' service
  integrations call only their own Region, and a control plane outside ``LeaseRegions`` has
  no replica there.
- :func:`inspect_and_take_over` (InspectLease): the write was refused. A lease whose holder
  is no longer alive, or that lapsed, is taken over with a compare-and-set on the holder and
  its expiry; a live holder in the same direction ends this run as already in progress; a
  live holder in the other direction makes this run wait (:data:`WAIT_SECONDS`, the ASL's
  WaitForLease loop, within its own execution) for the lease to end or lapse, and only a
  holder still renewing after that supersedes it.
- :func:`renew` (every acting stage, through :func:`failover.runtime.stage_handler`): the
  heartbeat and the fencing check in one conditional write, with AcquireLease's condition
  (ours, free or lapsed). It pushes the expiry to now + ``LEASE_SECONDS``; a lease another
  run holds live raises :class:`LeaseLost`, and the stage does nothing.
- :func:`require` (ShiftTraffic, SetActiveRegion): the same check, read just before the move.
- :func:`settle` (CloseRun): a lease left by an execution that ended lapses once the longest
  Lambda the execution may still have in flight has ended (:data:`SETTLE_SECONDS`).

**The bound.** The lease is short (``LEASE_SECONDS``, 120 s by default) and renewed by every
acting stage, at least every ~101 s in the worst gap of a live run (see
:data:`LONGEST_RENEWAL_GAP`). A holder cut off from the others (its region down, or unable to
write to the multi-Region table: an MRSC replica cut off from the others refuses writes)
cannot renew, so it loses the lease at most ``LEASE_SECONDS`` after its last renewal, and it
cannot act meanwhile beyond what it started right after that renewal: every action runs in a
Lambda that renewed at its start and ends within its 40 s timeout (+10 s init), well inside
the 120 s it renewed for. The surviving region's run waits at most ``LEASE_SECONDS`` + one
10 s poll for it. MRSC tables have no TTL, so expiry is a comparison, not a sweeper; the
clocks compared are AWS's NTP-disciplined clocks (Amazon Time Sync), milliseconds apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import arns, items, readings
from failover.clients import Profile, client
from failover.errors import LeaseHeld, LeaseLost, LeaseNotFree, Superseded

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

LEASE_KEY: dict[str, AttributeValueTypeDef] = {"pk": {"S": "LEASE"}, "sk": {"S": "ESTATE"}}
"""The one lease item (statemachines/failover.asl.json writes the same key)."""

StatusOf = Callable[[str], str | None]
"""Execution ARN -> its status (RUNNING, SUCCEEDED...), or None when it cannot be read."""

ALIVE = frozenset({"RUNNING", "PENDING_REDRIVE"})
"""A holder in these states may still act: PENDING_REDRIVE is about to run again."""

LONGEST_RENEWAL_GAP = 40 + 51 + 10
"""Seconds, the longest a live run goes between two renewals: a Task attempt renews at its
start and lasts at most the functions' 40 s timeout (template.yaml Globals); the longest
Retry interval between two attempts is VerifyFailover's fourth (15 x 1.5^3 = 50.6 s); the
next attempt renews after at most 10 s of init. The Wait loops between Tasks are 2 to 10 s.
RequestApproval does not hold the lease (the run releases it, waits, then takes it again and
re-plans). Under ``LEASE_SECONDS`` (120) with a margin of ~19 s for the DynamoDB write. Only
a state between two renewing stages that itself exhausts its retries (NotifyStart's throttled
invokes, say) could stretch a gap past it; the renewal then still decides: a lapsed lease
nobody took is taken again, one another run took stops this run before it acts."""

SETTLE_SECONDS = 40 + 10 + 5
"""The longest a Lambda started by an execution can still run after the execution ended: the
functions' 40 s timeout + up to 10 s of init (the init phase is capped at 10 s,
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html), + 5 s margin.
SettleBranches waits the same."""

WAIT_POLL_SECONDS = 10
"""WaitForLease's Seconds (statemachines/failover.asl.json)."""


def wait_seconds(lease_seconds: int) -> int:
    """How long a run waits for a live lease of the other direction before it is superseded:
    a dead holder's lease lapses within ``lease_seconds`` of its last renewal (which is in the
    past when the wait starts), so one lease length plus two polls always sees it lapse; a
    holder still renewing after that is alive and moving the estate the other way."""
    return lease_seconds + 2 * WAIT_POLL_SECONDS


@dataclass(frozen=True)
class Lease:
    holder: str
    target_region: str
    acquired_at: str
    expires_at: int
    taken_over: str | None = None
    decision: str = "taken"
    """``taken``, or ``wait``: a live holder of the other direction; InspectLease again after
    WaitForLease (the ASL's LeaseDecision)."""
    waiting_since: str | None = None


def current(ddb: DynamoDBClient, table: str) -> Lease | None:
    item = ddb.get_item(TableName=table, Key=LEASE_KEY, ConsistentRead=True).get("Item")
    if not item:
        return None
    return items.from_item(Lease, item)


def status_of(execution_arn: str) -> str | None:
    """The holder's status from its own region, best effort (the region may be down)."""
    sfn = client("stepfunctions", arns.region_of(execution_arn), Profile.BEST_EFFORT)
    return readings.read(
        "states:DescribeExecution",
        lambda: sfn.describe_execution(executionArn=execution_arn)["status"],
    ).value


def stale_reason(lease: Lease, now: datetime, status_of: StatusOf) -> str | None:
    """Why ``lease`` no longer protects a run, or None while its holder may still act. A
    holder whose status cannot be read (its region is down) may still act until its lease
    lapses: at most ``LEASE_SECONDS`` after its last renewal."""
    if lease.expires_at < int(now.timestamp()):
        return f"lapsed at {datetime.fromtimestamp(lease.expires_at, UTC).isoformat()}"
    status = status_of(lease.holder)
    if status is not None and status not in ALIVE:
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
    waiting_since: str | None = None,
) -> Lease:
    """Take the lease over if it is stale; else raise LeaseHeld, wait (a Lease with
    ``decision="wait"``) or, once the wait is over, raise Superseded."""
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
        since = datetime.fromisoformat(waiting_since) if waiting_since else now
        waited = int((now - since).total_seconds())
        if waited < wait_seconds(seconds):
            return replace(found, decision="wait", waiting_since=since.isoformat())
        raise Superseded(
            f"the other direction holds the estate's lease: {found.holder} is moving the "
            f"estate into {found.target_region} (since {found.acquired_at}; still renewed "
            f"after this run waited {waited} s)"
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
            Item={**LEASE_KEY, **items.to_item(lease, skip=("taken_over",))},
            **condition,
        )
    except ddb.exceptions.ConditionalCheckFailedException as error:
        # A repeat of this very write (failover.table moves a call that timed out on to the
        # next replica, and the first may have landed) finds the lease already ours.
        now_held = current(ddb, table)
        if now_held is not None and now_held.holder == me:
            return replace(now_held, taken_over=reason)
        raise LeaseHeld(f"another run took the lease first ({reason} before)") from error
    return lease


def acquire(
    ddb: DynamoDBClient, table: str, me: str, target: str, now: datetime, seconds: int
) -> Lease:
    """AcquireLease: name this execution the holder for ``now + seconds`` if the lease is
    free, lapsed, or already this execution's (a retry, or a run back from the approval
    wait); else raise :class:`LeaseNotFree`. A repeat of a write that landed finds the lease
    already ours: safe to retry through any replica."""
    at = int(now.timestamp())
    lease = Lease(me, target, now.isoformat(), at + seconds)
    try:
        ddb.put_item(
            TableName=table,
            Item={**LEASE_KEY, **items.to_item(lease, skip=("taken_over",))},
            ConditionExpression="attribute_not_exists(pk) OR expires_at < :now OR holder = :me",
            ExpressionAttributeValues={":now": {"N": str(at)}, ":me": {"S": me}},
        )
    except ddb.exceptions.ConditionalCheckFailedException as error:
        raise LeaseNotFree("another execution holds the estate's lease") from error
    return lease


def as_state(lease: Lease) -> dict[str, Any]:
    """AcquireLease's ``$.lease``: the holder, the direction, when; nothing taken over."""
    return {
        "holder": lease.holder,
        "target_region": lease.target_region,
        "acquired_at": lease.acquired_at,
        "taken_over": None,
    }


def require(ddb: DynamoDBClient, table: str, me: str, now: datetime | None = None) -> None:
    """The fencing check: raise LeaseLost unless this execution still holds a live lease."""
    found = current(ddb, table)
    at = int((now or datetime.now(UTC)).timestamp())
    if found is None or found.holder != me or found.expires_at < at:
        holder = found.holder if found else "nobody"
        raise LeaseLost(f"this run no longer holds the estate's lease (held by {holder})")


def renew(
    ddb: DynamoDBClient, table: str, me: str, target: str, now: datetime, seconds: int
) -> int:
    """The heartbeat and the fencing check in one conditional write, with AcquireLease's own
    condition: the lease is this execution's, or free, or lapsed. It then names this
    execution, for ``now + seconds``; else (another run holds a live lease) LeaseLost, and
    the stage does nothing. Mutual exclusion holds whoever writes first: a run acts only
    after its own conditional write succeeded, never on having read a lease lapsed. So a
    holder that was cut off and comes back, with nobody having taken its lapsed lease, goes
    on; a redriven run (its lease settled to lapse by CloseRun) takes it again before it acts
    and its steps re-read the estate first (PromoteDatabase compares-and-sets on the writer
    its plan saw); a run whose lease another took stops. Returns the new expiry."""
    at = int(now.timestamp())
    until = at + seconds
    try:
        ddb.update_item(
            TableName=table,
            Key=LEASE_KEY,
            UpdateExpression=(
                "SET holder = :me, expires_at = :until, target_region = :target, "
                "acquired_at = if_not_exists(acquired_at, :acquired)"
            ),
            ConditionExpression="attribute_not_exists(pk) OR holder = :me OR expires_at < :now",
            ExpressionAttributeValues={
                ":me": {"S": me},
                ":until": {"N": str(until)},
                ":now": {"N": str(at)},
                ":target": {"S": target},
                ":acquired": {"S": now.isoformat()},
            },
        )
    except ddb.exceptions.ConditionalCheckFailedException as error:
        found = current(ddb, table)
        why = (
            "nobody holds it"
            if found is None
            else (
                f"held by {found.holder} (into {found.target_region}) until "
                f"{datetime.fromtimestamp(found.expires_at, UTC).isoformat()}"
            )
        )
        raise LeaseLost(f"this run no longer holds the estate's lease: {why}") from error
    return until


def settle(ddb: DynamoDBClient, table: str, holder: str, now: datetime) -> bool:
    """A lease left by an execution that ended (CloseRun): it lapses ``SETTLE_SECONDS`` from
    now, not at once, so a Lambda the execution still had in flight (a stopped execution does
    not stop its running Lambdas) ends before another run can take the lease. Returns whether
    it shortened anything."""
    until = int(now.timestamp()) + SETTLE_SECONDS
    try:
        ddb.update_item(
            TableName=table,
            Key=LEASE_KEY,
            UpdateExpression="SET expires_at = :until",
            ConditionExpression="holder = :me AND expires_at > :until",
            ExpressionAttributeValues={":me": {"S": holder}, ":until": {"N": str(until)}},
        )
    except ddb.exceptions.ConditionalCheckFailedException:
        return False
    return True


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
