"""Every drill scenario, through the drill's own code path, on the embedded AWS.

Each test runs ``drill.local.run_local`` (what ``make drill --scenario X`` runs) with no
pacing (time scale 0), in this process, then asserts the report's final-state checks
and the facts behind them.
"""

from __future__ import annotations

import io

import pytest

from drill.floors import template_settings
from drill.local import Options, run_local
from drill.model import Report
from drill.progress import Progress
from emulator.latency import FIGURES
from testbed.estate import watch_rule
from testbed.template import load_template

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
PROBE_RULE = watch_rule(load_template(), "shop", "probe", PRIMARY)
"""The rule in us-west-2 that starts its machine on its probe alarm of us-east-1."""


RESYNC_S = FIGURES["aurora_resync_seconds"].low
"""Aurora's rebuild of a member after an unplanned failover at the low end of its range (5 min,
not the median's two hours): a failback waits for it, and the tests keep it short."""


def drill(scenario: str, failback: bool = False, region: str | None = None) -> tuple[Report, str]:
    out = io.StringIO()
    report = run_local(
        Options(
            scenario=scenario,
            time_scale=0.0,
            failback=failback,
            region=region,
            resync_seconds=RESYNC_S,
        ),
        Progress(out, live=False),
    )
    return report, out.getvalue()


def check(report: Report, run: int, name: str) -> str:
    found = {c.name: c for c in report.runs[run].checks}
    assert found[name].passed, found[name]
    return found[name].actual


def test_unplanned_fails_over_on_the_automatic_path_then_fails_back() -> None:
    report, progress = drill("unplanned", failback=True)

    assert report.passed, [c for r in report.runs for c in r.checks if not c.passed]
    failover, failback = report.runs
    assert (failover.trigger, failover.status, failover.outcome) == (
        "alarm",
        "SUCCEEDED",
        "succeeded",
    )
    assert check(report, 0, "writer region") == SECONDARY
    assert check(report, 0, "traffic dial us-west-2") == "100.0"
    assert check(report, 0, "running tasks us-west-2") == "4"
    assert check(report, 0, "active-region parameter in us-east-1") == SECONDARY
    assert check(report, 0, "lease released in us-west-2") == "free"
    # the automatic path, seen step by step, before the state machine started
    seen = [m.what for m in failover.milestones]
    assert seen[0] == (
        "before the outage: a user near us-east-1 lands in us-east-1, "
        "a user near us-west-2 lands in us-east-1"
    )
    assert seen[1].startswith("outage injected")
    assert any("Route 53 checkers: us-east-1 unhealthy" in m for m in seen)
    assert any(m.startswith("alarm shop-") and m.endswith("-> ALARM") for m in seen)
    assert any("started the us-west-2 state machine" in m for m in seen)
    # and afterwards every user lands in the recovery region, whatever region they are near
    assert check(report, 0, "a user near us-east-1 lands in") == SECONDARY
    assert check(report, 0, "a user near us-west-2 lands in") == SECONDARY
    # modelled RTO: detection + Aurora failover and ECS start-up, to the end of VerifyFailover
    # (as the product's record counts it), not to the run's bookkeeping after it
    assert failover.rto is not None
    assert failover.rto.modelled_seconds is not None
    assert 60 < failover.rto.modelled_seconds < 600
    verify = next(s for s in failover.stages if s.name == "VerifyFailover")
    release = next(s for s in failover.stages if s.name == "ReleaseLease")
    assert failover.rto.modelled_seconds == pytest.approx(verify.end, abs=0.001)
    assert failover.rto.modelled_seconds < release.end
    # a single run is the typical one (every detector at its median phase): the probe alarm
    # that started the run fired within one probe period of the floors' mean detection, less
    # the minimum outage (a policy: the families must then agree that long)
    assert failover.floors is not None
    started = next(m for m in failover.milestones if m.what.startswith("alarm shop-probe-"))
    policy = template_settings().min_outage_s
    terms = {t["name"]: t["seconds"] for t in failover.floors.terms.get("critical_path", [])}
    assert (
        abs(started.at - (failover.floors.detection_s - terms.get("MinOutageSeconds", 0.0))) <= 10.0
    )
    # and nothing moved before the quorum had agreed for MinOutageSeconds
    promote = next(s for s in failover.stages if s.name == "PromoteDatabase")
    assert promote.start >= started.at + policy
    # Global Accelerator saw the outage through the ALB's target health: 3 failed checks
    # 10 s apart (stacks/region.yaml), never the endpoint group's own 10 s x 1
    ga = next(m for m in failover.milestones if "Global Accelerator: us-east-1" in m.what)
    assert ga.at >= 3 * 10.0
    # Route 53's 8 checkers, each on its own phase: the status flips once 7 of them failed
    # HealthCheckFailureThreshold (3) checks in a row (seen on the world's next tick)
    route53 = next(m for m in failover.milestones if "Route 53 checkers: us-east-1" in m.what)
    extra = (template_settings().health_check_failure_threshold - 1) * 10.0
    assert 7 / 8 * 10 - 10 / 16 + extra <= route53.at <= 10.0 + extra
    # the synthetic user: GA sends it to the standby once the ALB's checks failed, and the
    # standby, whose cluster is not the writer yet, hands it to its peer (the container
    # contract), the failed region: reads and writes come back together, once the standby
    # is the writer
    figures = failover.figures()
    read, write = figures["first_good_read_s"], figures["first_good_write_s"]
    promoted = figures["writer_promoted_s"]
    assert read is not None
    assert write is not None
    assert promoted is not None
    assert ga.at <= promoted <= read <= write
    assert failover.assumptions
    assert all("name" in a for a in failover.assumptions)
    assert failover.rpo is not None
    assert failover.rpo.lag_ms_at_cutover == 120.0
    database = next(s for s in failover.stages if s.name == "PromoteDatabase")
    assert database.seconds >= 60  # at least the low end of Aurora's failover
    assert check(report, 1, "writer region") == PRIMARY
    assert failback.mode == "failback"
    # each stage is listed once, in the report; the progress shows milestones only
    assert "ValidateInput" not in progress
    assert f"EventBridge rule {PROBE_RULE} started the us-west-2 state machine" in progress


