"""The operator's JSON, checked strictly by pydantic: what people type into the Step Functions
console. Imported only on the manual path (:func:`failover.inputs.normalise`), so the
automatic path's first task does not pay pydantic's import on its cold start."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from failover.errors import InvalidFieldType, MissingField, UnexpectedField


class ManualInput(BaseModel):
    """What an operator pastes into the Step Functions console. Types are strict."""

    model_config = ConfigDict(strict=True, extra="forbid")

    mode: str
    reason: str = Field(min_length=1, max_length=1024)
    target_region: str | None = None
    source_region: str | None = None
    """The region the move leaves. Default: the writer's region; for post_recovery, the other
    region of a two-region estate (an estate of more regions names the one that recovered)."""
    dry_run: bool = False
    force: bool = False
    require_approval: bool = False
    accept_data_loss: bool = False
    requested_by: str | None = Field(default=None, max_length=256)

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> ManualInput:
        """The operator's input, or the named error of its first problem (the field first)."""
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            raise _named(error) from error


def _named(error: ValidationError) -> MissingField | UnexpectedField | InvalidFieldType:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "input"
    if first["type"] == "missing":
        return MissingField(field, "is required")
    if first["type"] == "extra_forbidden":
        return UnexpectedField(field, "is not a known field (see README: manual input)")
    return InvalidFieldType(field, first["msg"])
