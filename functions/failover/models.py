"""The run's shared shapes: the normalised request, the execution, and a stage's input.

ValidateInput (the edge) checks the operator's JSON and the alarm event with pydantic
(:mod:`failover.inputs`) and writes ``{"request", "execution"}``; every later state trusts
that document, so these are plain dataclasses read with a light, strict parse (no pydantic
on the cold start of the other handlers).
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal, get_args

Mode = Literal["unplanned", "planned", "failback", "post_recovery"]
Trigger = Literal["alarm", "manual"]


def _pick(cls: type, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise TypeError(f"{cls.__name__}: expected an object, got {type(raw).__name__}")
    names = {f.name for f in fields(cls)}
    return {key: value for key, value in raw.items() if key in names}


@dataclass(frozen=True)
class Request:
    """The normalised request every later state reads."""

    trigger: Trigger
    mode: Mode
    target_region: str
    source_region: str
    reason: str
    requested_by: str
    dry_run: bool = False
    force: bool = False
    require_approval: bool = False
    accept_data_loss: bool = False
    """A manual unplanned run accepts losing more than MaxDataLossSeconds (failover.data_loss)."""
    alarm_name: str | None = None
    alarm_time: str | None = None
    ignored: bool = False
    ignore_reason: str | None = None
    candidates: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    """How the target was chosen (failover.candidates): one entry per candidate region in
    priority order, ``{"region", "status": target|rejected|eligible, "reasons": [...]}``."""

    def __post_init__(self) -> None:
        if self.mode not in get_args(Mode):
            raise ValueError(f"unknown mode {self.mode!r}")
        if self.trigger not in get_args(Trigger):
            raise ValueError(f"unknown trigger {self.trigger!r}")

    @property
    def planned(self) -> bool:
        """Planned switchover and failback lose no data; unplanned may (post-recovery moves
        nothing)."""
        return self.mode != "unplanned"

    @classmethod
    def parse(cls, raw: Any) -> Request:
        return cls(**_pick(cls, raw))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Execution:
    id: str
    name: str
    start_time: str

    @classmethod
    def parse(cls, raw: Any) -> Execution:
        return cls(**_pick(cls, raw))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StageInput:
    """What a stage's handler receives: the state document, read where it is needed."""

    request: Request
    execution: Execution
    document: dict[str, Any]

    @classmethod
    def parse(cls, raw: Any) -> StageInput:
        if not isinstance(raw, dict):
            raise TypeError("the state document must be an object")
        return cls(Request.parse(raw["request"]), Execution.parse(raw["execution"]), raw)

    def part(self, key: str) -> dict[str, Any]:
        """A result an earlier state stored at ``$.<key>`` (empty when it is absent)."""
        value = self.document.get(key)
        return dict(value) if isinstance(value, dict) else {}


def plain(value: Any) -> Any:
    """JSON-ready data: dataclasses become dicts (recursively), tuples lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value
