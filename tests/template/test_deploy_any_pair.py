"""The estate deploys for any pair of regions, and for three: proven offline, from outside.

Three estates, each with the failover table in the US strong-consistency set
(LeaseRegions us-east-1,us-east-2,us-west-2, the lease stack in us-east-1):

- us-east-1 (primary) + eu-west-1: the pair the project was built from, one estate region in
  the lease set;
- eu-west-1 + eu-west-2: no estate region in the lease set;
- us-east-1, eu-west-1, us-west-2 in that priority order: three regions.

For each, the repository's samconfig.toml is rewritten for the estate (Regions, one region and
one control-plane env per region with its own region's ECR image, placeholders set) and:

1. the deploy plan validates, `make deploy-plan` prints it with the lease stack first in
   us-east-1, and `make deploy` (scripts/deploy.py, with a stand-in for `sam` and for the few
   boto3 reads) passes LeaseRegions and the regions to every control plane;
2. every parameter set a `sam deploy --config-env <env>` sends (read back with SAM CLI's own
   code, includes resolved) passes its template's parameter constraints and Rules, the Rules
   evaluated by a small evaluator of the intrinsics they use (an unknown one is refused);
3. every Mapping looked up by region has the estate's regions.

The refusals stay: a lease stack outside LeaseRegions[0], LeaseRegions mixing sets, one region
twice. Nothing here calls AWS or runs `sam`.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import re
import shutil
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from failover.config import MRSC_REGION_SETS

from scripts import deploy, stacks
from tests.template.cfn_yaml import REPO_ROOT, load_template

ACCOUNT = "444455556666"
US = ("us-east-1", "us-east-2", "us-west-2")
TEMPLATES = ("template.yaml", "stacks/lease.yaml", "stacks/region.yaml", "stacks/global.yaml")

# Application Load Balancers' canonical hosted zone ids, by region (the "Application Load
# Balancers" column of https://docs.aws.amazon.com/general/latest/gr/elb.html).
ALB_ZONE = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-2": "Z1H1FL5HABSF5",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
}


@dataclass(frozen=True)
class Estate:
    regions: tuple[str, ...]
    lease_regions: tuple[str, ...] = US

    @property
    def id(self) -> str:
        return "+".join(self.regions)

    @property
    def primary(self) -> str:
        return self.regions[0]


PAIR = Estate(("us-east-1", "eu-west-1"))
ESTATES = [
    PAIR,
    Estate(("eu-west-1", "eu-west-2")),
    Estate(("us-east-1", "eu-west-1", "us-west-2")),
]


# --------------------------------------------------------------------------- samconfig rewrite


_HEADER = re.compile(r"\[([a-z0-9-]+)\.[a-z]+\.parameters\]")


def _env_blocks(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """samconfig.toml's lines before the first table, and each env's lines (its tables and
    what follows them up to the next env's)."""
    head: list[str] = []
    blocks: dict[str, list[str]] = {}
    env = ""
    for line in text.splitlines():
        header = _HEADER.fullmatch(line)
        if header:
            env = header.group(1)
        (blocks.setdefault(env, []) if env else head).append(line)
    return head, blocks


def _moved(lines: list[str], old: str, new: str, number: int) -> list[str]:
    """A region's or control plane's env of ``old`` as the same env for ``new``."""
    out = []
    for line in lines:
        line = line.replace(f"[region-{old}.", f"[region-{new}.").replace(
            f"[control-{old}.", f"[control-{new}."
        )
        line = line.replace(f".estate/region-{old}.yaml", f".estate/region-{new}.yaml")
        if re.fullmatch(r'region = "[a-z0-9-]+"', line):
            line = f'region = "{new}"'
        if "ContainerImage=" in line:
            image = f"{ACCOUNT}.dkr.ecr.{new}.amazonaws.com/shop-web:v1"
            line = re.sub(r"ContainerImage=[^\"]+", f"ContainerImage={image}", line)
        if "VpcCidr=" in line:
            line = re.sub(r"VpcCidr=[0-9./]+", f"VpcCidr=10.{number}.0.0/16", line)
        out.append(line)
    return out


def samconfig_text(estate: Estate, *, lease_region: str | None = None) -> str:
    """The repository's samconfig.toml for ``estate``: Regions in [global], one region env and
    one control-plane env per region (the primary's made from the repository's first region's,
    the others from its second's) with their own region's ECR image, [lease] in
    ``lease_region`` (the first of the set by default) with its LeaseRegions, and the
    placeholders set to real-looking values."""
    text = (REPO_ROOT / "samconfig.toml").read_text(encoding="utf-8")
    head, blocks = _env_blocks(text)
    shipped = re.search(r'"Regions=([a-z0-9,-]+)"', text)
    assert shipped, "the repository's [global] sets Regions"
    first, second = shipped.group(1).split(",")[:2]
    lines = list(head)
    for env, block in blocks.items():
        if env.startswith(("region-", "control-")):
            continue
        for line in block:
            if env == "lease" and re.fullmatch(r'region = "[a-z0-9-]+"', line):
                line = f'region = "{lease_region or estate.lease_regions[0]}"'
            if env == "lease" and "LeaseRegions=" in line:
                line = re.sub(
                    r"LeaseRegions=[a-z0-9,-]+",
                    f"LeaseRegions={','.join(estate.lease_regions)}",
                    line,
                )
            if env == "global" and "Regions=" in line and "LeaseRegions" not in line:
                line = re.sub(r"Regions=[a-z0-9,-]+", f"Regions={','.join(estate.regions)}", line)
            lines.append(line)
    for number, region in enumerate(estate.regions):
        model = first if number == 0 else second
        for kind in ("region", "control"):
            lines += _moved(blocks[f"{kind}-{model}"], model, region, number)
    text = "\n".join(lines) + "\n"
    for placeholder, value in (
        ("ZCHANGEME00000", "Z0ESTATEZONE42"),
        ("app.example.com", "app.shop.io"),
    ):
        text = text.replace(placeholder, value)
    return text


def write_checkout(root: Path, text: str) -> Path:
    """A checkout with the templates and ``text`` as its samconfig.toml."""
    for template in TEMPLATES:
        (root / template).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO_ROOT / template, root / template)
    config = root / "samconfig.toml"
    config.write_text(text, encoding="utf-8")
    return config


