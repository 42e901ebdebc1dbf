"""The local drill's harness: the estate on the embedded AWS, its modelled clock, the runs it
follows, and the steps scenarios are written with (drill/scenarios/, one short function each).

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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from failover.arns import region_of
from failover.config import GLOBAL_ACCELERATOR_REGION, ROUTE53_REGION

from drill import final_state
from drill.embedded import REPO
from drill.floors import template_settings
from drill.follow import Followed, follow, reporting
from drill.model import Check, Milestone, Report, Run
from drill.runs import rto_check, run_from
from drill.user import SyntheticUser
from emulator.clock import next_multiple
from emulator.latency import LatencyModel, unit_draw

if TYPE_CHECKING:
    from drill.embedded import EmbeddedAws
    from drill.progress import Progress

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


ScenarioFunction = Callable[["LocalDrill", Report], None]
"""A scenario: it plays on the harness and fills the report (drill.scenarios.registry)."""


@dataclass
class Options:
    scenario: str = "unplanned"
    time_scale: float = DEFAULT_TIME_SCALE
    failback: bool = True
    rto_target: float = DEFAULT_RTO_TARGET
    notes: list[str] = field(default_factory=list)
    region: str | None = None
    """The region a scenario fails (region-down); None: the scenario's own choice."""
    regions: tuple[str, ...] = ("us-east-1", "us-west-2")
    """The estate's regions (2 to 4) in priority order, the primary first (``--regions``)."""
    lease_regions: tuple[str, str, str] | None = None
    """The failover table's MRSC set (``--lease-regions``); None:
    :func:`testbed.estate.default_lease_regions` of the estate's regions."""
    # blip: how long the primary's /health fails, and how many seconds into a probe period
    blip_seconds: float = 20.0
    blip_phase: float = 0.0
    #: None: the typical model (every figure at its median, every detector at its median
    #: phase); a number: every figure and phase, and the outage's phase, drawn from this seed.
    seed: int | None = None
    #: The outage's place in the probe period, overriding :meth:`outage_offset` (the phase
    #: sweep, scripts/phase_sweep.py).
    outage_phase: float | None = None
    #: Stop once the automatic path started a run (the phase sweep measures detection only).
    detect_only: bool = False
    #: How long Aurora rebuilds a member after an unplanned failover (pending-resync), in
    #: modelled seconds (``--resync-seconds``); None: the model's figure
    #: (:data:`emulator.latency.FIGURES` ``aurora_resync_seconds``, minutes to hours).
    resync_seconds: float | None = None

    def latency(self) -> LatencyModel:
        overrides = (
            {} if self.resync_seconds is None else {"aurora_resync_seconds": self.resync_seconds}
        )
        if self.seed is None:
            return LatencyModel.typical(**overrides)
        return LatencyModel.sampled(self.seed, **overrides)

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
    """One drill on one embedded estate: what a scenario (drill/scenarios/) is written with.

    A scenario is a function ``(drill, report)`` registered with
    :func:`drill.scenarios.registry.scenario`. It opens a phase with :meth:`begin` (t0 and
    its milestones), acts on the world (``drill.estate``, ``drill.emu.faults``, a client
    from :meth:`client`, an operator's run from :meth:`start_manual`), lets modelled time
    pass with :meth:`wait_for_execution`, :meth:`wait_until` or :meth:`advance`, follows
    a run with :meth:`follow_run`, and records it with :meth:`run_record` (final-state and
    RTO checks included) into ``report.runs``. Common phases: :meth:`automatic_failover`,
    :meth:`failback`, :meth:`rerun`.
    """

    def __init__(self, aws: EmbeddedAws, options: Options, progress: Progress) -> None:
        from testbed.estate import EstateSpec, LocalEstate, default_lease_regions

        self.aws = aws
        self.emu = aws.emulator
        self.options = options
        self.progress = progress
        # The handlers log at WARNING: the drill's own progress is what the user reads.
        quiet = {"POWERTOOLS_LOG_LEVEL": "WARNING"}
        self.estate = LocalEstate(
            self.emu,
            EstateSpec(
                regions=tuple(options.regions),
                lease_regions=options.lease_regions or default_lease_regions(*options.regions),
                automatic_triggers=True,
                extra_environment=quiet,
            ),
        )
        self.spec = self.estate.spec
        self.primary = self.spec.primary
        self.second = self.spec.regions[1]
        """The second region in priority order: where a failover of the primary goes when
        every region is ready (a scenario that expects another target names it)."""
        self.config = self.estate.estate_config()
        self.table = self.spec.table_name
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
        """A client for the drill's own reads (the oracle). The failover table has replicas
        only in the lease regions: a read of it "in" an estate region outside that set goes to
        the nearest member that answers, as an operator's console would (the product's own
        calls choose their replica themselves)."""
        if service == "dynamodb":
            region = self.table_region(region)
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = boto3.client(service, region_name=region)  # type: ignore[call-overload]
        return self._clients[key]

    def table_region(self, region: str) -> str:
        """The failover table's replica a reader in ``region`` uses
        (:meth:`testbed.estate.LocalEstate.table_region`)."""
        return self.estate.table_region(region)

    def now(self) -> float:
        """Modelled seconds since the current run's t0."""
        return float(self.emu.clock.now() - self._t0)

    def mark(self, what: str) -> None:
        at = round(self.now(), 1)
        self.milestones.append(Milestone(at, what))
        self.progress.event(at, what)

    def mark_landing(self, when: str) -> None:
        """Where a user near each region lands (active-passive: through the accelerator)."""
        if self.spec.topology != "active-passive":
            return
        lands = final_state.where_users_land(self.config, self.client)
        shown = ", ".join(f"a user near {user} lands in {served}" for user, served in lands.items())
        self.mark(f"{when}: {shown}")

    def _on_notice(self, notice: Any) -> None:
        names = {self.estate.health_check_ids[r]: r for r in self.spec.regions}
        groups = {self.estate.endpoint_group_arns[r]: r for r in self.spec.regions}
        if notice.kind == "health-check":
            self.mark(f"Route 53 checkers: {names.get(notice.subject)} {notice.state}")
        elif notice.kind == "accelerator-health":
            self.mark(f"Global Accelerator: {groups.get(notice.subject)} endpoints {notice.state}")
        elif notice.kind == "alarm":
            region = str(notice.detail.get("region"))
            if self.emu.faults.is_unreachable(region):
                return  # an unreachable region's alarms are seen by no one (nor do they act)
            # (each other region has its own probe alarm of the same name: say whose)
            self.mark(f"alarm {notice.subject} in {region} -> {notice.state}")
        elif notice.kind == "delivery" and "execution_arn" in notice.detail:
            arn = notice.detail["execution_arn"]
            with self._lock:
                self._started.append(arn)
            region = region_of(arn)
            self.mark(f"EventBridge rule {notice.subject} started the {region} state machine")
        elif notice.kind == "delivery-failed":
            self.mark(f"EventBridge delivery failed: {notice.detail.get('error')}")

    def started_executions(self) -> list[str]:
        with self._lock:
            return list(self._started)

    def executions_since_begin(self) -> list[str]:
        """The executions EventBridge rules started since the last :meth:`begin`."""
        return self.started_executions()[self._first_new :]

    # -------------------------------------------------------------------------- running
    def run(self, scenario: ScenarioFunction) -> Report:
        """Warm the estate up, play ``scenario`` on it, take it down; the filled report."""
        began = time.monotonic()
        report = Report(
            scenario=self.options.scenario,
            target="local: embedded AWS (moto in-process + emulator)",
            time_scale=self.options.time_scale,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            notes=[
                f"regions in priority order: {self.describe_regions()}; failover table "
                f"(lease) in {', '.join(self.spec.lease_regions)}",
                *self.options.notes,
            ],
        )
        self.progress.section(
            f"estate: {self.spec.name} in {self.describe_regions()}, lease in "
            f"{', '.join(self.spec.lease_regions)}; warming up {WARM_UP_SECONDS:.0f} modelled s"
        )
        clock = self.emu.clock
        self.emu.start_world(WORLD_STEP)
        try:
            with clock.paced(0.0):  # the warm-up is not worth watching
                clock.advance(WARM_UP_SECONDS)
            self._raise_world_error()
            self.readiness_everywhere()
            scenario(self, report)
            report.notes += self.other_runs(report)
        finally:
            if self.user is not None:
                self.user.stop()
            self.emu.stop_world()
            # every region comes back so that the estate can be taken down (a scenario that
            # failed while a region was unreachable must still surface its own error)
            self.emu.faults.unreachable_regions.clear()
            self.estate.close()
        self._raise_world_error()
        report.wall_seconds = time.monotonic() - began
        return report

    def readiness_everywhere(self) -> None:
        """Every region's EvaluateReadiness, once, as its schedule (ReadinessSchedule, every 15
        minutes) has run it on an estate deployed for longer than the drill's warm-up: the
        run's choice of target reads the latest evaluations (failover.candidates), and a
        region with none is passed over."""
        from drill.readiness_cli import invoke

        for region in self.spec.regions:
            function = self.estate.function_arns[region]["EvaluateReadinessFunction"]
            evaluation = invoke(self.client("lambda", region), function)
            failing = [c["name"] for c in evaluation["checks"] if c["status"] == "FAIL"]
            self.progress.line(
                f"  readiness of {region}: "
                + ("ready" if evaluation["ready"] else f"NOT READY ({', '.join(failing)})")
            )
            self.estate.notices(region)  # what the schedule's run sent, before the drill

    def describe_regions(self) -> str:
        """The regions in priority order: "us-east-1 (primary) and us-west-2", or
        "us-east-1 (primary), eu-west-1, us-west-2"."""
        first, *rest = self.spec.regions
        joiner = " and " if len(rest) == 1 else ", "
        return joiner.join([f"{first} (primary)", *rest])

    def other_runs(self, report: Report) -> list[str]:
        """A line for each run an alarm started that the report does not follow (e.g. the late
        health alarm after a recovery, which finds nothing to do): reported, not mailed."""
        followed = {run.execution_arn for run in report.runs}
        lines = []
        for arn in self.started_executions():
            if arn in followed or self.emu.faults.is_unreachable(region_of(arn)):
                continue
            described = self.client("stepfunctions", region_of(arn)).describe_execution(
                executionArn=arn
            )
            status = described["status"]
            row = final_state.audit_row(self.client, self.table, region_of(arn), arn) or {}
            outcome = row.get("outcome") or status.lower()
            why = {
                "nothing_to_do": ": the estate was already where it should be; recorded, no "
                "notice sent",
                "already_in_progress": ": another run held the lease for the same move; "
                "recorded, no notice sent",
            }.get(outcome, "")
            output = json.loads(described.get("output") or "{}")
            request = output.get("request") if isinstance(output, dict) else None
            if outcome == "nothing_to_do" and isinstance(request, dict) and request.get("ignored"):
                # e.g. another region is the chosen target (failover.candidates)
                why = f": ignored ({request.get('ignore_reason')}); recorded, no notice sent"
            lines.append(f"an alarm also started {arn} ({status}, {outcome}){why}")
        return lines

    def begin(self, title: str, keep_milestones: bool = False) -> datetime:
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

    def follow_run(self, arn: str, t0: datetime) -> Followed:
        region = region_of(arn)
        sfn = self.client("stepfunctions", region)
        return follow(
            sfn,
            arn,
            reporting(self.progress, t0, label=f"{region} {arn.rsplit(':', 1)[-1][:8]}"),
            timeout=600.0,
            pause=lambda: self.advance(FOLLOW_POLL),
        )

    def to_probe_period_start(self) -> None:
        """Let time run to the moment of the outage: the next probe period's start plus the
        outage's phase in it (:meth:`Options.outage_offset`: on the grid for a single run,
        with every detector half a period later, the median; drawn for a sample)."""
        period = template_settings().probe_period_s
        now = self.emu.clock.now()
        offset = self.options.outage_offset(period)
        self.advance(next_multiple(now, period) - now + offset)
        self.outage_offset = offset

    def advance(self, seconds: float) -> None:
        """Let modelled time pass (the world runs meanwhile); surface a failed world actor."""
        self.emu.clock.advance(seconds)
        self._raise_world_error()

    def wait_for_execution(self, region: str) -> str:
        """The first execution an EventBridge rule started in ``region`` since ``begin``."""
        deadline = self.emu.clock.now() + DETECTION_LIMIT
        while self.emu.clock.now() < deadline:
            fresh = self.executions_since_begin()
            found = [a for a in fresh if region_of(a) == region]
            if found:
                return found[0]
            self.progress.status(f"modelled t+{self.now():.0f} s, waiting for the alarm path")
            self.advance(POLL)
        raise TimeoutError(
            f"no execution started in {region} within {DETECTION_LIMIT:.0f} modelled seconds"
        )

    def _raise_world_error(self) -> None:
        if self.emu.world_error is not None:
            raise RuntimeError("the world actor failed") from self.emu.world_error

    def wait_until(
        self, condition: Any, what: str, limit: float = DETECTION_LIMIT, fail: bool = True
    ) -> None:
        deadline = self.emu.clock.now() + limit
        while not condition():
            if self.emu.clock.now() > deadline:
                if not fail:
                    return
                raise TimeoutError(f"{what}: not within {limit:.0f} modelled seconds")
            self.progress.status(f"modelled t+{self.now():.0f} s, waiting: {what}")
            self.advance(POLL)

    def settle_executions(self) -> None:
        """Wait for every execution still running (e.g. a second trigger) to end."""
        for arn in self.started_executions():
            if self.emu.faults.is_unreachable(region_of(arn)):
                continue  # started before its region went down; nobody can follow it
            sfn = self.client("stepfunctions", region_of(arn))
            self.wait_until(
                lambda sfn=sfn, arn=arn: (
                    sfn.describe_execution(executionArn=arn)["status"] != "RUNNING"
                ),
                f"{arn} to end",
                limit=RUN_LIMIT,
            )

    def start_manual(self, region: str, event: str, **overrides: Any) -> str:
        """An operator's run from one of events/ (written for the default pair, us-east-1 the
        primary and us-west-2 the second): as an operator would, the example's regions
        become this estate's before it is pasted into ``region``'s console."""
        text = (REPO / "events" / event).read_text(encoding="utf-8")
        for example, ours in (("us-east-1", "{primary}"), ("us-west-2", "{second}")):
            text = text.replace(example, ours)
        text = text.replace("{primary}", self.primary).replace("{second}", self.second)
        payload = json.loads(text)
        payload.update(overrides)
        payload["requested_by"] = "failover-drill"
        arn = self.client("stepfunctions", region).start_execution(
            stateMachineArn=self.estate.state_machine_arns[region], input=json.dumps(payload)
        )["executionArn"]
        self.mark(f"operator started {payload['mode']} into {region} ({event})")
        return str(arn)

    def run_record(
        self,
        name: str,
        trigger: str,
        target: str,
        followed: Followed,
        t0: datetime,
        wall: float,
        expect_active: str | None,
        source: str | None = None,
    ) -> Run:
        """The run's record; ``source``: the region it moves the estate from (default: the
        primary, or for a run into the primary the second region)."""
        if source is None:
            source = self.primary if target != self.primary else self.second
        row = final_state.audit_row(self.client, self.table, target, followed.execution_arn)
        run = run_from(
            followed,
            row,
            t0,
            name=name,
            trigger=trigger,
            source_region=source,
            target_region=target,
            rto_target=self.options.rto_target,
            expect_rto=expect_active == target,
            milestones=self.milestones,
            wall=wall,
        )
        if run.outcome == "succeeded" and run.mode == "unplanned":
            from drill.floors import floors

            region_down = self.options.scenario == "region-down"
            # Route 53's API (and its alarms) live in us-east-1: lost only when that is down
            route53_down = region_down and source == ROUTE53_REGION
            run.floors = floors(
                latency=self.emu.latency, region_down=region_down, route53_down=route53_down
            )
        if expect_active is not None:
            state = self.observe()
            run.checks = final_state.active_in(state, self.config, expect_active)
        run.checks += rto_check(run)
        return run

    def observe(self, reader: str | None = None) -> final_state.EstateState:
        """Where the estate stands (:func:`drill.final_state.observe`), the lease read through
        the failover table's first replica that answers (:meth:`LocalEstate.read_lease`)."""
        return final_state.observe(
            self.config, self.table, self.client, reader=reader, read_lease=self.estate.read_lease
        )

    # ------------------------------------------------------------------ common steps
    def automatic_failover(
        self,
        report: Report,
        name: str = "failover",
        *,
        failed: str | None = None,
        target: str | None = None,
        rejected: dict[str, str] | None = None,
    ) -> Run:
        """An outage of ``failed`` (default: the primary; its ``/health`` answers 503) at the
        start of a probe period; the automatic path fails over into ``target`` (default: the
        second region). Appends and returns the run. With three regions or more, the run's
        checks include its recorded choice of target (:meth:`choice_checks`; ``rejected``:
        region -> a word its recorded rejection must contain)."""
        failed = failed or self.primary
        target = target or self.second
        self.to_probe_period_start()
        t0 = self.begin(f"{name}: outage of {failed}, automatic path")
        began = time.monotonic()
        self.mark_landing("before the outage")
        self.inject_outage(region=failed)
        run = self.alarm_run(name, t0, began, expect_active=target, target=target, source=failed)
        if len(self.spec.regions) > 2 and not self.options.detect_only:
            self.say_choice(run)
            run.checks += self.choice_checks(run, target, failed, rejected or {})
        report.runs.append(run)
        return run

    def inject_outage(self, also: str = "", region: str | None = None) -> None:
        """``region``'s (default: the primary's) ``/health`` answers 503 from now on
        (``also``: what else is set)."""
        region = region or self.primary
        self.estate.health.set_healthy(region, False)
        self.mark(f"outage injected: {region} /health answers 503{also}")

    def alarm_run(
        self,
        name: str,
        t0: datetime,
        began: float,
        expect_active: str | None,
        *,
        target: str | None = None,
        source: str | None = None,
    ) -> Run:
        """The run the automatic path starts in ``target`` (default: the second region),
        followed to its end (and any other execution still running: every other region's
        control plane is started by the same alarms), and its record; ``began``: the wall
        clock at t0. The synthetic user (:mod:`drill.user`) sends its requests from t0 until
        it had a good read and a good write; what it saw is the run's ``user``."""
        target = target or self.second
        self.start_user()
        arn = self.wait_for_execution(target)
        if self.options.detect_only:
            return self.detected(name, arn, target)
        followed = self.follow_run(arn, t0)
        self.settle_executions()
        wall = time.monotonic() - began
        run = self.run_record(name, "alarm", target, followed, t0, wall, expect_active, source)
        self.stop_user(run, target)
        return run

    def detected(self, name: str, arn: str, target: str) -> Run:
        """``detect_only``: the run as far as the automatic path started it."""
        run = Run(
            name=name,
            mode="unplanned",
            trigger="alarm",
            source_region=self.primary,
            target_region=target,
            execution_arn=arn,
            status="STARTED",
            outcome="detected",
            milestones=list(self.milestones),
        )
        if self.user is not None:
            self.user.stop()
            self.user = None
        run.outage_offset_s = round(self.outage_offset, 3)
        run.detection_s = self.detection(run)
        return run

    def start_user(self) -> None:
        """The synthetic user (:mod:`drill.user`) starts sending requests at t0."""
        self.user = SyntheticUser(self.emu, self.estate)
        self.user.start(self._t0)

    def stop_user(self, run: Run, target: str) -> None:
        """Let the user go on until it had a good read and a good write (or a limit), then
        stop it and keep what it saw, the outage's phase and the model's assumptions."""
        user = self.user
        if user is None:
            return

        def recovered() -> bool:
            seen = user.view()
            return seen.first_good_read_s is not None and seen.first_good_write_s is not None

        self.wait_until(
            recovered, "the synthetic user's first good read and write", USER_LIMIT, fail=False
        )
        user.stop()
        self.user = None
        run.user = user.view()
        run.outage_offset_s = round(self.outage_offset, 3)
        latency = self.emu.latency
        run.assumptions = latency.assumptions()
        run.model = latency.phases
        registered = [
            seconds for arn, seconds in self.emu.ecs.registrations.items() if f":{target}:" in arn
        ]
        serving = latency.ecs_task_start_seconds + (registered[0] if registered else 0.0)
        run.act_s = round(max(latency.aurora_failover_seconds, serving), 1)
        run.detection_s = self.detection(run)

    def detection(self, run: Run) -> float | None:
        """When the run could act on the outage: it started (the probe alarm) and the quorum's
        other families had seen it (ConfirmOutage; Route 53's only while its API, in
        us-east-1, answers), in modelled seconds since t0."""
        started = next(
            (m.at for m in run.milestones if "started the" in m.what and "state machine" in m.what),
            None,
        )
        if started is None:
            return None
        seen: list[float] = []
        if not self.emu.faults.is_unreachable(ROUTE53_REGION):
            seen += [
                m.at
                for m in run.milestones
                if m.what == f"Route 53 checkers: {self.primary} unhealthy"
            ][:1]
        seen += [
            m.at
            for m in run.milestones
            if m.what == f"Global Accelerator: {self.primary} endpoints unhealthy"
        ][:1]
        needed = sorted(seen)[: max(template_settings().quorum_families - 1, 0)]
        return round(max([started, *needed]), 1)

    def failback(self, report: Report, *, after_outage: bool = True) -> None:
        """Fail back into the primary; after an outage, first let the primary recover."""
        if not self.options.failback:
            report.notes.append("failback skipped (--no-failback)")
            return
        if after_outage:
            self.begin(f"failback: {self.primary} recovers, then a planned switchover back")
            self.estate.health.set_healthy(self.primary, True)
            self.mark(f"{self.primary} /health answers 200 again")
            alarm = self.client("cloudwatch", ROUTE53_REGION)
            ga = self.client("globalaccelerator", GLOBAL_ACCELERATOR_REGION)
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

            self.wait_until(
                recovered,
                f"{self.primary} healthy to every observer and "
                f"{self.spec.health_alarm(self.primary)} OK",
            )
        # Aurora has rebuilt every member to the new writer's point in time (a switchover is
        # refused while one is pending-resync: minutes to hours), and the primary reports its
        # replication lag again (the switchover's lag check); after any unplanned failover,
        # with an outage or without (a manual one)
        if self.rebuilding():
            self.wait_for_rebuild(lag_of=self.primary)
        t0 = self.begin(f"failback into {self.primary} (manual, planned)")
        began = time.monotonic()
        self.mark_landing("before the failback")
        arn = self.start_manual(self.primary, "manual-failback.json", force=True)
        followed = self.follow_run(arn, t0)
        report.runs.append(
            self.run_record(
                "failback",
                "manual",
                self.primary,
                followed,
                t0,
                time.monotonic() - began,
                self.primary,
            )
        )

    def rerun(self, report: Report, title: str) -> None:
        """The operator's forced re-run into the second region after a failed run: it
        completes what is missing."""
        t1 = self.begin(title)
        began = time.monotonic()
        rerun = self.start_manual(self.second, "manual-unplanned-failover.json", force=True)
        again = self.follow_run(rerun, t1)
        wall = time.monotonic() - began
        record = self.run_record("re-run", "manual", self.second, again, t1, wall, self.second)
        report.runs.append(record)

    def exactly_one_failover(self, region: str) -> list[Check]:
        sfn = self.client("stepfunctions", region)
        executions = sfn.list_executions(stateMachineArn=self.estate.state_machine_arns[region])[
            "executions"
        ]
        outcomes = []
        for execution in executions:
            row = final_state.audit_row(self.client, self.table, region, execution["executionArn"])
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

    def approval_requested(self, region: str) -> tuple[str, dict[str, Any]]:
        """Let modelled time pass until ``region``'s run asks for approval: the task token
        (from the notice's pasteable approve command) and the notice."""
        import shlex

        found: list[dict[str, Any]] = []

        def asked() -> bool:
            found.extend(
                n for n in self.estate.notices(region) if n["kind"] == "approval_requested"
            )
            return bool(found)

        self.wait_until(asked, f"{region}'s run asks for approval")
        notice = found[0]
        words = shlex.split(notice["detail"]["commands"]["approve"])
        self.mark(f"approval requested: {notice['subject']}")
        return words[words.index("--task-token") + 1], notice

    def answer_approval(self, region: str, token: str, approved: bool, who: str) -> None:
        """A person approves (SendTaskSuccess) or rejects (SendTaskFailure ApprovalRejected)."""
        sfn = self.client("stepfunctions", region)
        if approved:
            sfn.send_task_success(taskToken=token, output=json.dumps({"approved_by": who}))
        else:
            sfn.send_task_failure(taskToken=token, error="ApprovalRejected", cause=f"{who}: no")
        self.mark(f"{who} {'approved' if approved else 'rejected'} the failover")

    def synchronization(self) -> dict[str, str]:
        """Each member's ``SynchronizationStatus`` by region (DescribeGlobalClusters, read in
        the first region that answers)."""
        reader = next(
            (r for r in self.spec.regions if not self.emu.faults.is_unreachable(r)), self.primary
        )
        described = self.client("rds", reader).describe_global_clusters(
            GlobalClusterIdentifier=self.spec.global_cluster_id
        )["GlobalClusters"][0]
        return {
            region_of(m["DBClusterArn"]): str(m.get("SynchronizationStatus") or "connected")
            for m in described["GlobalClusterMembers"]
        }

    def lag_reported(self, region: str) -> bool:
        """Whether ``region``'s cluster published AuroraGlobalDBReplicationLag in the last two
        modelled minutes (Aurora publishes it every minute while it replicates)."""
        now = self.emu.utcnow()
        points = self.client("cloudwatch", region).get_metric_statistics(
            Namespace="AWS/RDS",
            MetricName="AuroraGlobalDBReplicationLag",
            Dimensions=[{"Name": "DBClusterIdentifier", "Value": self.spec.cluster_id(region)}],
            StartTime=now - timedelta(minutes=2),
            EndTime=now,
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]
        return bool(points)

    def rebuilding(self) -> list[str]:
        """The regions whose Aurora member is being rebuilt (``pending-resync``)."""
        return [r for r, status in self.synchronization().items() if status != "connected"]

    def wait_for_rebuild(self, lag_of: str | None = None) -> None:
        """After an unplanned failover, let Aurora rebuild every other member to the new
        writer's point in time (``connected`` again), and ``lag_of`` report its replication
        lag, as an operator waits before a switchover or post-recovery (both are refused
        while a member is pending-resync). Minutes to hours in which nothing is watched:
        fast-forwarded, as the warm-up is."""

        def rebuilt() -> bool:
            return not self.rebuilding() and (lag_of is None or self.lag_reported(lag_of))

        if rebuilt():
            return
        what = "every Aurora member connected (the rebuild after the failover)"
        with self.emu.clock.paced(0):
            self.wait_until(
                rebuilt,
                what + (f" and {lag_of}'s replication lag reported" if lag_of else ""),
                limit=RUN_LIMIT,
            )
        self.mark(
            "every Aurora member connected"
            + (f", {lag_of} reports its lag" if lag_of else "")
            + " (the rebuild fast-forwarded)"
        )

    # ------------------------------------------------------ the choice of target (3+ regions)
    def request_of(self, arn: str) -> dict[str, Any]:
        """The request ValidateInput built for the run (its ``candidates``, ``ignored``...), from
        the execution's output, else from ValidateInput's own output in the history."""
        sfn = self.client("stepfunctions", region_of(arn))
        output = json.loads(sfn.describe_execution(executionArn=arn).get("output") or "{}")
        found = output.get("request") if isinstance(output, dict) else None
        if isinstance(found, dict):
            return found
        for event in reversed(self.estate.history(arn)):
            details = event.get("taskSucceededEventDetails") or event.get(
                "lambdaFunctionSucceededEventDetails"
            )
            if details and "candidates" in (details.get("output") or ""):
                state = json.loads(details["output"])
                request = state.get("Payload", state) if isinstance(state, dict) else {}
                request = request.get("request", request)
                if isinstance(request, dict) and "candidates" in request:
                    return request
        return {}

    def choice_checks(
        self, run: Run, target: str, failed: str, rejected: dict[str, str]
    ) -> list[Check]:
        """The run chose ``target``, in priority order: every other candidate is recorded with a
        reason: the ones before the target, and those in ``rejected`` (region -> a word their
        rejection must contain), as rejected; the others after the target, as passed over or
        rejected. And every other region's run (started by the same alarms) stood down naming
        the target."""
        request = self.request_of(run.execution_arn or "")
        entries = {str(e.get("region")): e for e in request.get("candidates") or []}
        candidates = list(self.spec.others(failed))
        checks = [
            Check(
                "candidates judged, in priority order",
                ", ".join(candidates),
                ", ".join(entries) or "none recorded",
                list(entries) == candidates,
            ),
            Check(
                f"{target} took over: the run's choice",
                "target",
                str(entries.get(target, {}).get("status")),
                entries.get(target, {}).get("status") == "target",
            ),
        ]
        before_target = candidates[: candidates.index(target)]
        for region in candidates:
            if region == target:
                continue
            entry = entries.get(region, {})
            reasons = "; ".join(str(r) for r in entry.get("reasons") or [])
            if region in before_target or region in rejected:
                word = rejected.get(region, "")
                checks.append(
                    Check(
                        f"{region} rejected, with its reason",
                        f"rejected: {word}..." if word else "rejected",
                        f"{entry.get('status')}: {reasons or 'no reason'}",
                        entry.get("status") == "rejected" and bool(reasons) and word in reasons,
                    )
                )
            else:
                checks.append(
                    Check(
                        f"{region} passed over, with its reason",
                        f"after {target} in priority order, or rejected",
                        f"{entry.get('status')}: {reasons or 'no reason'}",
                        entry.get("status") in ("eligible", "rejected") and bool(reasons),
                    )
                )
        for arn in self.executions_since_begin():
            region = region_of(arn)
            if region in (target, failed) or self.emu.faults.is_unreachable(region):
                continue
            other = self.request_of(arn)
            why = str(other.get("ignore_reason") or "")
            checks.append(
                Check(
                    f"{region}'s run {arn.rsplit(':', 1)[-1][:8]} stood down",
                    f"ignored, naming {target}",
                    f"ignored: {why}" if other.get("ignored") else f"not ignored: {why or '-'}",
                    bool(other.get("ignored")) and (target in why or "already" in why),
                )
            )
        return checks

    def say_choice(self, run: Run) -> None:
        request = self.request_of(run.execution_arn or "")
        for entry in request.get("candidates") or []:
            self.mark(
                f"candidate {entry.get('region')}: {entry.get('status')}"
                + (f" ({'; '.join(entry.get('reasons') or [])})" if entry.get("reasons") else "")
            )

    def outcome_of(self, arn: str) -> str | None:
        """The outcome the execution's audit row records (None: no row yet)."""
        row = final_state.audit_row(self.client, self.table, region_of(arn), arn)
        return None if row is None else str(row.get("outcome"))


__all__ = ["DEFAULT_RTO_TARGET", "DEFAULT_TIME_SCALE", "LocalDrill", "Options", "ScenarioFunction"]
