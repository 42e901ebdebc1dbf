"""The live drill (``--live``) against the embedded AWS: dry run, confirmation, execute, errors.

One embedded AWS for the module. An estate (with its own name, so that estates never meet)
and the control-plane stack the live drill discovers it through: one shared by the tests that
prove nothing changes, and its own for the test that fails over. The live drill polls in real
time, as against an account, so the estate does not hold modelled time: it runs whenever
nothing else does.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from drill import final_state
from drill.cli import main
from drill.embedded import EmbeddedAws
from drill.live import LiveDrillError, LiveOptions, run_live
from drill.model import Report
from drill.progress import Progress
from testbed.estate import EstateSpec, LocalEstate
from tests.helpers import create_stack

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
QUIET = {"POWERTOOLS_LOG_LEVEL": "WARNING"}
_names = itertools.count(1)


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAws]:
    with EmbeddedAws(time_scale=0.0) as embedded:
        yield embedded


@dataclass
class Live:
    """An estate on the embedded AWS and its control-plane stack in the drill's region."""

    estate: LocalEstate
    region: str
    stack: str

    @property
    def config(self) -> dict[str, Any]:
        return self.estate.estate_config()

    def observe(self) -> final_state.EstateState:
        return final_state.observe(
            self.config,
            self.estate.spec.table_name,
            lambda service, region: boto3.client(service, region_name=region),  # type: ignore[call-overload]
        )

    def executions(self) -> list[Any]:
        sfn = boto3.client("stepfunctions", region_name=self.region)
        arn = self.estate.state_machine_arns[self.region]
        return list(sfn.list_executions(stateMachineArn=arn)["executions"])

    def run(
        self,
        *,
        execute: bool = False,
        answer: str = "",
        scenario: str = "unplanned",
        automatic: bool = False,
    ) -> tuple[Report | None, str]:
        out = io.StringIO()
        report = run_live(
            LiveOptions(
                profile=None,
                region=self.region,
                stack=self.stack,
                scenario=scenario,
                execute=execute,
                failback=True,
                rto_target=600.0,
                automatic=automatic,
            ),
            Progress(out, live=False),
            io.StringIO(answer),
            session=boto3.Session(region_name=self.region),
            poll_seconds=0.1,
        )
        return report, out.getvalue()


def _build(aws: EmbeddedAws) -> Iterator[Live]:
    spec = EstateSpec(name=f"live{next(_names)}", extra_environment=QUIET)
    estate = LocalEstate(aws.emulator, spec)
    estate.release_time()
    region = SECONDARY
    stack = f"{spec.name}-failover-control-plane"
    create_stack(
        region,
        stack,
        {
            "StateMachineArn": estate.state_machine_arns[region],
            "FailoverTableName": spec.table_name,
            "FailoverTopicArn": estate.topic_arns[region],
            "EstateConfigFunctionName": f"{spec.name}-validate-input",
        },
    )
    try:
        yield Live(estate, region, stack)
    finally:
        estate.close()


@pytest.fixture(scope="module")
def untouched(aws: EmbeddedAws) -> Iterator[Live]:
    """For the tests that prove the drill changes nothing (each checks it did not)."""
    yield from _build(aws)


@pytest.fixture
def fresh(aws: EmbeddedAws) -> Iterator[Live]:
    """For a test that moves the active region."""
    yield from _build(aws)


def _primary_active(state: final_state.EstateState) -> None:
    assert state.writer_region == PRIMARY
    assert state.dials == {PRIMARY: 100.0, SECONDARY: 0.0}
    assert state.active_parameter == {PRIMARY: PRIMARY, SECONDARY: PRIMARY}
    assert state.lease_holder == {PRIMARY: None, SECONDARY: None}


