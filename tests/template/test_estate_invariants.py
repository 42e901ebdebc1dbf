"""Invariants of the estate's front door and of each region's database wiring.

Given the estate templates as CloudFormation reads them, resolved for each deployment they
describe (Role x Topology: conditions evaluated, ``Fn::If`` branches taken, ``AWS::NoValue``
dropped), when the checks below walk the effective resources, then:

- the application's name (RecordName) is the accelerator in active-passive, and exactly every
  region's ALB, by latency, in read-local: never a region the topology does not send users to;
- every database endpoint a task is given belongs to a cluster of its own stack, in the same VPC
  as the task's subnets, and the security groups allow 5432 from the tasks to that cluster.

Each checker returns its violations; the last tests break a copy of a template and show the
checker catching it, so the invariants can fail.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from testbed.template import expand_foreach
from tests.template.cfn_yaml import REPO_ROOT, load_template

Template = dict[str, Any]
# The global stack expanded for a three-region estate in priority order.
REGIONS = ("us-east-1", "eu-west-1", "us-west-2")
TOPOLOGIES = ("active-passive", "read-local")
ROLES = ("primary", "secondary")
GLOBAL_ACCELERATOR_ZONE = (
    "Z2BJ6XQ5FK7U4H"  # docs.aws.amazon.com/general/latest/gr/global_accelerator.html
)
_NO_VALUE = object()


# --------------------------------------------------------------------------- resolution


class Deployment:
    """A template as CloudFormation would create it for the given parameter values.

    Conditions, ``Fn::If`` and ``Fn::FindInMap`` (with literal or resolvable keys) are
    evaluated; other intrinsics (Ref to resources, GetAtt, Sub) stay symbolic for the checks.
    """

    def __init__(self, template: Template, parameters: dict[str, str], region: str) -> None:
        self.template = template
        defaults = {
            name: str(spec["Default"])
            for name, spec in template.get("Parameters", {}).items()
            if "Default" in spec
        }
        self.values = {**defaults, **parameters, "AWS::Region": region}
        self._conditions: dict[str, bool] = {}
        self.resources = {
            name: self.resolve(resource)
            for name, resource in template["Resources"].items()
            if "Condition" not in resource or self.condition(resource["Condition"])
        }

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = bool(self._evaluate(self.template["Conditions"][name]))
        return self._conditions[name]

    def _evaluate(self, node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((function, args),) = node.items()
            if function == "Fn::Equals":
                return self._evaluate(args[0]) == self._evaluate(args[1])
            if function == "Fn::Not":
                return not self._evaluate(args[0])
            if function == "Fn::And":
                return all(self._evaluate(a) for a in args)
            if function == "Fn::Or":
                return any(self._evaluate(a) for a in args)
            if function == "Condition":
                return self.condition(args)
            if function == "Ref":
                return self.values[args]
            if function == "Fn::Length":  # AWS::LanguageExtensions, of a list parameter
                return len(str(self._evaluate(args)).split(","))
            if function == "Fn::Join":
                items = self._evaluate(args[1])
                items = str(items).split(",") if isinstance(items, str) else items
                return str(args[0]).join(str(self._evaluate(i)) for i in items)
            if function == "Fn::FindInMap":
                return self._find_in_map(args)
        return node

    def _find_in_map(self, args: list[Any]) -> Any:
        mapping, top, second = (self._evaluate(a) for a in args[:3])
        table = self.template["Mappings"][mapping]
        if top in table and second in table[top]:
            return table[top][second]
        if len(args) == 4:
            return self.resolve(args[3]["DefaultValue"])
        raise KeyError(f"{mapping}.{top}.{second}: CloudFormation would fail the deploy")

    def resolve(self, node: Any) -> Any:
        if isinstance(node, dict):
            if len(node) == 1:
                ((function, args),) = node.items()
                if function == "Fn::If":
                    return self.resolve(args[1] if self.condition(args[0]) else args[2])
                if node == {"Ref": "AWS::NoValue"}:
                    return _NO_VALUE
                if function == "Fn::FindInMap":
                    return self._find_in_map(args)
            resolved = {key: self.resolve(value) for key, value in node.items()}
            return {key: value for key, value in resolved.items() if value is not _NO_VALUE}
        if isinstance(node, list):
            items = [self.resolve(value) for value in node]
            return [value for value in items if value is not _NO_VALUE]
        return node

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {n: r for n, r in self.resources.items() if r["Type"] == resource_type}

    def props(self, name: str) -> dict[str, Any]:
        properties: dict[str, Any] = self.resources[name].get("Properties", {})
        return properties


def _lookup(node: Any) -> tuple[str, str] | None:
    """(parameter, region) of a per-region value the global stack reads from a region-keyed
    list (``,<region>=`` of AlbDnsNames, say), or None."""
    text = json.dumps(node)
    parameter = re.search(r'"Ref": "(Alb\w+)"', text)
    region = re.search(r'"Fn::Sub": ",([a-z0-9-]+)="', text)
    return (parameter.group(1), region.group(1)) if parameter and region else None


def _ref(node: Any) -> str | None:
    """The logical id a Ref or GetAtt names (``{"Fn::GetAtt": ["X", "GroupId"]}`` -> X)."""
    if isinstance(node, dict):
        if "Ref" in node:
            return str(node["Ref"])
        if "Fn::GetAtt" in node:
            return str(node["Fn::GetAtt"][0])
    return None


# --------------------------------------------------------------------------- the front door


def front_door_violations(template: Template, topology: str) -> list[str]:
    """RecordName must lead where the topology sends users, and nowhere else."""
    deployment = Deployment(
        template,
        {"Topology": topology, "ExistingHostedZoneId": "Z0EXISTING", "Regions": ",".join(REGIONS)},
        "us-east-1",
    )
    records = [
        (name, record["Properties"])
        for name, record in deployment.of_type("AWS::Route53::RecordSet").items()
        if record["Properties"]["Name"] == {"Ref": "RecordName"}
    ]
    problems = []
    targets = {name: r.get("AliasTarget", {}).get("DNSName") for name, r in records}
    if topology == "active-passive":
        accelerator = {"Fn::GetAtt": ["Accelerator", "DnsName"]}
        if [t for t in targets.values() if t != accelerator]:
            problems.append(f"RecordName also leads elsewhere than the accelerator: {targets}")
        aliases = [r for _, r in records if r.get("AliasTarget", {}).get("DNSName") == accelerator]
        if len(aliases) != 1:
            problems.append(f"RecordName needs one alias to the accelerator, has {len(aliases)}")
        for record in aliases:
            if record["AliasTarget"].get("HostedZoneId") != GLOBAL_ACCELERATOR_ZONE:
                problems.append(f"accelerator alias zone is {record['AliasTarget']}")
            if "SetIdentifier" in record or record.get("Type") != "A":
                problems.append("the accelerator alias must be the one A record of RecordName")
    else:
        expected = {
            (region, ("AlbDnsNames", region), f"HealthCheck{region.replace('-', '')}")
            for region in REGIONS
        }
        found = {
            (r.get("Region"), _lookup(r["AliasTarget"]["DNSName"]), _ref(r.get("HealthCheckId")))
            for _, r in records
            if "AliasTarget" in r
        }
        if found != expected or len(records) != len(REGIONS):
            problems.append(f"RecordName must be latency records to every region's ALB: {found}")
        for name, record in records:
            if record.get("AliasTarget", {}).get("EvaluateTargetHealth") is not True:
                problems.append(f"{name} does not evaluate its ALB's health")
    return problems


@pytest.fixture(scope="module")
def global_() -> Template:
    return expand_foreach(
        load_template(REPO_ROOT / "stacks" / "global.yaml"), {"Regions": list(REGIONS)}
    )


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_the_application_name_leads_where_the_topology_sends_users(
    global_: Template, topology: str
) -> None:
    assert front_door_violations(global_, topology) == []


def test_active_passive_is_the_default_front_door(global_: Template) -> None:
    assert global_["Parameters"]["Topology"]["Default"] == "active-passive"
    region = load_template(REPO_ROOT / "stacks" / "region.yaml")
    assert region["Parameters"]["Topology"]["Default"] == "active-passive"


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_each_region_keeps_its_own_name_for_health_checks_and_direct_access(
    global_: Template, topology: str
) -> None:
    deployment = Deployment(
        global_, {"Topology": topology, "Regions": ",".join(REGIONS)}, "us-east-1"
    )
    regional = {
        json.dumps(r["Properties"]["Name"]): _lookup(r["Properties"]["AliasTarget"]["DNSName"])
        for r in deployment.of_type("AWS::Route53::RecordSet").values()
        if r["Properties"]["Name"] != {"Ref": "RecordName"}
    }
    assert regional == {
        json.dumps({"Fn::Sub": f"{region}.${{RecordName}}"}): ("AlbDnsNames", region)
        for region in REGIONS
    }


# --------------------------------------------------------------------------- the database


def _egress_allows(deployment: Deployment, group: str, port: int, destination: str) -> bool:
    properties = deployment.props(group)
    if "SecurityGroupEgress" not in properties:
        # EC2 gives the group its allow-all egress rule; separate egress resources only add.
        return True
    rules = list(properties.get("SecurityGroupEgress", [])) + [
        r["Properties"]
        for r in deployment.of_type("AWS::EC2::SecurityGroupEgress").values()
        if _ref(r["Properties"]["GroupId"]) == group
    ]
    return any(
        _covers(rule, port) and _ref(rule.get("DestinationSecurityGroupId")) == destination
        for rule in rules
    ) or any(_covers(rule, port) and rule.get("CidrIp") == "0.0.0.0/0" for rule in rules)


def _ingress_allows(deployment: Deployment, group: str, port: int, source: str) -> bool:
    rules = list(deployment.props(group).get("SecurityGroupIngress", [])) + [
        r["Properties"]
        for r in deployment.of_type("AWS::EC2::SecurityGroupIngress").values()
        if _ref(r["Properties"]["GroupId"]) == group
    ]
    return any(
        _covers(rule, port) and _ref(rule.get("SourceSecurityGroupId")) == source for rule in rules
    )


def _covers(rule: dict[str, Any], port: int) -> bool:
    if str(rule.get("IpProtocol")) == "-1":
        return True
    low, high = rule.get("FromPort"), rule.get("ToPort")
    if rule.get("IpProtocol") != "tcp" or not isinstance(low, int) or not isinstance(high, int):
        return False
    return low <= port <= high


def database_violations(template: Template, role: str, topology: str) -> list[str]:
    """A task's database must be its own region's cluster, reachable inside its VPC on 5432."""
    region = "us-east-1" if role == "primary" else "us-west-2"
    others = ",".join(r for r in REGIONS if r != region)
    deployment = Deployment(
        template, {"Role": role, "Topology": topology, "OtherRegions": others}, region
    )
    problems: list[str] = []
    (service,) = deployment.of_type("AWS::ECS::Service").values()
    network = service["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]
    task_groups = [_ref(g) for g in network["SecurityGroups"]]
    task_vpcs = {_ref(deployment.props(str(_ref(s)))["VpcId"]) for s in network["Subnets"]}
    task = deployment.resources[str(_ref(service["Properties"]["TaskDefinition"]))]
    environment = {
        e["Name"]: e["Value"]
        for c in task["Properties"]["ContainerDefinitions"]
        for e in c["Environment"]
    }
    endpoints = {name: value for name, value in environment.items() if "ENDPOINT" in name}
    if not endpoints:
        problems.append("the task is given no database endpoint")
    clusters = deployment.of_type("AWS::RDS::DBCluster")
    for name, value in endpoints.items():
        getatt = value.get("Fn::GetAtt") if isinstance(value, dict) else None
        if not getatt or getatt[0] not in clusters:
            problems.append(f"{name}={value!r} is not an endpoint of a cluster in this stack")
            continue
        if getatt[1] not in ("Endpoint.Address", "ReadEndpoint.Address"):
            problems.append(f"{name} reads {getatt[1]}, not an endpoint address")
        cluster = clusters[getatt[0]]["Properties"]
        subnets = deployment.props(str(_ref(cluster["DBSubnetGroupName"])))["SubnetIds"]
        cluster_vpcs = {_ref(deployment.props(str(_ref(s)))["VpcId"]) for s in subnets}
        if cluster_vpcs != task_vpcs:
            problems.append(f"{name}: cluster VPC {cluster_vpcs} != task VPC {task_vpcs}")
        port = int(cluster.get("Port", 5432))
        if environment.get("DB_PORT") != str(port):
            problems.append(
                f"DB_PORT={environment.get('DB_PORT')} but the cluster listens on {port}"
            )
        for db_group in (_ref(g) for g in cluster["VpcSecurityGroupIds"]):
            for task_group in task_groups:
                if not _egress_allows(deployment, str(task_group), port, str(db_group)):
                    problems.append(f"{task_group} does not allow {port} out to {db_group}")
                if not _ingress_allows(deployment, str(db_group), port, str(task_group)):
                    problems.append(f"{db_group} does not allow {port} in from {task_group}")
        forwarding = cluster.get("EnableGlobalWriteForwarding")
        if forwarding is not (topology == "read-local"):
            problems.append(f"{getatt[0]} EnableGlobalWriteForwarding={forwarding} in {topology}")
    if environment.get("DB_WRITE_FORWARDING") != str(topology == "read-local").lower():
        problems.append(
            f"DB_WRITE_FORWARDING={environment.get('DB_WRITE_FORWARDING')} in {topology}"
        )
    return problems


@pytest.fixture(scope="module")
def region() -> Template:
    return load_template(REPO_ROOT / "stacks" / "region.yaml")


def _deployments() -> Iterator[tuple[str, str]]:
    for role in ROLES:
        for topology in TOPOLOGIES:
            yield role, topology


@pytest.mark.parametrize(("role", "topology"), list(_deployments()))
def test_tasks_reach_their_own_regions_database(region: Template, role: str, topology: str) -> None:
    assert database_violations(region, role, topology) == []


# --------------------------------------------------------------------------- the checks can fail


def test_an_application_name_that_also_leads_to_an_alb_is_caught(global_: Template) -> None:
    broken = copy.deepcopy(global_)
    # The old front door: latency records at RecordName whatever the topology.
    for region in REGIONS:
        del broken["Resources"][f"LatencyRecord{region.replace('-', '')}"]["Condition"]
    assert front_door_violations(broken, "active-passive")


def test_an_accelerator_alias_that_points_at_one_region_is_caught(global_: Template) -> None:
    broken = copy.deepcopy(global_)
    alias = broken["Resources"]["ApplicationRecord"]["Properties"]["AliasTarget"]
    alias["DNSName"] = copy.deepcopy(
        broken["Resources"]["RegionalRecorduseast1"]["Properties"]["AliasTarget"]["DNSName"]
    )
    assert front_door_violations(broken, "active-passive")


def test_read_local_with_one_region_missing_is_caught(global_: Template) -> None:
    broken = copy.deepcopy(global_)
    del broken["Resources"]["LatencyRecordeuwest1"]
    assert front_door_violations(broken, "read-local")


def _environment(template: Template) -> dict[str, Any]:
    container = template["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    return {e["Name"]: e for e in container["Environment"]}


def test_a_standby_given_the_global_writer_endpoint_is_caught(region: Template) -> None:
    broken = copy.deepcopy(region)
    broken["Parameters"]["GlobalWriterEndpoint"] = {"Type": "String", "Default": ""}
    _environment(broken)["DB_WRITER_ENDPOINT"]["Value"] = {"Ref": "GlobalWriterEndpoint"}
    assert any(
        "not an endpoint of a cluster" in p
        for p in database_violations(broken, "secondary", "active-passive")
    )


def test_tasks_without_5432_to_the_database_are_caught(region: Template) -> None:
    broken = copy.deepcopy(region)
    egress = broken["Resources"]["TaskSecurityGroup"]["Properties"]["SecurityGroupEgress"]
    broken["Resources"]["TaskSecurityGroup"]["Properties"]["SecurityGroupEgress"] = [
        rule for rule in egress if rule["FromPort"] != 5432
    ]
    assert any(
        "does not allow 5432 out" in p
        for p in database_violations(broken, "secondary", "read-local")
    )


def test_a_database_that_admits_someone_else_is_caught(region: Template) -> None:
    broken = copy.deepcopy(region)
    ingress = broken["Resources"]["DatabaseFromTasksIngress"]["Properties"]
    ingress["SourceSecurityGroupId"] = {"Fn::GetAtt": ["AlbSecurityGroup", "GroupId"]}
    assert any(
        "does not allow 5432 in" in p
        for p in database_violations(broken, "primary", "active-passive")
    )


def test_a_cluster_in_another_vpc_is_caught(region: Template) -> None:
    broken = copy.deepcopy(region)
    broken["Resources"]["OtherVpc"] = {
        "Type": "AWS::EC2::VPC",
        "Properties": {"CidrBlock": "10.9.0.0/16"},
    }
    for n in (1, 2, 3):
        broken["Resources"][f"DatabaseSubnet{n}"]["Properties"]["VpcId"] = {"Ref": "OtherVpc"}
    assert any(
        "cluster VPC" in p for p in database_violations(broken, "secondary", "active-passive")
    )


def test_read_local_without_write_forwarding_is_caught(region: Template) -> None:
    broken = copy.deepcopy(region)
    broken["Resources"]["SecondaryDbCluster"]["Properties"]["EnableGlobalWriteForwarding"] = False
    assert any(
        "EnableGlobalWriteForwarding" in p
        for p in database_violations(broken, "secondary", "read-local")
    )
