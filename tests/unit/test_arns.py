"""ARN parsing has one home (failover.arns); names built from an ARN keep its partition."""

from __future__ import annotations

import pytest
from failover import arns

EXECUTION = "arn:aws-us-gov:states:us-gov-west-1:123456789012:execution:shop-failover:run-1"


def test_the_fields_of_an_arn() -> None:
    assert arns.partition_of(EXECUTION) == "aws-us-gov"
    assert arns.region_of(EXECUTION) == "us-gov-west-1"
    assert arns.account_of(EXECUTION) == "123456789012"


def test_a_built_arn_keeps_the_partition_and_account_it_was_built_like() -> None:
    built = arns.build(EXECUTION, "events", "us-gov-east-1", "event-bus/shop-failover")
    assert built == "arn:aws-us-gov:events:us-gov-east-1:123456789012:event-bus/shop-failover"
    assert arns.in_region(EXECUTION, "us-gov-east-1") == EXECUTION.replace("west", "east")


def test_the_state_machine_of_an_execution() -> None:
    assert arns.state_machine_of(EXECUTION) == (
        "arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:shop-failover"
    )
    with pytest.raises(ValueError, match="execution"):
        arns.state_machine_of("arn:aws:sns:us-east-1:123456789012:topic")


@pytest.mark.parametrize("text", ["", "shop-failover", "arn:aws:sns"])
def test_a_string_that_is_not_an_arn_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an ARN"):
        arns.region_of(text)
