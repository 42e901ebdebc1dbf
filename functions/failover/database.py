"""The database stage: promote the target to writer, then poll until it is.

Unplanned: ``FailoverGlobalCluster`` with ``AllowDataLoss``; planned and failback:
``SwitchoverGlobalCluster``. PromoteDatabase compares-and-sets on the writer its plan saw
(:func:`failover.aurora.start_promotion`) and writes the cooldown marker as soon as the
database starts moving. CheckDatabase is one poll of the state machine's Wait -> Check ->
Choice loop (2 s apart), with a deadline.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from failover import aurora, cooldown, table
from failover.clients import client
from failover.errors import DatabasePromotionFailed, DatabasePromotionTimedOut
from failover.plan import ActionPlan

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput

POLL_LIMIT = 450
"""450 polls 2 s apart (the ASL's WaitForDatabase): 15 minutes for Aurora to finish (a
failover takes about a minute, a switchover a few)."""
SETTLE_POLLS = 8
"""Polls (2 s apart, about 16 s) to wait for a just-started promotion to show before calling
it failed."""


def promote(settings: Settings, stage: StageInput, now: datetime) -> dict[str, Any]:
    target_region = stage.request.target_region
    target_arn = settings.estate.regions[target_region].db_cluster_arn
    rds = client("rds", target_region)
    view = aurora.describe_global_cluster(rds, settings.estate.global_cluster_id)
    moving = view.writer_arn != target_arn or view.transition_in_progress
    lag_ms = (
        aurora.replication_lag_ms(client("cloudwatch", target_region), target_arn, now)
        if moving
        else None
    )
    planned = ActionPlan.parse(stage.part("plan")).database
    started = aurora.start_promotion(
        rds, view, target_arn, stage.request.planned, planned.planned_from
    )
    if started != "already_writer" or planned.action != "none":
        # Every path that moved the writer writes the marker, the retry too: an attempt that
        # started the promotion and then timed out leaves the retry finding the target
        # already the writer (its plan said the database must move: this run moved it).
        move = cooldown.LastMove(now.isoformat(), target_region, stage.execution.id)
        table.call(settings, lambda ddb: cooldown.remember_move(ddb, settings.table_name, move))
    after = aurora.describe_global_cluster(rds, settings.estate.global_cluster_id)
    return {
        "action": started,
        "promoted": aurora.promotion_complete(after, target_arn),
        "writer_arn": after.writer_arn,
        "failover_state": after.failover_state,
        "lag_at_cutover_ms": lag_ms,
        "polls": 0,
    }


def poll(settings: Settings, stage: StageInput) -> dict[str, Any]:
    previous = stage.part("database")
    polls = int(previous.get("polls", 0)) + 1
    target_arn = settings.estate.regions[stage.request.target_region].db_cluster_arn
    rds = client("rds", stage.request.target_region)
    view = aurora.describe_global_cluster(rds, settings.estate.global_cluster_id)
    promoted = aurora.promotion_complete(view, target_arn)
    if not promoted and polls >= POLL_LIMIT:
        raise DatabasePromotionTimedOut(
            f"{target_arn} is not the writer after {polls} polls; status {view.status}, "
            f"failover state {view.failover_state}"
        )
    if not promoted and not view.transition_in_progress and polls >= SETTLE_POLLS:
        raise DatabasePromotionFailed(
            f"no promotion in progress and the writer is still {view.writer_arn}"
        )
    return {
        **previous,
        "promoted": promoted,
        "writer_arn": view.writer_arn,
        "failover_state": view.failover_state,
        "polls": polls,
    }
