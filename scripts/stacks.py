"""The estate's deploy plan as pure data: no AWS calls, so it is unit-tested offline.

Every stack is one config env of samconfig.toml, deployed with ``sam deploy --config-env <env>``:

1. ``lease``             stacks/lease.yaml in LeaseRegions[0] (the failover table, a replica in
                         each of the three LeaseRegions)
2. ``region-primary``    stacks/region.yaml in the primary region (creates the global cluster)
3. ``region-secondary``  stacks/region.yaml in the secondary region (joins it, replicates to 2)
4. ``region-primary``    again, on a first deploy only: replication to 3 (its bucket now exists)
5. ``global``            stacks/global.yaml in us-east-1 (Route 53, Global Accelerator, alarms)
6. ``primary``           the control plane (the ``sam build`` output) in the primary region
7. ``secondary``         the control plane (the ``sam build`` output) in the secondary region

samconfig.toml holds the static values of every stack. The rest are outputs of the stacks
deployed before, often in the other region, which CloudFormation cannot reference (exports and
SSM parameter types resolve only in the stack's own region). This module computes them; the
deploy writes them to ``.estate/<file>.yaml``, which each env's ``parameter_overrides`` includes
last with SAM CLI's ``file://`` include, so that a plain ``sam deploy --config-env <env>`` reads
the same values ``make deploy`` uses.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from failover import arns
from failover.config import MRSC_REGION_SETS, TOPOLOGIES

LEASE = "lease"
REGION_PRIMARY = "region-primary"
REGION_SECONDARY = "region-secondary"
GLOBAL = "global"
CONTROL_PRIMARY = "primary"
CONTROL_SECONDARY = "secondary"
ENVS = (LEASE, REGION_PRIMARY, REGION_SECONDARY, GLOBAL, CONTROL_PRIMARY, CONTROL_SECONDARY)
CONTROL_PLANE_ENVS = (CONTROL_PRIMARY, CONTROL_SECONDARY)

# Route 53 health-check metrics (and so their alarms and rules) exist only in us-east-1.
GLOBAL_STACK_REGION = "us-east-1"

# The lease stack's LeaseRegions when [lease] sets none (the template's default).
DEFAULT_LEASE_REGIONS = ("us-east-1", "us-east-2", "us-west-2")

# The control plane deploys what `sam build` produced, never the source template.
BUILT_TEMPLATE = ".aws-sam/build/template.yaml"
# Computed parameters, one file per stack (both control-plane copies take the same values).
PARAMS_DIR = ".estate"
PARAMS_FILES = {
    LEASE: "lease.yaml",
    REGION_PRIMARY: "region-primary.yaml",
    REGION_SECONDARY: "region-secondary.yaml",
    GLOBAL: "global.yaml",
    CONTROL_PRIMARY: "control-plane.yaml",
    CONTROL_SECONDARY: "control-plane.yaml",
}
INCLUDE_PREFIX = "file://"

DEFAULT_TOPOLOGY = TOPOLOGIES[0]

Outputs = Mapping[str, str]


class PlanError(ValueError):
    """samconfig.toml does not describe a deployable estate, or an output is missing."""


@dataclass(frozen=True)
class Placeholder:
    """A samconfig value that stands in for one the operator must set."""

    env: str
    key: str
    value: str
    kind: str

    def __str__(self) -> str:
        return f"[{self.env}] {self.key}={self.value!r} ({self.kind})"


class PlaceholderNotReplaced(PlanError):
    """samconfig.toml still holds a placeholder (CHANGEME, an example account or domain)."""

    def __init__(self, found: Iterable[Placeholder], config: str = "samconfig.toml") -> None:
        self.found = list(found)
        lines = "\n".join(f"  {p}" for p in self.found)
        super().__init__(
            f"{config} still has placeholder values; set each in the parameter_overrides of its "
            f"config env before deploying:\n{lines}"
        )


class BuildMissing(PlanError):
    """The control plane would deploy a missing or stale ``sam build`` output."""


@dataclass(frozen=True)
class StackTarget:
    """One config env of samconfig.toml: where a stack goes and its static parameters."""

    env: str
    stack_name: str
    region: str
    template_file: str
    parameters: dict[str, str] = field(default_factory=dict)
    # What `sam deploy --config-env <env>` deploys (the build output for the control plane).
    deploy_template_file: str = ""
    includes: tuple[str, ...] = ()
    confirm_changeset: bool = True

    @property
    def params_file(self) -> str:
        """The computed-parameters file this env's parameter_overrides must include, last."""
        return f"{PARAMS_DIR}/{PARAMS_FILES[self.env]}"

    @property
    def deploys(self) -> str:
        return self.deploy_template_file or self.template_file


