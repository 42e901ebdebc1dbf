"""``make deploy``: deploy the whole estate in order with one command.

Runs ``sam deploy --config-env <env>`` for each stack in the order of scripts/estate.py and
passes every stack the outputs of the stacks before it (read with boto3), merged into the
parameter_overrides of its samconfig.toml env. Re-running it is safe: unchanged stacks are
empty change sets, and a traffic dial or desired count that a failover changed is kept.

    .venv/bin/python -m scripts.deploy [--dry-run] [--confirm-changeset] [--profile NAME]
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scripts import estate

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

LOG = logging.getLogger("estate.deploy")
ROOT = Path(__file__).resolve().parents[1]
# The sam of the venv that runs this script.
SAM = str(Path(sys.executable).with_name("sam"))


class Aws:
    """boto3 clients cached by (service, region): every call names its region explicitly."""

    def __init__(self, profile: str | None = None) -> None:
        import boto3  # imported here so that --dry-run and the unit tests need no AWS setup

        self._session = boto3.Session(profile_name=profile)
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self._session.client(service, region_name=region)  # type: ignore[call-overload]
        return self._clients[key]


def _describe_stack(aws: Aws, target: estate.StackTarget) -> dict[str, Any] | None:
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


def stack_outputs(aws: Aws, target: estate.StackTarget) -> dict[str, str] | None:
    stack = _describe_stack(aws, target)
    if stack is None:
        return None
    return {o["OutputKey"]: o.get("OutputValue", "") for o in stack.get("Outputs", [])}


def stack_parameters(aws: Aws, target: estate.StackTarget) -> dict[str, str] | None:
    stack = _describe_stack(aws, target)
    if stack is None:
        return None
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}


def global_writer_endpoint(aws: Aws, region: str, global_cluster_id: str) -> str | None:
    from botocore.exceptions import ClientError

    rds = aws.client("rds", region)
    try:
        clusters = rds.describe_global_clusters(GlobalClusterIdentifier=global_cluster_id)
    except ClientError as error:
        if "GlobalClusterNotFoundFault" in str(error):
            return None
        raise
    endpoint = clusters["GlobalClusters"][0].get("Endpoint")
    return str(endpoint) if endpoint else None


def live_traffic_dials(aws: Aws, global_outputs: Mapping[str, str]) -> dict[str, str]:
    """The dials as Global Accelerator has them now (its API lives only in us-west-2)."""
    ga = aws.client("globalaccelerator", estate.GLOBAL_ACCELERATOR_API_REGION)
    dials: dict[str, str] = {}
    for parameter, output in (
        ("PrimaryTrafficDial", "PrimaryEndpointGroupArn"),
        ("SecondaryTrafficDial", "SecondaryEndpointGroupArn"),
    ):
        if global_outputs.get(output):
            group = ga.describe_endpoint_group(EndpointGroupArn=global_outputs[output])
            dials[parameter] = _number(group["EndpointGroup"]["TrafficDialPercentage"])
    return dials


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


def declared_parameters(template_file: str) -> set[str]:
    from samcli.yamlhelper import yaml_parse  # SAM CLI's CloudFormation-aware YAML reader

    template = yaml_parse((ROOT / template_file).read_text(encoding="utf-8"))
    return set(template.get("Parameters", {}))


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
        kept = estate.preserve_runtime_value(configured, last, live_value)
        if kept != configured:
            LOG.warning(
                "[%s] keeping %s=%s, set at run time (configured %s)", label, name, kept, configured
            )
        parameters[name] = kept


class Deployer:
    def __init__(self, plan: estate.Plan, aws: Aws, *, confirm: bool) -> None:
        self.plan = plan
        self.aws = aws
        self.confirm = confirm

    def deploy(self, target: estate.StackTarget, computed: Mapping[str, str]) -> dict[str, str]:
        kept, dropped = estate.filter_declared(computed, declared_parameters(target.template_file))
        if dropped:
            LOG.info(
                "[%s] %s does not declare %s; not passed", target.env, target.template_file, dropped
            )
        parameters = estate.merge_parameters(target.parameters, kept)
        argv = estate.sam_deploy_argv(SAM, target, parameters, confirm=self.confirm)
        LOG.info("[%s] %s in %s", target.env, target.stack_name, target.region)
        subprocess.run(argv, cwd=ROOT, check=True)  # noqa: S603 - our own argv, no shell
        outputs = stack_outputs(self.aws, target)
        if outputs is None:
            raise estate.PlanError(f"{target.stack_name} did not deploy")
        return outputs

    def _region_runtime(
        self, target: estate.StackTarget, computed: dict[str, str]
    ) -> dict[str, str]:
        outputs = stack_outputs(self.aws, target)
        if outputs is not None:
            merged = estate.merge_parameters(target.parameters, computed)
            _keep_runtime(
                target.env,
                merged,
                stack_parameters(self.aws, target),
                {"DesiredCount": live_desired_count(self.aws, target.region, outputs)},
                {"DesiredCount": "2"},
            )
            computed = {**computed, "DesiredCount": merged["DesiredCount"]}
        return computed

    def run(self) -> None:
        plan = self.plan
        global_cluster_id = f"{plan.estate_name}-global"

        # 1. The primary region: creates the global cluster. Replication stays as it was: on
        #    once the secondary exists (its bucket and key must exist first).
        secondary = stack_outputs(self.aws, plan.region_secondary)
        writer = global_writer_endpoint(self.aws, plan.primary_region, global_cluster_id)
        primary = self.deploy(
            plan.region_primary,
            self._region_runtime(
                plan.region_primary, estate.region_primary_overrides(plan, secondary, writer)
            ),
        )
        writer = global_writer_endpoint(self.aws, plan.primary_region, global_cluster_id)
        if not writer:
            raise estate.PlanError(f"global cluster {global_cluster_id} has no writer endpoint")

        # 2. The secondary region: joins the global cluster, replicates back to the primary.
        secondary = self.deploy(
            plan.region_secondary,
            self._region_runtime(
                plan.region_secondary, estate.region_secondary_overrides(plan, primary, writer)
            ),
        )

        # 3. The primary again: replication to the secondary, global writer endpoint for tasks.
        primary = self.deploy(
            plan.region_primary,
            self._region_runtime(
                plan.region_primary, estate.region_primary_overrides(plan, secondary, writer)
            ),
        )

        # 4. The global layer in us-east-1.
        computed = estate.global_overrides(plan, primary, secondary)
        existing_global = stack_outputs(self.aws, plan.global_)
        if existing_global is not None:
            merged = estate.merge_parameters(plan.global_.parameters, computed)
            _keep_runtime(
                plan.global_.env,
                merged,
                stack_parameters(self.aws, plan.global_),
                dict(live_traffic_dials(self.aws, existing_global)),
                {"PrimaryTrafficDial": "100", "SecondaryTrafficDial": "0"},
            )
            computed = {
                **computed,
                "PrimaryTrafficDial": merged["PrimaryTrafficDial"],
                "SecondaryTrafficDial": merged["SecondaryTrafficDial"],
            }
        global_outputs = self.deploy(plan.global_, computed)

        # 5-6. The control plane, a complete copy in each region.
        control = estate.control_plane_overrides(plan, primary, secondary, global_outputs)
        self.deploy(plan.control_primary, control)
        self.deploy(plan.control_secondary, control)

        LOG.info("estate %s deployed", plan.estate_name)
        for key in ("AcceleratorDnsName", "HostedZoneId", "HostedZoneNameServers", "DashboardName"):
            if global_outputs.get(key):
                LOG.info("  %s: %s", key, global_outputs[key])


def load_plan(config: Path) -> estate.Plan:
    with config.open("rb") as handle:
        return estate.load_plan(tomllib.load(handle))


def describe(plan: estate.Plan) -> list[str]:
    """The deploy order, for --dry-run."""
    steps = [
        (plan.region_primary, "creates the Aurora global cluster"),
        (plan.region_secondary, "joins it; replicates its bucket to the primary"),
        (plan.region_primary, "again: replication on, global writer endpoint"),
        (plan.global_, "Route 53, Global Accelerator, health alarms, dashboard"),
        (plan.control_primary, "control plane"),
        (plan.control_secondary, "control plane"),
    ]
    return [
        f"{n}. [{t.env}] {t.stack_name} ({t.template_file}) in {t.region}: {why}"
        for n, (t, why) in enumerate(steps, start=1)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "samconfig.toml")
    parser.add_argument("--profile", default=None, help="AWS profile (default: the environment)")
    parser.add_argument("--confirm-changeset", action="store_true", help="review each change set")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, call nothing")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        plan = load_plan(args.config)
        if args.dry_run:
            for line in describe(plan):
                LOG.info(line)
            return 0
        Deployer(plan, Aws(args.profile), confirm=args.confirm_changeset).run()
    except estate.PlanError as error:
        LOG.error("deploy stopped: %s", error)
        return 2
    except subprocess.CalledProcessError as error:
        LOG.error("deploy stopped: %s exited %s", " ".join(error.cmd[:5]), error.returncode)
        return error.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