@pytest.mark.scenario
def test_planned_switchover_loses_no_data() -> None:
    report, _ = drill("planned")

    assert report.passed
    (run,) = report.runs
    assert (run.mode, run.trigger) == ("planned", "manual")
    assert check(report, 0, "writer region") == SECONDARY
    assert run.rpo is not None
    assert run.rpo.data_loss_possible is False
    assert "failback skipped (--no-failback)" in report.notes


@pytest.mark.scenario
def test_one_observer_alone_is_a_false_alarm_and_moves_nothing() -> None:
    report, _ = drill("false-alarm")

    assert report.passed
    (run,) = report.runs
    assert run.outcome == "false_alarm"
    assert check(report, 0, "writer region") == PRIMARY
    assert check(report, 0, "traffic dial us-east-1") == "100.0"
    assert not any(s.name == "Act" for s in run.stages)


@pytest.mark.scenario
def test_a_flapping_alarm_causes_at_most_one_failover() -> None:
    report, _ = drill("flapping")

    assert report.passed
    (one,) = report.checks
    assert one.name.startswith("failovers into us-west-2 among")
    assert one.actual == "1"
    executions = int(one.name.split(" among ")[1].split()[0])
    assert executions >= 6  # every toggle's ALARM reached the state machine
    assert check(report, 0, "writer region") == SECONDARY


@pytest.mark.scenario
def test_two_triggers_at_once_make_exactly_one_failover() -> None:
    report, _ = drill("concurrent")

    assert report.passed
    winner, second = report.runs
    assert winner.outcome == "succeeded"
    assert second.outcome in ("already_in_progress", "nothing_to_do")
    assert report.checks[0].actual == "1"


@pytest.mark.scenario
def test_a_failed_promotion_takes_the_failure_path_then_a_rerun_completes() -> None:
    report, _ = drill("db-failure")

    assert report.passed
    failed, rerun = report.runs
    assert failed.status == "FAILED"
    assert failed.error is not None
    assert failed.error.startswith("DatabasePromotionFailed")
    assert any(s.name == "RecordOutcome" for s in failed.stages)
    assert check(report, 0, "failed stage recorded") == "PromoteDatabase"
    assert "failed" in check(report, 0, "failure notice sent")
    assert check(report, 0, "lease released in us-west-2") == "free"
    assert rerun.outcome == "succeeded"
    assert check(report, 1, "writer region") == SECONDARY