@dataclass(frozen=True)
class Plan:
    """The six stacks of the estate."""

    lease: StackTarget
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
    def lease_regions(self) -> tuple[str, ...]:
        """The failover table's three regions, set once in [lease] (its stack deploys in the
        first); the control planes receive them through .estate/."""
        configured = self.lease.parameters.get("LeaseRegions", "")
        if not configured:
            return DEFAULT_LEASE_REGIONS
        return tuple(part.strip() for part in configured.split(",") if part.strip())

    @property
    def topology(self) -> str:
        """The front door, set once in [global] (region stacks and control plane follow it)."""
        return self.global_.parameters.get("Topology", DEFAULT_TOPOLOGY)

    @property
    def active_region_parameter_name(self) -> str:
        configured = self.control_primary.parameters.get("ActiveRegionParameterName", "")
        return configured or f"/{self.estate_name}/failover/active-region"

    def targets(self) -> tuple[StackTarget, ...]:
        return (
            self.lease,
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


def _override_items(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else list(value)


def parse_parameter_overrides(value: str | Iterable[str] | None) -> dict[str, str]:
    """Read samconfig's ``parameter_overrides``: a "K=V K2='v 2'" string or a ["K=V"] list.

    ``file://`` includes (the computed values) are skipped here; see :func:`override_includes`.
    """
    parameters: dict[str, str] = {}
    for item in _override_items(value):
        if item.startswith(INCLUDE_PREFIX):
            continue
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise PlanError(f"parameter override {item!r} is not KEY=VALUE")
        parameters[key.strip()] = _unquote(raw.strip())
    return parameters


def override_includes(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """The ``file://`` includes of a ``parameter_overrides`` value, in order (paths only)."""
    return tuple(
        item.removeprefix(INCLUDE_PREFIX)
        for item in _override_items(value)
        if item.startswith(INCLUDE_PREFIX)
    )


def _env_setting(samconfig: Mapping[str, Any], env: str, key: str) -> Any:
    """A setting of one env, looked up the way SAM CLI does for deploy: deploy, then global."""
    return _section_setting(samconfig, env, ("deploy", "global"), key)


def _section_setting(
    samconfig: Mapping[str, Any], env: str, commands: Iterable[str], key: str
) -> Any:
    section = samconfig.get(env, {})
    for command in commands:
        parameters = section.get(command, {}).get("parameters", {})
        if key in parameters:
            return parameters[key]
    return None


def load_target(samconfig: Mapping[str, Any], env: str) -> StackTarget:
    if env not in samconfig:
        raise PlanError(f"samconfig.toml has no [{env}.*] config env")
    stack_name = _env_setting(samconfig, env, "stack_name")
    region = _env_setting(samconfig, env, "region")
    # The template the stack is built from (global) and the one `sam deploy` sends (deploy).
    template_file = (
        _section_setting(samconfig, env, ("global",), "template_file") or "template.yaml"
    )
    deploy_template_file = _env_setting(samconfig, env, "template_file") or template_file
    if not stack_name or not region:
        raise PlanError(f"config env {env!r} needs stack_name and region")
    overrides = _env_setting(samconfig, env, "parameter_overrides")
    confirm = _env_setting(samconfig, env, "confirm_changeset")
    return StackTarget(
        env=env,
        stack_name=str(stack_name),
        region=str(region),
        template_file=str(template_file),
        parameters=parse_parameter_overrides(overrides),
        deploy_template_file=str(deploy_template_file),
        includes=override_includes(overrides),
        confirm_changeset=confirm is not False,
    )


def load_plan(samconfig: Mapping[str, Any]) -> Plan:
    """Build and check the plan from a parsed samconfig.toml (placeholders are checked apart)."""
    plan = Plan(*(load_target(samconfig, env) for env in ENVS))
    validate_plan(plan)
    return plan


# A private ECR image: <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:tag|@digest]
# (https://docs.aws.amazon.com/AmazonECR/latest/userguide/docker-pull-ecr-image.html).
_ECR_IMAGE = re.compile(r"[0-9]{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/.+")


def ecr_image_region(image: str) -> str:
    """The region of a private ECR image URI; "" for any other registry."""
    match = _ECR_IMAGE.fullmatch(image.strip())
    return match.group(1) if match else ""


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
    lease_regions = plan.lease_regions
    if len(lease_regions) != 3 or len(set(lease_regions)) != 3:
        problems.append(f"[{LEASE}] LeaseRegions must be three distinct regions: {lease_regions}")
    elif not any(set(lease_regions) <= members for members in MRSC_REGION_SETS):
        problems.append(
            f"[{LEASE}] LeaseRegions {','.join(lease_regions)} are not of one multi-Region "
            "strong consistency set (US, EU or AP: docs/DEPLOY.md, The lease stack)"
        )
    elif plan.lease.region != lease_regions[0]:
        problems.append(
            f"[{LEASE}] must deploy to the first of LeaseRegions, {lease_regions[0]} (got "
            f"{plan.lease.region}): CloudFormation creates a global table from one of its replicas"
        )
    for target in plan.targets():
        if target is not plan.lease and "LeaseRegions" in target.parameters:
            problems.append(
                f"[{target.env}] sets LeaseRegions: set it once, in [{LEASE}] (the deploy "
                "passes it)"
            )
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
    for target in (plan.region_primary, plan.region_secondary):
        image_region = ecr_image_region(target.parameters.get("ContainerImage", ""))
        if image_region and image_region != target.region:
            problems.append(
                f"[{target.env}] ContainerImage is in {image_region}'s ECR, not {target.region}'s: "
                "the tasks' execution role may pull from this region's ECR only, and a standby "
                "that pulls from the other region could not scale up when that region fails "
                "(push the image to each region's repository, or replicate it)"
            )
    topologies = {
        t.env: t.parameters["Topology"] for t in plan.targets() if "Topology" in t.parameters
    }
    for env, topology in topologies.items():
        if topology not in TOPOLOGIES:
            problems.append(f"[{env}] Topology={topology} is not one of {', '.join(TOPOLOGIES)}")
        elif topology != plan.topology:
            problems.append(
                f"[{env}] Topology={topology} but [{GLOBAL}] says {plan.topology}; set it once, "
                f"in [{GLOBAL}]"
            )
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
        if target.includes[-1:] != (target.params_file,):
            problems.append(
                f"[{target.env}] parameter_overrides must end with "
                f'"{INCLUDE_PREFIX}{target.params_file}" (the values computed from the other '
                f"stacks; `make deploy` and `make estate-params` write it)"
            )
        if target.env in CONTROL_PLANE_ENVS and target.deploys != BUILT_TEMPLATE:
            problems.append(
                f"[{target.env}] deploys {target.deploys}, not the sam build output: set "
                f'template_file = "{BUILT_TEMPLATE}" in [{target.env}.deploy.parameters]'
            )
    if problems:
        raise PlanError("; ".join(problems))


# --------------------------------------------------------------------------- placeholders

_PLACEHOLDERS = (
    (re.compile(r"changeme", re.IGNORECASE), "CHANGEME"),
    # The account ids AWS documentation uses in examples.
    (re.compile(r"(?<![0-9])(111122223333|123456789012)(?![0-9])"), "an example account id"),
    # RFC 2606 reserves these domains for examples: nobody can delegate them to this estate.
    (
        re.compile(r"(^|[.@])example\.(com|net|org)$", re.IGNORECASE),
        "a reserved example domain, RFC 2606",
    ),
)


def find_placeholders(plan: Plan) -> list[Placeholder]:
    """Every static samconfig value that is still a placeholder, env by env."""
    found = []
    for target in plan.targets():
        for key, value in target.parameters.items():
            for pattern, kind in _PLACEHOLDERS:
                if pattern.search(value):
                    found.append(Placeholder(target.env, key, value, kind))
                    break
    return found


def refuse_placeholders(plan: Plan, config: str = "samconfig.toml") -> None:
    """Raise :class:`PlaceholderNotReplaced` naming each value to set and its env."""
    found = find_placeholders(plan)
    if found:
        raise PlaceholderNotReplaced(found, config)


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


def base_overrides(plan: Plan, target: StackTarget) -> dict[str, str]:
    """What every stack gets from the plan alone, before any stack exists."""
    overrides = {"EstateName": plan.estate_name, "Topology": plan.topology}
    if target.env == LEASE:
        overrides["LeaseRegions"] = ",".join(plan.lease_regions)
        return overrides
    record_name = plan.global_.parameters.get("RecordName")
    if target.env in (REGION_PRIMARY, REGION_SECONDARY):
        primary = target.env == REGION_PRIMARY
        overrides["Role"] = "primary" if primary else "secondary"
        overrides["PeerRegion"] = plan.secondary_region if primary else plan.primary_region
        overrides["ActiveRegionParameterName"] = plan.active_region_parameter_name
        if record_name:
            overrides["RecordName"] = record_name
        # The certificate is DNS-validated in the estate's zone unless the env brings its own.
        zone = plan.global_.parameters.get("ExistingHostedZoneId", "")
        own = {"CertificateArn", "CertificateHostedZoneId"} & set(target.parameters)
        if zone and not own:
            overrides["CertificateHostedZoneId"] = zone
    else:
        overrides["PrimaryRegion"] = plan.primary_region
        overrides["SecondaryRegion"] = plan.secondary_region
    return overrides


def region_primary_overrides(plan: Plan, secondary_outputs: Outputs | None) -> dict[str, str]:
    """Parameters for stacks/region.yaml in the primary region.

    Replication to the secondary's bucket is on only once the secondary stack exists (its bucket
    and key must exist first): on a first deploy that takes a second pass of this stack.
    """
    overrides = {
        **base_overrides(plan, plan.region_primary),
        "EnableReplication": "false",
        "PeerKmsKeyId": "",
    }
    if secondary_outputs:
        overrides["EnableReplication"] = "true"
        overrides["PeerKmsKeyId"] = require(
            secondary_outputs, "KmsKeyId", plan.region_secondary.stack_name
        )
    return overrides


def region_secondary_overrides(plan: Plan, primary_outputs: Outputs) -> dict[str, str]:
    """Parameters for stacks/region.yaml in the secondary region (joins the global cluster).

    It needs nothing but the primary stack's outputs: its tasks use their own cluster's
    endpoints, so no global writer endpoint is read between passes.
    """
    stack = plan.region_primary.stack_name
    return {
        **base_overrides(plan, plan.region_secondary),
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
        **base_overrides(plan, plan.global_),
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
    """Parameters for template.yaml (the same set goes to every region's copy): ``Regions`` in
    priority order and one comma-separated list per per-region parameter, in that order."""
    p, s, g = (
        plan.region_primary.stack_name,
        plan.region_secondary.stack_name,
        plan.global_.stack_name,
    )
    regions = ((primary_outputs, p, "Primary"), (secondary_outputs, s, "Secondary"))

    def per_region(output: str) -> str:
        return ",".join(require(outputs, output, stack) for outputs, stack, _ in regions)

    def per_region_global(output: str) -> str:
        return ",".join(require(global_outputs, f"{role}{output}", g) for *_, role in regions)

    base = base_overrides(plan, plan.control_primary)
    for key in ("PrimaryRegion", "SecondaryRegion"):
        base.pop(key, None)
    return {
        **base,
        "Regions": f"{plan.primary_region},{plan.secondary_region}",
        "LeaseRegions": ",".join(plan.lease_regions),
        "GlobalClusterId": require(primary_outputs, "GlobalClusterId", p),
        "DbClusterArns": per_region("DbClusterArn"),
        "EcsClusters": per_region("EcsClusterName"),
        "EcsServices": per_region("EcsServiceName"),
        "FullCapacity": full_capacity(plan, primary_outputs, secondary_outputs),
        "AcceleratorArn": require(global_outputs, "AcceleratorArn", g),
        "EndpointGroupArns": per_region_global("EndpointGroupArn"),
        "HealthCheckIds": per_region_global("HealthCheckId"),
        "HealthUrls": per_region_global("HealthUrl"),
        "AlbDnsNames": per_region("AlbDnsName"),
        "HttpsListenerArns": per_region("HttpsListenerArn"),
        "AlbHostedZoneIds": per_region("AlbCanonicalHostedZoneId"),
        "HostedZoneId": require(global_outputs, "HostedZoneId", g),
        "RecordName": require(global_outputs, "RecordName", g),
        "ActiveRegionParameterName": plan.active_region_parameter_name,
        "DataBuckets": per_region("BucketName"),
        "DbSecretArns": per_region("DbSecretArn"),
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


def render_params_file(target: StackTarget, parameters: Mapping[str, str]) -> str:
    """The computed parameters as the YAML mapping SAM CLI's ``file://`` include reads.

    Every value is a quoted string, so YAML never turns "true" or "100" into another type.
    """
    lines = [
        f"# {target.params_file}: computed by `make deploy` / `make estate-params` from the",
        "# outputs of the stacks deployed before. Do not edit; samconfig.toml holds the static",
        f"# values. Included last by [{target.env}] parameter_overrides, so these win.",
    ]
    # A JSON string is a valid YAML double-quoted scalar.
    lines += [f"{key}: {json.dumps(parameters[key])}" for key in sorted(parameters)]
    return "\n".join(lines) + "\n"


def _account_args(target: StackTarget, profile: str | None) -> list[str]:
    """The region (and profile) every sam command names, so none falls back to the shell's."""
    return ["--region", target.region, *(["--profile", profile] if profile else [])]


def sam_deploy_argv(
    sam: str,
    target: StackTarget,
    *,
    review: bool = True,
    profile: str | None = None,
    execute: bool = True,
) -> list[str]:
    """``sam deploy`` for one config env; every parameter comes from samconfig.toml.

    Change-set review is explicit either way, so a samconfig edit cannot switch it off silently.
    The region and the profile the boto3 reads used are named too: ``sam deploy`` must act in
    the same account and region as the reads that computed its parameters. ``execute=False``
    creates the change set and stops (``--no-execute-changeset``: ``deploy-plan --changesets``).
    """
    argv = [
        sam,
        "deploy",
        "--config-file",
        "samconfig.toml",
        "--config-env",
        target.env,
        "--confirm-changeset" if review else "--no-confirm-changeset",
        *_account_args(target, profile),
    ]
    if not execute:
        argv.append("--no-execute-changeset")
    return argv


def sam_delete_argv(sam: str, target: StackTarget, *, profile: str | None = None) -> list[str]:
    """``sam delete`` for one stack, in its own region and the chosen profile."""
    return [
        sam,
        "delete",
        "--stack-name",
        target.stack_name,
        *_account_args(target, profile),
        "--no-prompts",
    ]


# --------------------------------------------------------------------------- the plan, for people


@dataclass(frozen=True)
class Step:
    """One ``sam deploy --config-env`` of the deploy, in order."""

    target: StackTarget
    purpose: str
    first_deploy_only: bool = False


def front_door(plan: Plan) -> str:
    record = plan.global_.parameters.get("RecordName", "RecordName")
    if plan.topology == "read-local":
        return f"{record} = latency records to both regions' ALBs (read-local)"
    return f"{record} = alias to the Global Accelerator (active-passive)"


def deploy_steps(plan: Plan) -> list[Step]:
    primary, secondary = plan.primary_region, plan.secondary_region
    return [
        Step(
            plan.lease,
            f"the failover table (lease, cooldown marker, audit rows): a replica in each of "
            f"{', '.join(plan.lease_regions)}",
        ),
        Step(plan.region_primary, "creates the Aurora global cluster and this region's member"),
        Step(plan.region_secondary, f"joins the global cluster; replicates to {primary}"),
        Step(
            plan.region_primary,
            f"replication to {secondary} on (the peer bucket exists now)",
            first_deploy_only=True,
        ),
        Step(plan.global_, f"Route 53, Global Accelerator, health alarms; {front_door(plan)}"),
        Step(plan.control_primary, "control plane (a complete copy)"),
        Step(plan.control_secondary, "control plane (a complete copy)"),
    ]


def region_stack_passes(plan: Plan) -> dict[str, int]:
    """The most times each region's estate stack deploys (on a first deploy)."""
    passes: dict[str, int] = {}
    for step in deploy_steps(plan):
        if step.target.env in (REGION_PRIMARY, REGION_SECONDARY):
            passes[step.target.region] = passes.get(step.target.region, 0) + 1
    return passes


def describe(
    plan: Plan, *, review: bool = True, profile: str | None = None, sam: str = "sam"
) -> list[str]:
    """The deploy plan for ``make deploy-plan``: one line per step, and the command it runs."""
    lines = [
        f"Estate {plan.estate_name!r}: each step runs "
        "`sam deploy --config-file samconfig.toml --config-env <env>`",
        "  change sets: "
        + (
            "REVIEWED - sam shows each change set and waits for your yes (--confirm-changeset)"
            if review
            else "NOT reviewed - you opted out with --no-confirm-changeset"
        ),
        f"  parameters: samconfig.toml, then {PARAMS_DIR}/<env>.yaml computed from the stacks "
        "before",
    ]
    width = max(len(t.env) for t in plan.targets()) + 2
    for number, step in enumerate(deploy_steps(plan), start=1):
        target = step.target
        built = " (the sam build output)" if target.deploys == BUILT_TEMPLATE else ""
        when = "first deploy only: " if step.first_deploy_only else ""
        lines.append(
            f"{number}. {('[' + target.env + ']').ljust(width)} {target.stack_name} in "
            f"{target.region}: deploys {target.deploys}{built}; review "
            f"{'on' if review else 'OFF'}; {when}{step.purpose}"
        )
        command = sam_deploy_argv(sam, target, review=review, profile=profile)
        lines.append("     $ " + shlex.join(command))
    versions = {
        t.env: t.parameters.get("DbEngineVersion", "the template default")
        for t in (plan.region_primary, plan.region_secondary)
    }
    if len(set(versions.values())) > 1:
        lines.append(
            f"  WARNING: DbEngineVersion differs between the regions ({versions}): Aurora "
            "refuses a managed switchover or failover until both clusters run the same version"
        )
    passes = ", ".join(f"{region} {count}" for region, count in region_stack_passes(plan).items())
    lines.append(
        f"Region-stack passes per region: {passes} (the second primary pass only when the "
        "secondary stack did not exist yet)"
    )
    return lines


# --------------------------------------------------------------------------- teardown


def teardown_order(plan: Plan) -> list[StackTarget]:
    """The reverse of the deploy: control planes, global layer, the regions, then the lease
    stack (its table is retained: DeletionPolicy Retain)."""
    return [
        plan.control_secondary,
        plan.control_primary,
        plan.global_,
        plan.region_secondary,
        plan.region_primary,
        plan.lease,
    ]


def retained_buckets(plan: Plan, account_id: str) -> list[tuple[str, str]]:
    """(region, bucket) of the buckets the region stacks keep on delete (DeletionPolicy Retain)."""
    return [
        (region, f"{plan.estate_name}-{kind}-{account_id}-{region}")
        for region in (plan.primary_region, plan.secondary_region)
        for kind in ("data", "logs")
    ]


def failover_table_name(plan: Plan) -> str:
    """The lease stack's table: a fixed name, kept on delete (DeletionPolicy Retain)."""
    return f"{plan.estate_name}-failover"


def destroy_phrase(plan: Plan, account_id: str) -> str:
    """What an operator types to confirm a teardown: the estate, the account and the regions."""
    return (
        f"destroy {plan.estate_name} in {account_id} {plan.primary_region} {plan.secondary_region}"
    )


# Global Accelerator's client-IP preservation puts one network interface per ALB subnet in the
# VPC (https://docs.aws.amazon.com/global-accelerator/latest/dg/best-practices-aga.html); EC2
# reports them with InterfaceType "global_accelerator_managed" (botocore's ec2 model,
# NetworkInterfaceType). GA removes them only after the endpoint left the accelerator, and a
# subnet with one left cannot be deleted, so the region stacks wait for them to go.
GA_INTERFACE_TYPE = "global_accelerator_managed"


def ga_interface_filters(vpc_id: str) -> list[dict[str, Any]]:
    """``DescribeNetworkInterfaces`` filters for GA's interfaces in one VPC."""
    return [
        {"Name": "vpc-id", "Values": [vpc_id]},
        {"Name": "interface-type", "Values": [GA_INTERFACE_TYPE]},
    ]


def region_of_arn(arn: str) -> str:
    try:
        region = arns.region_of(arn)
    except ValueError:
        region = ""
    if not region:
        raise PlanError(f"not a regional ARN: {arn!r}")
    return region


def confirmed(expected: str, phrase: str | None, ask: Callable[[str], str]) -> bool:
    """A typed confirmation: ``phrase`` as given (``--confirm-phrase``), else asked for; only
    ``expected``, exactly, goes on (no standard input answers nothing)."""
    if phrase is None:
        try:
            phrase = ask(f"Type '{expected}' to go on: ")
        except EOFError:
            phrase = ""
    return phrase.strip() == expected
