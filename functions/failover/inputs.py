"""Validate and normalise the execution input: an alarm event or an operator's JSON.

This is the edge: pydantic checks the operator's JSON strictly and the alarm event as AWS
sends it, and every error names the field. Whether the run has anything to do comes from
where the estate stands (:mod:`failover.estate_view`): an alarm on a fully converged target
is ignored, and a manual run into one is ``TargetAlreadyActive``; a target that is the writer
but not yet fully converged is not "already active" (the run completes what is missing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from failover.errors import (
    InvalidFieldType,
    MissingField,
    TargetAlreadyActive,
    UnexpectedField,
    UnknownMode,
    UnknownTargetRegion,
    UnrecognisedEvent,
    WrongControlPlaneRegion,
)
from failover.models import Mode, Request

if TYPE_CHECKING:
    from failover.config import Settings


class ManualInput(BaseModel):
    """What an operator pastes into the Step Functions console. Types are strict."""

    model_config = ConfigDict(strict=True, extra="forbid")

    mode: str
    reason: str = Field(min_length=1, max_length=1024)
    target_region: str | None = None
    dry_run: bool = False
    force: bool = False
    require_approval: bool = False
    requested_by: str | None = Field(default=None, max_length=256)


class AlarmState(BaseModel):
    model_config = ConfigDict(extra="allow")

    value: str
    reason: str = ""
    timestamp: str = ""


class AlarmDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    alarmName: str
    state: AlarmState


class AlarmEvent(BaseModel):
    """The EventBridge "CloudWatch Alarm State Change" event, as AWS sends it."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    source: Literal["aws.cloudwatch"]
    detail_type: Literal["CloudWatch Alarm State Change"] = Field(alias="detail-type")
    account: str
    region: str
    time: str
    resources: list[str] = Field(default_factory=list)
    detail: AlarmDetail


MODES: tuple[Mode, ...] = get_args(Mode)
"""The modes an operator may ask for, in the order the error message lists them."""


def _field_name(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "input"


def _named(error: ValidationError) -> MissingField | UnexpectedField | InvalidFieldType:
    first = error.errors()[0]
    field = _field_name(first["loc"])
    if first["type"] == "missing":
        return MissingField(field, "is required")
    if first["type"] == "extra_forbidden":
        return UnexpectedField(field, "is not a known field (see README: manual input)")
    return InvalidFieldType(field, first["msg"])


def is_alarm_event(raw: Mapping[str, Any]) -> bool:
    return raw.get("source") == "aws.cloudwatch" or "detail-type" in raw


def normalise(raw: object, settings: Settings, gaps: list[str] | None) -> Request:
    """Turn the raw execution input into a Request, or raise a named InvalidInput.

    ``gaps`` is what is not converged on this region (None: unknown, treated as not converged).
    """
    if not isinstance(raw, dict):
        raise InvalidFieldType("input", "must be a JSON object")
    if is_alarm_event(raw):
        return _from_alarm(raw, settings, gaps)
    return _from_manual(raw, settings, gaps)


def _from_alarm(raw: dict[str, Any], settings: Settings, gaps: list[str] | None) -> Request:
    try:
        event = AlarmEvent.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        raise UnrecognisedEvent(_field_name(first["loc"]), first["msg"]) from error
    alarm = event.detail.alarmName
    failed = settings.estate.region_of_alarm(alarm)
    if failed is None:
        raise UnrecognisedEvent("detail.alarmName", f"{alarm!r} is not an alarm of this estate")
    target = settings.estate.peer_of(failed)
    if target != settings.home_region:
        raise UnrecognisedEvent(
            "detail.alarmName",
            f"{alarm!r} watches {failed}; its failover runs in {target}, "
            f"not in this control plane ({settings.home_region})",
        )
    request = Request(
        trigger="alarm",
        mode="unplanned",
        target_region=target,
        source_region=failed,
        require_approval=settings.approval_for_automatic,
        reason=f"alarm {alarm} is {event.detail.state.value}: {event.detail.state.reason}"[:1024],
        requested_by=f"alarm:{alarm}",
        alarm_name=alarm,
        alarm_time=event.detail.state.timestamp or event.time,
    )
    ignore = None
    if event.detail.state.value != "ALARM":
        ignore = f"alarm state is {event.detail.state.value}"
    elif gaps == []:
        ignore = f"{target} is already fully active (writer, traffic, capacity, app config)"
    if ignore is None:
        return request
    return Request(**{**request.to_dict(), "ignored": True, "ignore_reason": ignore})


def _from_manual(raw: dict[str, Any], settings: Settings, gaps: list[str] | None) -> Request:
    try:
        manual = ManualInput.model_validate(raw)
    except ValidationError as error:
        raise _named(error) from error
    mode = next((m for m in MODES if m == manual.mode), None)
    if mode is None:
        raise UnknownMode("mode", f"{manual.mode!r} is not one of {', '.join(MODES)}")
    regions = settings.estate.regions
    target = manual.target_region or settings.home_region
    if target not in regions:
        raise UnknownTargetRegion(
            "target_region", f"{target!r} is not a region of this estate ({', '.join(regions)})"
        )
    if target != settings.home_region:
        raise WrongControlPlaneRegion(
            "target_region",
            f"a failover into {target} is run by {target}'s state machine, "
            f"not by this one in {settings.home_region}",
        )
    if gaps == []:
        raise TargetAlreadyActive(
            "target_region",
            f"{target} is already fully active (writer, traffic, capacity and app config)",
        )
    return Request(
        trigger="manual",
        mode=mode,
        target_region=target,
        source_region=settings.estate.peer_of(target),
        dry_run=manual.dry_run,
        force=manual.force,
        require_approval=manual.require_approval,
        reason=manual.reason,
        requested_by=manual.requested_by or "console",
    )
