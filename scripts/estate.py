"""The estate's deploy plan as pure data: no AWS calls, so it is unit-tested offline.

`make deploy` (scripts/deploy.py) runs the stacks in this order, each with `sam deploy
--config-env <env>`:

1. ``region-primary``    stacks/region.yaml in the primary region (creates the global cluster)
2. ``region-secondary``  stacks/region.yaml in the secondary region (joins it, replicates to 1)
3. ``region-primary``    again, now replicating to 2 and using the global writer endpoint
4. ``global``            stacks/global.yaml in us-east-1 (Route 53, Global Accelerator, alarms)
5. ``primary``           template.yaml, the control plane, in the primary region
6. ``secondary``         template.yaml, the control plane, in the secondary region

The static parameters of every stack live in samconfig.toml (one config env per stack). This
module computes the rest from the outputs of the stacks deployed before, so nothing is copied
by hand; `sam deploy --parameter-overrides` replaces the config's list, so the two are merged.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

REGION_PRIMARY = "region-primary"
REGION_SECONDARY = "region-secondary"
GLOBAL = "global"
CONTROL_PRIMARY = "primary"
CONTROL_SECONDARY = "secondary"
ENVS = (REGION_PRIMARY, REGION_SECONDARY, GLOBAL, CONTROL_PRIMARY, CONTROL_SECONDARY)

# Route 53 health-check metrics (and so their alarms and rules) exist only in us-east-1.
GLOBAL_STACK_REGION = "us-east-1"
# The Global Accelerator API is served only from us-west-2.
GLOBAL_ACCELERATOR_API_REGION = "us-west-2"

Outputs = Mapping[str, str]


class PlanError(ValueError):
    """samconfig.toml does not describe a deployable estate, or an output is missing."""


@dataclass(frozen=True)
class StackTarget:
    """One config env of samconfig.toml: where a stack goes and its static parameters."""

    env: str
    stack_name: str
    region: str
    template_file: str
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """The five stacks of the estate."""

    region_primary: StackTarget
    region_secondary: StackTarget
    global_: StackTarget
    control_primary: StackTarget
    control_secondary: StackTarget

    @property
    def estate_name(self) -> str:
        return self.region_primary.parameters["EstateName"]

    @property
    def primary_region(self) -> str:
        return self.region_primary.region

    @property
    def secondary_region(self) -> str:
        return self.region_secondary.region

    @property
    def active_region_parameter_name(self) -> str:
        configured = self.control_primary.parameters.get("ActiveRegionParameterName", "")
        return configured or f"/{self.estate_name}/failover/active-region"

    def targets(self) -> tuple[StackTarget, ...]:
        return (
            self.region_primary,
            self.region_secondary,
            self.global_,
            self.control_primary,
            self.control_secondary,
        )


# --------------------------------------------------------------------------- samconfig


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_parameter_overrides(value: str | Iterable[str] | None) -> dict[str, str]:
    """Read samconfig's ``parameter_overrides``: a "K=V K2='v 2'" string or a ["K=V"] list."""
    if value is None:
        return {}
    items = shlex.split(value) if isinstance(value, str) else list(value)
    parameters: dict[str, str] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise PlanError(f"parameter override {item!r} is not KEY=VALUE")
        parameters[key.strip()] = _unquote(raw.strip())
    return parameters


def _env_setting(samconfig: Mapping[str, Any], env: str, key: str) -> Any:
    """A setting of one env, looked up the way SAM CLI does: deploy section, then global."""
    section = samconfig.get(env, {})
    for command in ("deploy", "global"):
        parameters = section.get(command, {}).get("parameters", {})
        if key in parameters:
            return parameters[key]
    return None


def load_target(samconfig: Mapping[str, Any], env: str) -> StackTarget:
    if env not in samconfig:
        raise PlanError(f"samconfig.toml has no [{env}.*] config env")
    stack_name = _env_setting(samconfig, env, "stack_name")
    region = _env_setting(samconfig, env, "region")
    template_file = _env_setting(samconfig, env, "template_file") or "template.yaml"
    if not stack_name or not region:
        raise PlanError(f"config env {env!r} needs stack_name and region")
    return StackTarget(
        env=env,
        stack_name=str(stack_name),
        region=str(region),
        template_file=str(template_file),
        parameters=parse_parameter_overrides(_env_setting(samconfig, env, "parameter_overrides")),
    )


