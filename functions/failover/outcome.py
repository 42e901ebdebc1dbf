"""What a run came to, derived from its state document; and the error it carries."""

from __future__ import annotations

import json
from typing import Any, Literal

Outcome = Literal[
    "succeeded",
    "failed",
    "superseded",
    "already_in_progress",
    "false_alarm",
    "skipped_cooldown",
    "dry_run",
    "nothing_to_do",
]

CLEAN_ENDINGS: dict[str, Outcome] = {"LeaseHeld": "already_in_progress", "Superseded": "superseded"}
"""Errors that end a run cleanly (the execution succeeds): another run has it in hand."""


def outcome_of(state: dict[str, Any]) -> Outcome:
    error = state.get("error")
    if isinstance(error, dict) and error:
        return CLEAN_ENDINGS.get(str(error.get("Error")), "failed")
    request = state.get("request") or {}
    if request.get("ignored"):
        return "nothing_to_do"
    decision = (state.get("outage") or {}).get("decision")
    if decision == "cooldown":
        return "skipped_cooldown"
    if decision == "false_alarm":
        return "false_alarm"
    if request.get("dry_run"):
        return "dry_run"
    return "succeeded"


FENCE_LANDED = ("fenced", "already_fenced")


def unfinished_fence(state: dict[str, Any]) -> str | None:
    """Why the old region was not fenced, when a run reached FenceOldRegion and it did not
    land (denied, unreachable, or the Task itself failed); ``None`` otherwise."""
    fence = state.get("fence")
    if not isinstance(fence, dict) or not fence:
        return None
    if "Error" not in fence and fence.get("status") in FENCE_LANDED:
        missed = [
            f"{region} was not fenced ({entry.get('status')}): {entry.get('reason')}"
            for region, entry in (fence.get("regions") or {}).items()
            if isinstance(entry, dict) and entry.get("status") not in FENCE_LANDED
        ]
        return "; ".join(missed) or None
    if "Error" in fence:
        summary = error_summary(fence) or {}
        return f"FenceOldRegion failed: {summary.get('error')}: {summary.get('message')}"
    region = fence.get("region") or "the old region"
    return f"{region} was not fenced ({fence.get('status')}): {fence.get('reason')}"


def error_summary(error: Any) -> dict[str, Any] | None:
    """The Catch's {Error, Cause}; a Lambda error's Cause is JSON with errorMessage."""
    if not isinstance(error, dict) or not error:
        return None
    cause = error.get("Cause")
    message = cause
    if isinstance(cause, str):
        try:
            parsed = json.loads(cause)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            message = parsed.get("errorMessage", cause)
    return {"error": error.get("Error"), "message": message}


def lag_at_cutover(state: dict[str, Any]) -> float | None:
    """The replication lag the Database branch read when it promoted (milliseconds)."""
    for branch in state.get("actions") or []:
        if isinstance(branch, dict) and branch.get("branch") == "database":
            value = (branch.get("database") or {}).get("lag_at_cutover_ms")
            return float(value) if value is not None else None
    return None
