"""``make deploy``: deploy the whole estate in order with one command.

Each step is ``sam deploy --config-file samconfig.toml --config-env <env>`` in the order of
scripts/stacks.py. Before each step the values computed from the stacks deployed before (read
with boto3, in any region) are written to ``.estate/<env>.yaml``, which that env's
``parameter_overrides`` includes last: the deploy runs exactly the command a plain-SAM user runs.
Change sets are reviewed unless ``--no-confirm-changeset`` says otherwise, and the control plane
deploys the ``sam build`` output. Re-running it is safe: unchanged stacks are empty change sets,
and a traffic dial or desired count that a failover changed is kept.

    .venv/bin/python -m scripts.deploy [--dry-run [--changesets]] [--write-params]
                                       [--no-confirm-changeset] [--profile NAME]
                                       [--config samconfig.toml]

``--write-params`` (``make estate-params``) only writes the ``.estate/`` files from the stacks
that exist, for ``sam deploy --config-env <env>`` by hand. Credentials come from the default
chain (environment, SSO, instance role); ``--profile`` is optional, and whatever is chosen
reaches every call: the boto3 reads and each ``sam deploy`` (``--profile``, ``--region``).
``--dry-run`` (``make deploy-plan``) takes the same arguments, prints the exact ``sam`` commands
and exits 2 when the configuration is not deployable; with ``--changesets`` it also creates each
stack's change set for review without executing it (``--no-execute-changeset``).
"""

from __future__ import annotations

import argparse
import functools
import logging
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from failover.config import GLOBAL_ACCELERATOR_REGION

from scripts import stacks

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

LOG = logging.getLogger("estate.deploy")
ROOT = Path(__file__).resolve().parents[1]
# The sam of the venv that runs this script.
SAM = str(Path(sys.executable).with_name("sam"))
# What `sam build` reads for the control plane: the build is stale when one is newer.
BUILD_SOURCES = ("template.yaml", "statemachines", "functions")


# Runs one sam command from the repository root; raises CalledProcessError when it fails.
# Injected in tests (no real sam, no AWS).
Runner = Callable[[list[str], Path], None]


def run_command(argv: list[str], cwd: Path) -> None:
    subprocess.run(argv, cwd=cwd, check=True)  # noqa: S603 - our own argv, no shell


class Aws:
    """boto3 clients cached by (service, region): every call names its region explicitly.

    ``profile`` is the one chosen on the command line (None: the default chain); the sam
    commands get the same one, so every call acts in one account.
    """

    def __init__(self, profile: str | None = None) -> None:
        import boto3  # imported here so that --dry-run and the unit tests need no AWS setup

        self.profile = profile
        self._session = boto3.Session(profile_name=profile)
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self._session.client(service, region_name=region)  # type: ignore[call-overload]
        return self._clients[key]


def _describe_stack(aws: Aws, target: stacks.StackTarget) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    cloudformation = aws.client("cloudformation", target.region)
    try:
        stacks = cloudformation.describe_stacks(StackName=target.stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    stack: dict[str, Any] = stacks[0]
    if stack["StackStatus"] in ("REVIEW_IN_PROGRESS", "DELETE_COMPLETE"):
        return None
    return stack


def stack_outputs(aws: Aws, target: stacks.StackTarget) -> dict[str, str] | None:
    stack = _describe_stack(aws, target)
    if stack is None:
        return None
    return {o["OutputKey"]: o.get("OutputValue", "") for o in stack.get("Outputs", [])}


def stack_parameters(aws: Aws, target: stacks.StackTarget) -> dict[str, str] | None:
    stack = _describe_stack(aws, target)
    if stack is None:
        return None
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}


def live_traffic_dials(
    aws: Aws, plan: stacks.Plan, global_outputs: Mapping[str, str]
) -> dict[str, str]:
    """Each region's dial as Global Accelerator has it now (its API lives only in us-west-2)."""
    ga = aws.client("globalaccelerator", GLOBAL_ACCELERATOR_REGION)
    dials: dict[str, str] = {}
    for region in plan.regions:
        arn = global_outputs.get(f"EndpointGroupArn{stacks.key(region)}")
        if arn:
            group = ga.describe_endpoint_group(EndpointGroupArn=arn)
            dials[region] = _number(group["EndpointGroup"]["TrafficDialPercentage"])
    return dials


