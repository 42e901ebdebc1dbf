"""What a run came to, derived from its state document, and a readable summary of it."""

from __future__ import annotations

import json
from typing import Any

OUTCOMES = ("succeeded", "failed", "false_alarm", "skipped_cooldown", "dry_run")


def outcome_of(state: dict[str, Any]) -> str:
    if state.get("error"):
        return "failed"
    if (state.get("cooldown") or {}).get("skip"):
        return "skipped_cooldown"
    outage = state.get("outage")
    if outage is not None and not outage.get("confirmed"):
        return "false_alarm"
    if (state.get("request") or {}).get("dry_run"):
        return "dry_run"
    return "succeeded"


def error_summary(error: dict[str, Any] | None) -> dict[str, Any] | None:
    """The Catch's {Error, Cause}; a Lambda's Cause is JSON with errorMessage."""
    if not error:
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


def summary(state: dict[str, Any]) -> dict[str, Any]:
    """The parts of the state document a person wants in a notice."""
    body: dict[str, Any] = {
        "outcome": (state.get("record") or {}).get("outcome") or outcome_of(state),
        "request": state.get("request"),
        "execution": state.get("execution"),
    }
    for key in ("outage", "cooldown", "fence", "verification", "record"):
        if state.get(key) is not None:
            body[key] = state[key]
    if (state.get("request") or {}).get("dry_run") or state.get("error"):
        body["plan"] = state.get("plan")
    if state.get("error"):
        body["error"] = error_summary(state.get("error"))
    return body
