"""The live drill: a game day against the deployed stacks in a real account.

``python -m drill --live [--profile NAME] --region R [--scenario unplanned|planned] [--execute]``

The drill in region ``R`` fails over *into* ``R``: it starts ``R``'s own failover state
machine (the control plane only moves the active region into its home region), so ``R`` is
the target and the other region of the estate is the source.

By default it is a **dry run**: the state machine runs with ``"dry_run": true``, validates
the input, takes and releases the lease, preflights the target and records the action plan,
and changes nothing else. The drill prints that plan and proves nothing moved (the estate
read before and after is the same). ``--execute`` really fails over, after the operator types
``fail over to R``. A failback is never chained: it is a second, separately confirmed run.

``--automatic`` follows the automatic path instead of starting the state machine: it starts
the other region's AWS FIS experiment (the ALB answers 503: template.yaml's GameDayAlb503,
output ``GameDayAlb503TemplateId`` of the same-named control-plane stack there), waits for the
execution its alarm starts in ``R`` (detection, cross-region forwarding, the quorum), follows
it to the same report, and stops the experiment once the run ends (or the drill stops), so
the injected outage never outlives the drill. Without ``--execute`` it only prints the
experiment it would start and the command to start it by hand; with it, the operator types
``inject an outage of S`` first.

Everything is read through the same APIs as on the embedded AWS (:mod:`drill.final_state`,
:mod:`drill.follow`), with clients from one boto3 session.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from failover.config import GLOBAL_ACCELERATOR_REGION, EstateConfig
from failover.errors import ConfigurationError
from failover.history import spans

from drill import final_state
from drill.embedded import REPO
from drill.follow import Followed, follow, reporting, to_stages
from drill.model import Check, Report, Run
from drill.runs import error_of, outcome_of, rto_check, run_from

if TYPE_CHECKING:
    from drill.progress import Progress

__all__ = [
    "LIVE_SCENARIOS",
    "Clients",
    "LiveDrillError",
    "LiveOptions",
    "Target",
    "confirmation_phrase",
    "discover",
    "plan_lines",
    "run_live",
]

# scenario -> the events/ input an operator would paste for it
LIVE_SCENARIOS = {
    "unplanned": "manual-unplanned-failover.json",
    "planned": "manual-planned-switchover.json",
}
REQUIRED_OUTPUTS = ("StateMachineArn", "FailoverTableName", "EstateConfigFunctionName")
DEFAULT_STACK = "shop-failover-control-plane"  # drill/cli.py's --stack default
REQUESTED_BY = "failover-drill"
DRY_RUN_REASON = "game day dry run"
FOLLOW_TIMEOUT = 3600.0  # real seconds: a failover polls Aurora for minutes
POLL_SECONDS = 2.0  # between DescribeExecution/GetExecutionHistory rounds


class LiveDrillError(RuntimeError):
    """The live drill cannot run or go on (the message says why and what to do, and names the
    execution when one was started: it keeps running in AWS)."""


@dataclass
class LiveOptions:
    profile: str | None
    region: str  # the drill's region: the target of the failover
    stack: str  # the control-plane stack in ``region``
    scenario: str
    execute: bool
    failback: bool
    rto_target: float
    automatic: bool = False


EXPERIMENT_OUTPUT = "GameDayAlb503TemplateId"
"""The control-plane output naming the FIS template that injects that region's outage."""
DETECTION_TIMEOUT = 900.0  # real seconds for the alarm path to start a run after the injection


def outage_phrase(region: str) -> str:
    """What the operator must type before the drill injects ``region``'s outage."""
    return f"inject an outage of {region}"


def confirmation_phrase(region: str) -> str:
    """What the operator must type before a live failover into ``region``."""
    return f"fail over to {region}"


@dataclass
class Target:
    """The deployed control plane in the drill's region and the estate it acts on."""

    region: str
    peer: str
    """The region the drill moves the estate from: the first other one in priority order."""
    state_machine_arn: str
    table: str
    config: dict[str, Any]


