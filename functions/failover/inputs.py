"""Validate and normalise the execution input: an alarm event or an operator's JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from failover.errors import (
    InvalidFieldType,
    InvalidInput,
    MissingField,
    TargetAlreadyActive,
    UnexpectedField,
    UnknownMode,
    UnknownTargetRegion,
    UnrecognisedEvent,
    WrongControlPlaneRegion,
)
from failover.models import MODES, AlarmEvent, ManualInput, Request

if TYPE_CHECKING:
    from failover.config import Settings


@dataclass(frozen=True)
class EstateState:
    """Where the estate is now: the Aurora writer's region and the home app-config value."""

    writer_region: str | None
    active_parameter: str | None

    def fully_on(self, region: str) -> bool:
        return self.writer_region == region and self.active_parameter == region


def _field_name(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "input"


def _raise_for(error: ValidationError) -> None:
    first = error.errors()[0]
    field = _field_name(first["loc"])
    kind = first["type"]
    if kind == "missing":
        raise MissingField(field, "is required")
    if kind == "extra_forbidden":
        raise UnexpectedField(field, "is not a known field (see README: manual input)")
    raise InvalidFieldType(field, first["msg"])


def is_alarm_event(raw: Mapping[str, Any]) -> bool:
    return raw.get("source") == "aws.cloudwatch" or "detail-type" in raw


def normalise(raw: object, settings: Settings, state: EstateState) -> Request:
    """Turn the raw execution input into a Request, or raise a named InvalidInput."""
    if not isinstance(raw, dict):
        raise InvalidFieldType("input", "must be a JSON object")
    if is_alarm_event(raw):
        return _from_alarm(raw, settings, state)
    return _from_manual(raw, settings, state)


def _from_alarm(raw: dict[str, Any], settings: Settings, state: EstateState) -> Request:
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
        approval_required=settings.approval_for_automatic,
        reason=f"alarm {alarm} is {event.detail.state.value}: {event.detail.state.reason}"[:1024],
        requested_by=f"alarm:{alarm}",
        alarm_name=alarm,
        alarm_time=event.detail.state.timestamp or event.time,
    )
    if event.detail.state.value != "ALARM":
        return request.model_copy(
            update={"ignored": True, "ignore_reason": f"alarm state is {event.detail.state.value}"}
        )
    if state.fully_on(target):
        return request.model_copy(
            update={"ignored": True, "ignore_reason": f"{target} is already the active region"}
        )
    return request


def _from_manual(raw: dict[str, Any], settings: Settings, state: EstateState) -> Request:
    try:
        manual = ManualInput.model_validate(raw)
    except ValidationError as error:
        _raise_for(error)
        raise InvalidInput("input", str(error)) from error  # unreachable: _raise_for raised
    if manual.mode not in MODES:
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
    if state.fully_on(target):
        raise TargetAlreadyActive(
            "target_region", f"{target} is already the active region (writer and app config)"
        )
    return Request(
        trigger="manual",
        mode=manual.mode,  # checked against MODES above; pydantic coerces to the Literal
        target_region=target,
        source_region=settings.estate.peer_of(target),
        dry_run=manual.dry_run,
        force=manual.force,
        approval_required=manual.require_approval,
        reason=manual.reason,
        requested_by=manual.requested_by or "console",
    )
