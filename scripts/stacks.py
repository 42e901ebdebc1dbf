"""The estate's deploy plan as pure data: no AWS calls, so it is unit-tested offline.

Every stack is one config env of samconfig.toml, deployed with ``sam deploy --config-env <env>``.
``Regions`` in [global] lists the estate's regions in priority order, the primary first (2 to
failover.config.MAX_REGIONS); each needs a ``region-<region>`` and a ``control-<region>`` env:

1. ``lease``             stacks/lease.yaml in LeaseRegions[0] (the failover table, a replica in
                         each of the three LeaseRegions)
2. ``region-<R1>``       stacks/region.yaml in the primary region (creates the global cluster)
3. ``region-<Rn>``       stacks/region.yaml in every other region, in priority order (joins it,
                         replicates to the regions deployed before)
4. ``region-<R1..n-1>``  again, on a first deploy only: replication to the regions whose bucket
                         did not exist at their first pass
5. ``global``            stacks/global.yaml in us-east-1 (Route 53, Global Accelerator, alarms)
6. ``control-<Rn>``      the control plane (the ``sam build`` output), one copy per region

samconfig.toml holds the static values of every stack. The rest are outputs of the stacks
deployed before, often in another region, which CloudFormation cannot reference (exports and
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
from failover.config import MAX_REGIONS, MRSC_REGION_SETS, TOPOLOGIES

LEASE = "lease"
GLOBAL = "global"
REGION_ENV_PREFIX = "region-"
CONTROL_ENV_PREFIX = "control-"

# Route 53 health-check metrics (and so their alarms and rules) exist only in us-east-1.
GLOBAL_STACK_REGION = "us-east-1"

# The lease stack's LeaseRegions when [lease] sets none (the template's default).
DEFAULT_LEASE_REGIONS = ("us-east-1", "us-east-2", "us-west-2")

# The control plane deploys what `sam build` produced, never the source template.
BUILT_TEMPLATE = ".aws-sam/build/template.yaml"
# Computed parameters, one file per stack (every control-plane copy takes the same values).
PARAMS_DIR = ".estate"
CONTROL_PLANE_PARAMS = "control-plane.yaml"
INCLUDE_PREFIX = "file://"
_REGION_NAME = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")


def region_env(region: str) -> str:
    """The config env of ``region``'s estate stack (stacks/region.yaml)."""
    return f"{REGION_ENV_PREFIX}{region}"


def control_env(region: str) -> str:
    """The config env of ``region``'s control plane (template.yaml)."""
    return f"{CONTROL_ENV_PREFIX}{region}"


def params_file_name(env: str) -> str:
    if env.startswith(CONTROL_ENV_PREFIX):
        return CONTROL_PLANE_PARAMS
    return f"{env}.yaml"


def key(region: str) -> str:
    """A region as the global stack's per-region outputs carry it (&{Region}: useast1)."""
    return re.sub(r"[^0-9A-Za-z]", "", region)


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
        return f"{PARAMS_DIR}/{params_file_name(self.env)}"

    @property
    def deploys(self) -> str:
        return self.deploy_template_file or self.template_file

    @property
    def is_control_plane(self) -> bool:
        return self.env.startswith(CONTROL_ENV_PREFIX)

    @property
    def is_region_stack(self) -> bool:
        return self.env.startswith(REGION_ENV_PREFIX)


@dataclass(frozen=True)
class Plan:
    """The stacks of the estate: the lease and global stacks, and per region (in priority
    order) a region stack and a control plane."""

    lease: StackTarget
    global_: StackTarget
    region_stacks: tuple[StackTarget, ...]
    control_planes: tuple[StackTarget, ...]

    @property
    def estate_name(self) -> str:
        return self.global_.parameters["EstateName"]

    @property
    def regions(self) -> tuple[str, ...]:
        """The estate's regions in priority order, the primary first ([global] Regions)."""
        return plan_regions(self.global_)

    @property
    def primary_region(self) -> str:
        return self.regions[0]

    def others(self, region: str) -> tuple[str, ...]:
        """Every region but ``region``, in priority order."""
        return tuple(r for r in self.regions if r != region)

    def region_stack(self, region: str) -> StackTarget:
        return self.region_stacks[self.regions.index(region)]

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
        configured = self.control_planes[0].parameters.get("ActiveRegionParameterName", "")
        return configured or f"/{self.estate_name}/failover/active-region"

    def targets(self) -> tuple[StackTarget, ...]:
        return (self.lease, *self.region_stacks, self.global_, *self.control_planes)


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


