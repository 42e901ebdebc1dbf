"""Estates of three or more regions: the target is the first ready region in priority order.

Aurora's ``FailoverGlobalCluster`` promotes the cluster it is given; it does not choose. So the
run chooses (:mod:`failover.candidates`): every region but the failed one, in the estate's
priority order, each judged on what can be read of it now, and the first that passes every
check takes over. Every control plane the alarms reach judges the same candidates; the ones
that are not the target end as ignored, saying which region is. Each scenario checks, from
the runs' own records (the request ValidateInput built, in the execution's output), which
region took over and why every other candidate did not.

Run on ``--regions us-east-1,eu-west-1,us-west-2`` (any 3 or 4 regions: the scenarios name
the regions by their place in the priority order, not by name).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from drill.scenarios.registry import scenario

if TYPE_CHECKING:
    from drill.harness import LocalDrill
    from drill.model import Report


THREE_REGION_SCENARIOS = ("priority", "second-not-ready", "rebuild-window")
"""The scenarios of this module: each needs an estate of 3 or 4 regions (``--regions``)."""


class NeedsThreeRegions(ValueError):
    """A priority-order scenario on an estate of two regions (there is no third to choose)."""


def _regions(drill: LocalDrill) -> tuple[str, str, str]:
    regions = drill.spec.regions
    if len(regions) < 3:
        raise NeedsThreeRegions(
            f"--scenario {drill.options.scenario} needs 3 or 4 regions "
            f"(e.g. --regions us-east-1,eu-west-1,us-west-2), not {', '.join(regions)}"
        )
    return regions[0], regions[1], regions[2]


@scenario(
    "priority",
    help="3+ regions: the primary fails and the second in priority takes over (every other "
    "candidate recorded with its reason), then a failback",
)
def priority(drill: LocalDrill, report: Report) -> None:
    primary, second, _ = _regions(drill)
    drill.automatic_failover(report, failed=primary, target=second)  # with the choice checks
    drill.failback(report)


@scenario(
    "second-not-ready",
    help="3+ regions: the second in priority has no DB instance, so the primary's outage is "
    "taken over by the third (the second rejected, saying why)",
)
def second_not_ready(drill: LocalDrill, report: Report) -> None:
    primary, second, third = _regions(drill)
    drill.begin(f"second-not-ready: {second}'s Aurora cluster loses its only instance")
    rds = drill.client("rds", second)
    instance = f"{drill.spec.cluster_id(second)}-1"
    rds.delete_db_instance(DBInstanceIdentifier=instance, SkipFinalSnapshot=True)
    drill.mark(
        f"{second}'s cluster {drill.spec.cluster_id(second)} has no DB instance "
        f"({instance} deleted): nothing there to promote"
    )
    drill.automatic_failover(report, failed=primary, target=third, rejected={second: "instance"})
    report.notes.append(
        f"{second} has no DB instance: no failback is run (the writer stays in {third})"
    )


@scenario(
    "rebuild-window",
    help="3+ regions: after the primary's failover into the second, the second fails while "
    "the third is still being rebuilt (pending-resync): the run takes only what is ready",
)
def rebuild_window(drill: LocalDrill, report: Report) -> None:
    primary, second, third = _regions(drill)
    drill.automatic_failover(report, "first failover", failed=primary, target=second)
    # The third's rebuild is a long one (a large volume: Aurora's "minutes to hours"); the old
    # primary recovers and its own rebuild runs its course.
    third_arn = drill.spec.cluster_arn(third)
    drill.emu.rds.set_resync(third_arn, None)
    drill.begin(f"rebuild window: {primary} recovers; {third} is still being rebuilt")
    drill.estate.health.set_healthy(primary, True)
    drill.mark(f"{primary} /health answers 200 again; {third}'s rebuild goes on (held)")
    cooldown_over = drill.emu.clock.now() + drill.spec.cooldown_minutes * 60.0 + 60.0

    def primary_ready() -> bool:
        status = drill.synchronization()
        return (
            drill.emu.clock.now() >= cooldown_over
            and status.get(primary) == "connected"
            and status.get(third) == "pending-resync"
            and drill.lag_reported(primary)
        )

    from drill.harness import RUN_LIMIT

    drill.wait_until(
        primary_ready,
        f"{primary} rebuilt (connected, reporting its lag) and the cooldown over, "
        f"{third} still pending-resync",
        limit=RUN_LIMIT,
    )
    drill.mark(f"synchronization: {drill.synchronization()}")
    began = time.monotonic()
    drill.to_probe_period_start()
    t0 = drill.begin(f"second failover: outage of {second} while {third} is pending-resync")
    drill.inject_outage(region=second)
    run = drill.alarm_run(
        "second failover", t0, began, expect_active=primary, target=primary, source=second
    )
    report.runs.append(run)
    drill.say_choice(run)
    run.checks += drill.choice_checks(run, primary, second, {third: "pending-resync"})
    drill.emu.rds.set_resync(third_arn, 0)
    drill.mark(f"{third}'s rebuild released (connected)")
    report.notes.append(
        f"{third}'s rebuild was held for the whole scenario (Rds.set_resync): it stands for a "
        "rebuild longer than the window between the two outages; the old primary's own "
        f"rebuild ran its modelled length ({drill.emu.latency.aurora_resync_seconds:.0f} s)"
    )