# --------------------------------------------------------------------------- the checks

RuleValue = str | bool | list[Any]


class UnknownIntrinsic(ValueError):
    """A Rule uses an intrinsic this evaluator does not implement: the test must not pass."""


RULE_FUNCTIONS = frozenset(
    {"Ref", "Fn::And", "Fn::Or", "Fn::Not", "Fn::Equals", "Fn::Contains", "Fn::EachMemberIn"}
)


def _scalar(value: Any) -> str:
    # Rules compare strings: YAML's true/10 in a template are "true"/"10" to CloudFormation.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _condition(value: RuleValue, function: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{function} needs conditions, got {value!r}")
    return value


def evaluate(node: Any, values: Mapping[str, str | list[str]]) -> RuleValue:
    """One Rules expression (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/rules-section-structure.html)
    for these parameter values (lists for CommaDelimitedList) and pseudo parameters."""
    if isinstance(node, list):
        return [evaluate(item, values) for item in node]
    if not isinstance(node, dict):
        return _scalar(node)
    if len(node) != 1:
        raise UnknownIntrinsic(f"not one intrinsic: {sorted(node)}")
    ((function, argument),) = node.items()
    if function not in RULE_FUNCTIONS:
        raise UnknownIntrinsic(function)
    if function == "Ref":
        if argument not in values:
            raise KeyError(f"Ref {argument}: no such parameter")
        return values[argument]
    arguments = evaluate(argument, values)
    assert isinstance(arguments, list), f"{function} takes a list"
    if function == "Fn::Not":
        (only,) = arguments
        return not _condition(only, function)
    if function in ("Fn::And", "Fn::Or"):
        assert 2 <= len(arguments) <= 10, f"{function} takes 2 to 10 conditions"
        verdicts = [_condition(a, function) for a in arguments]
        return all(verdicts) if function == "Fn::And" else any(verdicts)
    left, right = arguments
    if function == "Fn::Equals":
        return bool(left == right)
    if function == "Fn::Contains":
        if not (isinstance(left, list) and isinstance(right, str)):
            raise TypeError(f"{function} takes a list and a string")
        return right in left
    # Fn::EachMemberIn: every member of the first list is in the second.
    if not (isinstance(left, list) and isinstance(right, list)):
        raise TypeError(f"{function} takes two lists")
    return all(member in right for member in left)


def effective_values(
    template: dict[str, Any], given: Mapping[str, str], region: str
) -> dict[str, str | list[str]]:
    """The parameter values the stack gets (given, else the default), as Rules see them."""
    values: dict[str, str | list[str]] = {"AWS::Region": region, "AWS::Partition": "aws"}
    for name, spec in template["Parameters"].items():
        if name in given:
            raw = given[name]
        elif "Default" in spec:
            raw = _scalar(spec["Default"])
        else:
            continue
        values[name] = raw.split(",") if spec["Type"] == "CommaDelimitedList" else raw
    return values