def plan_regions(global_: StackTarget) -> tuple[str, ...]:
    """``Regions`` of [global]: 2 to MAX_REGIONS distinct region names, in priority order."""
    raw = global_.parameters.get("Regions", "")
    regions = tuple(part.strip() for part in raw.split(",") if part.strip())
    if not regions:
        raise PlanError(
            f"[{GLOBAL}] parameter_overrides must set Regions: the estate's regions in priority "
            "order, the primary first (e.g. Regions=us-east-1,eu-west-1,us-west-2)"
        )
    if not 2 <= len(regions) <= MAX_REGIONS:
        raise PlanError(f"[{GLOBAL}] Regions: 2 to {MAX_REGIONS} regions, not {len(regions)}")
    if len(set(regions)) != len(regions):
        raise PlanError(f"[{GLOBAL}] Regions names a region twice: {','.join(regions)}")
    bad = [r for r in regions if not _REGION_NAME.match(r)]
    if bad:
        raise PlanError(f"[{GLOBAL}] Regions: not region names: {bad}")
    return regions


def load_plan(samconfig: Mapping[str, Any]) -> Plan:
    """Build and check the plan from a parsed samconfig.toml (placeholders are checked apart)."""
    global_ = load_target(samconfig, GLOBAL)
    regions = plan_regions(global_)
    missing = [
        env
        for region in regions
        for env in (region_env(region), control_env(region))
        if env not in samconfig
    ]
    if missing:
        raise PlanError(
            f"[{GLOBAL}] Regions={','.join(regions)} needs a config env per region and stack; "
            f"samconfig.toml has no {', '.join(f'[{env}.*]' for env in missing)} (copy the "
            "region-/control- envs of another region and set its region, VpcCidr and image)"
        )
    plan = Plan(
        lease=load_target(samconfig, LEASE),
        global_=global_,
        region_stacks=tuple(load_target(samconfig, region_env(r)) for r in regions),
        control_planes=tuple(load_target(samconfig, control_env(r)) for r in regions),
    )
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
    if "EstateName" not in plan.global_.parameters:
        raise PlanError(f"[{GLOBAL}] parameter_overrides must set EstateName")
    names = {
        t.env: t.parameters["EstateName"] for t in plan.targets() if "EstateName" in t.parameters
    }
    if len(set(names.values())) > 1:
        problems.append(f"EstateName differs between config envs: {names}")
    for region in plan.regions:
        for target in (plan.region_stack(region), plan.control_planes[plan.regions.index(region)]):
            if target.region != region:
                problems.append(
                    f"[{target.env}] deploys to {target.region}, not {region} (its name's region)"
                )
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
    for target in plan.region_stacks:
        role = "primary" if target.region == plan.primary_region else "secondary"
        role_given = target.parameters.get("Role", role)
        if role_given != role:
            problems.append(
                f"[{target.env}] Role must be {role}, not {role_given} (the first of Regions is "
                "the primary: set the order in [global] Regions)"
            )
    for target in plan.region_stacks:
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
        if target is not plan.global_ and "Regions" in target.parameters:
            problems.append(
                f"[{target.env}] sets Regions: set it once, in [{GLOBAL}] (the deploy passes it)"
            )
        if target.includes[-1:] != (target.params_file,):
            problems.append(
                f"[{target.env}] parameter_overrides must end with "
                f'"{INCLUDE_PREFIX}{target.params_file}" (the values computed from the other '
                f"stacks; `make deploy` and `make estate-params` write it)"
            )
        if target.is_control_plane and target.deploys != BUILT_TEMPLATE:
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
    if target.is_region_stack:
        overrides["Role"] = "primary" if target.region == plan.primary_region else "secondary"
        overrides["OtherRegions"] = ",".join(plan.others(target.region))
        overrides["ActiveRegionParameterName"] = plan.active_region_parameter_name
        if record_name:
            overrides["RecordName"] = record_name
        # The certificate is DNS-validated in the estate's zone unless the env brings its own.
        zone = plan.global_.parameters.get("ExistingHostedZoneId", "")
        own = {"CertificateArn", "CertificateHostedZoneId"} & set(target.parameters)
        if zone and not own:
            overrides["CertificateHostedZoneId"] = zone
    else:
        overrides["Regions"] = ",".join(plan.regions)
    return overrides


RegionOutputs = Mapping[str, Outputs | None]


def replication_targets(plan: Plan, target: StackTarget, outputs: RegionOutputs) -> tuple[str, ...]:
    """The other regions whose stack (so whose bucket and key) exists: replication to a bucket
    that does not exist yet is refused by S3, so it turns on in a later pass."""
    return tuple(r for r in plan.others(target.region) if outputs.get(r))


