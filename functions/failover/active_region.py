"""The SSM parameter that names the active region: the application's switch.

One parameter of the same name in each region (template.yaml ``ActiveRegionParameter``);
the application reads its own region's copy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import guard, readings
from failover.clients import Profile, client
from failover.errors import TransientAwsError

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

    from failover.config import Settings
    from failover.models import StageInput


def read(ssm: SSMClient, parameter: str) -> str | None:
    try:
        return ssm.get_parameter(Name=parameter)["Parameter"].get("Value")
    except ssm.exceptions.ParameterNotFound:
        return None


def point_at(ssm: SSMClient, parameter: str, region: str) -> bool:
    """Point the parameter at ``region``. Reads first; returns whether it changed anything."""
    if read(ssm, parameter) == region:
        return False
    ssm.put_parameter(Name=parameter, Value=region, Type="String", Overwrite=True)
    return True


def set_home(settings: Settings, stage: StageInput) -> dict[str, Any]:
    """SetActiveRegion: this region's parameter names the target, once it is the writer."""
    guard.require_writer_and_lease(settings, stage)
    parameter = settings.estate.active_region_parameter
    target = stage.request.target_region
    changed = point_at(client("ssm", target), parameter, target)
    return {"parameter": parameter, "value": target, "changed": changed}


def _fence_one(settings: Settings, region: str, target: str) -> dict[str, Any]:
    parameter = settings.estate.active_region_parameter
    ssm = client("ssm", region, Profile.BEST_EFFORT)
    done = readings.read("ssm:PutParameter", lambda: point_at(ssm, parameter, target))
    if done.throttled:
        # the region answers, only not now: the ASL's Retry backs off and tries again (its
        # Catch still lets the run go on if it never lands)
        raise TransientAwsError(f"fencing {region}: {done.problem}")
    if not done.known:
        status = "denied" if done.denied else "skipped"
        return {"status": status, "region": region, "reason": done.problem}
    status = "fenced" if done.value else "already_fenced"
    return {"status": status, "region": region, "parameter": parameter, "value": target}


def fence(settings: Settings, stage: StageInput) -> dict[str, Any]:
    """FenceOldRegion: best effort, point every other region's parameter at the new active
    region, the old region first (it is the one that may still take writes).

    The old region may be the one that failed: short timeouts, one attempt, never fails the
    run. A denied call is a configuration error (metric, log line), recorded as ``denied``.
    The result describes the old region at its top level, and every region in ``regions``.
    """
    source, target = stage.request.source_region, stage.request.target_region
    order = [source, *(r for r in settings.estate.others(target) if r != source)]
    found = {region: _fence_one(settings, region, target) for region in order}
    return {**found[source], "regions": found}