class Clients:
    """A client factory on one session, in the shape :mod:`drill.final_state` expects."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self._cache: dict[tuple[str, str], Any] = {}

    def __call__(self, service: str, region: str) -> Any:
        if service == "globalaccelerator":
            region = GLOBAL_ACCELERATOR_REGION
        key = (service, region)
        if key not in self._cache:
            self._cache[key] = self.session.client(service, region_name=region)
        return self._cache[key]


def run_live(
    options: LiveOptions,
    progress: Progress,
    stdin: TextIO,
    session: boto3.Session | None = None,
    *,
    poll_seconds: float = POLL_SECONDS,
) -> Report | None:
    """Run the live drill. Returns the report, or None when the operator aborted.

    Raises :class:`LiveDrillError` when the drill cannot run (unknown profile, missing
    stack or output, unreadable estate config, a scenario that only runs locally).
    """
    event = LIVE_SCENARIOS.get(options.scenario)
    if event is None:
        raise LiveDrillError(
            f"scenario {options.scenario} only runs locally: it injects faults no live drill "
            f"should (live scenarios: {', '.join(LIVE_SCENARIOS)})"
        )
    began = time.monotonic()
    if session is None:
        try:
            session = boto3.Session(profile_name=options.profile, region_name=options.region)
        except BotoCoreError as error:  # ProfileNotFound and friends
            raise LiveDrillError(f"cannot use AWS profile {options.profile!r}: {error}") from error
    client = Clients(session)
    # raises LiveDrillError before anything is started
    target = discover(client, options.region, options.stack)
    report = Report(
        scenario=options.scenario,
        target=f"live: profile {options.profile or '(default)'}, region {options.region}, "
        f"stack {options.stack}",
        time_scale=1.0,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    drill = _LiveDrill(options, progress, client, target, poll_seconds)
    try:
        if options.automatic:
            template = experiment_template(client, target.peer, options.stack)
            if not options.execute:
                drill.automatic_dry_run(report, template)
            elif drill.automatic(stdin, report, template) is None:
                return None
        elif options.execute:
            if drill.execute(stdin, report) is None:
                return None
        else:
            drill.dry_run(report)
    except (ClientError, BotoCoreError, TimeoutError) as error:
        raise LiveDrillError(drill.failure(error)) from error
    report.wall_seconds = time.monotonic() - began
    return report


# ------------------------------------------------------------------------------ discovery
def discover(client: Any, region: str, stack: str) -> Target:
    """The control plane deployed as ``stack`` in ``region`` and the estate it acts on, from the
    stack's outputs and the estate config its functions run with (LiveDrillError when not)."""
    outputs = _stack_outputs(client, region, stack)
    config = _estate_config(client, region, outputs["EstateConfigFunctionName"])
    # the region the drill moves the estate from: the first other region in priority order
    # (the primary, unless the drill fails over into it)
    peer = EstateConfig.from_dict(config).others(region)[0]
    return Target(
        region=region,
        peer=peer,
        state_machine_arn=outputs["StateMachineArn"],
        table=outputs["FailoverTableName"],
        config=config,
    )


def _stack_outputs(client: Any, region: str, stack: str) -> dict[str, str]:
    where = f"stack {stack} in {region}"
    try:
        stacks = client("cloudformation", region).describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        if "does not exist" in message:
            raise LiveDrillError(
                f"{where} does not exist: deploy the control plane there "
                "(sam deploy), or name the deployed one with --stack"
            ) from error
        raise LiveDrillError(f"cannot read {where}: {message}") from error
    except BotoCoreError as error:  # no credentials, no network, expired SSO session...
        raise LiveDrillError(f"cannot read {where}: {error}") from error
    if not stacks:
        raise LiveDrillError(f"{where} does not exist")
    outputs = {str(o["OutputKey"]): str(o["OutputValue"]) for o in stacks[0].get("Outputs") or []}
    missing = [key for key in REQUIRED_OUTPUTS if not outputs.get(key)]
    if missing:
        raise LiveDrillError(
            f"{where} has no output {', '.join(missing)} "
            f"(status {stacks[0].get('StackStatus', 'unknown')}): deploy the current "
            "template.yaml there"
        )
    return outputs


def _estate_config(client: Any, region: str, function: str) -> dict[str, Any]:
    where = f"function {function} in {region}"
    try:
        described = client("lambda", region).get_function_configuration(FunctionName=function)
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        raise LiveDrillError(f"cannot read {where}: {message}") from error
    except BotoCoreError as error:
        raise LiveDrillError(f"cannot read {where}: {error}") from error
    text = ((described.get("Environment") or {}).get("Variables") or {}).get("ESTATE_CONFIG")
    if not text:
        raise LiveDrillError(f"{where} has no ESTATE_CONFIG environment variable")
    try:
        config: Any = json.loads(text)
    except ValueError as error:
        raise LiveDrillError(f"ESTATE_CONFIG of {where} is not JSON: {error}") from error
    try:
        regions = EstateConfig.from_dict(config).priority
    except ConfigurationError as error:
        raise LiveDrillError(f"ESTATE_CONFIG of {where} is not valid: {error}") from error
    if region not in regions:
        raise LiveDrillError(
            f"region {region} is not in the estate ({', '.join(regions)}): "
            "pass --region as one of those"
        )
    return dict(config)