def region_overrides(plan: Plan, target: StackTarget, outputs: RegionOutputs) -> dict[str, str]:
    """Parameters for stacks/region.yaml in ``target``'s region, from the region stacks that
    exist (``outputs``: each region's outputs, None when its stack does not exist).

    The primary creates the global cluster; every other region joins it and reads the master
    secret's replica (its name from the primary's outputs). Each replicates its data bucket to
    every other region whose stack exists.
    """
    overrides = base_overrides(plan, target)
    if target.region != plan.primary_region:
        primary = outputs.get(plan.primary_region)
        if not primary:
            raise PlanError(
                f"[{target.env}] needs the primary's stack ({region_env(plan.primary_region)}) "
                "first: it joins the global cluster the primary creates"
            )
        overrides["DbSecretName"] = secret_name_from_arn(
            require(primary, "DbSecretArn", plan.region_stacks[0].stack_name)
        )
    destinations = replication_targets(plan, target, outputs)
    overrides["ReplicationRegions"] = ",".join(destinations)
    overrides["ReplicaKmsKeyIds"] = ",".join(
        require(outputs[r] or {}, "KmsKeyId", plan.region_stack(r).stack_name) for r in destinations
    )
    return overrides


def _each(plan: Plan, outputs: RegionOutputs, output: str) -> list[tuple[str, str]]:
    """(region, the output of its region stack) for every region, in priority order."""
    values = []
    for region in plan.regions:
        stack = plan.region_stack(region).stack_name
        values.append((region, require(outputs.get(region) or {}, output, stack)))
    return values


def keyed(pairs: Iterable[tuple[str, str]]) -> str:
    """The global stack's region-keyed list: ``us-east-1=<value>,eu-west-1=<value>``."""
    return ",".join(f"{region}={value}" for region, value in pairs)


def in_order(pairs: Iterable[tuple[str, str]]) -> str:
    """The control plane's list: one value per region, in the order of Regions."""
    return ",".join(value for _, value in pairs)


def flow_logs_bucket(plan: Plan, outputs: RegionOutputs) -> str:
    """The logs bucket in the global stack's own region when the estate has one there, else the
    primary's."""
    region = plan.global_.region if plan.global_.region in plan.regions else plan.primary_region
    return require(
        outputs.get(region) or {}, "LogsBucketName", plan.region_stack(region).stack_name
    )


def global_overrides(plan: Plan, outputs: RegionOutputs) -> dict[str, str]:
    """Parameters for stacks/global.yaml from every region stack (region-keyed lists)."""
    return {
        **base_overrides(plan, plan.global_),
        "AlbArns": keyed(_each(plan, outputs, "AlbArn")),
        "AlbDnsNames": keyed(_each(plan, outputs, "AlbDnsName")),
        "AlbHostedZoneIds": keyed(_each(plan, outputs, "AlbCanonicalHostedZoneId")),
        "FlowLogsBucketName": flow_logs_bucket(plan, outputs),
    }


def default_traffic_dials(plan: Plan) -> dict[str, str]:
    """The dials a new estate starts with: the primary 100, every other region 0."""
    return {region: "100" if region == plan.primary_region else "0" for region in plan.regions}


def full_capacity(plan: Plan, outputs: RegionOutputs) -> str:
    """The task count that carries the whole load: what the primary is configured to run.

    Not what it runs now: after a failover the old primary may be scaled down and the deploy
    keeps that live count, so without a configured value the largest region counts.
    """
    configured = plan.region_stacks[0].parameters.get("DesiredCount")
    if configured:
        return configured
    return str(max(1, *(int(count) for _, count in _each(plan, outputs, "DesiredCount"))))


