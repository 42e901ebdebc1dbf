"""``python -m drill report``: the report of any execution, rebuilt from its history and its
audit row, is the drill's own report of that run; a re-run comes with the failed run it
completes, whose RTO counts from the alarm."""

from __future__ import annotations

import io

import boto3
import pytest

from drill import final_state
from drill.embedded import EmbeddedAws
from drill.harness import LocalDrill, Options
from drill.history_report import report_live
from drill.model import Run
from drill.progress import Progress
from drill.scenarios import SCENARIOS
from tests.helpers import create_stack

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

SECONDARY = "us-west-2"


def shape(run: Run, shift: float = 0.0) -> list[tuple[str, str | None, float, float, str]]:
    return [
        (s.name, s.branch, round(s.start - shift, 1), round(s.end - shift, 1), s.status)
        for s in run.stages
    ]


def assert_same_stages(
    theirs: list[tuple[str, str | None, float, float, str]],
    ours: list[tuple[str, str | None, float, float, str]],
) -> None:
    """The same stages, branches and statuses, at the same times give or take one rounding:
    the drill times a run from the moment it saw it start (or from the alarm's milestone,
    rounded to 0.1 s), the report from the execution's own start date, a few ms apart."""
    assert [row[:2] + row[4:] for row in theirs] == [row[:2] + row[4:] for row in ours]
    for mine, rebuilt in zip(ours, theirs, strict=True):
        assert abs(mine[2] - rebuilt[2]) <= 0.15, (mine, rebuilt)
        assert abs(mine[3] - rebuilt[3]) <= 0.15, (mine, rebuilt)


@pytest.mark.scenario
def test_report_of_a_drill_rerun_reproduces_the_drill_and_shows_the_failed_run() -> None:
    with EmbeddedAws(time_scale=0.0) as aws:
        # given the db-failure drill: an alarm-started failover fails, a manual re-run completes
        drill = LocalDrill(
            aws,
            Options(scenario="db-failure", time_scale=0.0, failback=False),
            Progress(io.StringIO(), live=False),
        )
        ours = drill.run(SCENARIOS["db-failure"].run)
        failed, rerun = ours.runs
        assert rerun.execution_arn is not None
        rows = {
            arn: final_state.audit_row(drill.client, drill.table, SECONDARY, arn)
            for arn in (failed.execution_arn, rerun.execution_arn)
            if arn is not None
        }
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
    assert_same_stages(shape(again), shape(rerun))
    theirs_rto, ours_rto = again.rto, rerun.rto
    assert theirs_rto is not None
    assert ours_rto is not None
    assert (theirs_rto.target_seconds, theirs_rto.met) == (ours_rto.target_seconds, ours_rto.met)
    assert theirs_rto.modelled_seconds is not None
    assert ours_rto.modelled_seconds is not None
    assert abs(theirs_rto.modelled_seconds - ours_rto.modelled_seconds) <= 0.1  # one rounding
    # and both are the audit row's RecoveryTime: one RTO (failover.history.rto_seconds)
    recorded = float(row["rto_seconds"]) if (row := rows[rerun.execution_arn]) else None
    assert recorded is not None
    assert abs(recorded - ours_rto.modelled_seconds) <= 0.1
    assert abs(recorded - theirs_rto.modelled_seconds) <= 0.1
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
    assert_same_stages(shape(before), shape(failed, shift=alarm.at))
    assert any(failed.execution_arn in note for note in report.notes if failed.execution_arn)