def rule_failures(template: dict[str, Any], given: Mapping[str, str], region: str) -> list[str]:
    """Each Rules assertion that would stop the stack with these values, by rule name."""
    values = effective_values(template, given, region)
    failed = []
    for name, rule in template.get("Rules", {}).items():
        if "RuleCondition" in rule and not _condition(
            evaluate(rule["RuleCondition"], values), name
        ):
            continue
        for assertion in rule["Assertions"]:
            if not _condition(evaluate(assertion["Assert"], values), name):
                failed.append(f"{name}: {assertion.get('AssertDescription', '')}")
    return failed


def _member_refusals(name: str, spec: dict[str, Any], member: str) -> list[str]:
    problems = []
    if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], member):
        problems.append(f"{name}={member!r} does not match {spec['AllowedPattern']}")
    if "AllowedValues" in spec:
        allowed = [_scalar(v) for v in spec["AllowedValues"]]
        matches = member in allowed
        if spec["Type"] == "Number":
            matches = float(member) in [float(v) for v in allowed]
        if not matches:
            problems.append(f"{name}={member!r} is not one of {allowed}")
    if not spec.get("MinLength", 0) <= len(member) <= spec.get("MaxLength", len(member)):
        problems.append(f"{name}={member!r} is outside its length bounds")
    return problems


def parameter_refusals(template: dict[str, Any], given: Mapping[str, str]) -> list[str]:
    """What CloudFormation refuses among these values before any resource is touched
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html):
    undeclared or missing parameters, and each declared constraint. A CommaDelimitedList's
    AllowedPattern and AllowedValues apply to each member."""
    parameters = template["Parameters"]
    problems = [f"{name} is not declared" for name in given if name not in parameters]
    for name, spec in parameters.items():
        if name not in given:
            if "Default" not in spec:
                problems.append(f"{name} is required and not given")
            continue
        value, kind = given[name], spec["Type"]
        if kind == "String":
            problems += _member_refusals(name, spec, value)
        elif kind == "CommaDelimitedList":
            for member in value.split(","):
                problems += _member_refusals(name, spec, member)
        elif kind == "Number":
            try:
                number = float(value)
            except ValueError:
                problems.append(f"{name}={value!r} is not a number")
                continue
            problems += _member_refusals(name, {**spec, "AllowedPattern": ".*"}, value)
            if not spec.get("MinValue", number) <= number <= spec.get("MaxValue", number):
                problems.append(f"{name}={value} is outside [{spec.get('MinValue')}, ...]")
        elif kind == "AWS::SSM::Parameter::Value<String>":
            if not re.fullmatch(r"/?[a-zA-Z0-9_.\-/]+", value):
                problems.append(f"{name}={value!r} is not an SSM parameter name")
        else:
            problems.append(f"{name}: type {kind} is not checked here; teach the test")
    return problems


# --------------------------------------------------------------------------- a stand-in AWS


def region_outputs(region: str, role: str) -> dict[str, str]:
    """stacks/region.yaml's outputs as CloudFormation reports them in ``region``."""
    key = f"{sum(map(ord, region)):08x}"
    return {
        "Region": region,
        "Role": role,
        "AlbArn": f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT}:loadbalancer/app/shop/0f",
        "AlbDnsName": f"shop-1.{region}.elb.amazonaws.com",
        "HttpsListenerArn": (
            f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT}:listener/app/shop/0f/1a"
        ),
        "AlbCanonicalHostedZoneId": ALB_ZONE[region],
        "EcsClusterName": f"shop-{region}",
        "EcsServiceName": "shop-web",
        "DesiredCount": "2" if role == "primary" else "1",
        "DbClusterIdentifier": f"shop-{region}",
        "DbClusterArn": f"arn:aws:rds:{region}:{ACCOUNT}:cluster:shop-{region}",
        "GlobalClusterId": "shop-global",
        "DbSecretArn": f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:DbMasterSecret-x1-AbC123",
        "BucketName": f"shop-data-{ACCOUNT}-{region}",
        "LogsBucketName": f"shop-logs-{ACCOUNT}-{region}",
        "KmsKeyId": f"{key}-12ab-34cd-56ef-1234567890ab",
    }


ACCELERATOR = f"arn:aws:globalaccelerator::{ACCOUNT}:accelerator/abcd-1234"


def global_outputs(estate: Estate) -> dict[str, str]:
    outputs = {
        "HostedZoneId": "Z0ESTATEZONE42",
        "RecordName": "app.shop.io",
        "AcceleratorArn": ACCELERATOR,
    }
    for number, region in enumerate(estate.regions):
        key = stacks.key(region)
        outputs |= {
            f"HealthCheckId{key}": f"00000000-0000-0000-0000-0000000000e{number}",
            f"HealthAlarmName{key}": f"shop-health-{region}",
            f"HealthUrl{key}": f"https://{region}.app.shop.io/health",
            f"EndpointGroupArn{key}": f"{ACCELERATOR}/listener/0a1b/endpoint-group/{key}",
        }
    return outputs


