"""``python -m drill report``: the report of any execution, rebuilt from its history and its
audit row, is the drill's own report of that run; a re-run comes with the failed run it
completes, whose RTO counts from the alarm."""

from __future__ import annotations

import io

import boto3
import pytest

from drill.embedded import EmbeddedAws
from drill.history_report import report_live
from drill.local import LocalDrill, Options
from drill.model import Run
from drill.progress import Progress
from tests.helpers import create_stack

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

SECONDARY = "us-west-2"


def shape(run: Run, shift: float = 0.0) -> list[tuple[str, str | None, float, float, str]]:
    return [
        (s.name, s.branch, round(s.start - shift, 1), round(s.end - shift, 1), s.status)
        for s in run.stages
    ]


@pytest.mark.scenario
def test_report_of_a_drill_rerun_reproduces_the_drill_and_shows_the_failed_run() -> None:
    with EmbeddedAws(time_scale=0.0) as aws:
        # given the db-failure drill: an alarm-started failover fails, a manual re-run completes
        drill = LocalDrill(
            aws,
            Options(scenario="db-failure", time_scale=0.0, failback=False),
            Progress(io.StringIO(), live=False),
        )
        ours = drill.run()
        failed, rerun = ours.runs
        assert rerun.execution_arn is not None
        stack = "shop-failover-control-plane"
        create_stack(
            SECONDARY,
            stack,
            {
                "StateMachineArn": drill.estate.state_machine_arns[SECONDARY],
                "FailoverTableName": drill.table,
                "EstateConfigFunctionName": "shop-validate-input",
            },
        )

        # when the report is built from the re-run's execution ARN, as `--live` builds it
        report = report_live(
            rerun.execution_arn,
            None,
            stack,
            None,
            600.0,
            session=boto3.Session(region_name=SECONDARY),
        )

    # then the re-run is the drill's: same stages, same RTO, same outcome and RPO
    assert report.passed, report.to_dict()
    before, again = report.runs
    assert (again.name, again.trigger, again.status, again.outcome) == (
        "re-run",
        "manual",
        rerun.status,
        rerun.outcome,
    )
    assert shape(again) == shape(rerun)
    assert again.rto == rerun.rto
    assert again.rpo == rerun.rpo
    # and the failed run it completes is shown with it, timed from the alarm's state change
    assert (before.execution_arn, before.status, before.outcome, before.trigger) == (
        failed.execution_arn,
        "FAILED",
        failed.outcome,
        "alarm",
    )
    assert before.error == failed.error
    alarm = next(m for m in failed.milestones if " -> ALARM" in m.what)
    # (the milestone's time is rounded to 0.1 s; the alarm's timestamp carries milliseconds)
    ours_shifted, theirs = shape(failed, shift=alarm.at), shape(before)
    assert [row[:2] + row[4:] for row in theirs] == [row[:2] + row[4:] for row in ours_shifted]
    for mine, rebuilt in zip(ours_shifted, theirs, strict=True):
        assert abs(mine[2] - rebuilt[2]) <= 0.15
        assert abs(mine[3] - rebuilt[3]) <= 0.15
    assert any(failed.execution_arn in note for note in report.notes if failed.execution_arn)
