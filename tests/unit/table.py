"""The failover table as the template declares it (key schema from template.yaml)."""

from __future__ import annotations

from typing import Any

from testbed.template import load_template, table_definition


def create_failover_table(ddb: Any, name: str) -> None:
    definition = table_definition(load_template())
    ddb.create_table(
        TableName=name,
        KeySchema=definition["KeySchema"],
        AttributeDefinitions=definition["AttributeDefinitions"],
        BillingMode="PAY_PER_REQUEST",
    )