class StandInAws:
    """The CloudFormation, ECS and Global Accelerator reads of scripts/deploy.py, answered from
    the stacks the stand-in sam has deployed (by region and stack name)."""

    profile = None

    def __init__(self, plan: stacks.Plan, estate: Estate) -> None:
        self.plan = plan
        self.estate = estate
        # (region, stack) -> (env, the parameters its last sam deploy sent)
        self.deployed: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}

    def outputs(self, env: str, region: str) -> dict[str, str]:
        if env == stacks.LEASE:
            return {
                "FailoverTableName": "shop-failover",
                "LeaseRegions": ",".join(self.plan.lease_regions),
            }
        if env.startswith("region-"):
            return region_outputs(region, "primary" if region == self.estate.primary else "s")
        if env == stacks.GLOBAL:
            return global_outputs(self.estate)
        return {}

    def client(self, service: str, region: str) -> Any:
        aws = self

        class CloudFormation:
            def describe_stacks(self, StackName: str) -> dict[str, Any]:
                from botocore.exceptions import ClientError

                if (region, StackName) not in aws.deployed:
                    error = {"Error": {"Code": "ValidationError", "Message": "does not exist"}}
                    raise ClientError(error, "DescribeStacks")  # type: ignore[arg-type]
                env, parameters = aws.deployed[(region, StackName)]
                return {
                    "Stacks": [
                        {
                            "StackStatus": "CREATE_COMPLETE",
                            "Outputs": [
                                {"OutputKey": k, "OutputValue": v}
                                for k, v in aws.outputs(env, region).items()
                            ],
                            "Parameters": [
                                {"ParameterKey": k, "ParameterValue": v}
                                for k, v in parameters.items()
                            ],
                        }
                    ]
                }

        class Ecs:
            def describe_services(self, cluster: str, services: list[str]) -> dict[str, Any]:
                # Nothing scaled since the deploy: the count the region stack was given.
                (count,) = (
                    params["DesiredCount"]
                    for (where, _), (env, params) in aws.deployed.items()
                    if where == region and env.startswith("region-")
                )
                return {"services": [{"desiredCount": int(count)}]}

        class GlobalAccelerator:
            def describe_endpoint_group(self, EndpointGroupArn: str) -> dict[str, Any]:
                dial = 100 if EndpointGroupArn.endswith(f"/{stacks.key(aws.estate.primary)}") else 0
                return {"EndpointGroup": {"TrafficDialPercentage": dial}}

        clients = {"cloudformation": CloudFormation, "ecs": Ecs}
        return {**clients, "globalaccelerator": GlobalAccelerator}[service]()


@dataclass(frozen=True)
class SamCall:
    env: str
    region: str
    template_file: str
    parameters: dict[str, str]  # what `sam deploy --config-env env` sends, as SAM reads it


def sam_reads(root: Path, env: str) -> dict[str, str]:
    """The parameters `sam deploy --config-env <env>` sends: samconfig.toml's, then the
    ``file://`` include, read with SAM CLI's own code from ``root``."""
    from samcli.cli.types import CfnParameterOverridesType
    from samcli.lib.config.samconfig import SamConfig

    settings = SamConfig(str(root), "samconfig.toml").get_all(["deploy"], "parameters", env=env)
    values: dict[str, str] = CfnParameterOverridesType().convert(
        settings["parameter_overrides"], None, None
    )
    return values


@dataclass
class Deployment:
    root: Path
    plan: stacks.Plan
    aws: StandInAws
    calls: list[SamCall]

    def last(self, env: str) -> SamCall:
        return [c for c in self.calls if c.env == env][-1]


def run_deploy(root: Path, estate: Estate) -> Deployment:
    """`make deploy` for ``estate``, each `sam deploy` replaced by reading what it would send."""
    config = write_checkout(root, samconfig_text(estate))
    plan = deploy.load_plan(config)
    aws = StandInAws(plan, estate)
    calls: list[SamCall] = []

    def sam(argv: list[str], cwd: Path) -> None:
        assert cwd == root
        env = argv[argv.index("--config-env") + 1]
        target = next(t for t in plan.targets() if t.env == env)
        assert argv[argv.index("--region") + 1] == target.region
        call = SamCall(env, target.region, target.template_file, sam_reads(root, env))
        calls.append(call)
        aws.deployed[(target.region, target.stack_name)] = (env, call.parameters)

    deploy.Deployer(plan, aws, root=root, run=sam).run()  # type: ignore[arg-type]
    return Deployment(root, plan, aws, calls)