def parse_keyed(value: str | None) -> dict[str, str]:
    """``us-east-1=100,eu-west-1=0`` -> {region: value} (the global stack's keyed lists)."""
    pairs = (item.partition("=") for item in (value or "").split(",") if "=" in item)
    return {region.strip(): dial.strip() for region, _, dial in pairs}


def live_desired_count(aws: Aws, region: str, outputs: Mapping[str, str]) -> str | None:
    if not outputs.get("EcsClusterName") or not outputs.get("EcsServiceName"):
        return None
    ecs = aws.client("ecs", region)
    services = ecs.describe_services(
        cluster=outputs["EcsClusterName"], services=[outputs["EcsServiceName"]]
    )["services"]
    return str(services[0]["desiredCount"]) if services else None


def _number(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def declared_parameters(template_file: str, root: Path = ROOT) -> set[str]:
    path = root / template_file
    return set(_declared(path, path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=8)
def _declared(path: Path, _mtime_ns: int) -> frozenset[str]:
    from samcli.yamlhelper import yaml_parse  # SAM CLI's CloudFormation-aware YAML reader

    template = yaml_parse(path.read_text(encoding="utf-8"))
    return frozenset(template.get("Parameters", {}))


def _keep_runtime(
    label: str,
    parameters: dict[str, str],
    deployed: Mapping[str, str] | None,
    live: Mapping[str, str | None],
    defaults: Mapping[str, str],
) -> None:
    for name, live_value in live.items():
        configured = parameters.get(name, defaults[name])
        # A stack that exists lists every parameter; a default it never got is its default.
        last = None if deployed is None else deployed.get(name, defaults[name])
        kept = stacks.preserve_runtime_value(configured, last, live_value)
        if kept != configured:
            LOG.warning(
                "[%s] keeping %s=%s, set at run time (configured %s)", label, name, kept, configured
            )
        parameters[name] = kept


def check_build(root: Path = ROOT) -> None:
    """Refuse to deploy a control plane whose ``sam build`` output is missing or stale."""
    built = root / stacks.BUILT_TEMPLATE
    if not built.is_file():
        raise stacks.BuildMissing(
            f"{stacks.BUILT_TEMPLATE} does not exist: run `make build` (sam build) first; the "
            "control plane deploys the build output, never template.yaml itself"
        )
    built_at = built.stat().st_mtime
    for source in BUILD_SOURCES:
        path = root / source
        files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
        newer = [f for f in files if "__pycache__" not in f.parts and f.stat().st_mtime > built_at]
        if newer:
            raise stacks.BuildMissing(
                f"{stacks.BUILT_TEMPLATE} is older than {newer[0].relative_to(root)}: run "
                "`make build` (sam build) again"
            )


class EstateParameters:
    """The computed parameters of each stack, from the stacks that exist and their live state."""

    def __init__(self, plan: stacks.Plan, aws: Aws, root: Path = ROOT) -> None:
        self.plan = plan
        self.aws = aws
        self.root = root

    def region(self, target: stacks.StackTarget, computed: dict[str, str]) -> dict[str, str]:
        """Keep a desired count the control plane changed (a scaled-up standby, say)."""
        return self._keep_live(
            target,
            computed,
            lambda outputs: {"DesiredCount": live_desired_count(self.aws, target.region, outputs)},
            {"DesiredCount": "2"},
        )

    def global_(self, computed: dict[str, str]) -> dict[str, str]:
        """TrafficDials: the primary 100 and every other region 0, except a dial the control
        plane moved since the last deploy (a failover), which is kept."""
        target = self.plan.global_
        dials = stacks.default_traffic_dials(self.plan)
        dials.update(parse_keyed(target.parameters.get("TrafficDials")))
        outputs = stack_outputs(self.aws, target)
        if outputs is not None:
            deployed = stack_parameters(self.aws, target) or {}
            last = {**stacks.default_traffic_dials(self.plan)}
            last.update(parse_keyed(deployed.get("TrafficDials")))
            live = live_traffic_dials(self.aws, self.plan, outputs)
            for region in self.plan.regions:
                kept = stacks.preserve_runtime_value(
                    dials[region], last.get(region), live.get(region)
                )
                if kept != dials[region]:
                    LOG.warning(
                        "[%s] keeping the %s dial at %s, set at run time (configured %s)",
                        target.env,
                        region,
                        kept,
                        dials[region],
                    )
                dials[region] = kept
        return {**computed, "TrafficDials": stacks.keyed(dials.items())}

    def _keep_live(
        self,
        target: stacks.StackTarget,
        computed: dict[str, str],
        live: Callable[[dict[str, str]], Mapping[str, str | None]],
        defaults: dict[str, str],
    ) -> dict[str, str]:
        """``computed`` with the values of ``defaults``' keys the running estate holds now
        (``live`` reads them from the stack's outputs), for a stack that exists."""
        outputs = stack_outputs(self.aws, target)
        if outputs is None:
            return computed
        merged = stacks.merge_parameters(target.parameters, computed)
        _keep_runtime(
            target.env, merged, stack_parameters(self.aws, target), live(outputs), defaults
        )
        return {**computed, **{name: merged[name] for name in defaults}}

    def write(self, target: stacks.StackTarget, computed: Mapping[str, str]) -> Path:
        """Write ``.estate/<env>.yaml``: the computed values the template declares."""
        kept, dropped = stacks.filter_declared(
            computed, declared_parameters(target.template_file, self.root)
        )
        if dropped:
            LOG.info(
                "[%s] %s does not declare %s; not passed", target.env, target.template_file, dropped
            )
        path = self.root / target.params_file
        path.parent.mkdir(exist_ok=True)
        path.write_text(stacks.render_params_file(target, kept), encoding="utf-8")
        return path


class TableKeptFromEarlierEstate(stacks.PlanError):
    """The failover table of an earlier estate of this name is still there (kept on delete)."""


def refuse_kept_table(plan: stacks.Plan, aws: Aws) -> None:
    """A first lease-stack deploy would collide with a table no lease stack owns.

    The table has a fixed name and DeletionPolicy Retain (its audit rows outlive the estate);
    CloudFormation cannot create a table whose name exists. That is an earlier estate's kept
    table, or one a control-plane stack of before the lease stack created (docs/DEPLOY.md,
    "Moving the table into the lease stack": import it). Say so before anything deploys.
    """
    from botocore.exceptions import ClientError

    if stack_outputs(aws, plan.lease) is not None:
        return  # the lease stack owns the table: a re-deploy
    name = stacks.failover_table_name(plan)
    region = plan.lease_regions[0]
    try:
        aws.client("dynamodb", region).describe_table(TableName=name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return
        raise
    raise TableKeptFromEarlierEstate(
        f"DynamoDB table {name} in {region} exists but no lease stack "
        f"{plan.lease.stack_name} owns it: left from an earlier estate named "
        f"{plan.estate_name!r} (kept on delete with its audit rows), or created by a control "
        "plane of before the lease stack. An earlier estate's: export what you need, then "
        "delete it (docs/DEPLOY.md, Teardown: `make destroy ... PURGE_TABLE=1` does it), or "
        "choose another EstateName. This estate's: import it into the lease stack first "
        "(docs/DEPLOY.md, Moving the table into the lease stack)"
    )


class Deployer:
    def __init__(
        self,
        plan: stacks.Plan,
        aws: Aws,
        *,
        review: bool = True,
        root: Path = ROOT,
        run: Runner = run_command,
        execute: bool = True,
    ) -> None:
        self.plan = plan
        self.aws = aws
        self.review = review
        self.root = root
        self.run_command = run
        self.execute = execute
        self.parameters = EstateParameters(plan, aws, root)

    def deploy(self, target: stacks.StackTarget, computed: Mapping[str, str]) -> dict[str, str]:
        self.parameters.write(target, computed)
        argv = stacks.sam_deploy_argv(
            SAM,
            target,
            review=self.review,
            profile=getattr(self.aws, "profile", None),
            execute=self.execute,
        )
        LOG.info("[%s] %s in %s: %s", target.env, target.stack_name, target.region, target.deploys)
        self.run_command(argv, self.root)
        outputs = stack_outputs(self.aws, target)
        if outputs is None:
            raise stacks.PlanError(f"{target.stack_name} did not deploy")
        return outputs

    def run(self) -> None:
        plan = self.plan
        params = self.parameters

        # 0. The failover table, in the first of LeaseRegions: every control plane needs it.
        lease = self.deploy(plan.lease, stacks.base_overrides(plan, plan.lease))
        stacks.require(lease, "FailoverTableName", plan.lease.stack_name)

        # 1. The region stacks in priority order: the primary creates the global cluster, every
        #    other region joins it. Each replicates to the regions whose stack exists already.
        outputs: dict[str, dict[str, str] | None] = {
            r: stack_outputs(self.aws, t)
            for r, t in zip(plan.regions, plan.region_stacks, strict=True)
        }
        replicated: dict[str, tuple[str, ...]] = {}
        for target in plan.region_stacks:
            computed = stacks.region_overrides(plan, target, outputs)
            replicated[target.region] = stacks.replication_targets(plan, target, outputs)
            outputs[target.region] = self.deploy(target, params.region(target, computed))

        # 2. First deploy only: again each region stack whose replication missed a region that
        #    did not exist yet (its bucket and key must exist first).
        for target in plan.region_stacks:
            if replicated[target.region] != plan.others(target.region):
                computed = stacks.region_overrides(plan, target, outputs)
                outputs[target.region] = self.deploy(target, params.region(target, computed))

        # 3. The global layer in us-east-1.
        global_outputs = self.deploy(
            plan.global_, params.global_(stacks.global_overrides(plan, outputs))
        )

        # 4. The control plane, a complete copy in each region (the same parameters).
        control = stacks.control_plane_overrides(plan, outputs, global_outputs)
        for target in plan.control_planes:
            self.deploy(target, control)

        LOG.info("estate %s deployed", plan.estate_name)
        for key in ("ApplicationEndpoint", "AcceleratorDnsName", "HostedZoneNameServers"):
            if global_outputs.get(key):
                LOG.info("  %s: %s", key, global_outputs[key])


def write_estate_params(plan: stacks.Plan, aws: Aws, root: Path = ROOT) -> list[str]:
    """Write every ``.estate/`` file from the stacks that exist (``make estate-params``).

    A stack whose inputs do not exist yet gets only what the plan alone decides; the notes say
    what to deploy first. Returns the notes.
    """
    params = EstateParameters(plan, aws, root)
    params.write(plan.lease, stacks.base_overrides(plan, plan.lease))
    outputs: dict[str, dict[str, str] | None] = {
        r: stack_outputs(aws, t) for r, t in zip(plan.regions, plan.region_stacks, strict=True)
    }
    global_outputs = stack_outputs(aws, plan.global_)
    notes: list[str] = []

    def later(target: stacks.StackTarget, *needed: stacks.StackTarget) -> dict[str, str]:
        names = " and ".join(f"[{n.env}]" for n in needed)
        notes.append(f"[{target.env}] is not deployable yet: deploy {names} first")
        return stacks.base_overrides(plan, target)

    primary = plan.region_stacks[0]
    for target in plan.region_stacks:
        if target is primary or outputs[plan.primary_region]:
            computed = stacks.region_overrides(plan, target, outputs)
            params.write(target, params.region(target, computed))
        else:
            params.write(target, later(target, primary))
    missing = [t for t in plan.region_stacks if not outputs[t.region]]
    params.write(
        plan.global_,
        params.global_(stacks.global_overrides(plan, outputs))
        if not missing
        else later(plan.global_, *missing),
    )
    params.write(
        plan.control_planes[0],
        stacks.control_plane_overrides(plan, outputs, global_outputs)
        if not missing and global_outputs
        else later(plan.control_planes[0], *missing, *([] if global_outputs else [plan.global_])),
    )
    for target in plan.region_stacks:
        deployed = stack_parameters(aws, target)
        if deployed is None:
            continue
        have = tuple(r for r in deployed.get("ReplicationRegions", "").split(",") if r)
        now = stacks.replication_targets(plan, target, outputs)
        if have != now:
            notes.append(
                f"[{target.env}] deploy it again: replication to {', '.join(now)} (it "
                f"replicates to {', '.join(have) or 'none'} now that the other buckets exist)"
            )
    return notes


def load_plan(config: Path) -> stacks.Plan:
    with config.open("rb") as handle:
        return stacks.load_plan(tomllib.load(handle))


def preview_changesets(
    plan: stacks.Plan, aws: Aws, *, root: Path = ROOT, run: Runner = run_command
) -> list[str]:
    """Create (never execute) each deployable stack's change set, from the stacks that exist.

    A stack whose inputs do not exist yet cannot be previewed: its change set would need the
    outputs of stacks not deployed. Returns the notes that say which, as estate-params does.
    """
    notes = write_estate_params(plan, aws, root)
    blocked = {note.split("]")[0].lstrip("[") for note in notes if "not deployable yet" in note}
    seen: set[str] = set()
    for step in stacks.deploy_steps(plan):
        target = step.target
        if target.env in seen or target.env in blocked:
            continue
        seen.add(target.env)
        run(
            stacks.sam_deploy_argv(
                SAM, target, review=False, profile=getattr(aws, "profile", None), execute=False
            ),
            root,
        )
    return notes


def main(
    argv: Sequence[str] | None = None,
    *,
    run: Runner = run_command,
    aws_factory: Callable[[str | None], Aws] = Aws,
) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "samconfig.toml")
    parser.add_argument("--profile", default=None, help="AWS profile (default: the default chain)")
    parser.add_argument(
        "--no-confirm-changeset",
        dest="review",
        action="store_false",
        help="deploy change sets without review (review is on by default)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan and the exact sam commands; exit 2 if it is not deployable",
    )
    mode.add_argument(
        "--write-params",
        action="store_true",
        help="only write .estate/*.yaml from the deployed stacks (for sam deploy by hand)",
    )
    parser.add_argument(
        "--changesets",
        action="store_true",
        help="with --dry-run: create each deployable stack's change set, execute none "
        "(reads the stacks: needs credentials)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.changesets and not args.dry_run:
        parser.error("--changesets goes with --dry-run")
    try:
        plan = load_plan(args.config)
        if args.dry_run:
            for line in stacks.describe(plan, review=args.review, profile=args.profile):
                LOG.info(line)
            found = stacks.find_placeholders(plan)
            if found:
                LOG.error(
                    "Not deployable: %s: %s",
                    stacks.PlaceholderNotReplaced.__name__,
                    stacks.PlaceholderNotReplaced(found, args.config.name),
                )
                return 2
            if args.changesets:
                for note in preview_changesets(plan, aws_factory(args.profile), run=run):
                    LOG.warning(note)
            return 0
        # Everything below calls AWS: refuse what cannot work before the first call.
        stacks.refuse_placeholders(plan, args.config.name)
        if args.write_params:
            for note in write_estate_params(plan, aws_factory(args.profile)):
                LOG.warning(note)
            LOG.info("wrote %s/*.yaml; next: sam deploy --config-env <env>", stacks.PARAMS_DIR)
            return 0
        check_build(ROOT)
        aws = aws_factory(args.profile)
        account = aws.client("sts", plan.primary_region).get_caller_identity()["Account"]
        LOG.info(
            "deploying estate %s to account %s (%s), regions %s (priority order), lease regions %s",
            plan.estate_name,
            account,
            f"profile {args.profile}" if args.profile else "default credential chain",
            ",".join(plan.regions),
            ",".join(plan.lease_regions),
        )
        refuse_kept_table(plan, aws)
        Deployer(plan, aws, review=args.review, run=run).run()
    except stacks.PlanError as error:
        LOG.error("deploy stopped: %s: %s", type(error).__name__, error)
        return 2
    except subprocess.CalledProcessError as error:
        LOG.error("deploy stopped: %s exited %s", " ".join(error.cmd[:6]), error.returncode)
        return error.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