def test_dry_run_prints_the_plan_and_changes_nothing(untouched: Live) -> None:
    live = untouched
    started_before = len(live.executions())
    before = live.observe()
    _primary_active(before)

    report, output = live.run()

    assert report is not None
    assert report.passed, report.to_dict()
    [run] = report.runs
    assert (run.name, run.mode, run.status, run.outcome) == (
        "dry run",
        "dry-run",
        "SUCCEEDED",
        "dry_run",
    )
    assert (run.source_region, run.target_region) == (PRIMARY, SECONDARY)
    names = [check.name for check in run.checks]
    assert "changed nothing" in names
    assert f"lease released in {PRIMARY}" in names
    assert f"lease released in {SECONDARY}" in names
    assert all(check.passed for check in run.checks)
    assert [stage.name for stage in run.stages][:6] == [
        "WarmUp",
        "ValidateInput",
        "AcquireLease",
        "NotifyStart",
        "Preflight",
        "RecordOutcome",
    ]
    assert "Act" not in [stage.name for stage in run.stages]
    # the estate after is the estate before: the primary is still active
    after = live.observe()
    assert after == before
    _primary_active(after)
    # the run was a dry run, asked for by the drill
    executions = live.executions()
    assert len(executions) == started_before + 1
    execution = next(e for e in executions if e["executionArn"] == run.execution_arn)
    sent = json.loads(
        boto3.client("stepfunctions", region_name=live.region).describe_execution(
            executionArn=execution["executionArn"]
        )["input"]
    )
    assert sent == {
        "mode": "unplanned",
        "target_region": SECONDARY,
        "dry_run": True,
        "reason": "game day dry run",
        "requested_by": "failover-drill",
    }
    # what the user reads
    assert "DRY RUN" in output
    assert "action plan" in output
    assert f"database: failover of {live.estate.spec.global_cluster_id}" in output
    assert f"writer {PRIMARY} -> {SECONDARY}" in output
    assert f"Global Accelerator dials {SECONDARY} 0% -> 100%, {PRIMARY} 100% -> 0%" in output
    assert "desired tasks 1 -> 4 (scale)" in output
    assert "nothing was changed" in output
    assert f"--live --region {SECONDARY} --scenario unplanned --execute" in output
    assert any("--execute" in note and "nothing was changed" in note for note in report.notes)


def test_a_wrong_confirmation_aborts_and_starts_nothing(untouched: Live) -> None:
    live = untouched
    before = live.observe()
    started_before = len(live.executions())

    report, output = live.run(execute=True, answer=f"fail over to {PRIMARY}\n")

    assert report is None
    assert f"type `fail over to {SECONDARY}` to continue" in output
    assert "aborted: nothing was changed" in output
    assert len(live.executions()) == started_before
    after = live.observe()
    assert after == before
    _primary_active(after)


def test_execute_with_the_phrase_fails_over_and_leaves_the_failback_to_a_new_run(
    fresh: Live,
) -> None:
    live = fresh
    _primary_active(live.observe())

    report, output = live.run(execute=True, answer=f"fail over to {SECONDARY}\n")

    assert report is not None
    assert f"{PRIMARY} -> {SECONDARY}" in output
    assert f"type `fail over to {SECONDARY}`" in output
    assert "aborted" not in output
    assert report.passed, report.to_dict()
    [run] = report.runs  # one regional move only: no failback was chained
    assert (run.name, run.mode, run.trigger, run.status, run.outcome) == (
        "failover",
        "unplanned",
        "manual",
        "SUCCEEDED",
        "succeeded",
    )
    assert run.rto is not None
    assert run.rto.met
    assert run.rto.modelled_seconds is not None
    assert run.rto.modelled_seconds > 0
    # the RTO ends with VerifyFailover, not with the run: record, notice and lease come after,
    # and it is the audit row's (the product's RecoveryTime), whose start time carries ms
    verified = next(stage for stage in run.stages if stage.name == "VerifyFailover")
    assert run.rto.modelled_seconds == pytest.approx(verified.end, abs=0.001)
    assert run.rto.modelled_seconds < max(stage.end for stage in run.stages)
    (row,) = live.estate.audit_rows(SECONDARY)
    assert float(row["rto_seconds"]) == pytest.approx(run.rto.modelled_seconds, abs=0.002)
    assert run.rpo is not None
    assert run.rpo.data_loss_possible
    assert "Act" in [stage.name for stage in run.stages]
    assert {check.name for check in run.checks} >= {"writer region", "RTO within target"}
    state = live.observe()
    assert state.writer_region == SECONDARY
    assert state.dials == {PRIMARY: 0.0, SECONDARY: 100.0}
    assert state.desired[SECONDARY] == live.estate.spec.full_capacity
    assert state.lease_holder == {PRIMARY: None, SECONDARY: None}
    assert len(live.executions()) == 1
    assert any(
        f"--live --region {PRIMARY} --scenario planned --execute" in note and "separate run" in note
        for note in report.notes
    ), report.notes