def experiment_template(client: Any, region: str, stack: str) -> str:
    """The FIS experiment template that injects ``region``'s outage (LiveDrillError when the
    stack there has none)."""
    found = _stack_outputs(client, region, stack).get(EXPERIMENT_OUTPUT)
    if not found:
        raise LiveDrillError(
            f"stack {stack} in {region} has no {EXPERIMENT_OUTPUT} output: deploy it with its "
            "ALB listener (make deploy passes it), or run the manual game day without --automatic"
        )
    return found


# ---------------------------------------------------------------------------------- drill
class _LiveDrill:
    def __init__(
        self,
        options: LiveOptions,
        progress: Progress,
        client: Clients,
        target: Target,
        poll_seconds: float,
    ) -> None:
        self.options = options
        self.progress = progress
        self.client = client
        self.target = target
        self.poll_seconds = poll_seconds
        self.sfn = client("stepfunctions", target.region)
        self.started: str | None = None  # the execution this drill started, once it has

    def failure(self, error: BaseException) -> str:
        """What to tell the operator when an AWS call failed or a run took too long."""
        if self.started is None:
            return f"the live drill stopped before starting anything: {error}"
        return (
            f"the live drill stopped following {self.started}: {error}. The execution keeps "
            "running in AWS: follow it in the Step Functions console and read its audit row"
        )

    @property
    def estate_name(self) -> str:
        return str(self.target.config.get("estate_name") or "estate")

    def observe(self) -> final_state.EstateState:
        return final_state.observe(self.target.config, self.target.table, self.client)

    def _payload(self, **overrides: Any) -> dict[str, Any]:
        event = LIVE_SCENARIOS[self.options.scenario]
        payload: dict[str, Any] = json.loads((REPO / "events" / event).read_text("utf-8"))
        payload.update(overrides)
        payload["target_region"] = self.target.region
        payload["requested_by"] = REQUESTED_BY
        return payload

    def _start(self, payload: dict[str, Any], kind: str) -> tuple[str, datetime]:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        started = self.sfn.start_execution(
            stateMachineArn=self.target.state_machine_arn,
            name=f"{REQUESTED_BY}-{kind}-{stamp}-{uuid.uuid4().hex[:6]}",
            input=json.dumps(payload),
        )
        arn = self.started = str(started["executionArn"])
        self.progress.line(f"  started {arn}")
        return arn, started["startDate"]

    def _follow(self, arn: str, t0: datetime) -> Followed:
        def heartbeat() -> None:
            self.progress.heartbeat((datetime.now(UTC) - t0).total_seconds())

        return follow(
            self.sfn,
            arn,
            reporting(self.progress, t0),
            FOLLOW_TIMEOUT,
            self.poll_seconds,
            on_poll=heartbeat,
        )

    def _state_line(self, state: final_state.EstateState) -> str:
        dials = ", ".join(f"{r} {v:.0f}%" for r, v in state.dials.items())
        tasks = ", ".join(f"{r} {n}" for r, n in state.desired.items())
        return (
            f"now: writer {state.writer_region}; traffic dials {dials}; desired tasks {tasks}; "
            f"active-region parameter {state.active_parameter.get(self.target.region)}"
        )

    def _command(self, *, region: str, scenario: str, execute: bool) -> str:
        parts = ["python -m drill --live", f"--region {region}", f"--scenario {scenario}"]
        if execute:
            parts.append("--execute")
        if self.options.profile:
            parts.append(f"--profile {self.options.profile}")
        if self.options.stack != DEFAULT_STACK:
            parts.append(f"--stack {self.options.stack}")
        return " ".join(parts)

    # ------------------------------------------------------------------------- dry run
    def dry_run(self, report: Report) -> Run:
        target, peer = self.target.region, self.target.peer
        self.progress.section(
            f"DRY RUN: {self.options.scenario} failover of {self.estate_name} into {target} "
            f"(from {peer}); nothing will be changed"
        )
        began = time.monotonic()
        before = self.observe()
        self.progress.line(f"  {self._state_line(before)}")
        payload = self._payload(dry_run=True, reason=DRY_RUN_REASON)
        arn, t0 = self._start(payload, "dry-run")
        followed = self._follow(arn, t0)
        after = self.observe()
        changed = _difference(before, after)
        output = _output(followed)
        plan = output.get("plan") if isinstance(output.get("plan"), dict) else None
        row = final_state.audit_row(self.client, self.target.table, target, arn)
        outcome = outcome_of(followed, row)
        run = Run(
            name="dry run",
            mode="dry-run",
            trigger="manual",
            source_region=peer,
            target_region=target,
            execution_arn=arn,
            status=followed.status,
            outcome=outcome,
            stages=to_stages(
                spans(followed.events),
                t0,
                followed.stopped_at,
                succeeded=followed.status == "SUCCEEDED",
            ),
            error=error_of(followed),
            wall_seconds=time.monotonic() - began,
        )
        run.checks = [
            Check(
                "action plan built",
                "SUCCEEDED with a plan",
                f"{followed.status}{' with a plan' if plan else ', no plan'}",
                followed.status == "SUCCEEDED" and plan is not None,
            ),
            Check(
                "changed nothing",
                "estate as before",
                changed or "estate as before",
                not changed,
            ),
            *final_state.leases_released(after),
        ]
        report.runs.append(run)
        if plan is not None:
            self.progress.section(f"action plan: what --execute would do ({self.options.scenario})")
            for line in plan_lines(plan):
                self.progress.line(f"  {line}")
        else:
            self.progress.line(f"  no action plan: the dry run ended {outcome} ({run.error})")
        self.progress.section("dry run finished")
        if not changed:
            self.progress.line(
                "  nothing was changed: writer, traffic dials, tasks, active-region parameter "
                "and lease are as before (the run only wrote its audit row)"
            )
        else:
            self.progress.line(
                f"  the estate changed while the dry run ran (someone else acted?): {changed}"
            )
        command = self._command(region=target, scenario=self.options.scenario, execute=True)
        self.progress.line(f"  to act on this plan, run again with --execute: {command}")
        report.notes.append(
            f"dry run: nothing was changed. To fail over into {target}, run `{command}` "
            f"and type `{confirmation_phrase(target)}` when asked."
        )
        return run

    # ---------------------------------------------------------------- automatic path
    def _fis_command(self, template: str) -> str:
        profile = f" --profile {self.options.profile}" if self.options.profile else ""
        return (
            f"aws fis start-experiment --region {self.target.peer} "
            f"--experiment-template-id {template}{profile}"
        )

    def automatic_dry_run(self, report: Report, template: str) -> None:
        target, peer = self.target.region, self.target.peer
        self.progress.section(
            f"DRY RUN: automatic failover of {self.estate_name} into {target}; nothing will be "
            "started"
        )
        self.progress.line(f"  {self._state_line(self.observe())}")
        self.progress.line(
            f"  --execute would start AWS FIS experiment template {template} in {peer} "
            f"({peer}'s ALB answers 503 on every path), then wait for the execution {target}'s "
            "probe alarm starts, follow it, and stop the experiment when the run ends:"
        )
        self.progress.line(f"    {self._fis_command(template)}")
        command = self._command(region=target, scenario="unplanned", execute=True)
        report.notes.append(
            f"automatic dry run: nothing was started. To run the automatic path, run "
            f"`{command} --automatic` and type `{outage_phrase(peer)}` when asked."
        )

    def automatic(self, stdin: TextIO, report: Report, template: str) -> Run | None:
        target, peer = self.target.region, self.target.peer
        self.progress.section(
            f"LIVE automatic failover of {self.estate_name}: {peer}'s outage injected by AWS FIS, "
            f"{target}'s control plane should fail over on its own"
        )
        self.progress.line(f"  {self._state_line(self.observe())}")
        self.progress.line(f"  experiment template {template} in {peer}:")
        self.progress.line(f"    {self._fis_command(template)}")
        phrase = outage_phrase(peer)
        self.progress.line(f"  type `{phrase}` to continue (anything else aborts):")
        if stdin.readline().strip() != phrase:
            self.progress.line("  aborted: nothing was started")
            return None
        fis = self.client("fis", peer)
        began = time.monotonic()
        started = fis.start_experiment(
            clientToken=str(uuid.uuid4()),
            experimentTemplateId=template,
            tags={"estate": self.estate_name, "started-by": REQUESTED_BY},
        )["experiment"]
        experiment = str(started["id"])
        t0 = started.get("startTime") or datetime.now(UTC)
        self.progress.line(f"  experiment {experiment} started in {peer}")
        try:
            arn = self._wait_for_alarm_run(t0)
            self.started = arn
            self.progress.line(f"  the alarm path started {arn}")
            followed = self._follow(arn, t0)
        finally:
            self._stop(fis, experiment)
        row = final_state.audit_row(self.client, self.target.table, target, arn)
        run = run_from(
            followed,
            row,
            t0,
            name="automatic failover",
            trigger="alarm",
            source_region=peer,
            target_region=target,
            rto_target=self.options.rto_target,
            expect_rto=True,
            wall=time.monotonic() - began,
        )
        run.checks = final_state.active_in(self.observe(), self.target.config, target)
        run.checks += rto_check(run)
        report.runs.append(run)
        report.notes.append(
            f"the outage of {peer} was injected by FIS experiment {experiment} (stopped once "
            f"the run ended); fail back as a separate, confirmed run once {peer} is healthy"
        )
        return run

    def _wait_for_alarm_run(self, since: datetime) -> str:
        deadline = time.monotonic() + DETECTION_TIMEOUT
        while True:
            listed = self.sfn.list_executions(
                stateMachineArn=self.target.state_machine_arn, maxResults=20
            )["executions"]
            fresh = [e for e in listed if e["startDate"] >= since]
            if fresh:
                return str(min(fresh, key=lambda e: e["startDate"])["executionArn"])
            waited = (datetime.now(UTC) - since).total_seconds()
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"no execution started in {self.target.region} within "
                    f"{DETECTION_TIMEOUT:.0f} s of the injected outage: the automatic path did "
                    "not fire (see the probe and health alarms)"
                )
            if waited >= 0 and int(waited) % 15 < self.poll_seconds:
                self.progress.event(waited, "... waiting for the alarm path to start a run")
            time.sleep(self.poll_seconds)

    def _stop(self, fis: Any, experiment: str) -> None:
        try:
            fis.stop_experiment(id=experiment)
            self.progress.line(f"  experiment {experiment} stopped: the outage is lifted")
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code != "ValidationException":  # it had already ended by itself
                self.progress.line(
                    f"  could NOT stop experiment {experiment}: {error}. Stop it now: "
                    f"aws fis stop-experiment --region {self.target.peer} --id {experiment}"
                )

    # ------------------------------------------------------------------------- execute
    def execute(self, stdin: TextIO, report: Report) -> Run | None:
        target, peer = self.target.region, self.target.peer
        mode = self.options.scenario
        phrase = confirmation_phrase(target)
        self.progress.section(
            f"LIVE {mode} failover of {self.estate_name}: {peer} -> {target} "
            f"(state machine in {target})"
        )
        before = self.observe()
        self.progress.line(f"  {self._state_line(before)}")
        what = (
            "Aurora FailoverGlobalCluster with AllowDataLoss (writes not yet replicated "
            f"to {target} can be lost)"
            if mode == "unplanned"
            else f"Aurora switchover (synchronised first, no data loss; {peer} must be healthy)"
        )
        self.progress.line(
            f"  this moves the active region to {target}: database ({what}), Global "
            f"Accelerator dials {target} 100% / {peer} 0%, {target} scaled to full capacity, "
            f"active-region parameter {target}"
        )
        self.progress.line(f"  type `{phrase}` to continue (anything else aborts):")
        answer = stdin.readline()
        if answer.strip() != phrase:
            self.progress.line("  aborted: nothing was changed")
            return None
        began = time.monotonic()
        payload = self._payload(
            reason=f"game day: {mode} failover into {target}, confirmed by the operator"
        )
        arn, t0 = self._start(payload, mode)
        followed = self._follow(arn, t0)
        run = self._run_record(followed, t0, time.monotonic() - began)
        report.runs.append(run)
        self.progress.line(
            f"  {run.status}: {run.outcome}" + (f" ({run.error})" if run.error else "")
        )
        succeeded = run.status == "SUCCEEDED" and run.outcome == "succeeded"
        if not succeeded:
            report.notes.append(
                f"the failover into {target} did not succeed ({run.outcome}): read the "
                f"execution {arn} and its audit row before acting again"
            )
        elif self.options.failback:
            command = self._command(region=peer, scenario="planned", execute=True)
            report.notes.append(
                f"no automatic failback on a live game day: once {peer} has recovered, fail "
                f"back as a separate run with its own confirmation: `{command}` (the control "
                "plane's cooldown applies to it)"
            )
        else:
            report.notes.append("failback skipped (--no-failback)")
        return run

    def _run_record(self, followed: Followed, t0: datetime, wall: float) -> Run:
        """As :meth:`drill.local.LocalDrill._run_record` builds it for a manual run."""
        target = self.target.region
        row = final_state.audit_row(self.client, self.target.table, target, followed.execution_arn)
        run = run_from(
            followed,
            row,
            t0,
            name="switchover" if self.options.scenario == "planned" else "failover",
            trigger="manual",
            source_region=self.target.peer,
            target_region=target,
            rto_target=self.options.rto_target,
            expect_rto=True,
            wall=wall,
        )
        run.checks = final_state.active_in(self.observe(), self.target.config, target)
        run.checks += rto_check(run)
        return run


