"""Validate and normalise the execution input: an alarm event or an operator's JSON.

This is the edge: pydantic checks the operator's JSON strictly (:mod:`failover.manual_input`),
plain code the alarm event as AWS sends it (:class:`AlarmEvent`), and every error names the
field. Whether the run has anything to do comes from
where the estate stands (:mod:`failover.estate_view`): an alarm on a fully converged target
is ignored, and a manual run into one is ``TargetAlreadyActive``; a target that is the writer
but not yet fully converged is not "already active" (the run completes what is missing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, get_args

from failover.errors import (
    InvalidFieldType,
    MissingField,
    TargetAlreadyActive,
    TargetNotEligible,
    UnknownMode,
    UnknownTargetRegion,
    UnrecognisedEvent,
    WrongControlPlaneRegion,
)
from failover.models import Mode, Request

if TYPE_CHECKING:
    from failover.candidates import Choice
    from failover.config import Settings

ALARM_SOURCE = "aws.cloudwatch"
ALARM_DETAIL_TYPE = "CloudWatch Alarm State Change"


@dataclass(frozen=True)
class AlarmState:
    value: str
    reason: str = ""
    timestamp: str = ""


@dataclass(frozen=True)
class AlarmEvent:
    """The EventBridge "CloudWatch Alarm State Change" event, as AWS sends it: the fields this
    control plane reads, checked by :meth:`parse`.

    Plain code, not pydantic: this is the automatic path's first task, whose cold start is on
    the critical path of every alarm-driven failover, and importing pydantic costs about 0.4x an
    ``import boto3``. The shape is AWS's, not a person's: a handful of typed fields, each
    refused by name (``UnrecognisedEvent``). The operator's JSON, the edge people type into,
    is checked strictly by pydantic (:mod:`failover.manual_input`)."""

    account: str
    region: str
    time: str
    alarm_name: str
    state: AlarmState
    resources: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> AlarmEvent:
        def text(
            holder: Mapping[str, Any], key: str, where: str, default: str | None = None
        ) -> str:
            value = holder.get(key, default)
            if value is None:
                raise UnrecognisedEvent(where, "Field required")
            if not isinstance(value, str):
                raise UnrecognisedEvent(where, "Input should be a valid string")
            return value

        def mapping(holder: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
            value = holder.get(key)
            if value is None:
                raise UnrecognisedEvent(where, "Field required")
            if not isinstance(value, Mapping):
                raise UnrecognisedEvent(where, "Input should be a valid dictionary")
            return value

        if raw.get("source") != ALARM_SOURCE:
            raise UnrecognisedEvent("source", f"Input should be {ALARM_SOURCE!r}")
        if raw.get("detail-type") != ALARM_DETAIL_TYPE:
            raise UnrecognisedEvent("detail-type", f"Input should be {ALARM_DETAIL_TYPE!r}")
        resources = raw.get("resources", [])
        if not isinstance(resources, list) or not all(isinstance(r, str) for r in resources):
            raise UnrecognisedEvent("resources", "Input should be a valid list of strings")
        detail = mapping(raw, "detail", "detail")
        state = mapping(detail, "state", "detail.state")
        return cls(
            account=text(raw, "account", "account"),
            region=text(raw, "region", "region"),
            time=text(raw, "time", "time"),
            alarm_name=text(detail, "alarmName", "detail.alarmName"),
            state=AlarmState(
                value=text(state, "value", "detail.state.value"),
                reason=text(state, "reason", "detail.state.reason", ""),
                timestamp=text(state, "timestamp", "detail.state.timestamp", ""),
            ),
            resources=tuple(resources),
        )


MODES: tuple[Mode, ...] = get_args(Mode)
"""The modes an operator may ask for, in the order the error message lists them."""


def is_alarm_event(raw: Mapping[str, Any]) -> bool:
    return raw.get("source") == "aws.cloudwatch" or "detail-type" in raw


Choose = Callable[[str, bool, "str | None"], "Choice"]
"""(leaving, planned, only) -> the choice of target (failover.candidates.choose, bound to the
run's readings)."""


def normalise(
    raw: object,
    settings: Settings,
    gaps: list[str] | None,
    writer: str | None = None,
    choose: Choose | None = None,
) -> Request:
    """Turn the raw execution input into a Request, or raise a named InvalidInput.

    ``gaps`` is what is not converged on this region (None: unknown, treated as not converged);
    ``writer`` is the region of the global writer as read (None: unknown); ``choose`` judges
    the candidates (None: no choice is made, this region is the target).
    """
    if not isinstance(raw, dict):
        raise InvalidFieldType("input", "must be a JSON object")
    if is_alarm_event(raw):
        return _from_alarm(raw, settings, gaps, choose)
    return _from_manual(raw, settings, gaps, writer, choose)


def _from_alarm(
    raw: dict[str, Any], settings: Settings, gaps: list[str] | None, choose: Choose | None
) -> Request:
    event = AlarmEvent.parse(raw)
    alarm = event.alarm_name
    failed = settings.estate.region_of_alarm(alarm)
    if failed is None:
        raise UnrecognisedEvent("detail.alarmName", f"{alarm!r} is not an alarm of this estate")
    if failed == settings.home_region:
        raise UnrecognisedEvent(
            "detail.alarmName",
            f"{alarm!r} watches {failed}, this control plane's own region: a failover out of "
            f"{failed} runs in the region that takes over",
        )
    home = target = settings.home_region
    acting = event.state.value == "ALARM" and gaps != []
    choice = choose(failed, False, None) if choose and acting else None
    request = Request(
        trigger="alarm",
        mode="unplanned",
        target_region=target,
        source_region=failed,
        require_approval=settings.approval_for_automatic,
        reason=f"alarm {alarm} is {event.state.value}: {event.state.reason}"[:1024],
        requested_by=f"alarm:{alarm}",
        alarm_name=alarm,
        alarm_time=event.state.timestamp or event.time,
        candidates=choice.entries() if choice else [],
    )
    ignore = None
    if event.state.value != "ALARM":
        ignore = f"alarm state is {event.state.value}"
    elif gaps == []:
        ignore = f"{target} is already fully active (writer, traffic, capacity, app config)"
    elif choice is not None and choice.target != home:
        ignore = _not_ours(settings, failed, choice)
    if ignore is None:
        return request
    return Request(**{**request.to_dict(), "ignored": True, "ignore_reason": ignore})


def _from_manual(
    raw: dict[str, Any],
    settings: Settings,
    gaps: list[str] | None,
    writer: str | None,
    choose: Choose | None,
) -> Request:
    from failover.manual_input import ManualInput  # pydantic: the manual path only

    manual = ManualInput.parse(raw)
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
    if gaps == [] and mode != "post_recovery":  # post-recovery runs where the estate is active
        raise TargetAlreadyActive(
            "target_region",
            f"{target} is already fully active (writer, traffic, capacity and app config)",
        )
    source = _source_of(settings, target, writer, manual.source_region, mode)
    choice = None
    if choose is not None and mode != "post_recovery":  # post-recovery moves nothing
        choice = choose(source, mode != "unplanned", target)
        hard = [reason for c in choice.candidates for reason in c.hard]
        if hard:
            raise TargetNotEligible(
                "target_region", f"{target} cannot take over now: {'; '.join(hard)}"
            )
    return Request(
        trigger="manual",
        mode=mode,
        target_region=target,
        source_region=source,
        candidates=choice.entries() if choice else [],
        dry_run=manual.dry_run,
        force=manual.force,
        require_approval=manual.require_approval,
        accept_data_loss=manual.accept_data_loss,
        reason=manual.reason,
        requested_by=manual.requested_by or "console",
    )


def _source_of(
    settings: Settings, target: str, writer: str | None, named: str | None, mode: str
) -> str:
    """Where a manual run moves the estate from: the region it names; else the writer's region
    when it is another region; else, with two regions, the other one."""
    regions = settings.estate.regions
    if named is not None:
        if named not in regions:
            raise UnknownTargetRegion(
                "source_region",
                f"{named!r} is not a region of this estate ({', '.join(regions)})",
            )
        if named == target:
            raise UnknownTargetRegion("source_region", f"{named} is the target_region too")
        return named
    if mode != "post_recovery" and writer is not None and writer != target and writer in regions:
        return writer
    others = settings.estate.others(target)
    if len(others) > 1 and mode == "post_recovery":
        raise MissingField(
            "source_region",
            f"is required for post_recovery in an estate of {len(regions)} regions: name the "
            f"region that recovered (one of {', '.join(others)})",
        )
    return others[0]


def _not_ours(settings: Settings, failed: str, choice: Choice) -> str | None:
    """Why this control plane leaves the move to another region (None: it does not).

    With no eligible candidate at all, the first region in priority order after the failed one
    runs anyway, so that exactly one run ends in a failure that is recorded and notified: its
    Preflight refuses with the reasons."""
    home = settings.home_region
    if choice.target is None:
        first = settings.estate.others(failed)[0]
        if first == home:
            return None
        return f"no region can take over ({choice.summary()}); {first} reports it"
    rejections = choice.rejections()
    return (
        f"{choice.target} is the target ({choice.why}{'; ' + rejections if rejections else ''}); "
        f"its control plane runs the failover, not this one in {home}"
    )