@pytest.mark.scenario
def test_runs_in_both_regions_at_once_from_a_split_estate_converge_on_one_writer() -> None:
    report, _ = drill("split-brain")

    assert report.passed, report.checks
    failed, *both = report.runs
    # the mixed state: the writer moved, traffic could not follow and stayed where it was
    assert failed.status == "FAILED"
    assert check(report, 0, "failed stage recorded") == "ShiftTraffic"
    assert check(report, 0, "the writer moved") == SECONDARY
    assert sorted(run.outcome for run in both) == ["succeeded", "superseded"]
    assert [c.actual for c in report.checks if c.name == "runs that moved the estate"] == ["1"]


@pytest.mark.scenario
def test_a_standby_that_is_not_ready_is_flagged_before_the_outage() -> None:
    report, progress = drill("not-ready")

    assert report.passed, [c for c in report.checks if not c.passed]
    # the break is seen before the outage: the evaluation FAILs, people are told, the metric
    scenario = {c.name: c for c in report.checks}
    assert scenario["ready before the break"].actual == "True"
    assert "replication lag 30000 ms is over the switchover limit 5000 ms" in (
        scenario["readiness flags the break"].actual
    )
    assert scenario["not-ready notice sent"].actual == "not_ready"
    assert scenario["overall Readiness metric (the alarm's input)"].actual == "0.0"
    assert progress.index("NOT READY (database.replication_lag)") < progress.index(
        "outage injected"
    )
    # then the outage: the automatic run asks a person first, naming the failing check; once
    # approved the unplanned failover proceeds and records what was failing
    (run,) = report.runs
    assert check(report, 0, "nothing moves until a person answers") == PRIMARY
    assert "database.replication_lag" in check(
        report, 0, "the approval notice names the failing check"
    )
    assert (run.trigger, run.outcome) == ("alarm", "succeeded")
    assert check(report, 0, "record lists the failing checks") == "database.replication_lag"
    assert check(report, 0, "writer region") == SECONDARY
    assert run.rpo is not None
    assert run.rpo.lag_ms_at_cutover == 30000.0
    assert run.rpo.data_loss_possible


@pytest.mark.scenario
def test_with_us_east_1_gone_the_recovery_regions_probe_alone_fails_over() -> None:
    report, _ = drill("region-down")

    assert report.passed, [c for r in report.runs for c in r.checks if not c.passed]
    (failover,) = report.runs
    assert (failover.trigger, failover.status, failover.outcome) == (
        "alarm",
        "SUCCEEDED",
        "succeeded",
    )
    # started by us-west-2's probe alarm; nothing from us-east-1's alarms got through
    assert check(report, 0, "started by").startswith(PROBE_RULE)
    assert check(report, 0, "us-east-1 alarm events delivered") == "0"
    seen = [m.what for m in failover.milestones]
    assert not any("alarm shop-health-us-east-1" in m for m in seen)
    # converged on us-west-2; what lives in us-east-1 cannot be read
    assert check(report, 0, "writer region") == SECONDARY
    assert check(report, 0, "traffic dial us-east-1") == "0.0"  # GA's API is in us-west-2
    assert check(report, 0, "running tasks us-west-2") == "4"
    assert check(report, 0, "active-region parameter in us-west-2") == SECONDARY
    assert check(report, 0, "active-region parameter in us-east-1") == "unknown"
    assert check(report, 0, "lease released in us-west-2") == "free"
    # the report sets the RTO beside its floors
    assert failover.floors is not None
    assert failover.rto_s is not None
    assert failover.floors.physical_s <= failover.floors.critical_path_s <= failover.rto_s
    assert failover.rto_s < failover.floors.sequential_s


@pytest.mark.scenario
def test_a_blip_moves_nothing() -> None:
    report, _ = drill("blip")

    assert report.passed, [c for c in report.checks if not c.passed]
    checks = {c.name: c for c in report.checks}
    assert checks["writer did not move"].actual == PRIMARY
    assert checks["promotions with AllowDataLoss"].actual == "0"