def test_a_missing_stack_or_output_and_local_only_scenarios_are_refused(
    aws: EmbeddedAws,
) -> None:
    base = LiveOptions(
        profile=None,
        region=SECONDARY,
        stack="no-such-control-plane",
        scenario="unplanned",
        execute=False,
        failback=True,
        rto_target=600.0,
    )
    session = boto3.Session(region_name=SECONDARY)
    progress = Progress(io.StringIO(), live=False)

    with pytest.raises(LiveDrillError, match="no-such-control-plane"):
        run_live(base, progress, io.StringIO(), session=session)

    create_stack(SECONDARY, "old-control-plane", {"StateMachineArn": "arn:example"})
    base.stack = "old-control-plane"
    with pytest.raises(LiveDrillError, match="EstateConfigFunctionName") as missing:
        run_live(base, progress, io.StringIO(), session=session)
    assert "FailoverTableName" in str(missing.value)

    base.scenario = "flapping"
    with pytest.raises(LiveDrillError, match="scenario flapping only runs locally"):
        run_live(base, progress, io.StringIO(), session=session)


def test_readiness_live_prints_every_check_reads_only_and_exits_1_on_a_fail(
    untouched: Live,
) -> None:
    live = untouched
    before = live.observe()
    out = io.StringIO()

    code = main(["readiness", "--live", "--region", live.region, "--stack", live.stack], out)

    # then every check of the issue is a row: check, PASS/WARN/FAIL, its one-line reason
    printed = out.getvalue()
    rows = {line.split()[0]: line.split()[1] for line in printed.splitlines() if "  " in line}
    for name in (
        "database.member",
        "database.replication_lag",
        "database.global_endpoint",
        "compute.service",
        "compute.image",
        "compute.warm_standby",
        "compute.fargate_quota",
        "traffic.endpoint_groups",
        "traffic.target_health",
        "traffic.dials",
        "traffic.health_checks",
        "traffic.records",
        "detection.health_alarm",
        "detection.probe_alarm",
        "data.s3_replication",
        "data.secret_replica",
        "control_plane.peer_version",
        "control_plane.lease",
        "control_plane.notices",
    ):
        assert rows.get(name) in ("PASS", "WARN", "FAIL"), (name, printed)
    # this estate was built without the automatic path: nothing would start a failover
    assert (
        f"detection.health_alarm      FAIL    {PRIMARY}: no enabled rule starts the failover on "
        f"{live.estate.spec.health_alarm(PRIMARY)}" in printed
    )
    assert "RESULT: NOT READY (a check FAILs)" in printed
    assert code == 1
    # and it read the estate only
    assert live.observe() == before


# ------------------------------------------------------------------ the automatic path (FIS)
def _game_day(live: Live) -> str:
    """The primary's control-plane stack with its FIS experiment template (as template.yaml's
    GameDayAlb503 output names it); returns the template id."""
    cloudformation = boto3.client("cloudformation", region_name=PRIMARY)
    if any(s["StackName"] == live.stack for s in cloudformation.describe_stacks()["Stacks"]):
        (stack,) = cloudformation.describe_stacks(StackName=live.stack)["Stacks"]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        return str(outputs["GameDayAlb503TemplateId"])
    fis = boto3.client("fis", region_name=PRIMARY)
    template = fis.create_experiment_template(
        clientToken=live.stack,
        description="the ALB answers 503",
        stopConditions=[{"source": "none"}],
        targets={},
        actions={
            "Alb503": {
                "actionId": "aws:ssm:start-automation-execution",
                "parameters": {"documentArn": "arn:aws:ssm:us-east-1:123456789012:document/x"},
            }
        },
        roleArn="arn:aws:iam::123456789012:role/game-day",
    )["experimentTemplate"]["id"]
    create_stack(
        PRIMARY,
        live.stack,
        {
            "StateMachineArn": live.estate.state_machine_arns[PRIMARY],
            "FailoverTableName": live.estate.spec.table_name,
            "EstateConfigFunctionName": f"{live.estate.spec.name}-validate-input",
            "GameDayAlb503TemplateId": template,
        },
    )
    return str(template)


def _experiments() -> list[dict[str, Any]]:
    return list(boto3.client("fis", region_name=PRIMARY).list_experiments()["experiments"])


def test_automatic_dry_run_prints_the_experiment_and_starts_nothing(untouched: Live) -> None:
    template = _game_day(untouched)
    before = untouched.observe()
    running = len(untouched.executions())

    report, output = untouched.run(automatic=True)

    assert report is not None
    assert f"aws fis start-experiment --region {PRIMARY} --experiment-template-id {template}" in (
        output
    )
    assert _experiments() == []
    assert len(untouched.executions()) == running
    assert untouched.observe() == before
    assert any("--automatic" in note for note in report.notes)


def test_automatic_without_the_phrase_starts_nothing(untouched: Live) -> None:
    _game_day(untouched)

    report, output = untouched.run(automatic=True, execute=True, answer="yes\n")

    assert report is None
    assert "aborted: nothing was started" in output
    assert _experiments() == []