def control_plane_overrides(
    plan: Plan, outputs: RegionOutputs, global_outputs: Outputs
) -> dict[str, str]:
    """Parameters for template.yaml (the same set goes to every region's copy): one list per
    per-region value, in the order of Regions."""
    g = plan.global_.stack_name

    def from_global(output: str) -> str:
        return ",".join(require(global_outputs, f"{output}{key(r)}", g) for r in plan.regions)

    return {
        **base_overrides(plan, plan.control_planes[0]),
        "LeaseRegions": ",".join(plan.lease_regions),
        "GlobalClusterId": require(
            outputs.get(plan.primary_region) or {},
            "GlobalClusterId",
            plan.region_stacks[0].stack_name,
        ),
        "DbClusterArns": in_order(_each(plan, outputs, "DbClusterArn")),
        "EcsClusters": in_order(_each(plan, outputs, "EcsClusterName")),
        "EcsServices": in_order(_each(plan, outputs, "EcsServiceName")),
        "FullCapacity": full_capacity(plan, outputs),
        "AcceleratorArn": require(global_outputs, "AcceleratorArn", g),
        "EndpointGroupArns": from_global("EndpointGroupArn"),
        "HealthCheckIds": from_global("HealthCheckId"),
        "HealthUrls": from_global("HealthUrl"),
        "AlbDnsNames": in_order(_each(plan, outputs, "AlbDnsName")),
        "AlbHostedZoneIds": in_order(_each(plan, outputs, "AlbCanonicalHostedZoneId")),
        "HttpsListenerArns": in_order(_each(plan, outputs, "HttpsListenerArn")),
        "HostedZoneId": require(global_outputs, "HostedZoneId", g),
        "RecordName": require(global_outputs, "RecordName", g),
        "ActiveRegionParameterName": plan.active_region_parameter_name,
        "DataBuckets": in_order(_each(plan, outputs, "BucketName")),
        "DbSecretArns": in_order(_each(plan, outputs, "DbSecretArn")),
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
        return f"{record} = latency records to every region's ALB (read-local)"
    return f"{record} = alias to the Global Accelerator (active-passive)"


def deploy_steps(plan: Plan) -> list[Step]:
    primary = plan.primary_region
    steps = [
        Step(
            plan.lease,
            f"the failover table (lease, cooldown marker, audit rows): a replica in each of "
            f"{', '.join(plan.lease_regions)}",
        ),
        Step(
            plan.region_stacks[0],
            f"priority 1 (primary): creates the Aurora global cluster and this region's member; "
            f"the master secret replicated to {', '.join(plan.others(primary))}",
        ),
    ]
    for number, target in enumerate(plan.region_stacks[1:], start=2):
        before = plan.regions[: number - 1]
        steps.append(
            Step(
                target,
                f"priority {number}: joins the global cluster; replicates to {', '.join(before)}",
            )
        )
    for number, target in enumerate(plan.region_stacks[:-1], start=1):
        after = plan.regions[number:]
        steps.append(
            Step(
                target,
                f"replication to {', '.join(after)} on (their buckets exist now)",
                first_deploy_only=True,
            )
        )
    steps.append(
        Step(plan.global_, f"Route 53, Global Accelerator, health alarms; {front_door(plan)}")
    )
    for number, target in enumerate(plan.control_planes, start=1):
        steps.append(Step(target, f"control plane (a complete copy; priority {number})"))
    return steps


def region_stack_passes(plan: Plan) -> dict[str, int]:
    """The most times each region's estate stack deploys (on a first deploy)."""
    passes: dict[str, int] = {}
    for step in deploy_steps(plan):
        if step.target.is_region_stack:
            passes[step.target.region] = passes.get(step.target.region, 0) + 1
    return passes


def describe(
    plan: Plan, *, review: bool = True, profile: str | None = None, sam: str = "sam"
) -> list[str]:
    """The deploy plan for ``make deploy-plan``: one line per step, and the command it runs."""
    lines = [
        f"Estate {plan.estate_name!r}: regions in priority order {', '.join(plan.regions)} "
        f"(the primary first); each step runs "
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
        for t in plan.region_stacks
    }
    if len(set(versions.values())) > 1:
        lines.append(
            f"  WARNING: DbEngineVersion differs between the regions ({versions}): Aurora "
            "refuses a managed switchover or failover until every cluster runs the same version"
        )
    passes = ", ".join(f"{region} {count}" for region, count in region_stack_passes(plan).items())
    lines.append(
        f"Region-stack passes per region: {passes} (the replication pass only for a region "
        "stack deployed before another region's existed)"
    )
    return lines


# --------------------------------------------------------------------------- teardown


def teardown_order(plan: Plan) -> list[StackTarget]:
    """The reverse of the deploy: control planes, global layer, the regions (the primary, which
    holds the global cluster, last), then the lease stack (its table is retained: DeletionPolicy
    Retain)."""
    return [
        *reversed(plan.control_planes),
        plan.global_,
        *reversed(plan.region_stacks),
        plan.lease,
    ]


def retained_buckets(plan: Plan, account_id: str) -> list[tuple[str, str]]:
    """(region, bucket) of the buckets the region stacks keep on delete (DeletionPolicy Retain)."""
    return [
        (region, f"{plan.estate_name}-{kind}-{account_id}-{region}")
        for region in plan.regions
        for kind in ("data", "logs")
    ]


def failover_table_name(plan: Plan) -> str:
    """The lease stack's table: a fixed name, kept on delete (DeletionPolicy Retain)."""
    return f"{plan.estate_name}-failover"


def destroy_phrase(plan: Plan, account_id: str) -> str:
    """What an operator types to confirm a teardown: the estate, the account and the regions."""
    return f"destroy {plan.estate_name} in {account_id} {' '.join(plan.regions)}"


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