@pytest.mark.scenario
def test_an_in_region_aurora_failover_holds_the_automatic_run_and_moves_nothing() -> None:
    report, _ = drill("in-region-failover")

    assert report.passed, [c for c in report.checks if not c.passed]
    checks = {c.name: c for c in report.checks}
    assert (
        "failed over in-region"
        in checks["the automatic run held for in-region recovery, and says why"].actual
        or "failing-over"
        in checks["the automatic run held for in-region recovery, and says why"].actual
    )


@pytest.mark.scenario
@pytest.mark.parametrize("scenario", ["rpo-over-budget", "rpo-unknown"])
def test_the_data_loss_gate_asks_a_person_and_nothing_moves_until_answered(scenario: str) -> None:
    report, _ = drill(scenario)

    assert report.passed, [c for r in report.runs for c in r.checks if not c.passed]
    assert check(report, 0, "nothing moves until a person answers") == PRIMARY
    assert "budget 5 s" in check(report, 0, "approval notice: the lag")


@pytest.mark.scenario
def test_post_recovery_keeps_the_snapshot_and_reports_the_window_of_lost_writes() -> None:
    report, _ = drill("lost-writes")

    assert report.passed, [c for r in report.runs for c in r.checks if not c.passed]
    copied = check(report, 1, "Aurora's point-of-failure snapshot copied to a manual one")
    assert copied.startswith("rds:unplanned-global-failover-shop-use1-")
    assert " -> shop-lost-writes-" in copied
    assert any("writes possibly lost" in note for note in report.notes)


@pytest.mark.scenario
@pytest.mark.parametrize(
    ("scenario", "region"), [("region-down", SECONDARY), ("ga-brownout", None)]
)
def test_with_us_west_2_gone_and_gas_api_with_it_the_failover_into_us_east_1_completes(
    scenario: str, region: str | None
) -> None:
    report, _ = drill(scenario, region=region)

    assert report.passed, [c for r in report.runs for c in r.checks if not c.passed]
    setup, failover, _rerun = report.runs
    assert (setup.name, setup.target_region) == ("switchover", SECONDARY)
    assert (failover.trigger, failover.target_region, failover.outcome) == (
        "alarm",
        PRIMARY,
        "succeeded",
    )
    assert check(report, 1, "writer region") == PRIMARY
    assert check(report, 1, "GA dials").startswith("deferred")
    assert check(report, 1, "users served by") == PRIMARY
    # GA's API refusing or hanging costs one bounded attempt per endpoint, not a timeout
    found = {c.name: c for c in report.runs[1].checks}["critical path (start -> VerifyFailover)"]
    took, bound = float(found.actual.split()[0]), float(found.expected.split()[1])
    assert took <= bound
    # back, us-west-2 gets new connections from GA (its dial is still 100) and serves nobody
    assert check(report, 2, "users served by us-west-2 after it returned") == PRIMARY
    assert check(report, 2, "traffic dial us-west-2") == "0.0"  # the re-run moved the dials


@pytest.mark.scenario
def test_a_dead_regions_lease_is_taken_over_within_the_bound() -> None:
    report, _ = drill("lease-holder-dies")

    assert report.passed, [c for r in report.runs for c in r.checks if not c.passed]
    takeover = report.runs[-1]
    assert (takeover.target_region, takeover.outcome) == (SECONDARY, "succeeded")
    waited = float(
        check(
            report, len(report.runs) - 1, "lease taken over after its holder's region died"
        ).split()[0]
    )
    assert 100.0 < waited <= 135.0  # the lease lapsed (120 s after its last renewal)
    assert check(report, len(report.runs) - 1, "writer region") == SECONDARY


@pytest.mark.scenario
def test_the_modelled_timeline_is_the_same_at_every_time_scale() -> None:
    def timeline(scale: float) -> tuple[object, ...]:
        report = run_local(
            Options(scenario="unplanned", time_scale=scale, failback=False),
            Progress(io.StringIO(), live=False),
        )
        run = report.runs[0]
        return [(m.at, m.what) for m in run.milestones], run.figures()["detection_s"]

    # what the world did (checkers, alarms, rules, GA) and when the run could act; the stages'
    # own times can still differ by a Lambda environment found warm at one scale and cold at
    # the other (a known race, under a second; on main too, by a millisecond)
    assert timeline(0.0) == timeline(0.005)
