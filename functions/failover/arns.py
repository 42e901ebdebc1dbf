"""Small helpers for ARNs."""

from __future__ import annotations


def _fields(arn: str) -> list[str]:
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn!r}")
    return parts


def partition_of(arn: str) -> str:
    """The partition field of an ARN: ``aws``, ``aws-cn``, ``aws-us-gov``..."""
    return _fields(arn)[1]


def region_of(arn: str) -> str:
    """The region field of an ARN (empty for global resources)."""
    return _fields(arn)[3]


def account_of(arn: str) -> str:
    """The account field of an ARN."""
    return _fields(arn)[4]


def in_region(arn: str, region: str) -> str:
    """The same ARN in another region (same partition, account and resource)."""
    parts = _fields(arn)
    parts[3] = region
    return ":".join(parts)


def build(like: str, service: str, region: str, resource: str) -> str:
    """An ARN in the partition and account of ``like``: ``arn:<partition>:<service>:<region>:
    <account>:<resource>``."""
    return f"arn:{partition_of(like)}:{service}:{region}:{account_of(like)}:{resource}"


def state_machine_of(execution_arn: str) -> str:
    """The state machine of an execution: ``...:execution:<machine>:<name>`` ->
    ``...:stateMachine:<machine>``."""
    parts = _fields(execution_arn)
    kind, _, rest = parts[5].partition(":")
    machine = rest.partition(":")[0]
    if parts[2] != "states" or kind != "execution" or not machine:
        raise ValueError(f"not a Step Functions execution ARN: {execution_arn!r}")
    return ":".join([*parts[:5], f"stateMachine:{machine}"])


def resource_name(arn: str) -> str:
    """The last path element of an ARN: ``...:cluster:shop-use1`` -> ``shop-use1``."""
    return arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
