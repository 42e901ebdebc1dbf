"""The local drill: the estate on the embedded AWS, an injected outage, the automatic path.

Nothing is shortcut on the automatic path: the drill only makes the primary's ``/health``
endpoint answer 503. Route 53's checkers and Global Accelerator's health checks notice it,
the health-check metric drops, the alarm goes to ALARM, its state change reaches EventBridge
in us-east-1, is forwarded to the recovery region's failover bus and starts that region's
state machine; the recovery region's own probe (ProbeHealth, every minute) and its 10 s alarm
do the same.

Modelled time (:mod:`emulator.clock`): the world actor ticks the emulated services every
second; the drill's own thread holds time and lets it pass only while it waits for the world
(a modelled second at a time), so what it does (inject the outage, start a run) happens at a
definite modelled instant, and the timeline is the same at every ``--time-scale``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3

from drill import checks
from drill.embedded import REPO, EmbeddedAws
from drill.floors import template_settings
from drill.follow import Definition, Followed, Span, follow
from drill.model import Check, Milestone, Report, Run
from drill.runs import rto_check, run_from
from drill.user import SyntheticUser
from emulator.clock import next_multiple
from emulator.faults import SERVER_ERROR
from emulator.latency import LatencyModel, unit_draw

if TYPE_CHECKING:
    from drill.progress import Progress

SCENARIOS = (
    "unplanned",
    "planned",
    "false-alarm",
    "flapping",
    "concurrent",
    "db-failure",
    "traffic-failure",
    "split-brain",
    "not-ready",
    "region-down",
)
DEFAULT_TIME_SCALE = 0.02
RECOVERY_SETTLE = 180.0
"""Modelled seconds a recovered primary stays healthy before the failback: longer than the
health alarm's window (stacks/global.yaml AlarmEvaluationPeriods 2 x 60 s)."""
DEFAULT_RTO_TARGET = 600.0
WARM_UP_SECONDS = 240.0  # modelled: metrics and alarms settle before anything is injected
DETECTION_LIMIT = 900.0  # modelled seconds to wait for the automatic path to start a run
RUN_LIMIT = 4 * 3600.0  # modelled seconds to wait for a run to end (the machine's timeout: 1 h)
WORLD_STEP = 1.0  # the world actor ticks every modelled second
POLL = 1.0  # the drill looks at the world every modelled second
FOLLOW_POLL = 10.0  # and at a run's history every ten (each read serialises it all)
USER_LIMIT = 900.0  # modelled seconds the synthetic user may wait for a good write
NOT_READY_LAG_MS = 30_000.0  # not-ready: the standby's replication lag (limit: 5 s)


@dataclass
class Options:
    scenario: str = "unplanned"
    time_scale: float = DEFAULT_TIME_SCALE
    failback: bool = True
    rto_target: float = DEFAULT_RTO_TARGET
    notes: list[str] = field(default_factory=list)
    #: None: the typical model (every figure at its median, the outage at the median phase);
    #: a number: every figure and the outage's phase drawn from this seed (--samples).
    seed: int | None = None
    #: The outage's place in the probe period, overriding :meth:`outage_offset` (the phase
    #: sweep, scripts/phase_sweep.py).
    outage_phase: float | None = None
    #: Stop once the automatic path started a run (the phase sweep measures detection only).
    detect_only: bool = False

    def latency(self) -> LatencyModel:
        if self.seed is None:
            return LatencyModel.typical()
        return LatencyModel.sampled(self.seed)

    def outage_offset(self, period: float) -> float:
        """Where on the modelled clock's ``period`` grid the outage starts. A single run: at
        a multiple of it, while the typical model puts every detector (checkers, alarm
        evaluations, schedules) at the median phase, half a period later: the first sample
        after the outage comes at the median delay, not at the luckiest one (0). A sample: a
        seeded draw (the detectors' phases are drawn too)."""
        if self.outage_phase is not None:
            return self.outage_phase % period
        if self.seed is None:
            return 0.0
        return period * unit_draw(self.seed, "outage-phase")


