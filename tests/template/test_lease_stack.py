"""The failover table's own stack (stacks/lease.yaml) and the control plane's grants on it.

Given the lease stack and template.yaml as CloudFormation reads them, the table is one MRSC
global table with a replica in each of LeaseRegions, kept on delete, and every control-plane
statement that names the table names it in each of those three regions, and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.template.cfn_yaml import LEASE_STACK, TEMPLATE_PATH, load_template

TABLE_ARN = (
    "arn:${AWS::Partition}:dynamodb:${Region}:${AWS::AccountId}:table/${EstateName}-failover"
)
THREE_REGIONS = [
    {"Fn::Sub": [TABLE_ARN, {"Region": {"Fn::Select": [index, {"Ref": "LeaseRegions"}]}}]}
    for index in range(3)
]


@pytest.fixture(scope="module")
def lease() -> dict[str, Any]:
    return load_template(LEASE_STACK)


def test_the_lease_stack_holds_the_table_alone(lease: dict[str, Any]) -> None:
    assert list(lease["Resources"]) == ["FailoverTable"]
    assert set(lease["Parameters"]) == {"EstateName", "LeaseRegions", "TableDeletionProtection"}
    assert lease["Outputs"]["FailoverTableName"]["Value"] == {"Ref": "FailoverTable"}
    assert "FailoverTable" not in load_template(TEMPLATE_PATH)["Resources"]


def test_table_key_schema_is_pk_sk_strings(lease: dict[str, Any]) -> None:
    """The schema other tests build their moto tables from (testbed.template.table_definition)."""
    properties = lease["Resources"]["FailoverTable"]["Properties"]
    assert properties["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert properties["AttributeDefinitions"] == [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
    ]


def test_table_is_a_strongly_consistent_global_table_of_the_lease_regions(
    lease: dict[str, Any],
) -> None:
    """One direction at a time across the estate: the lease lives in an MRSC global table,
    created once (by the lease stack, in LeaseRegions[0]), with a replica in each of them."""
    table = lease["Resources"]["FailoverTable"]
    properties = table["Properties"]
    assert table["Type"] == "AWS::DynamoDB::GlobalTable"
    assert "Condition" not in table
    assert properties["MultiRegionConsistency"] == "STRONG"
    assert properties["TableName"] == {"Fn::Sub": "${EstateName}-failover"}
    assert [r["Region"] for r in properties["Replicas"]] == [
        {"Fn::Select": [index, {"Ref": "LeaseRegions"}]} for index in range(3)
    ]
    assert "GlobalTableWitnesses" not in properties, "every member is a replica"
    assert "TimeToLiveSpecification" not in properties, "MRSC tables have no TTL"
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}
    for replica in properties["Replicas"]:
        assert replica["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert replica["DeletionProtectionEnabled"] == {"Ref": "TableDeletionProtection"}
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


def test_both_stacks_refuse_the_same_lease_regions(lease: dict[str, Any]) -> None:
    control = load_template(TEMPLATE_PATH)
    rule = "LeaseRegionsFormAStrongConsistencySet"
    assert lease["Rules"][rule] == control["Rules"][rule]
    assert "TableDeletionProtection" not in control["Parameters"], "the lease stack's alone"
    assert (
        lease["Parameters"]["LeaseRegions"]["Default"]
        == (control["Parameters"]["LeaseRegions"]["Default"])
    )


def _statements(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "Effect" in node and ("Resource" in node or "NotResource" in node):
            yield path, node
        for key, value in node.items():
            yield from _statements(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _statements(value, f"{path}/{index}")


def test_every_grant_on_the_table_names_it_in_each_lease_region() -> None:
    """A control plane outside the set calls a member's replica (failover.table): a grant in
    its own region only would deny it. Every statement with a DynamoDB action names exactly
    the three replicas; none names the table in ${AWS::Region} or in a wildcard region."""
    control = load_template(TEMPLATE_PATH)
    found = 0
    for path, statement in _statements(control["Resources"], "/Resources"):
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        text = json.dumps(statement["Resource"])
        if any(a.startswith("dynamodb:") for a in actions):
            found += 1
            assert statement["Resource"] == THREE_REGIONS, path
            assert all(a.startswith("dynamodb:") for a in actions), f"{path}: split it"
        else:
            assert "dynamodb" not in text, path
    assert found >= 10
