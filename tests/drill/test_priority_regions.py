"""Three regions in priority order (make scenarios): the drill's priority-order scenarios on
us-east-1, eu-west-1, us-west-2, through ``drill.local.run_local`` as
``make drill ARGS="--regions us-east-1,eu-west-1,us-west-2 --scenario X"`` runs them.

Each checks from outside: the report passed (its checks read the runs' recorded choice and
the AWS state after them), which region took over, and the reason recorded for every other
candidate.
"""

from __future__ import annotations

import io

import pytest

from drill.local import Options, run_local
from drill.model import Check, Report, Run
from drill.progress import Progress
from emulator.latency import FIGURES

pytestmark = [pytest.mark.allow_hosts(["127.0.0.1"]), pytest.mark.scenario]

REGIONS = ("us-east-1", "eu-west-1", "us-west-2")


def drill(scenario: str, failback: bool = False) -> Report:
    return run_local(
        Options(
            scenario=scenario,
            time_scale=0.0,
            failback=failback,
            regions=REGIONS,
            resync_seconds=FIGURES["aurora_resync_seconds"].low,  # a failback waits for it
        ),
        Progress(io.StringIO(), live=False),
    )


def failed(report: Report) -> list[Check]:
    every = [*report.checks, *(c for r in report.runs for c in r.checks)]
    return [c for c in every if not c.passed]


def checks(run: Run) -> dict[str, str]:
    return {c.name: c.actual for c in run.checks}


def test_the_primary_fails_and_the_second_in_priority_takes_over_then_fails_back() -> None:
    report = drill("priority", failback=True)

    assert report.passed, failed(report)
    failover, failback = report.runs
    assert (failover.source_region, failover.target_region) == ("us-east-1", "eu-west-1")
    seen = checks(failover)
    assert seen["writer region"] == "eu-west-1"
    assert seen["eu-west-1 took over: the run's choice"] == "target"
    assert seen["us-west-2 passed over, with its reason"].startswith(
        "eligible: eligible, but after eu-west-1 in priority order"
    )
    assert any(name.startswith("us-west-2's run") for name in seen)  # it stood down
    assert checks(failback)["writer region"] == "us-east-1"


def test_the_second_is_not_ready_so_the_third_takes_over() -> None:
    report = drill("second-not-ready")

    assert report.passed, failed(report)
    (failover,) = report.runs
    seen = checks(failover)
    assert failover.target_region == "us-west-2"
    assert seen["writer region"] == "us-west-2"
    assert seen["eu-west-1 rejected, with its reason"].startswith("rejected: instance:")


def test_a_second_failover_in_the_rebuild_window_takes_only_what_is_ready() -> None:
    report = drill("rebuild-window")

    assert report.passed, failed(report)
    first, second = report.runs
    assert (first.source_region, first.target_region) == ("us-east-1", "eu-west-1")
    assert (second.source_region, second.target_region) == ("eu-west-1", "us-east-1")
    seen = checks(second)
    assert seen["writer region"] == "us-east-1"
    assert "pending-resync" in seen["us-west-2 rejected, with its reason"]
