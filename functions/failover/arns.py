"""Small helpers for ARNs."""

from __future__ import annotations


def region_of(arn: str) -> str:
    """The region field of an ARN (empty for global resources)."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn!r}")
    return parts[3]


def resource_name(arn: str) -> str:
    """The last path element of an ARN: ``...:cluster:shop-use1`` -> ``shop-use1``."""
    return arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