# -------------------------------------------------------------------------------- helpers
def _output(followed: Followed) -> dict[str, Any]:
    try:
        output = json.loads(followed.described.get("output") or "{}")
    except ValueError:
        return {}
    return output if isinstance(output, dict) else {}


# What the control plane sets. Running task counts are left out: ECS replaces tasks on its
# own, and a dry run cannot change them without changing the desired count.
_COMPARED = (
    "writer_region",
    "global_cluster_status",
    "dials",
    "desired",
    "active_parameter",
    "lease_holder",
)


def _difference(before: final_state.EstateState, after: final_state.EstateState) -> str:
    """What changed between two reads of the estate ("" when nothing did)."""
    return "; ".join(
        f"{name} {getattr(before, name)} -> {getattr(after, name)}"
        for name in _COMPARED
        if getattr(before, name) != getattr(after, name)
    )


def plan_lines(plan: dict[str, Any]) -> list[str]:
    """The action plan Preflight recorded, one line per part, in the order the run acts."""
    source, target = plan.get("source_region"), plan.get("target_region")
    lines = [f"mode {plan.get('mode')}: {source} -> {target}"]
    lag = final_state._number(plan.get("replication_lag_ms"))
    lag_text = "unknown" if lag is None else f"{lag:.0f} ms"
    database = plan.get("database")
    if isinstance(database, dict):
        action = database.get("action", "?")
        loss = "allow data loss" if database.get("allow_data_loss") else "no data loss"
        lines.append(
            f"database: {action} of {database.get('global_cluster_id')}: writer "
            f"{database.get('writer_region')} -> {target} ({loss}; replication lag {lag_text})"
        )
    traffic = plan.get("traffic")
    if isinstance(traffic, dict):
        # {"dials": {region: {"current", "desired"}}}; older plans: "endpoint_groups"
        groups = traffic.get("dials") or traffic.get("endpoint_groups") or {}
        order = sorted(groups, key=lambda region: region != target)  # the target first
        dials = ", ".join(
            f"{region} {_pct(g.get('current', g.get('current_dial')))} -> "
            f"{_pct(g.get('desired', g.get('desired_dial')))}"
            for region in order
            if isinstance(g := groups[region], dict)
        )
        if not traffic.get("global_accelerator_reachable", True):
            dials = "unknown (API unreachable at preflight)"
        lines.append(
            f"traffic: Global Accelerator dials {dials or 'unknown'}; DNS {traffic.get('dns')}"
        )
    compute = plan.get("compute")
    if isinstance(compute, dict):
        lines.append(
            f"compute: {compute.get('cluster')}/{compute.get('service')} desired tasks "
            f"{compute.get('current_desired')} -> {compute.get('required')} "
            f"({compute.get('action')})"
        )
    app_config = plan.get("active_region") or plan.get("app_config")
    if isinstance(app_config, dict):
        lines.append(
            f"app config: {app_config.get('parameter')} {app_config.get('current')} -> "
            f"{app_config.get('desired')} ({app_config.get('action')})"
        )
    fence = plan.get("fence")
    if isinstance(fence, dict):
        lines.append(f"fence: {fence.get('action')}")
    return lines


def _pct(value: Any) -> str:
    try:
        return f"{float(value):.0f}%"
    except (TypeError, ValueError):
        return "?"