class LocalDrill:
    def __init__(self, aws: EmbeddedAws, options: Options, progress: Progress) -> None:
        from testbed.estate import EstateSpec, LocalEstate

        self.aws = aws
        self.emu = aws.emulator
        self.options = options
        self.progress = progress
        # The handlers log at WARNING: the drill's own progress is what the user reads.
        quiet = {"POWERTOOLS_LOG_LEVEL": "WARNING"}
        self.estate = LocalEstate(
            self.emu, EstateSpec(automatic_triggers=True, extra_environment=quiet)
        )
        self.spec = self.estate.spec
        self.primary, self.secondary = self.spec.regions
        self.config = self.estate.estate_config()
        self.table = self.spec.table_name
        self.definition = Definition(
            json.loads((REPO / "statemachines" / "failover.asl.json").read_text(encoding="utf-8"))
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._t0 = 0.0
        self._started: list[str] = []
        self._first_new = 0
        self._lock = threading.Lock()
        self.emu.listeners.append(self._on_notice)
        self.milestones: list[Milestone] = []
        self.outage_offset = 0.0
        self.user: SyntheticUser | None = None

    # ------------------------------------------------------------------------- plumbing
    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = boto3.client(service, region_name=region)  # type: ignore[call-overload]
        return self._clients[key]

    def now(self) -> float:
        """Modelled seconds since the current run's t0."""
        return float(self.emu.clock.now() - self._t0)

    def _mark(self, what: str) -> None:
        at = round(self.now(), 1)
        self.milestones.append(Milestone(at, what))
        self.progress.event(at, what)

    def _mark_landing(self, when: str) -> None:
        """Where a user near each region lands (active-passive: through the accelerator)."""
        if self.spec.topology != "active-passive":
            return
        lands = checks.where_users_land(self.config, self.client)
        shown = ", ".join(f"a user near {user} lands in {served}" for user, served in lands.items())
        self._mark(f"{when}: {shown}")

    def _on_notice(self, notice: Any) -> None:
        names = {self.estate.health_check_ids[r]: r for r in self.spec.regions}
        groups = {self.estate.endpoint_group_arns[r]: r for r in self.spec.regions}
        if notice.kind == "health-check":
            self._mark(f"Route 53 checkers: {names.get(notice.subject)} {notice.state}")
        elif notice.kind == "accelerator-health":
            self._mark(f"Global Accelerator: {groups.get(notice.subject)} endpoints {notice.state}")
        elif notice.kind == "alarm":
            if self.emu.faults.is_unreachable(str(notice.detail.get("region"))):
                return  # an unreachable region's alarms are seen by no one (nor do they act)
            self._mark(f"alarm {notice.subject} -> {notice.state}")
        elif notice.kind == "delivery" and "execution_arn" in notice.detail:
            arn = notice.detail["execution_arn"]
            with self._lock:
                self._started.append(arn)
            region = arn.split(":")[3]
            self._mark(f"EventBridge rule {notice.subject} started the {region} state machine")
        elif notice.kind == "delivery-failed":
            self._mark(f"EventBridge delivery failed: {notice.detail.get('error')}")

    def started_executions(self) -> list[str]:
        with self._lock:
            return list(self._started)

    # -------------------------------------------------------------------------- running
    def run(self) -> Report:
        began = time.monotonic()
        report = Report(
            scenario=self.options.scenario,
            target="local: embedded AWS (moto in-process + emulator)",
            time_scale=self.options.time_scale,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            notes=list(self.options.notes),
        )
        self.progress.section(
            f"estate: {self.spec.name} in {self.primary} (primary) and {self.secondary}; "
            f"warming up {WARM_UP_SECONDS:.0f} modelled s"
        )
        clock = self.emu.clock
        self.emu.start_world(WORLD_STEP)
        try:
            with clock.paced(0.0):  # the warm-up is not worth watching
                clock.advance(WARM_UP_SECONDS)
            self._raise_world_error()
            scenario = getattr(self, "scenario_" + self.options.scenario.replace("-", "_"))
            scenario(report)
        finally:
            self.emu.stop_world()
            self.estate.close()
        self._raise_world_error()
        report.wall_seconds = time.monotonic() - began
        return report

    def _begin(self, title: str, keep_milestones: bool = False) -> datetime:
        previous = self._t0
        self._t0 = self.emu.clock.now()
        self._first_new = len(self.started_executions())
        if keep_milestones:  # re-based on the new t0 (they come before it)
            shift = self._t0 - previous
            self.milestones = [Milestone(round(m.at - shift, 1), m.what) for m in self.milestones]
        else:
            self.milestones = []
        self.progress.section(title)
        moment: datetime = self.emu.utcnow()
        return moment

    def _follow(self, arn: str, t0: datetime) -> Followed:
        region = arn.split(":")[3]
        sfn = self.client("stepfunctions", region)

        def on_progress(what: str, span: Span) -> None:
            if what == "started":
                self.progress.stage(what, span, (span.start - t0).total_seconds())
            else:
                end = span.end or span.start
                took = (end - span.start).total_seconds()
                self.progress.stage(what, span, (end - t0).total_seconds(), took)

        return follow(
            sfn,
            arn,
            self.definition,
            on_progress,
            timeout=600.0,
            pause=lambda: self._advance(FOLLOW_POLL),
        )

    def _to_probe_period_start(self) -> None:
        """Let time run to the moment of the outage: the next probe period's start plus the
        outage's phase in it (:meth:`Options.outage_offset`: half-way for a single run, the
        median over phases, never the luckiest one; drawn for a sample)."""
        period = template_settings().probe_period_s
        now = self.emu.clock.now()
        offset = self.options.outage_offset(period)
        self._advance(next_multiple(now, period) - now + offset)
        self.outage_offset = offset

    def _advance(self, seconds: float) -> None:
        """Let modelled time pass (the world runs meanwhile); surface a failed world actor."""
        self.emu.clock.advance(seconds)
        self._raise_world_error()

    def _wait_for_execution(self, region: str) -> str:
        """The first execution an EventBridge rule started in ``region`` since ``_begin``."""
        deadline = self.emu.clock.now() + DETECTION_LIMIT
        while self.emu.clock.now() < deadline:
            fresh = self.started_executions()[self._first_new :]
            found = [a for a in fresh if a.split(":")[3] == region]
            if found:
                return found[0]
            self.progress.status(f"modelled t+{self.now():.0f} s, waiting for the alarm path")
            self._advance(POLL)
        raise TimeoutError(
            f"no execution started in {region} within {DETECTION_LIMIT:.0f} modelled seconds"
        )

    def _raise_world_error(self) -> None:
        if self.emu.world_error is not None:
            raise RuntimeError("the world actor failed") from self.emu.world_error

    def _wait_until(
        self, condition: Any, what: str, limit: float = DETECTION_LIMIT, fail: bool = True
    ) -> None:
        deadline = self.emu.clock.now() + limit
        while not condition():
            if self.emu.clock.now() > deadline:
                if not fail:
                    return
                raise TimeoutError(f"{what}: not within {limit:.0f} modelled seconds")
            self.progress.status(f"modelled t+{self.now():.0f} s, waiting: {what}")
            self._advance(POLL)

    def _settle_executions(self) -> None:
        """Wait for every execution still running (e.g. a second trigger) to end."""
        for arn in self.started_executions():
            if self.emu.faults.is_unreachable(arn.split(":")[3]):
                continue  # started before its region went down; nobody can follow it
            sfn = self.client("stepfunctions", arn.split(":")[3])
            self._wait_until(
                lambda sfn=sfn, arn=arn: (
                    sfn.describe_execution(executionArn=arn)["status"] != "RUNNING"
                ),
                f"{arn} to end",
                limit=RUN_LIMIT,
            )

    def _start_manual(self, region: str, event: str, **overrides: Any) -> str:
        payload = json.loads((REPO / "events" / event).read_text(encoding="utf-8"))
        payload.update(overrides)
        payload["requested_by"] = "failover-drill"
        arn = self.client("stepfunctions", region).start_execution(
            stateMachineArn=self.estate.state_machine_arns[region], input=json.dumps(payload)
        )["executionArn"]
        self._mark(f"operator started {payload['mode']} into {region} ({event})")
        return str(arn)

    def _run_record(
        self,
        name: str,
        trigger: str,
        target: str,
        followed: Followed,
        t0: datetime,
        wall: float,
        expect_active: str | None,
    ) -> Run:
        row = checks.audit_row(self.client, self.table, target, followed.execution_arn)
        run = run_from(
            followed,
            row,
            self.definition,
            t0,
            name=name,
            trigger=trigger,
            source_region=self.spec.peer(target),
            target_region=target,
            rto_target=self.options.rto_target,
            expect_rto=expect_active == target,
            milestones=self.milestones,
            wall=wall,
        )
        if run.outcome == "succeeded" and run.mode == "unplanned":
            from drill.floors import floors

            region_down = self.options.scenario == "region-down"
            run.floors = floors(latency=self.emu.latency, region_down=region_down)
        if expect_active is not None:
            state = checks.observe(self.config, self.table, self.client)
            run.checks = checks.active_in(state, self.config, expect_active)
        run.checks += rto_check(run)
        return run

    # ------------------------------------------------------------------------ scenarios
    def _automatic_failover(self, report: Report, name: str = "failover") -> Run:
        self._to_probe_period_start()
        t0 = self._begin(f"{name}: outage of {self.primary}, automatic path")
        began = time.monotonic()
        self._mark_landing("before the outage")
        self._start_user()
        self.estate.health.set_healthy(self.primary, False)
        self._mark(f"outage injected: {self.primary} /health answers 503")
        arn = self._wait_for_execution(self.secondary)
        if self.options.detect_only:
            return self._detected(report, name, arn)
        followed = self._follow(arn, t0)
        self._settle_executions()
        run = self._run_record(
            name, "alarm", self.secondary, followed, t0, time.monotonic() - began, self.secondary
        )
        self._stop_user(run)
        report.runs.append(run)
        return run

    def _detected(self, report: Report, name: str, arn: str) -> Run:
        """``detect_only``: the run as far as the automatic path started it."""
        run = Run(
            name=name,
            mode="unplanned",
            trigger="alarm",
            source_region=self.primary,
            target_region=self.secondary,
            execution_arn=arn,
            status="STARTED",
            outcome="detected",
            milestones=list(self.milestones),
        )
        if self.user is not None:
            self.user.stop()
            self.user = None
        run.outage_offset_s = round(self.outage_offset, 3)
        report.runs.append(run)
        return run

    def _start_user(self) -> None:
        """The synthetic user (:mod:`drill.user`) starts sending requests at t0."""
        self.user = SyntheticUser(self.emu, self.estate)
        self.user.start(self._t0)

    def _stop_user(self, run: Run) -> None:
        """Let the user go on until it had a good read and a good write (or a limit), then
        stop it and keep what it saw in the run."""
        user = self.user
        if user is None:
            return
        self._wait_until(
            lambda: (
                lambda v: v.first_good_read_s is not None and v.first_good_write_s is not None
            )(user.view()),
            "the synthetic user's first good read and write",
            limit=USER_LIMIT,
            fail=False,
        )
        user.stop()
        self.user = None
        run.user = user.view()
        run.outage_offset_s = round(self.outage_offset, 3)
        latency = self.emu.latency
        run.assumptions = latency.assumptions()
        run.model = latency.phases
        registered = [
            seconds
            for arn, seconds in self.emu.ecs.registrations.items()
            if f":{self.secondary}:" in arn
        ]
        serving = latency.ecs_task_start_seconds + (registered[0] if registered else 0.0)
        run.act_s = round(max(latency.aurora_failover_seconds, serving), 1)

    def _failback(self, report: Report, *, after_outage: bool = True) -> None:
        """Fail back into the primary; after an outage, first let the primary recover."""
        if not self.options.failback:
            report.notes.append("failback skipped (--no-failback)")
            return
        if after_outage:
            self._begin(f"failback: {self.primary} recovers, then a planned switchover back")
            self.estate.health.set_healthy(self.primary, True)
            self._mark(f"{self.primary} /health answers 200 again")
            alarm = self.client("cloudwatch", "us-east-1")
            ga = self.client("globalaccelerator", "us-west-2")
            group = self.estate.endpoint_group_arns[self.primary]
            # as an operator would: every observer has seen the recovery and the outage's
            # minutes have left the alarm's window (2 x 60 s periods), before failing back
            stable_from = self.emu.clock.now() + RECOVERY_SETTLE

            def recovered() -> bool:
                states = alarm.describe_alarms(AlarmNames=[self.spec.health_alarm(self.primary)])
                endpoints = ga.describe_endpoint_group(EndpointGroupArn=group)["EndpointGroup"]
                return (
                    self.emu.clock.now() >= stable_from
                    and states["MetricAlarms"][0]["StateValue"] == "OK"
                    and all(
                        e.get("HealthState") == "HEALTHY" for e in endpoints["EndpointDescriptions"]
                    )
                )

            self._wait_until(
                recovered,
                f"{self.primary} healthy to every observer and "
                f"{self.spec.health_alarm(self.primary)} OK",
            )
        t0 = self._begin(f"failback into {self.primary} (manual, planned)")
        began = time.monotonic()
        self._mark_landing("before the failback")
        arn = self._start_manual(self.primary, "manual-failback.json", force=True)
        followed = self._follow(arn, t0)
        report.runs.append(
            self._run_record(
                "failback",
                "manual",
                self.primary,
                followed,
                t0,
                time.monotonic() - began,
                self.primary,
            )
        )

    def scenario_unplanned(self, report: Report) -> None:
        self._automatic_failover(report)
        self._failback(report)

    def scenario_region_down(self, report: Report) -> None:
        """us-east-1 is gone: its APIs (Route 53's control plane and its alarms with it) do
        not answer and its app is down. Only the recovery region's probe can start the run."""
        down = self.primary
        self._to_probe_period_start()
        t0 = self._begin(f"region down: {down} unreachable, automatic path from {self.secondary}")
        began = time.monotonic()
        self._start_user()
        self.emu.faults.unreachable_regions.add(down)
        self.estate.health.set_healthy(down, False)
        self._mark(f"outage injected: {down} unreachable (every API) and its /health fails")
        arn = self._wait_for_execution(self.secondary)
        followed = self._follow(arn, t0)
        self._settle_executions()
        run = self._run_record(
            "failover", "alarm", self.secondary, followed, t0, time.monotonic() - began, None
        )
        self._stop_user(run)
        state = checks.observe(self.config, self.table, self.client, reader=self.secondary)
        rules = [m.what for m in self.milestones if "EventBridge rule" in m.what]
        probe_rule = self.spec.name + "-peer-probe-alarm"
        run.checks = [
            Check(
                "started by",
                f"{probe_rule} ({self.secondary} probe)",
                rules[0].split()[2] if rules else "nothing",
                bool(rules) and rules[0].split()[2] == probe_rule,
            ),
            Check(
                f"{down} alarm events delivered",
                "0",
                str(sum(1 for r in rules if "-health-" in r)),
                not any("-health-" in r for r in rules),
            ),
            *checks.active_in(state, self.config, self.secondary, unreachable={down}),
        ]
        if run.rto is not None:
            run.checks.append(
                Check(
                    "RTO within target",
                    f"<= {run.rto.target_seconds:.0f} s",
                    f"{run.rto.modelled_seconds:.1f} s",
                    run.rto.met,
                )
            )
        report.runs.append(run)
        report.notes.append(
            f"{down} stays unreachable: its pieces read as unknown, and there is no failback"
        )
        # the drill is over: the region comes back so that the estate can be taken down
        self.emu.faults.unreachable_regions.discard(down)

    def scenario_planned(self, report: Report) -> None:
        t0 = self._begin(f"planned switchover into {self.secondary} (manual)")
        began = time.monotonic()
        arn = self._start_manual(self.secondary, "manual-planned-switchover.json")
        followed = self._follow(arn, t0)
        report.runs.append(
            self._run_record(
                "switchover",
                "manual",
                self.secondary,
                followed,
                t0,
                time.monotonic() - began,
                self.secondary,
            )
        )
        self._failback(report, after_outage=False)

    def scenario_false_alarm(self, report: Report) -> None:
        t0 = self._begin(f"false alarm: only {self.spec.health_alarm(self.primary)} fires")
        began = time.monotonic()
        self.client("cloudwatch", "us-east-1").set_alarm_state(
            AlarmName=self.spec.health_alarm(self.primary),
            StateValue="ALARM",
            StateReason="Drill: a single observer reports an outage that is not there",
        )
        self._mark(
            f"{self.spec.health_alarm(self.primary)} set to ALARM; {self.primary} is healthy"
        )
        arn = self._wait_for_execution(self.secondary)
        followed = self._follow(arn, t0)
        self._settle_executions()
        run = self._run_record(
            "false alarm", "alarm", self.secondary, followed, t0, time.monotonic() - began, None
        )
        state = checks.observe(self.config, self.table, self.client)
        run.checks = [
            Check("run outcome", "false_alarm", run.outcome, run.outcome == "false_alarm"),
            *checks.active_in(state, self.config, self.primary),
        ]
        # the primary never stopped being active: its own capacity is the full one
        report.runs.append(run)
        report.notes.append("nothing moved, so there is no failback to run")

    def scenario_flapping(self, report: Report) -> None:
        t0 = self._begin(f"flapping: {self.primary} fails and its alarm toggles 6 times")
        began = time.monotonic()
        self.estate.health.set_healthy(self.primary, False)
        self._mark(f"outage injected: {self.primary} /health answers 503")
        route53 = self.client("route53", "us-east-1")
        check = self.estate.health_check_ids[self.primary]

        def checkers_see_it() -> bool:
            seen = route53.get_health_check_status(HealthCheckId=check)
            return all(
                o["StatusReport"]["Status"].startswith("Failure")
                for o in seen["HealthCheckObservations"]
            )

        self._wait_until(checkers_see_it, "Route 53 checkers report the outage")
        cloudwatch = self.client("cloudwatch", "us-east-1")
        for flip in range(6):
            for state in ("ALARM", "OK"):
                cloudwatch.set_alarm_state(
                    AlarmName=self.spec.health_alarm(self.primary),
                    StateValue=state,
                    StateReason=f"Drill: flapping alarm, toggle {flip + 1}",
                )
        first = self._wait_for_execution(self.secondary)
        self._follow(first, t0)
        # the real evaluation keeps firing too; let the world run three more minutes
        settle_to = self.emu.clock.now() + 180
        self._wait_until(lambda: self.emu.clock.now() >= settle_to, "three more modelled minutes")
        self._settle_executions()
        fresh = [a for a in self.started_executions()[self._first_new :] if ":us-" in a]
        winner = next((a for a in fresh if _outcome_of_arn(self, a) == "succeeded"), first)
        followed = self._follow(winner, t0) if winner != first else self._follow(first, t0)
        run = self._run_record(
            "failover",
            "alarm",
            self.secondary,
            followed,
            t0,
            time.monotonic() - began,
            self.secondary,
        )
        report.runs.append(run)
        report.checks.extend(self._exactly_one_failover(self.secondary))
        self._failback(report)

    def scenario_concurrent(self, report: Report) -> None:
        t0 = self._begin(
            f"concurrent: the alarm path and an operator both fail over {self.primary}"
        )
        began = time.monotonic()
        self.estate.health.set_healthy(self.primary, False)
        self._mark(f"outage injected: {self.primary} /health answers 503")
        arn = self._wait_for_execution(self.secondary)
        manual = self._start_manual(self.secondary, "manual-unplanned-failover.json")
        followed = self._follow(arn, t0)
        other = self._follow(manual, t0)
        self._settle_executions()
        winner = followed if _outcome_of(self, followed) == "succeeded" else other
        run = self._run_record(
            "failover",
            "alarm" if winner is followed else "manual",
            self.secondary,
            winner,
            t0,
            time.monotonic() - began,
            self.secondary,
        )
        report.runs.append(run)
        loser = other if winner is followed else followed
        report.runs.append(
            self._run_record(
                "second trigger",
                "manual" if winner is followed else "alarm",
                self.secondary,
                loser,
                t0,
                0.0,
                None,
            )
        )
        report.checks.extend(self._exactly_one_failover(self.secondary))
        self._failback(report)

    def scenario_db_failure(self, report: Report) -> None:
        t0 = self._begin(f"db-failure: outage of {self.primary}; the database promotion fails")
        began = time.monotonic()
        self.emu.faults.fail(
            "rds",
            "FailoverGlobalCluster",
            "InvalidGlobalClusterStateFault",
            "Global cluster shop-global is in an invalid state",
            count=1,
        )
        self.estate.health.set_healthy(self.primary, False)
        self._mark(
            f"outage injected: {self.primary} /health answers 503; FailoverGlobalCluster will fail"
        )
        arn = self._wait_for_execution(self.secondary)
        followed = self._follow(arn, t0)
        failed = self._run_record(
            "failed failover", "alarm", self.secondary, followed, t0, time.monotonic() - began, None
        )
        row = checks.audit_row(self.client, self.table, self.secondary, arn) or {}
        state = checks.observe(self.config, self.table, self.client)
        notices = [n["kind"] for n in self.estate.notices(self.secondary)]
        failed.checks = [
            Check("run status", "FAILED", followed.status, followed.status == "FAILED"),
            Check(
                "failure recorded",
                "failed",
                str(row.get("outcome")),
                row.get("outcome") == "failed",
            ),
            Check(
                "failed stage recorded",
                "database",
                str(row.get("failed_stage")),
                row.get("failed_stage") == "database",
            ),
            Check("failure notice sent", "failed", ",".join(notices), "failed" in notices),
            *checks.locks_released(state),
        ]
        report.runs.append(failed)
        self._settle_executions()  # the probe alarm's trigger may still be finishing
        self._rerun(report, f"re-run: the operator fails over {self.primary} again")
        self._failback(report)

    def _rerun(self, report: Report, title: str) -> None:
        """The operator's forced re-run into the secondary after a failed run: it completes
        what is missing."""
        t1 = self._begin(title)
        began = time.monotonic()
        rerun = self._start_manual(self.secondary, "manual-unplanned-failover.json", force=True)
        again = self._follow(rerun, t1)
        wall = time.monotonic() - began
        record = self._run_record(
            "re-run", "manual", self.secondary, again, t1, wall, self.secondary
        )
        report.runs.append(record)

    def _traffic_fails_after_the_writer_moved(self, report: Report, name: str) -> str:
        """A forced operator failover into the secondary whose ShiftTraffic fails every time:
        the writer moves, traffic stays where it was. Returns the failed execution."""
        t0 = self._begin(f"{name}: Global Accelerator refuses every UpdateEndpointGroup")
        began = time.monotonic()
        self.emu.faults.fail("globalaccelerator", "UpdateEndpointGroup", SERVER_ERROR, count=None)
        self._mark("fault injected: UpdateEndpointGroup answers 500 until cleared")
        arn = self._start_manual(self.secondary, "manual-unplanned-failover.json", force=True)
        followed = self._follow(arn, t0)
        failed = self._run_record(
            "failed failover",
            "manual",
            self.secondary,
            followed,
            t0,
            time.monotonic() - began,
            None,
        )
        row = checks.audit_row(self.client, self.table, self.secondary, arn) or {}
        state = checks.observe(self.config, self.table, self.client)
        writer = state.writer_region
        dials = state.dials
        failed.checks = [
            Check("run status", "FAILED", followed.status, followed.status == "FAILED"),
            Check(
                "failed stage recorded",
                "traffic",
                str(row.get("failed_stage")),
                row.get("failed_stage") == "traffic",
            ),
            Check("the writer moved", self.secondary, str(writer), writer == self.secondary),
            Check(
                "traffic left where it was before the run",
                f"{self.primary} 100",
                ", ".join(f"{k} {v:g}" for k, v in dials.items()),
                dials.get(self.primary) == 100.0,
            ),
            *checks.locks_released(state),
        ]
        report.runs.append(failed)
        self.emu.faults.clear()
        self._mark("fault cleared")
        return arn

    def scenario_traffic_failure(self, report: Report) -> None:
        self._traffic_fails_after_the_writer_moved(report, "traffic-failure")
        self._rerun(report, f"re-run: the operator fails over into {self.secondary} again")
        self._failback(report, after_outage=False)

    def scenario_split_brain(self, report: Report) -> None:
        self._traffic_fails_after_the_writer_moved(report, "split-brain, the mixed state")
        t1 = self._begin("split-brain: operators in both regions fail over at the same moment")
        began = time.monotonic()
        east = self._start_manual(
            self.primary, "manual-unplanned-failover.json", force=True, target_region=self.primary
        )
        west = self._start_manual(self.secondary, "manual-unplanned-failover.json", force=True)
        followed = {arn: self._follow(arn, t1) for arn in (east, west)}
        self._settle_executions()
        wall = time.monotonic() - began
        outcomes = {arn: _outcome_of(self, one) for arn, one in followed.items()}
        winners = [arn for arn, outcome in outcomes.items() if outcome == "succeeded"]
        state = checks.observe(self.config, self.table, self.client)
        writer = str(state.writer_region)
        for arn, one in followed.items():
            region = arn.split(":")[3]
            run = self._run_record(
                f"into {region}",
                "manual",
                region,
                one,
                t1,
                wall,
                writer if region == writer else None,
            )
            report.runs.append(run)
        report.checks.extend(
            [
                Check("runs that moved the estate", "1", str(len(winners)), len(winners) == 1),
                Check(
                    "the other run stood down",
                    "superseded or already_in_progress",
                    ", ".join(str(o) for a, o in outcomes.items() if a not in winners),
                    all(
                        o in ("superseded", "already_in_progress")
                        for a, o in outcomes.items()
                        if a not in winners
                    ),
                ),
                *checks.active_in(state, self.config, writer),
                *checks.locks_released(state),
            ]
        )
        self._failback(report, after_outage=False)

    def _evaluate_readiness(self, region: str) -> dict[str, Any]:
        """Invoke ``region``'s EvaluateReadiness as its schedule does (every 15 minutes)."""
        from drill.readiness import invoke

        function = self.estate.function_arns[region]["EvaluateReadinessFunction"]
        evaluation = invoke(self.client("lambda", region), function)
        failing = [c["name"] for c in evaluation["checks"] if c["status"] == "FAIL"]
        self._mark(
            f"readiness of {region}: "
            + ("ready" if evaluation["ready"] else f"NOT READY ({', '.join(failing)})")
        )
        return evaluation

    def _overall_readiness(self, region: str) -> float | None:
        """The latest overall ``Readiness`` datapoint (1 ready, 0 a FAIL): what the
        ReadinessAlarm and the dashboard read."""
        cloudwatch = self.client("cloudwatch", region)
        found = cloudwatch.list_metrics(
            Namespace="FailoverControlPlane",
            MetricName="Readiness",
            Dimensions=[{"Name": "Region", "Value": region}, {"Name": "Check", "Value": "overall"}],
        )["Metrics"]
        now = self.emu.utcnow()
        points = [
            point
            for metric in found
            for point in cloudwatch.get_metric_statistics(
                Namespace="FailoverControlPlane",
                MetricName="Readiness",
                Dimensions=metric["Dimensions"],
                StartTime=now - timedelta(minutes=5),
                EndTime=now + timedelta(minutes=1),
                Period=60,
                Statistics=["Minimum"],
            )["Datapoints"]
        ]
        if not points:
            return None
        return float(max(points, key=lambda p: p["Timestamp"])["Minimum"])

    def scenario_not_ready(self, report: Report) -> None:
        """The standby quietly stops being ready (its replication falls 30 s behind) before
        the outage: readiness flags it, then the outage comes and the failover proceeds (an
        unplanned failover is never refused) and records what was failing."""
        self._begin(f"not-ready: {self.secondary} falls behind before the outage")
        before = self._evaluate_readiness(self.secondary)
        self.estate.notices(self.secondary)  # what came before the break
        self.estate.publish_replication_lag(NOT_READY_LAG_MS, self.secondary)
        self._mark(
            f"break: {self.secondary}'s Aurora replication lag grows to "
            f"{NOT_READY_LAG_MS / 1000:.0f} s (the limit is "
            f"{self.spec.max_switchover_lag_seconds:.0f} s)"
        )
        self._advance(60.0)  # the next minute's datapoint; then the schedule's evaluation
        after = self._evaluate_readiness(self.secondary)
        found = {c["name"]: c for c in after["checks"]}
        lag = found.get("database.replication_lag", {})
        notices = self.estate.notices(self.secondary)
        kinds = [n["kind"] for n in notices]
        overall = self._overall_readiness(self.secondary)
        report.checks += [
            Check("ready before the break", "True", str(before["ready"]), before["ready"]),
            Check(
                "readiness flags the break",
                "database.replication_lag FAIL",
                f"database.replication_lag {lag.get('status')}: {lag.get('reason')}",
                lag.get("status") == "FAIL",
            ),
            Check("not ready after the break", "False", str(after["ready"]), not after["ready"]),
            Check("not-ready notice sent", "not_ready", ",".join(kinds), "not_ready" in kinds),
            Check(
                "overall Readiness metric (the alarm's input)",
                "0.0",
                str(overall),
                overall == 0.0,
            ),
        ]
        run = self._automatic_failover(report)
        row = checks.audit_row(self.client, self.table, self.secondary, run.execution_arn or "")
        recorded = [str(c.get("name")) for c in (row or {}).get("readiness_failing") or []]
        cutover = run.rpo.lag_ms_at_cutover if run.rpo else None
        run.checks += [
            Check(
                "unplanned failover proceeds",
                "succeeded",
                run.outcome,
                run.outcome == "succeeded",
            ),
            Check(
                "record lists the failing checks",
                "database.replication_lag",
                ",".join(recorded) or "none",
                "database.replication_lag" in recorded,
            ),
            Check(
                "RPO evidence: lag at cutover",
                f"{NOT_READY_LAG_MS:.0f} ms",
                "unknown" if cutover is None else f"{cutover:.0f} ms",
                cutover == NOT_READY_LAG_MS,
            ),
        ]
        report.notes.append(
            "EvaluateReadiness ran as its schedule runs it (an invoke); its notice went to the "
            f"{self.secondary} topic and its overall Readiness metric feeds the ReadinessAlarm "
            "(hourly period: not waited for here)"
        )
        self.estate.publish_replication_lag(self.spec.replication_lag_ms, self.secondary)
        self._failback(report)

    def _exactly_one_failover(self, region: str) -> list[Check]:
        sfn = self.client("stepfunctions", region)
        executions = sfn.list_executions(stateMachineArn=self.estate.state_machine_arns[region])[
            "executions"
        ]
        outcomes = []
        for execution in executions:
            row = checks.audit_row(self.client, self.table, region, execution["executionArn"])
            outcomes.append((row or {}).get("outcome"))
        succeeded = sum(1 for o in outcomes if o == "succeeded")
        return [
            Check(
                f"failovers into {region} among {len(executions)} executions",
                "1",
                str(succeeded),
                succeeded == 1,
            )
        ]


def _outcome_of(drill: LocalDrill, followed: Followed) -> str | None:
    return _outcome_of_arn(drill, followed.execution_arn)


def _outcome_of_arn(drill: LocalDrill, arn: str) -> str | None:
    row = checks.audit_row(drill.client, drill.table, arn.split(":")[3], arn)
    return None if row is None else str(row.get("outcome"))


def run_local(options: Options, progress: Progress) -> Report:
    with EmbeddedAws(options.time_scale, options.latency()) as aws:
        progress.line(
            f"embedded AWS in this process (moto + emulator), time scale {options.time_scale:g}"
        )
        return LocalDrill(aws, options, progress).run()


__all__ = ["DEFAULT_RTO_TARGET", "DEFAULT_TIME_SCALE", "SCENARIOS", "Options", "run_local"]
