"""The SSM parameter that names the active region: the application's switch."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient


def active_region(ssm: SSMClient, parameter: str) -> str | None:
    try:
        return ssm.get_parameter(Name=parameter)["Parameter"].get("Value")
    except ssm.exceptions.ParameterNotFound:
        return None


def set_active_region(ssm: SSMClient, parameter: str, region: str) -> bool:
    """Point the parameter at ``region``. Returns whether it changed anything."""
    if active_region(ssm, parameter) == region:
        return False
    ssm.put_parameter(Name=parameter, Value=region, Type="String", Overwrite=True)
    return True
