"""Pydantic models at the edges: execution input, the normalised request and stage results."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Mode = Literal["unplanned", "planned", "failback"]
Trigger = Literal["alarm", "manual"]
MODES: tuple[str, ...] = ("unplanned", "planned", "failback")


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


class Execution(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    name: str
    start_time: str


class Request(BaseModel):
    """The normalised request every later state reads."""

    trigger: Trigger
    mode: Mode
    target_region: str
    source_region: str
    dry_run: bool = False
    force: bool = False
    approval_required: bool = False
    reason: str
    requested_by: str
    alarm_name: str | None = None
    alarm_time: str | None = None
    ignored: bool = False
    ignore_reason: str | None = None

    @property
    def planned(self) -> bool:
        """Planned switchover and failback lose no data; unplanned may."""
        return self.mode != "unplanned"


class StageInput(BaseModel):
    """What most handlers receive: the request and the execution it belongs to."""

    model_config = ConfigDict(extra="ignore")

    request: Request
    execution: Execution
    plan: dict[str, Any] | None = None
    progress: dict[str, Any] | None = None
