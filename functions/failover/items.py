"""The failover table's small items (the lease, the cooldown marker) as flat dataclasses of
``str`` and ``int`` fields, to and from DynamoDB attribute values: one mapping for both."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

T = TypeVar("T")

READINESS_PK = "READINESS"
READINESS_SK_PREFIX = "READINESS#"
"""Each region's latest Readiness evaluation: ``pk = READINESS_PK``, ``sk = READINESS_SK_PREFIX
+ region`` (failover.readiness writes it; failover.candidates reads every region's at once)."""


def to_item(value: Any, *, skip: tuple[str, ...] = ()) -> dict[str, AttributeValueTypeDef]:
    """``value``'s fields (but ``skip``) as attributes: an int is a number, the rest strings."""
    found: dict[str, AttributeValueTypeDef] = {}
    for field in fields(value):
        data = getattr(value, field.name)
        if field.name in skip or data is None:
            continue
        found[field.name] = {"N": str(data)} if isinstance(data, int) else {"S": str(data)}
    return found


def from_item(cls: type[T], item: Mapping[str, Any], *, missing: str = "") -> T:
    """The dataclass ``cls`` from an item's attributes. A string attribute the item lacks
    reads as ``missing`` (older items); a field with a default keeps its default; any other
    missing attribute is a KeyError naming it."""
    values: dict[str, Any] = {}
    for field in fields(cls):  # type: ignore[arg-type]
        attribute = item.get(field.name)
        if attribute is not None:
            values[field.name] = int(attribute["N"]) if "N" in attribute else attribute["S"]
        elif field.default is field.default_factory:  # no default: both are MISSING
            if field.type not in ("str", str):
                raise KeyError(f"{cls.__name__}: the item has no {field.name!r}")
            values[field.name] = missing
    return cls(**values)
