"""DNS for the names the emulator owns: the Aurora global writer endpoint follows the writer,
load balancers and Route 53 records resolve, everything else goes where it went before."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pytest_socket import SocketBlockedError

from emulator import Emulator, LatencyModel, VirtualClock
from tests.unit.conftest import MOTO

GLOBAL = "shop-global"
LATENCY = LatencyModel(
    aurora_failover_seconds=60, aurora_switchover_seconds=120, aurora_pending_seconds=5
)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with mock_aws(config=MOTO):
        emulator = Emulator.install(clock=VirtualClock(), latency=LATENCY)
        try:
            yield emulator
        finally:
            emulator.uninstall()


@pytest.fixture
def database(emu: Emulator) -> dict[str, dict[str, str]]:
    """A global cluster, writer in us-east-1, each cluster with its db.serverless instance.
    Region -> {"arn", "endpoint", "instance"}."""
    boto3.client("rds", region_name="us-east-1").create_global_cluster(
        GlobalClusterIdentifier=GLOBAL, Engine="aurora-postgresql", EngineVersion="16.4"
    )
    found = {}
    for region in ("us-east-1", "us-west-2"):
        rds = boto3.client("rds", region_name=region)
        cluster = rds.create_db_cluster(
            DBClusterIdentifier=f"shop-{region}",
            Engine="aurora-postgresql",
            EngineVersion="16.4",
            GlobalClusterIdentifier=GLOBAL,
            MasterUsername="app",
            ManageMasterUserPassword=True,
        )["DBCluster"]
        instance = rds.create_db_instance(
            DBInstanceIdentifier=f"shop-{region}-1",
            DBClusterIdentifier=f"shop-{region}",
            Engine="aurora-postgresql",
            DBInstanceClass="db.serverless",
        )["DBInstance"]
        found[region] = {
            "arn": cluster["DBClusterArn"],
            "endpoint": cluster["Endpoint"],
            "instance": instance["Endpoint"]["Address"],
        }
    return found


def global_endpoint() -> str:
    rds = boto3.client("rds", region_name="us-west-2")
    (cluster,) = rds.describe_global_clusters(GlobalClusterIdentifier=GLOBAL)["GlobalClusters"]
    return str(cluster["Endpoint"])


def chain(host: str) -> list[str]:
    canonical, aliases, _ = socket.gethostbyname_ex(host)
    return [*aliases, canonical]


def test_the_global_endpoint_is_a_cname_to_the_writer_cluster(
    database: dict[str, dict[str, str]],
) -> None:
    # when the global writer endpoint is resolved
    name = global_endpoint()
    canonical, aliases, addresses = socket.gethostbyname_ex(name)

    # then it is a CNAME to the writer cluster's endpoint, a CNAME to its writer instance,
    # which has a private address
    east = database["us-east-1"]
    assert aliases == [name, east["endpoint"]]
    assert canonical == east["instance"]
    assert len(addresses) == 1
    assert ipaddress.ip_address(addresses[0]) in ipaddress.ip_network("10.0.0.0/8")
    assert socket.gethostbyname(name) == addresses[0]
    assert socket.gethostbyname(east["endpoint"]) == addresses[0]


def test_the_global_endpoint_follows_a_switchover_once_it_completes(
    emu: Emulator, database: dict[str, dict[str, str]]
) -> None:
    # when the recovery region switches over
    boto3.client("rds", region_name="us-west-2").switchover_global_cluster(
        GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=database["us-west-2"]["arn"]
    )

    # then, while it is in flight, the endpoint still names the old writer
    emu.clock.advance(119)
    assert database["us-east-1"]["endpoint"] in chain(global_endpoint())

    # and once the target is the writer, the new one
    emu.clock.advance(1)
    assert chain(global_endpoint()) == [
        global_endpoint(),
        database["us-west-2"]["endpoint"],
        database["us-west-2"]["instance"],
    ]


def test_the_global_endpoint_follows_a_failover_away_from_a_dead_region(
    emu: Emulator, database: dict[str, dict[str, str]]
) -> None:
    # given us-east-1 unreachable, and a failover with data loss
    emu.faults.unreachable_regions.add("us-east-1")
    boto3.client("rds", region_name="us-west-2").failover_global_cluster(
        GlobalClusterIdentifier=GLOBAL,
        TargetDbClusterIdentifier=database["us-west-2"]["arn"],
        AllowDataLoss=True,
    )

    # then DNS (served everywhere) names the old writer until the promotion is done
    name = global_endpoint()
    emu.clock.advance(30)
    assert database["us-east-1"]["endpoint"] in chain(name)
    emu.clock.advance(30)
    assert database["us-west-2"]["endpoint"] in chain(name)


def test_unknown_names_under_the_emulated_suffixes_are_nxdomain(
    database: dict[str, dict[str, str]],
) -> None:
    rds = boto3.client("rds", region_name="us-east-1")
    rds.create_db_cluster(
        DBClusterIdentifier="headless",
        Engine="aurora-postgresql",
        MasterUsername="app",
        MasterUserPassword="not-a-real-password",
    )
    headless = rds.describe_db_clusters(DBClusterIdentifier="headless")["DBClusters"][0]
    for name in (
        "shop-global.global-00000000.global.rds.amazonaws.com",
        "gone.cluster-abc.us-east-1.rds.amazonaws.com",
        "nothing-1234.us-east-1.elb.amazonaws.com",
        headless["Endpoint"],  # a cluster without an instance has nothing to answer with
    ):
        with pytest.raises(socket.gaierror) as error:
            socket.getaddrinfo(name, 5432)
        assert error.value.errno == socket.EAI_NONAME


def test_getaddrinfo_answers_like_the_resolver(database: dict[str, dict[str, str]]) -> None:
    # when a driver resolves the endpoint for a TCP connection
    name = global_endpoint()
    found = socket.getaddrinfo(name, 5432, type=socket.SOCK_STREAM, flags=socket.AI_CANONNAME)

    # then one IPv4 stream address with the port, and the canonical name on the first entry
    address = socket.gethostbyname(name)
    assert found == [
        (
            socket.AF_INET,
            socket.SOCK_STREAM,
            socket.IPPROTO_TCP,
            database["us-east-1"]["instance"],
            (address, 5432),
        )
    ]
    assert {entry[1] for entry in socket.getaddrinfo(name, "https")} == {
        socket.SOCK_STREAM,
        socket.SOCK_DGRAM,
        socket.SOCK_RAW,
    }
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo(name, 5432, socket.AF_INET6)


def load_balancer(scheme: str, region: str = "us-east-1") -> str:
    ec2 = boto3.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{i}.0/24", AvailabilityZone=f"{region}{z}")[
            "Subnet"
        ]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    elbv2 = boto3.client("elbv2", region_name=region)
    created = elbv2.create_load_balancer(Name=f"shop-{scheme}", Subnets=subnets, Scheme=scheme)
    return str(created["LoadBalancers"][0]["DNSName"])


@pytest.mark.parametrize(
    ("scheme", "network"), [("internet-facing", "198.18.0.0/15"), ("internal", "10.0.0.0/8")]
)
def test_a_load_balancer_answers_one_address_per_zone(
    emu: Emulator, scheme: str, network: str
) -> None:
    # given a load balancer in two availability zones
    name = load_balancer(scheme)

    # then its name has two addresses, public (a reserved range) or private
    _, _, addresses = socket.gethostbyname_ex(name)
    assert len(set(addresses)) == 2
    assert all(ipaddress.ip_address(a) in ipaddress.ip_network(network) for a in addresses)


def test_latency_records_answer_per_region_and_skip_unhealthy_ones(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given latency alias records to a load balancer per region, each with a health check
    east_alb = load_balancer("internet-facing")
    route53: Any = boto3.client("route53", region_name="us-east-1")
    zone = route53.create_hosted_zone(Name="shop.example.com", CallerReference="zone")
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    west_alb = "shop-west-1.us-west-2.elb.amazonaws.com"  # a name with no load balancer
    checks = {}
    changes = []
    for region, target in (("us-east-1", east_alb), ("us-west-2", west_alb)):
        checks[region] = route53.create_health_check(
            CallerReference=region,
            HealthCheckConfig={"Type": "HTTPS", "FullyQualifiedDomainName": target, "Port": 443},
        )["HealthCheck"]["Id"]
        changes.append(
            {
                "Action": "CREATE",
                "ResourceRecordSet": {
                    "Name": "app.shop.example.com.",
                    "Type": "A",
                    "SetIdentifier": region,
                    "Region": region,
                    "HealthCheckId": checks[region],
                    "AliasTarget": {
                        "HostedZoneId": "Z35SXDOTRQ7X7K",
                        "DNSName": target,
                        "EvaluateTargetHealth": True,
                    },
                },
            }
        )
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    east_addresses = socket.gethostbyname_ex(east_alb)[2]

    # when a resolver in us-east-1 asks, then the us-east-1 alias answers, under the asked name
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    assert socket.gethostbyname_ex("app.shop.example.com") == (
        "app.shop.example.com",
        [],
        east_addresses,
    )

    # when a resolver in us-west-2 asks, its own record's target has no answer (unhealthy by
    # EvaluateTargetHealth), so Route 53 answers with the healthy us-east-1 record
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    assert socket.gethostbyname_ex("app.shop.example.com")[2] == east_addresses

    # when us-east-1's health check fails too, then no record is healthy and Route 53 answers
    # as if all were: the resolver's own region, whose target has no address
    emu.route53.set_health(checks["us-east-1"], False)
    with pytest.raises(socket.gaierror):
        socket.gethostbyname("app.shop.example.com")

    # and a name the zone does not have is NXDOMAIN
    with pytest.raises(socket.gaierror):
        socket.gethostbyname("nope.shop.example.com")


def test_a_resolver_without_a_record_of_its_own_gets_the_nearest_region(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given latency records in three regions (us-west-2's target has no load balancer)
    albs = {
        "us-east-1": load_balancer("internet-facing"),
        "eu-west-1": load_balancer("internet-facing", "eu-west-1"),
        "us-west-2": "shop-west-1.us-west-2.elb.amazonaws.com",
    }
    route53: Any = boto3.client("route53", region_name="us-east-1")
    zone = route53.create_hosted_zone(Name="shop.example.com", CallerReference="zone")
    changes = [
        {
            "Action": "CREATE",
            "ResourceRecordSet": {
                "Name": "app.shop.example.com.",
                "Type": "A",
                "SetIdentifier": region,
                "Region": region,
                "AliasTarget": {
                    "HostedZoneId": "Z35SXDOTRQ7X7K",
                    "DNSName": target,
                    "EvaluateTargetHealth": True,
                },
            },
        }
        for region, target in albs.items()
    ]
    route53.change_resource_record_sets(
        HostedZoneId=zone["HostedZone"]["Id"].split("/")[-1], ChangeBatch={"Changes": changes}
    )
    addresses = {r: socket.gethostbyname_ex(a)[2] for r, a in albs.items() if r != "us-west-2"}

    # when resolvers in regions with no record ask, then the nearest healthy region answers
    monkeypatch.setenv("AWS_REGION", "eu-west-2")  # London: Ireland, not Virginia
    assert socket.gethostbyname_ex("app.shop.example.com")[2] == addresses["eu-west-1"]
    monkeypatch.setenv("AWS_REGION", "us-east-2")  # Ohio: Virginia
    assert socket.gethostbyname_ex("app.shop.example.com")[2] == addresses["us-east-1"]
    monkeypatch.setenv("AWS_REGION", "us-west-1")  # California: Oregon has no answer, Virginia
    assert socket.gethostbyname_ex("app.shop.example.com")[2] == addresses["us-east-1"]


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_other_names_go_where_they_went_and_uninstall_restores() -> None:
    # given the functions in place before the emulator (pytest-socket's guards here)
    before = (socket.gethostbyname_ex, socket.gethostbyname, socket.getaddrinfo)
    with mock_aws(config=MOTO):
        emulator = Emulator.install(clock=VirtualClock())
        try:
            # when a name the emulator does not own is resolved, then the guard answers
            with pytest.raises(SocketBlockedError):
                socket.getaddrinfo("example.org", 443)
            with pytest.raises(SocketBlockedError):
                socket.gethostbyname("localhost")
        finally:
            emulator.uninstall()

    # and uninstalling puts back exactly what was there
    assert (socket.gethostbyname_ex, socket.gethostbyname, socket.getaddrinfo) == before
