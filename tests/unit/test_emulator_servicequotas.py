"""Service Quotas for AWS Fargate: AWS's defaults, and the values applied to an account."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from emulator import Emulator

ON_DEMAND, SPOT = "L-3032A538", "L-36FBB829"


def quotas(region: str = "us-west-2") -> Any:
    return boto3.client("service-quotas", region_name=region)


def test_fargate_quotas_start_at_the_aws_defaults(emu: Emulator) -> None:
    # given an account that never changed its Fargate quotas
    client = quotas()

    # when the applied and the default values are read
    applied = client.get_service_quota(ServiceCode="fargate", QuotaCode=ON_DEMAND)["Quota"]
    default = client.get_aws_default_service_quota(ServiceCode="fargate", QuotaCode=SPOT)["Quota"]

    # then both are AWS's documented 6 vCPU, shaped as Service Quotas returns them
    assert applied["Value"] == 6.0
    assert applied["QuotaName"] == "Fargate On-Demand vCPU resource count"
    assert (
        applied["QuotaArn"] == f"arn:aws:servicequotas:us-west-2:123456789012:fargate/{ON_DEMAND}"
    )
    assert applied["UsageMetric"]["MetricDimensions"]["Class"] == "Standard/OnDemand"
    assert default["Value"] == 6.0
    assert default["QuotaName"] == "Fargate Spot vCPU resource count"
    assert default["QuotaArn"] == f"arn:aws:servicequotas:us-west-2::fargate/{SPOT}"


def test_an_applied_value_is_per_region_and_leaves_the_default(emu: Emulator) -> None:
    # given an increase applied in us-west-2 only
    emu.servicequotas.set_quota("us-west-2", "fargate", ON_DEMAND, 40)

    # then GetServiceQuota there returns it, elsewhere and as the AWS default it does not
    west, east = quotas("us-west-2"), quotas("us-east-1")
    assert (
        west.get_service_quota(ServiceCode="fargate", QuotaCode=ON_DEMAND)["Quota"]["Value"] == 40.0
    )
    assert (
        east.get_service_quota(ServiceCode="fargate", QuotaCode=ON_DEMAND)["Quota"]["Value"] == 6.0
    )
    default = west.get_aws_default_service_quota(ServiceCode="fargate", QuotaCode=ON_DEMAND)
    assert default["Quota"]["Value"] == 6.0
    listed = {
        q["QuotaCode"]: q["Value"]
        for q in west.list_service_quotas(ServiceCode="fargate")["Quotas"]
    }
    assert listed == {ON_DEMAND: 40.0, SPOT: 6.0}
    defaults = west.list_aws_default_service_quotas(ServiceCode="fargate")["Quotas"]
    assert {q["Value"] for q in defaults} == {6.0}


def test_unknown_quotas_are_refused(emu: Emulator) -> None:
    # when a quota code fargate does not have is read, then Service Quotas' error
    with pytest.raises(ClientError) as error:
        quotas().get_service_quota(ServiceCode="fargate", QuotaCode="L-00000000")
    assert error.value.response["Error"]["Code"] == "NoSuchResourceException"

    # and a test cannot apply a value to a quota the emulator does not know
    with pytest.raises(ValueError, match="no emulated quota"):
        emu.servicequotas.set_quota("us-west-2", "fargate", "L-00000000", 1)
    with pytest.raises(ValueError, match=">= 0"):
        emu.servicequotas.set_quota("us-west-2", "fargate", ON_DEMAND, -1)


def test_other_services_are_still_served_by_moto(emu: Emulator) -> None:
    # given moto's own VPC defaults, then they are still there
    vpc = quotas().get_service_quota(ServiceCode="vpc", QuotaCode="L-7E9ECCDB")["Quota"]
    assert vpc["QuotaName"] == "Active VPC peering connections per VPC"