def load_plan(samconfig: Mapping[str, Any]) -> Plan:
    """Build and check the plan from a parsed samconfig.toml."""
    plan = Plan(*(load_target(samconfig, env) for env in ENVS))
    validate_plan(plan)
    return plan


def validate_plan(plan: Plan) -> None:
    """Refuse a samconfig whose stacks disagree about the estate before anything deploys."""
    problems: list[str] = []
    if "EstateName" not in plan.region_primary.parameters:
        raise PlanError(f"[{REGION_PRIMARY}] parameter_overrides must set EstateName")
    names = {
        t.env: t.parameters["EstateName"] for t in plan.targets() if "EstateName" in t.parameters
    }
    if len(set(names.values())) > 1:
        problems.append(f"EstateName differs between config envs: {names}")
    if plan.primary_region == plan.secondary_region:
        problems.append("region-primary and region-secondary must be in different regions")
    if plan.global_.region != GLOBAL_STACK_REGION:
        problems.append(
            f"[{GLOBAL}] must deploy to {GLOBAL_STACK_REGION}: Route 53 health-check metrics, "
            f"their alarms and the forwarding rules exist only there (got {plan.global_.region})"
        )
    if plan.control_primary.region != plan.primary_region:
        problems.append(
            f"[{CONTROL_PRIMARY}] region {plan.control_primary.region} != "
            f"[{REGION_PRIMARY}] region {plan.primary_region}"
        )
    if plan.control_secondary.region != plan.secondary_region:
        problems.append(
            f"[{CONTROL_SECONDARY}] region {plan.control_secondary.region} != "
            f"[{REGION_SECONDARY}] region {plan.secondary_region}"
        )
    for target, role in ((plan.region_primary, "primary"), (plan.region_secondary, "secondary")):
        role_given = target.parameters.get("Role", role)
        if role_given != role:
            problems.append(f"[{target.env}] Role must be {role}, not {role_given}")
    for target in plan.targets():
        for key, expected in (
            ("PrimaryRegion", plan.primary_region),
            ("SecondaryRegion", plan.secondary_region),
        ):
            given = target.parameters.get(key)
            if given is not None and given != expected:
                problems.append(
                    f"[{target.env}] {key}={given} but the region stacks say {expected}"
                )
    if problems:
        raise PlanError("; ".join(problems))


# --------------------------------------------------------------------------- outputs -> parameters


def require(outputs: Outputs, key: str, stack: str) -> str:
    value = outputs.get(key)
    if not value:
        raise PlanError(f"stack {stack} has no output {key!r} (deployed from an older template?)")
    return value


