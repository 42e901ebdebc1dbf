"""The failover table as the template declares it (key schema from stacks/lease.yaml)."""

from __future__ import annotations

from typing import Any

from testbed.template import table_definition


def create_failover_table(ddb: Any, name: str) -> None:
    definition = table_definition()
    ddb.create_table(
        TableName=name,
        KeySchema=definition["KeySchema"],
        AttributeDefinitions=definition["AttributeDefinitions"],
        BillingMode="PAY_PER_REQUEST",
    )
