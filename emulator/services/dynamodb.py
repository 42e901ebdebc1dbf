"""DynamoDB global tables with multi-Region strong consistency (MRSC), on moto's tables.

moto has no global tables: ``UpdateTable`` ignores ``ReplicaUpdates``,
``MultiRegionConsistency`` and ``GlobalTableWitnessUpdates``. This service serves them the way
AWS documents MRSC
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html,
"Multi-Region strong consistency"):

* ``UpdateTable`` with ``MultiRegionConsistency: STRONG`` on a table with no replicas, one
  ``ReplicaUpdates`` ``Create`` and one ``GlobalTableWitnessUpdates`` ``Create`` (or two
  replica creates) makes it an MRSC global table. The three regions must be distinct and of one
  MRSC region set (US: us-east-1, us-east-2, us-west-2; EU: eu-west-1, eu-west-2, eu-west-3,
  eu-central-1; AP: ap-northeast-1, ap-northeast-2, ap-northeast-3), the table must have no
  TTL, else ``ValidationException``.
* Every replica is *the same* table (moto's ``Table`` object is shared by the replica regions'
  backends): a conditional write in one region sees the latest version written in any other,
  and a strongly consistent read returns it.
* A replica region that can reach neither the other replica nor the witness (both in
  ``faults.unreachable_regions``) cannot write nor read strongly: ``InternalServerError``
  (HTTP 500). Eventually consistent reads still answer.
* ``DescribeTable`` shows ``Replicas``, ``GlobalTableWitnesses`` and
  ``MultiRegionConsistency``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .._service_model import EmulatedServiceError
from ..world import Service, register

if TYPE_CHECKING:
    from .._patching import Patcher

__all__ = ["MRSC_REGION_SETS", "DynamoDbGlobalTables"]

MRSC_REGION_SETS: tuple[frozenset[str], ...] = (
    frozenset({"us-east-1", "us-east-2", "us-west-2"}),
    frozenset({"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"}),
    frozenset({"ap-northeast-1", "ap-northeast-2", "ap-northeast-3"}),
)
_ATTR = "_emulator_mrsc"
_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem"})


def _invalid(message: str) -> EmulatedServiceError:
    return EmulatedServiceError("ValidationException", message, 400)


@register
class DynamoDbGlobalTables(Service):
    """``world.dynamodb``: MRSC global tables (see the module docstring)."""

    name = "dynamodb"

    def check_call(self, service: str, operation: str, params: dict[str, Any], region: str) -> None:
        """Refuse a write or strong read from a replica cut off from the others."""
        if service != "dynamodb" or not (operation in _WRITES or operation in _READS):
            return
        body = body_of(params)
        if operation in _READS and not body.get("ConsistentRead"):
            return
        names = {body.get("TableName")} | set(body.get("RequestItems") or {})
        for item in body.get("TransactItems") or []:
            names |= {part.get("TableName") for part in item.values() if isinstance(part, dict)}
        for table in self._tables(region, names - {None}):
            mrsc = table.__dict__.get(_ATTR)
            if mrsc is None:
                continue
            others = set(mrsc["replicas"]) | {mrsc["witness"]}
            others.discard(region)
            if others <= self.world.faults.unreachable_regions:
                raise EmulatedServiceError(
                    "InternalServerError",
                    f"{region} cannot reach the other regions of global table {table.name} "
                    "(multi-Region strong consistency needs a majority)",
                    500,
                )

    @staticmethod
    def _tables(region: str, names: set[Any]) -> list[Any]:
        from moto.dynamodb.models import dynamodb_backends

        from ..world import default_account

        tables = dynamodb_backends[default_account()][region].tables
        return [tables[name] for name in names if name in tables]

    def make_global(self, backend: Any, body: dict[str, Any]) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        table = backend.get_table(body["TableName"])
        if table.__dict__.get(_ATTR):
            raise _invalid(f"Table {table.name} is already a multi-Region strong consistency table")
        if body.get("MultiRegionConsistency") != "STRONG":
            raise _invalid("only MultiRegionConsistency=STRONG global tables are emulated")
        replicas = [
            u["Create"]["RegionName"] for u in body.get("ReplicaUpdates") or [] if "Create" in u
        ]
        witnesses = [
            u["Create"]["RegionName"]
            for u in body.get("GlobalTableWitnessUpdates") or []
            if "Create" in u
        ]
        regions = [backend.region_name, *replicas, *witnesses]
        if len(regions) != 3 or len(set(regions)) != 3 or len(witnesses) > 1:
            raise _invalid("an MRSC global table has exactly three distinct regions")
        if not any(set(regions) <= allowed for allowed in MRSC_REGION_SETS):
            raise _invalid(
                f"{', '.join(regions)} are not of one multi-Region strong consistency set"
            )
        if getattr(table, "ttl", {}).get("TimeToLiveStatus") == "ENABLED":
            raise _invalid("multi-Region strong consistency does not support TTL")
        mrsc = {
            "replicas": [backend.region_name, *replicas],
            "witness": witnesses[0] if witnesses else replicas[-1],
        }
        table.__dict__[_ATTR] = mrsc
        for region in replicas:
            dynamodb_backends[backend.account_id][region].tables[table.name] = table
        return table

    def install(self, patcher: Patcher) -> None:
        from moto.dynamodb.models.table import Table
        from moto.dynamodb.responses import DynamoHandler

        service = self
        original_update = DynamoHandler.update_table
        original_describe = Table.describe

        def update_table(handler: Any) -> Any:
            body = handler.body
            global_keys = ("ReplicaUpdates", "MultiRegionConsistency", "GlobalTableWitnessUpdates")
            if not any(key in body for key in global_keys):
                return original_update(handler)
            from moto.dynamodb.responses import DynamoResult

            try:
                table = service.make_global(handler.dynamodb_backend, body)
            except EmulatedServiceError as error:
                from moto.dynamodb.exceptions import MockValidationException

                raise MockValidationException(error.message) from error
            return DynamoResult(table.describe())

        def describe(table: Any, base_key: str = "TableDescription") -> dict[str, Any]:
            result: dict[str, Any] = original_describe(table, base_key)
            mrsc = table.__dict__.get(_ATTR)
            if mrsc:
                result[base_key]["MultiRegionConsistency"] = "STRONG"
                result[base_key]["Replicas"] = [
                    {"RegionName": region, "ReplicaStatus": "ACTIVE"} for region in mrsc["replicas"]
                ]
                result[base_key]["GlobalTableWitnesses"] = [
                    {"RegionName": mrsc["witness"], "WitnessStatus": "ACTIVE"}
                ]
            return result

        patcher.setattr(DynamoHandler, "update_table", update_table)
        patcher.setattr(Table, "describe", describe)


def body_of(params: dict[str, Any]) -> dict[str, Any]:
    """The JSON body botocore serialised for a DynamoDB call."""
    raw = params.get("body")
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    try:
        parsed = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