def secret_name_from_arn(arn: str) -> str:
    """``arn:aws:secretsmanager:r:acct:secret:name-AbC123`` -> ``name-AbC123``.

    A replica secret keeps the primary's name (suffix included) in its own region.
    """
    match = re.fullmatch(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:(.+)", arn)
    if not match:
        raise PlanError(f"not a Secrets Manager secret ARN: {arn!r}")
    return match.group(1)


def region_primary_overrides(
    plan: Plan,
    secondary_outputs: Outputs | None,
    global_writer_endpoint: str | None,
) -> dict[str, str]:
    """Parameters for stacks/region.yaml in the primary region.

    Replication to the secondary's bucket is on only once the secondary stack exists (its bucket
    and key must exist first). The global writer endpoint exists once the global cluster does.
    """
    overrides = {
        "EstateName": plan.estate_name,
        "Role": "primary",
        "PeerRegion": plan.secondary_region,
        "ActiveRegionParameterName": plan.active_region_parameter_name,
        "GlobalWriterEndpoint": global_writer_endpoint or "",
        "EnableReplication": "false",
        "PeerKmsKeyId": "",
    }
    if secondary_outputs:
        overrides["EnableReplication"] = "true"
        overrides["PeerKmsKeyId"] = require(
            secondary_outputs, "KmsKeyId", plan.region_secondary.stack_name
        )
    return overrides


def region_secondary_overrides(
    plan: Plan, primary_outputs: Outputs, global_writer_endpoint: str
) -> dict[str, str]:
    """Parameters for stacks/region.yaml in the secondary region (joins the global cluster)."""
    if not global_writer_endpoint:
        raise PlanError("the global cluster has no writer endpoint yet; is the primary deployed?")
    stack = plan.region_primary.stack_name
    return {
        "EstateName": plan.estate_name,
        "Role": "secondary",
        "PeerRegion": plan.primary_region,
        "ActiveRegionParameterName": plan.active_region_parameter_name,
        "GlobalWriterEndpoint": global_writer_endpoint,
        "DbSecretName": secret_name_from_arn(require(primary_outputs, "DbSecretArn", stack)),
        "EnableReplication": "true",
        "PeerKmsKeyId": require(primary_outputs, "KmsKeyId", stack),
    }


def flow_logs_bucket(plan: Plan, primary_outputs: Outputs, secondary_outputs: Outputs) -> str:
    """The logs bucket in the global stack's own region (the primary's, by default)."""
    if plan.secondary_region == plan.global_.region:
        return require(secondary_outputs, "LogsBucketName", plan.region_secondary.stack_name)
    return require(primary_outputs, "LogsBucketName", plan.region_primary.stack_name)


def global_overrides(
    plan: Plan, primary_outputs: Outputs, secondary_outputs: Outputs
) -> dict[str, str]:
    """Parameters for stacks/global.yaml from the two region stacks."""
    p, s = plan.region_primary.stack_name, plan.region_secondary.stack_name
    return {
        "EstateName": plan.estate_name,
        "PrimaryRegion": plan.primary_region,
        "SecondaryRegion": plan.secondary_region,
        "PrimaryAlbArn": require(primary_outputs, "AlbArn", p),
        "PrimaryAlbDnsName": require(primary_outputs, "AlbDnsName", p),
        "PrimaryAlbHostedZoneId": require(primary_outputs, "AlbCanonicalHostedZoneId", p),
        "SecondaryAlbArn": require(secondary_outputs, "AlbArn", s),
        "SecondaryAlbDnsName": require(secondary_outputs, "AlbDnsName", s),
        "SecondaryAlbHostedZoneId": require(secondary_outputs, "AlbCanonicalHostedZoneId", s),
        "PrimaryDbClusterIdentifier": require(primary_outputs, "DbClusterIdentifier", p),
        "SecondaryDbClusterIdentifier": require(secondary_outputs, "DbClusterIdentifier", s),
        "FlowLogsBucketName": flow_logs_bucket(plan, primary_outputs, secondary_outputs),
    }


def full_capacity(plan: Plan, primary_outputs: Outputs, secondary_outputs: Outputs) -> str:
    """The task count that carries the whole load: what the primary is configured to run.

    Not what it runs now: after a failover the old primary may be scaled down and the deploy
    keeps that live count, so without a configured value the larger of the two regions counts.
    """
    configured = plan.region_primary.parameters.get("DesiredCount")
    if configured:
        return configured
    counts = [
        int(require(outputs, "DesiredCount", target.stack_name))
        for outputs, target in (
            (primary_outputs, plan.region_primary),
            (secondary_outputs, plan.region_secondary),
        )
    ]
    return str(max(1, *counts))


def control_plane_overrides(
    plan: Plan,
    primary_outputs: Outputs,
    secondary_outputs: Outputs,
    global_outputs: Outputs,
) -> dict[str, str]:
    """Parameters for template.yaml (the same set goes to both regions' copies)."""
    p, s, g = (
        plan.region_primary.stack_name,
        plan.region_secondary.stack_name,
        plan.global_.stack_name,
    )
    return {
        "EstateName": plan.estate_name,
        "PrimaryRegion": plan.primary_region,
        "SecondaryRegion": plan.secondary_region,
        "GlobalClusterId": require(primary_outputs, "GlobalClusterId", p),
        "PrimaryDbClusterArn": require(primary_outputs, "DbClusterArn", p),
        "SecondaryDbClusterArn": require(secondary_outputs, "DbClusterArn", s),
        "PrimaryEcsCluster": require(primary_outputs, "EcsClusterName", p),
        "PrimaryEcsService": require(primary_outputs, "EcsServiceName", p),
        "SecondaryEcsCluster": require(secondary_outputs, "EcsClusterName", s),
        "SecondaryEcsService": require(secondary_outputs, "EcsServiceName", s),
        "FullCapacity": full_capacity(plan, primary_outputs, secondary_outputs),
        "AcceleratorArn": require(global_outputs, "AcceleratorArn", g),
        "PrimaryEndpointGroupArn": require(global_outputs, "PrimaryEndpointGroupArn", g),
        "SecondaryEndpointGroupArn": require(global_outputs, "SecondaryEndpointGroupArn", g),
        "PrimaryHealthCheckId": require(global_outputs, "PrimaryHealthCheckId", g),
        "SecondaryHealthCheckId": require(global_outputs, "SecondaryHealthCheckId", g),
        "PrimaryHealthAlarmName": require(global_outputs, "PrimaryHealthAlarmName", g),
        "SecondaryHealthAlarmName": require(global_outputs, "SecondaryHealthAlarmName", g),
        "PrimaryHealthUrl": require(global_outputs, "PrimaryHealthUrl", g),
        "SecondaryHealthUrl": require(global_outputs, "SecondaryHealthUrl", g),
        "PrimaryAlbDnsName": require(primary_outputs, "AlbDnsName", p),
        "SecondaryAlbDnsName": require(secondary_outputs, "AlbDnsName", s),
        "PrimaryAlbHostedZoneId": require(primary_outputs, "AlbCanonicalHostedZoneId", p),
        "SecondaryAlbHostedZoneId": require(secondary_outputs, "AlbCanonicalHostedZoneId", s),
        "HostedZoneId": require(global_outputs, "HostedZoneId", g),
        "RecordName": require(global_outputs, "RecordName", g),
        "ActiveRegionParameterName": plan.active_region_parameter_name,
    }


def filter_declared(
    overrides: Mapping[str, str], declared: Iterable[str]
) -> tuple[dict[str, str], list[str]]:
    """Keep only the parameters the template declares (CloudFormation rejects the others)."""
    names = set(declared)
    kept = {k: v for k, v in overrides.items() if k in names}
    dropped = sorted(k for k in overrides if k not in names)
    return kept, dropped


def merge_parameters(static: Mapping[str, str], computed: Mapping[str, str]) -> dict[str, str]:
    """samconfig's own values, with every computed value replacing its placeholder."""
    merged = dict(static)
    merged.update(computed)
    return merged


def preserve_runtime_value(configured: str, deployed: str | None, live: str | None) -> str:
    """Keep a value the control plane changed at run time since the last deploy.

    A traffic dial or desired count that differs live from what the stack last deployed was set
    by a failover; re-deploying the configured value would undo it (e.g. send traffic back to a
    failed region). Without a live reading, or when nothing changed, the configuration wins.
    """
    if live is None or deployed is None or live == deployed:
        return configured
    return live


def _override_value(value: str) -> str:
    if value and not re.search(r"[\s\"']", value):
        return value
    # SAM CLI unwraps one pair of double quotes and unescapes \".
    return '"' + value.replace('"', '\\"') + '"'


def as_override_args(parameters: Mapping[str, str]) -> list[str]:
    """``--parameter-overrides`` items; empty or spaced values are quoted the way SAM reads them."""
    return [f"{key}={_override_value(value)}" for key, value in parameters.items()]


def sam_deploy_argv(
    sam: str, target: StackTarget, parameters: Mapping[str, str], *, confirm: bool = False
) -> list[str]:
    argv = [
        sam,
        "deploy",
        "--config-file",
        "samconfig.toml",
        "--config-env",
        target.env,
        "--no-fail-on-empty-changeset",
        "--confirm-changeset" if confirm else "--no-confirm-changeset",
    ]
    if parameters:
        argv += ["--parameter-overrides", *as_override_args(parameters)]
    return argv


# --------------------------------------------------------------------------- teardown


def teardown_order(plan: Plan) -> list[StackTarget]:
    """The reverse of the deploy: control planes, global layer, then the regions."""
    return [
        plan.control_secondary,
        plan.control_primary,
        plan.global_,
        plan.region_secondary,
        plan.region_primary,
    ]


def retained_buckets(plan: Plan, account_id: str) -> list[tuple[str, str]]:
    """(region, bucket) of the buckets the region stacks keep on delete (DeletionPolicy Retain)."""
    return [
        (region, f"{plan.estate_name}-{kind}-{account_id}-{region}")
        for region in (plan.primary_region, plan.secondary_region)
        for kind in ("data", "logs")
    ]


def global_cluster_detach_order(members: Iterable[Mapping[str, Any]]) -> list[str]:
    """Cluster ARNs to remove from the global cluster: the readers first, the writer last."""
    ordered = sorted(members, key=lambda m: bool(m.get("IsWriter")))
    return [str(m["DBClusterArn"]) for m in ordered]


def region_of_arn(arn: str) -> str:
    parts = arn.split(":")
    if len(parts) < 6 or not parts[3]:
        raise PlanError(f"not a regional ARN: {arn!r}")
    return parts[3]