@pytest.fixture(scope="module", params=ESTATES, ids=lambda e: e.id)
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp(request.param.id.replace("+", "_"))
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(root)  # SAM resolves file:// includes against the working directory
        yield run_deploy(root, request.param)


# --------------------------------------------------------------------------- 1. the plan


@pytest.mark.parametrize("estate", ESTATES, ids=lambda e: e.id)
def test_the_plan_validates_and_deploys_the_lease_stack_first_in_its_set(
    estate: Estate, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_checkout(tmp_path, samconfig_text(estate))
    plan = deploy.load_plan(config)
    assert plan.regions == estate.regions
    assert tuple(t.region for t in plan.region_stacks) == estate.regions
    assert tuple(t.region for t in plan.control_planes) == estate.regions
    assert plan.lease_regions == estate.lease_regions
    assert stacks.find_placeholders(plan) == []
    for target in plan.region_stacks:
        assert f".dkr.ecr.{target.region}.amazonaws.com/" in target.parameters["ContainerImage"]
    first = stacks.deploy_steps(plan)[0].target
    assert (first.env, first.region) == (stacks.LEASE, estate.lease_regions[0])

    with caplog.at_level(logging.INFO, logger="estate.deploy"):
        assert deploy.main(["--dry-run", "--config", str(config)]) == 0  # make deploy-plan
    commands = [line for line in caplog.messages if line.lstrip().startswith("$ sam deploy")]
    regions = estate.regions
    assert [c.split("--config-env ")[1].split()[0] for c in commands] == [
        "lease",
        *(f"region-{r}" for r in regions),
        *(f"region-{r}" for r in regions[:-1]),  # the replication pass (first deploy only)
        "global",
        *(f"control-{r}" for r in regions),
    ]
    assert commands[0].endswith("--config-env lease --confirm-changeset --region us-east-1")
    last = regions[-1]
    assert f"--config-env control-{last} --confirm-changeset --region {last}" in commands[-1]
    passes = ", ".join(f"{r} {2 if r != last else 1}" for r in regions)
    assert f"Region-stack passes per region: {passes}" in caplog.text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # CloudFormation creates the global table from one of its replicas: the first.
        ({"lease_region": "us-east-2"}, "first of LeaseRegions, us-east-1"),
        ({"lease_region": "eu-west-1"}, "first of LeaseRegions, us-east-1"),
        (
            {"lease_regions": ("us-east-1", "eu-west-1", "us-west-2")},
            "not of one multi-Region strong consistency set",
        ),
        ({"lease_regions": ("eu-west-1", "eu-west-2", "us-east-1")}, "not of one multi-Region"),
        ({"lease_regions": ("us-east-1", "us-east-1", "us-west-2")}, "three distinct regions"),
        ({"lease_regions": ("us-east-1", "us-east-2")}, "three distinct regions"),
    ],
)
def test_make_deploy_plan_still_refuses_a_lease_set_it_cannot_deploy(
    change: dict[str, Any], message: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    estate = Estate(PAIR.regions, change.get("lease_regions", US))
    text = samconfig_text(estate, lease_region=change.get("lease_region"))
    config = write_checkout(tmp_path, text)
    with caplog.at_level(logging.INFO, logger="estate.deploy"):
        assert deploy.main(["--dry-run", "--config", str(config)]) == 2
    assert "deploy stopped: PlanError:" in caplog.text
    assert re.search(message, caplog.text)


@pytest.mark.parametrize(
    ("image", "refused"),
    [
        # Copied from [region-us-east-1]: the standby would pull from the region that failed.
        (f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/shop-web:v1", True),
        (f"{ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com/shop-web:v1", True),
        (f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/shop-web@sha256:{'0' * 64}", False),
        ("public.ecr.aws/nginx/nginx:1.27", False),  # not this account's ECR: not checked
    ],
)
def test_make_deploy_plan_refuses_a_standby_image_in_the_other_regions_ecr(
    image: str, refused: bool, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    estate = PAIR
    text = samconfig_text(estate).replace(
        f"ContainerImage={ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/shop-web:v1",
        f"ContainerImage={image}",
    )
    assert f"ContainerImage={image}" in text
    config = write_checkout(tmp_path, text)
    with caplog.at_level(logging.INFO, logger="estate.deploy"):
        assert deploy.main(["--dry-run", "--config", str(config)]) == (2 if refused else 0)
    message = "[region-eu-west-1] ContainerImage is in us-east-1's ECR, not eu-west-1's"
    assert (message in caplog.text) is refused


def test_the_deploy_runs_the_documented_order_in_the_estates_regions(
    deployment: Deployment,
) -> None:
    regions = deployment.plan.regions
    assert [(c.env, c.region) for c in deployment.calls] == [
        ("lease", "us-east-1"),
        *((f"region-{r}", r) for r in regions),
        *((f"region-{r}", r) for r in regions[:-1]),
        ("global", "us-east-1"),
        *((f"control-{r}", r) for r in regions),
    ]


def test_every_control_plane_gets_the_lease_set_and_the_regions(deployment: Deployment) -> None:
    plan = deployment.plan
    lease = deployment.last(stacks.LEASE).parameters
    assert lease["LeaseRegions"] == "us-east-1,us-east-2,us-west-2"
    copies = [deployment.last(t.env).parameters for t in plan.control_planes]
    assert all(copy == copies[0] for copy in copies), "one parameter set for every copy"
    control = copies[0]
    assert control["LeaseRegions"] == lease["LeaseRegions"]
    if not control_plane_converted():
        pytest.skip("template.yaml does not declare Regions yet (the control plane's conversion)")
    assert control["Regions"] == ",".join(plan.regions)
    # Each list holds one value per region, in priority order, each of its own region's stack.
    for number, region in enumerate(plan.regions):
        assert f":rds:{region}:" in control["DbClusterArns"].split(",")[number]
        assert control["AlbHostedZoneIds"].split(",")[number] == ALB_ZONE[region]
        assert control["DataBuckets"].split(",")[number].endswith(f"-{region}")


def test_the_region_stacks_and_the_global_stack_name_each_other(deployment: Deployment) -> None:
    plan = deployment.plan
    for target in plan.region_stacks:
        first, *again = (c.parameters for c in deployment.calls if c.env == target.env)
        others = plan.others(target.region)
        assert first["OtherRegions"] == ",".join(others)
        # Replication to every other region, once every bucket exists (the last pass).
        last = (again or [first])[-1]
        assert last["ReplicationRegions"] == ",".join(others)
        assert len(last["ReplicaKmsKeyIds"].split(",")) == len(others)
    global_ = deployment.last(stacks.GLOBAL).parameters
    assert global_["Regions"] == ",".join(plan.regions)
    entries = dict(item.split("=", 1) for item in global_["AlbHostedZoneIds"].split(","))
    assert entries == {r: ALB_ZONE[r] for r in plan.regions}
    for item in global_["AlbArns"].split(","):
        region, arn = item.split("=", 1)
        assert arn.startswith(f"arn:aws:elasticloadbalancing:{region}:")
    dials = ",".join(f"{r}={100 if r == plan.primary_region else 0}" for r in plan.regions)
    assert global_["TrafficDials"] == dials


def test_make_estate_params_then_writes_what_the_deploy_sent(deployment: Deployment) -> None:
    """The plain-SAM path: `make estate-params`, then `sam deploy --config-env <env>` by hand,
    sends each stack what `make deploy` sent it last."""
    notes = deploy.write_estate_params(deployment.plan, deployment.aws, deployment.root)  # type: ignore[arg-type]
    assert notes == []
    for target in deployment.plan.targets():
        assert sam_reads(deployment.root, target.env) == deployment.last(target.env).parameters


def control_plane_converted() -> bool:
    """template.yaml takes Regions (the control plane's conversion to N regions)."""
    return CONVERTED


# --------------------------------------------------------------------------- 2. the templates


def test_every_stack_accepts_what_its_sam_deploy_sends(deployment: Deployment) -> None:
    refused = {}
    for number, call in enumerate(deployment.calls, start=1):
        if call.env.startswith("control-") and not control_plane_converted():
            continue  # checked once template.yaml takes Regions (see the skip below)
        template = load_template(REPO_ROOT / call.template_file)
        problems = parameter_refusals(template, call.parameters)
        problems += rule_failures(template, call.parameters, call.region)
        if problems:
            refused[f"{number}. [{call.env}] {call.template_file}"] = problems
    assert refused == {}
    if not control_plane_converted():
        pytest.skip("template.yaml does not declare Regions yet (the control plane's conversion)")
    # The Rules that make or break this estate were evaluated, not skipped.
    control = deployment.last(deployment.plan.control_planes[0].env)
    assert {"LeaseRegionsFormAStrongConsistencySet", OUTSIDE_THE_ESTATE[1]} <= set(
        load_template(REPO_ROOT / control.template_file)["Rules"]
    )


def _find_in_maps(node: Any) -> Iterator[list[Any]]:
    if isinstance(node, dict):
        if "Fn::FindInMap" in node:
            yield node["Fn::FindInMap"]
        for value in node.values():
            yield from _find_in_maps(value)
    elif isinstance(node, list):
        for value in node:
            yield from _find_in_maps(value)


REGION_KEYS = {"AWS::Region", "PrimaryRegion", "SecondaryRegion", "PeerRegion"}


def region_lookups(call: SamCall) -> list[tuple[str, str]]:
    """(mapping, region) of every Fn::FindInMap of the stack keyed by a region, for the
    region that key has in this stack."""
    template = load_template(REPO_ROOT / call.template_file)
    values = effective_values(template, call.parameters, call.region)
    found = []
    for lookup in _find_in_maps({k: v for k, v in template.items() if k != "Mappings"}):
        mapping, key = lookup[0], lookup[1]
        if isinstance(key, dict) and set(key) == {"Ref"} and key["Ref"] in REGION_KEYS:
            region = values[key["Ref"]]
            assert isinstance(region, str)
            found.append((mapping, region))
        else:
            assert not (isinstance(key, dict) and "Ref" not in key), f"teach the test: {lookup}"
    return found


def test_every_mapping_keyed_by_region_has_the_pairs_regions(deployment: Deployment) -> None:
    missing = []
    looked_up = set()
    for call in deployment.calls:
        mappings = load_template(REPO_ROOT / call.template_file).get("Mappings", {})
        for mapping, region in region_lookups(call):
            looked_up.add((call.template_file, mapping, region))
            # Explicitly: a DefaultValue (stacks/region.yaml's ELB log account) is only right
            # for regions that have no such account.
            if region not in mappings[mapping]:
                missing.append(f"[{call.env}] {call.template_file} {mapping} lacks {region}")
    assert missing == []
    for region in deployment.plan.regions:
        assert ("stacks/region.yaml", "ElbLogAccount", region) in looked_up


@pytest.mark.parametrize("estate", ESTATES, ids=lambda e: e.id)
def test_the_estate_regions_are_in_the_global_stacks_region_keyed_mappings(
    estate: Estate,
) -> None:
    """A Mapping keyed by region names regions at its top level; each names the estate's."""
    region_name = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]")
    for path in ("stacks/global.yaml", "stacks/region.yaml", "template.yaml"):
        for name, mapping in load_template(REPO_ROOT / path).get("Mappings", {}).items():
            if any(region_name.fullmatch(key) for key in mapping):
                assert set(estate.regions) <= set(mapping), f"{path} {name}"


# --------------------------------------------------------------------------- the evaluator


def rules_of(path: str) -> dict[str, Any]:
    return load_template(REPO_ROOT / path)


# template.yaml before and after its conversion to N regions (Regions, one list per value).
CONVERTED = "Regions" in load_template(REPO_ROOT / "template.yaml")["Parameters"]


def control_plane_values(**changes: str) -> dict[str, str]:
    """A complete, valid parameter set for template.yaml (the us-east-1 + eu-west-1 estate)."""
    regions = (
        {"Regions": "us-east-1,eu-west-1"}
        if CONVERTED
        else {"PrimaryRegion": "us-east-1", "SecondaryRegion": "eu-west-1"}
    )
    values = {"EstateName": "shop", **regions, "LeaseRegions": ",".join(US)}
    return {**values, **changes}


# The Rule that refuses a control plane outside the estate's regions.
OUTSIDE_THE_ESTATE = (
    ({"Regions": "eu-west-1,eu-west-2"}, "ThisRegionIsAnEstateRegion")
    if CONVERTED
    else ({"SecondaryRegion": "us-east-1"}, "EstateRegionsDiffer")
)


@pytest.mark.parametrize(
    ("path", "changes", "rule"),
    [
        ("template.yaml", {"LeaseRegions": "us-east-1,eu-west-1,us-west-2"}, "LeaseRegionsForm"),
        ("template.yaml", {"LeaseRegions": "eu-west-1,eu-west-2,us-east-1"}, "LeaseRegionsForm"),
        ("template.yaml", {"LeaseRegions": "us-east-1,us-west-1,us-west-2"}, "LeaseRegionsForm"),
        ("template.yaml", *OUTSIDE_THE_ESTATE),
        ("template.yaml", {"MinOutageSeconds": "60"}, "ShortOutageAcknowledged"),
        ("stacks/lease.yaml", {"LeaseRegions": "us-east-1,eu-west-1,us-west-2"}, "LeaseRegions"),
    ],
)
def test_the_rule_evaluator_refuses_a_wrong_estate(
    path: str, changes: dict[str, str], rule: str
) -> None:
    template = rules_of(path)

    def declared(values: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in values.items() if k in template["Parameters"]}

    assert rule_failures(template, declared(control_plane_values()), "us-east-1") == []
    failed = rule_failures(template, declared(control_plane_values(**changes)), "us-east-1")
    assert len(failed) == 1, failed
    assert failed[0].startswith(rule), failed


def test_an_acknowledged_short_outage_passes_its_rule() -> None:
    values = control_plane_values(MinOutageSeconds="60", AcknowledgeShortOutage="true")
    assert rule_failures(rules_of("template.yaml"), values, "us-east-1") == []


CANDIDATES = sorted(
    {*itertools.chain.from_iterable(MRSC_REGION_SETS), "us-west-1", "eu-north-1", "ap-south-1"}
)


def test_the_rule_and_make_deploy_plan_refuse_the_same_lease_sets() -> None:
    """Every ordered three of distinct regions: the template's Rule, the lease stack's and the
    plan's check agree (CloudFormation refuses a repeated replica itself)."""
    control, lease = rules_of("template.yaml"), rules_of("stacks/lease.yaml")
    base = stacks.load_plan(tomllib.loads(samconfig_text(PAIR)))
    accepted = 0
    for regions in itertools.permutations(CANDIDATES, 3):
        listed = ",".join(regions)
        by_rule = rule_failures(control, control_plane_values(LeaseRegions=listed), "us-east-1")
        assert by_rule == rule_failures(
            lease, {"EstateName": "shop", "LeaseRegions": listed}, regions[0]
        )
        lease_target = dataclasses.replace(
            base.lease,
            region=regions[0],
            parameters={**base.lease.parameters, "LeaseRegions": listed},
        )
        try:
            stacks.validate_plan(dataclasses.replace(base, lease=lease_target))
        except stacks.PlanError:
            by_plan = False
        else:
            by_plan = True
        assert (by_rule == []) == by_plan, listed
        accepted += by_plan
    assert accepted == 3 * 2 * 1 + 4 * 3 * 2 + 3 * 2 * 1  # US, EU and AP orderings


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"Fn::Equals": [{"Ref": "A"}, "a"]}, True),
        ({"Fn::Not": [{"Fn::Equals": [{"Ref": "A"}, "a"]}]}, False),
        ({"Fn::Or": [{"Fn::Equals": ["x", "y"]}, {"Fn::Equals": ["x", "x"]}]}, True),
        ({"Fn::And": [{"Fn::Equals": ["x", "y"]}, {"Fn::Equals": ["x", "x"]}]}, False),
        ({"Fn::Contains": [["30", "45"], {"Ref": "N"}]}, True),
        ({"Fn::Contains": [["30", 45], "60"]}, False),
        ({"Fn::EachMemberIn": [{"Ref": "L"}, ["a", "b", "c"]]}, True),
        ({"Fn::EachMemberIn": [{"Ref": "L"}, ["a", "c"]]}, False),
    ],
)
def test_the_evaluator_computes_each_intrinsic(expression: Any, expected: bool) -> None:
    assert evaluate(expression, {"A": "a", "N": "45", "L": ["a", "b"]}) is expected


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        ({"Fn::ValueOf": ["P", "Tag"]}, UnknownIntrinsic),
        ({"Fn::EachMemberEquals": [{"Ref": "L"}, "a"]}, UnknownIntrinsic),
        ({"Fn::Not": [{"Fn::RefAll": "AWS::EC2::VPC::Id"}]}, UnknownIntrinsic),
        ({"Fn::Equals": [{"Ref": "Undeclared"}, "a"]}, KeyError),
        ({"Fn::Not": ["true"]}, TypeError),
    ],
)
def test_the_evaluator_refuses_what_it_does_not_know(expression: Any, error: type) -> None:
    with pytest.raises(error):
        evaluate(expression, {"L": ["a"]})


def test_an_unknown_intrinsic_in_a_template_rule_stops_the_check() -> None:
    template = rules_of("template.yaml")
    template["Rules"]["Extra"] = {"Assertions": [{"Assert": {"Fn::ValueOfAll": ["x", "y"]}}]}
    with pytest.raises(UnknownIntrinsic, match="Fn::ValueOfAll"):
        rule_failures(template, control_plane_values(), "us-east-1")


def test_the_parameter_check_refuses_what_cloudformation_refuses() -> None:
    template = rules_of("template.yaml")
    name = "Regions" if CONVERTED else "PrimaryRegion"
    given = control_plane_values(**{name: "eu_west_1"})
    problems = parameter_refusals(template, {**given, "Bogus": "1", "FullCapacity": "0"})
    assert "Bogus is not declared" in problems
    assert any(p.startswith(f"{name}='eu_west_1' does not match") for p in problems)
    assert any(p.startswith("FullCapacity=0 is outside") for p in problems)
    assert "GlobalClusterId is required and not given" in problems
