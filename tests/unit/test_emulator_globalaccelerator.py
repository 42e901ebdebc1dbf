"""Global Accelerator, emulated: seen through boto3 clients under mock_aws()."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from failover import geography
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator import Emulator
from emulator.services.globalaccelerator import NotEmulated

# Keep boto3's default session between tests: clients are built 10x faster.


ACCOUNT = "123456789012"
ALB_EAST = (
    f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/shop/0123456789abcdef"
)
ALB_WEST = (
    f"arn:aws:elasticloadbalancing:us-west-2:{ACCOUNT}:loadbalancer/app/shop/fedcba9876543210"
)
ACCEL_RE = re.compile(rf"^arn:aws:globalaccelerator::{ACCOUNT}:accelerator/[0-9a-f-]{{36}}$")


@pytest.fixture
def ga(emu: Emulator) -> Any:
    return boto3.client("globalaccelerator", region_name="us-west-2")


def build(ga: Any) -> tuple[str, str, str]:
    accelerator = ga.create_accelerator(Name="shop", IpAddressType="IPV4", Enabled=True)
    accelerator_arn = accelerator["Accelerator"]["AcceleratorArn"]
    listener = ga.create_listener(
        AcceleratorArn=accelerator_arn,
        PortRanges=[{"FromPort": 443, "ToPort": 443}],
        Protocol="TCP",
        ClientAffinity="SOURCE_IP",
    )["Listener"]
    group = ga.create_endpoint_group(
        ListenerArn=listener["ListenerArn"],
        EndpointGroupRegion="us-east-1",
        EndpointConfigurations=[{"EndpointId": ALB_EAST, "Weight": 100}],
        HealthCheckProtocol="HTTPS",
        HealthCheckPath="/health",
        HealthCheckIntervalSeconds=10,
        ThresholdCount=3,
    )["EndpointGroup"]
    return accelerator_arn, listener["ListenerArn"], group["EndpointGroupArn"]


def test_create_and_describe_return_real_shapes_and_arns(ga: Any) -> None:
    # given an accelerator with a TCP 443 source-IP listener and one endpoint group
    accelerator_arn, listener_arn, group_arn = build(ga)

    # when each is described
    accelerator = ga.describe_accelerator(AcceleratorArn=accelerator_arn)["Accelerator"]
    (listener,) = ga.list_listeners(AcceleratorArn=accelerator_arn)["Listeners"]
    group = ga.describe_endpoint_group(EndpointGroupArn=group_arn)["EndpointGroup"]

    # then ARNs, defaults and types are those of the real service
    assert ACCEL_RE.match(accelerator_arn)
    assert re.match(rf"^{re.escape(accelerator_arn)}/listener/[0-9a-z]+$", listener_arn)
    assert re.match(rf"^{re.escape(listener_arn)}/endpoint-group/[0-9a-z]+$", group_arn)
    assert re.match(r"^a[0-9a-f]{16}\.awsglobalaccelerator\.com$", accelerator["DnsName"])
    assert accelerator["Status"] == "IN_PROGRESS"
    assert isinstance(accelerator["CreatedTime"], dt.datetime)
    assert accelerator["CreatedTime"].tzinfo is not None
    (ip_set,) = accelerator["IpSets"]
    assert ip_set["IpAddressFamily"] == "IPv4"
    assert len(ip_set["IpAddresses"]) == 2
    assert listener["ClientAffinity"] == "SOURCE_IP"
    assert listener["PortRanges"] == [{"FromPort": 443, "ToPort": 443}]
    assert group["EndpointGroupRegion"] == "us-east-1"
    assert group["TrafficDialPercentage"] == 100.0
    assert group["HealthCheckPort"] == 443  # the listener's port
    assert group["HealthCheckPath"] == "/health"
    assert group["HealthCheckIntervalSeconds"] == 10
    (endpoint,) = group["EndpointDescriptions"]
    assert endpoint["EndpointId"] == ALB_EAST
    assert endpoint["Weight"] == 100
    assert endpoint["ClientIPPreservationEnabled"] is True
    assert endpoint["HealthState"] == "INITIAL"


def test_lists_page_through_listeners_and_groups(ga: Any) -> None:
    # given an accelerator with two listeners, one with two regional groups
    accelerator_arn, listener_arn, _ = build(ga)
    other = ga.create_listener(
        AcceleratorArn=accelerator_arn, PortRanges=[{"FromPort": 80, "ToPort": 80}], Protocol="TCP"
    )["Listener"]["ListenerArn"]
    ga.create_endpoint_group(
        ListenerArn=listener_arn,
        EndpointGroupRegion="us-west-2",
        EndpointConfigurations=[{"EndpointId": ALB_WEST}],
        TrafficDialPercentage=0.0,
    )

    # when listing one page at a time
    first = ga.list_listeners(AcceleratorArn=accelerator_arn, MaxResults=1)
    second = ga.list_listeners(
        AcceleratorArn=accelerator_arn, MaxResults=1, NextToken=first["NextToken"]
    )
    groups = ga.list_endpoint_groups(ListenerArn=listener_arn)["EndpointGroups"]

    # then every item appears once and the dials are as set
    arns = [item["ListenerArn"] for item in first["Listeners"] + second["Listeners"]]
    assert sorted(arns) == sorted([listener_arn, other])
    assert "NextToken" not in second
    assert {g["EndpointGroupRegion"]: g["TrafficDialPercentage"] for g in groups} == {
        "us-east-1": 100.0,
        "us-west-2": 0.0,
    }
    with pytest.raises(ga.exceptions.InvalidNextTokenException):
        ga.list_endpoint_groups(ListenerArn=listener_arn, NextToken="not-a-token")


def test_traffic_dial_update_is_visible_and_redeploys_the_accelerator(
    emu: Emulator, ga: Any
) -> None:
    # given a deployed accelerator
    accelerator_arn, _, group_arn = build(ga)
    emu.clock.advance(emu.latency.ga_deploy_seconds)
    assert ga.describe_accelerator(AcceleratorArn=accelerator_arn)["Accelerator"]["Status"] == (
        "DEPLOYED"
    )

    # when the dial goes to 0
    updated = ga.update_endpoint_group(EndpointGroupArn=group_arn, TrafficDialPercentage=0)

    # then the group shows it at once and the accelerator deploys the change over time
    assert updated["EndpointGroup"]["TrafficDialPercentage"] == 0.0
    described = ga.describe_endpoint_group(EndpointGroupArn=group_arn)["EndpointGroup"]
    assert described["TrafficDialPercentage"] == 0.0
    assert described["HealthCheckPath"] == "/health"  # untouched settings stay
    (seen,) = emu.globalaccelerator.endpoint_groups  # the backend view agrees
    assert (seen["EndpointGroupArn"], seen["TrafficDialPercentage"]) == (group_arn, 0.0)
    assert ga.describe_accelerator(AcceleratorArn=accelerator_arn)["Accelerator"]["Status"] == (
        "IN_PROGRESS"
    )
    emu.clock.advance(emu.latency.ga_deploy_seconds)
    assert ga.describe_accelerator(AcceleratorArn=accelerator_arn)["Accelerator"]["Status"] == (
        "DEPLOYED"
    )


def test_endpoint_health_follows_checks_and_overrides(emu: Emulator, ga: Any) -> None:
    # given a group checking every 10 s with a threshold of 3
    _, _, group_arn = build(ga)

    def state() -> tuple[str, str | None]:
        (endpoint,) = ga.describe_endpoint_group(EndpointGroupArn=group_arn)["EndpointGroup"][
            "EndpointDescriptions"
        ]
        return endpoint["HealthState"], endpoint.get("HealthReason")

    # when 30 modelled seconds pass, then the endpoint is healthy
    assert state() == ("INITIAL", "InitialHealthChecking")
    emu.clock.advance(30)
    assert state() == ("HEALTHY", None)

    # when the test marks the region unhealthy, then it is, and back again
    emu.globalaccelerator.set_endpoint_health(group_arn, False)
    assert state() == ("UNHEALTHY", "Failed")
    emu.globalaccelerator.set_endpoint_health(group_arn, True)
    assert state() == ("HEALTHY", None)


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "us-west-1"])
def test_ga_api_is_served_only_from_us_west_2(emu: Emulator, region: str) -> None:
    # given a GA client outside us-west-2
    client = boto3.client("globalaccelerator", region_name=region)

    # when it calls the API, then it cannot connect, like the real (non-existent) endpoint
    with pytest.raises(EndpointConnectionError, match=f"globalaccelerator.{region}"):
        client.describe_endpoint_group(EndpointGroupArn="arn")


def test_errors_are_the_modelled_ones(ga: Any) -> None:
    # given a full accelerator
    accelerator_arn, listener_arn, group_arn = build(ga)
    missing = accelerator_arn[:-4] + "0000"

    # then each misuse raises the service's own exception
    with pytest.raises(ga.exceptions.AcceleratorNotFoundException):
        ga.describe_accelerator(AcceleratorArn=missing)
    with pytest.raises(ga.exceptions.ListenerNotFoundException):
        ga.list_endpoint_groups(ListenerArn=listener_arn[:-2] + "zz")
    with pytest.raises(ga.exceptions.EndpointGroupNotFoundException):
        ga.describe_endpoint_group(EndpointGroupArn=group_arn[:-2] + "zz")
    with pytest.raises(ga.exceptions.EndpointGroupAlreadyExistsException):
        ga.create_endpoint_group(ListenerArn=listener_arn, EndpointGroupRegion="us-east-1")
    with pytest.raises(ga.exceptions.InvalidPortRangeException):
        ga.create_listener(
            AcceleratorArn=accelerator_arn,
            PortRanges=[{"FromPort": 400, "ToPort": 500}],
            Protocol="TCP",
        )
    with pytest.raises(ga.exceptions.InvalidArgumentException):
        ga.create_endpoint_group(ListenerArn=listener_arn, EndpointGroupRegion="mars-north-1")
    with pytest.raises(ga.exceptions.InvalidArgumentException):
        ga.describe_accelerator(AcceleratorArn="not-an-arn")


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("delete_accelerator", {"AcceleratorArn": "arn"}),
        ("list_accelerators", {}),
        ("tag_resource", {"ResourceArn": "arn", "Tags": [{"Key": "k", "Value": "v"}]}),
        ("create_accelerator", {"Name": "byoip", "IpAddresses": ["192.0.2.1"]}),
    ],
)
def test_what_is_not_emulated_fails_loudly(ga: Any, operation: str, params: dict[str, Any]) -> None:
    # when an operation (or a parameter) the emulator does not serve is called, then it
    # fails naming it, never answered by moto nor made up
    name = "".join(word.title() for word in operation.split("_"))
    with pytest.raises(NotEmulated, match=f"Global Accelerator {name}"):
        getattr(ga, operation)(**params)


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("update_endpoint_group", {"TrafficDialPercentage": 150.0}),
        ("update_endpoint_group", {"HealthCheckIntervalSeconds": 20}),
        ("update_endpoint_group", {"HealthCheckProtocol": "ICMP"}),
        ("create_accelerator", {}),
    ],
)
def test_requests_are_validated_service_side(
    ga: Any, operation: str, params: dict[str, Any]
) -> None:
    # given a client that skips botocore's own validation (as moto's SFN interpreter does)
    _, _, group_arn = build(ga)
    raw = boto3.client(
        "globalaccelerator", region_name="us-west-2", config=Config(parameter_validation=False)
    )
    if operation == "update_endpoint_group":
        params = {"EndpointGroupArn": group_arn, **params}

    # when the request breaks the service model, then GA answers InvalidArgumentException
    with pytest.raises(ClientError) as caught:
        getattr(raw, operation)(**params)
    assert caught.value.response["Error"]["Code"] == "InvalidArgumentException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# ------------------------------------------------------------------ routing a client


def alb(region: str) -> str:
    return f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT}:loadbalancer/app/shop/{'0' * 16}"


def estate(ga: Any, emu: Emulator, dials: dict[str, float]) -> tuple[str, dict[str, str]]:
    """An accelerator with one endpoint group per region (healthy), at the given dials.
    Returns the accelerator ARN and region -> endpoint group ARN."""
    accelerator_arn = ga.create_accelerator(Name="shop")["Accelerator"]["AcceleratorArn"]
    listener_arn = ga.create_listener(
        AcceleratorArn=accelerator_arn,
        PortRanges=[{"FromPort": 443, "ToPort": 443}],
        Protocol="TCP",
        ClientAffinity="SOURCE_IP",
    )["Listener"]["ListenerArn"]
    groups = {}
    for region, dial in dials.items():
        groups[region] = ga.create_endpoint_group(
            ListenerArn=listener_arn,
            EndpointGroupRegion=region,
            EndpointConfigurations=[{"EndpointId": alb(region), "Weight": 128}],
            TrafficDialPercentage=dial,
        )["EndpointGroup"]["EndpointGroupArn"]
        emu.globalaccelerator.set_endpoint_health(groups[region], True)
    return accelerator_arn, groups


def lands(emu: Emulator, accelerator_arn: str, groups: dict[str, str], client: str) -> str:
    found = emu.globalaccelerator.landing_group(accelerator_arn, client)
    return next(region for region, arn in groups.items() if arn == found)


def test_the_data_plane_sends_each_client_to_its_nearest_healthy_group_and_dials_fix_it(
    ga: Any, emu: Emulator
) -> None:
    # given three regions, the primary us-east-1 dialled to 100 and the others to 0
    dials = {"us-east-1": 100.0, "eu-west-1": 0.0, "us-west-2": 0.0}
    accelerator, groups = estate(ga, emu, dials)
    assert {lands(emu, accelerator, groups, c) for c in ("eu-west-2", "us-west-1")} == {"us-east-1"}

    # when the primary fails (no healthy endpoint in its group)
    emu.globalaccelerator.set_endpoint_health(groups["us-east-1"], False)

    # then GA alone fails over by the client's location, dials ignored: a European user lands
    # in eu-west-1, a Californian and a Virginian in us-west-2 (nearer than Ireland)
    assert lands(emu, accelerator, groups, "eu-west-2") == "eu-west-1"
    assert lands(emu, accelerator, groups, "us-west-1") == "us-west-2"
    assert lands(emu, accelerator, groups, "us-east-1") == "us-west-2"
    assert emu.globalaccelerator.landing_shares(accelerator, "eu-west-2") == {
        groups["eu-west-1"]: 1.0
    }

    # when the control plane moves the dials to the target it chose (us-west-2: 100, others 0)
    for region, arn in groups.items():
        ga.update_endpoint_group(
            EndpointGroupArn=arn, TrafficDialPercentage=100.0 if region == "us-west-2" else 0.0
        )

    # then every client lands in the chosen target, the European user too
    assert {lands(emu, accelerator, groups, c) for c in ("eu-west-2", "us-east-1")} == {"us-west-2"}
    # and the old primary stays out when it comes back healthy (dial 0)
    emu.globalaccelerator.set_endpoint_health(groups["us-east-1"], True)
    assert lands(emu, accelerator, groups, "us-east-1") == "us-west-2"


def test_a_dial_keeps_its_share_of_the_nearby_traffic_the_rest_goes_to_the_next_nearest(
    ga: Any, emu: Emulator
) -> None:
    # given AWS's own example: us-west-2 and us-east-1, both dials at 50
    accelerator, groups = estate(ga, emu, {"us-west-2": 50.0, "us-east-1": 50.0})

    # then an East Coast client's new connections go half to us-east-1, half to us-west-2
    shares = emu.globalaccelerator.landing_shares(accelerator, "us-east-1")
    assert shares == {groups["us-east-1"]: 0.5, groups["us-west-2"]: 0.5}
    assert list(shares) == [groups["us-east-1"], groups["us-west-2"]]  # nearest first
    # and a healthy dialled group always wins over a nearer dial-0 group
    ga.update_endpoint_group(EndpointGroupArn=groups["us-east-1"], TrafficDialPercentage=0.0)
    assert emu.globalaccelerator.landing_groups(accelerator, client="us-east-1") == [
        groups["us-west-2"]
    ]


def test_with_every_dial_at_zero_clients_fail_over_to_their_nearest_healthy_group(
    ga: Any, emu: Emulator
) -> None:
    dials = {"us-east-1": 0.0, "eu-west-1": 0.0, "us-west-2": 0.0}
    accelerator, groups = estate(ga, emu, dials)
    assert lands(emu, accelerator, groups, "eu-central-1") == "eu-west-1"
    assert lands(emu, accelerator, groups, "us-east-2") == "us-east-1"


def test_ga_tries_only_the_three_closest_groups_then_fails_open_to_the_closest(
    ga: Any, emu: Emulator
) -> None:
    # given four groups, the three closest to a European client unhealthy
    dials = {"eu-west-1": 100.0, "eu-central-1": 0.0, "us-east-1": 0.0, "ap-northeast-1": 0.0}
    accelerator, groups = estate(ga, emu, dials)
    for region in ("eu-west-1", "eu-central-1", "us-east-1"):
        emu.globalaccelerator.set_endpoint_health(groups[region], False)

    # then the European client fails open to its closest group, not to healthy Tokyo
    assert lands(emu, accelerator, groups, "eu-west-2") == "eu-west-1"
    # while a client near Tokyo lands in Tokyo
    assert lands(emu, accelerator, groups, "ap-northeast-3") == "ap-northeast-1"
    # and without a client location, every candidate is returned (today's behaviour)
    assert emu.globalaccelerator.landing_groups(accelerator) == [groups["ap-northeast-1"]]


def test_every_client_lands_somewhere_nearest_healthy_dialled_first(ga: Any, emu: Emulator) -> None:
    regions = ("us-east-1", "eu-west-1", "us-west-2", "ap-northeast-1")
    accelerator, groups = estate(ga, emu, dict.fromkeys(regions, 100.0))
    region_of = {arn: region for region, arn in groups.items()}
    clients = ("us-east-2", "eu-central-1", "us-west-1", "ap-southeast-1", "sa-east-1")

    @given(
        dials=st.lists(st.sampled_from([0.0, 30.0, 100.0]), min_size=4, max_size=4),
        healthy=st.lists(st.booleans(), min_size=4, max_size=4),
        client=st.sampled_from(clients),
    )
    @settings(max_examples=60, deadline=None)
    def check(dials: list[float], healthy: list[bool], client: str) -> None:
        for region, dial, up in zip(regions, dials, healthy, strict=True):
            ga.update_endpoint_group(EndpointGroupArn=groups[region], TrafficDialPercentage=dial)
            emu.globalaccelerator.set_endpoint_health(groups[region], up)
        shares = emu.globalaccelerator.landing_shares(accelerator, client)
        state = {r: (d, u) for r, d, u in zip(regions, dials, healthy, strict=True)}
        nearest = sorted(regions, key=lambda r: geography.distance_km(client, r))

        # every new connection lands somewhere, and only where a share is positive
        assert shares
        assert all(share > 0 for share in shares.values())
        assert sum(shares.values()) == pytest.approx(1.0)
        landed = [region_of[arn] for arn in shares]
        dialled = [r for r in nearest if state[r][0] > 0 and state[r][1]]
        if dialled:
            # only healthy dialled groups, the nearest of them first, keeping its dial's share
            assert set(landed) <= set(dialled)
            assert landed[0] == dialled[0]
            first = shares[groups[dialled[0]]]
            assert first == pytest.approx(1.0 if len(dialled) == 1 else state[dialled[0]][0] / 100)
        else:
            # failover (dials ignored) among the three closest, else fail open to the closest
            tried = [r for r in nearest[:3] if state[r][1]]
            assert landed == [tried[0] if tried else nearest[0]]

    check()
