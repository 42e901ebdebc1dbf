"""One execution as a report :class:`~drill.model.Run`: from its history and its audit row.

Shared by the local drill (:mod:`drill.local`) and the report of any execution
(:mod:`drill.history_report`), so that both show a run the same way: its stages, outcome,
mode, RTO (:func:`failover.history.rto_seconds`: from ``t0`` to the end of VerifyFailover,
when it succeeded) and RPO evidence.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from failover.history import ending_state, rto_seconds, spans

from drill import final_state
from drill.follow import ENDINGS, Followed, to_stages
from drill.model import Check, Milestone, Rto, Run

__all__ = ["error_of", "input_mode", "outcome_of", "rto_check", "run_from"]


def run_from(
    followed: Followed,
    row: dict[str, Any] | None,
    t0: datetime,
    *,
    name: str,
    trigger: str,
    source_region: str,
    target_region: str,
    rto_target: float,
    expect_rto: bool,
    milestones: Sequence[Milestone] = (),
    wall: float = 0.0,
) -> Run:
    """The run as it ended. ``t0``: the outage (automatic runs) or the start (manual ones).
    The RTO is set when the run succeeded or ``expect_rto`` (it should have moved)."""
    outcome = outcome_of(followed, row)
    mode = (row or {}).get("mode") or input_mode(followed)
    stopped = followed.stopped_at
    succeeded = followed.status == "SUCCEEDED" and outcome == "succeeded"
    found = spans(followed.events)
    stages = to_stages(found, t0, stopped, succeeded=followed.status == "SUCCEEDED")
    seconds = rto_seconds(found, t0) if succeeded else None
    run = Run(
        name=name,
        mode=str(mode),
        trigger=trigger,
        source_region=source_region,
        target_region=target_region,
        execution_arn=followed.execution_arn,
        status=followed.status,
        outcome=str(outcome),
        stages=stages,
        milestones=list(milestones),
        rpo=final_state.rpo_from(row) if succeeded else None,
        error=error_of(followed),
        wall_seconds=wall,
    )
    if seconds is not None or expect_rto:
        run.rto = Rto(seconds, rto_target, seconds is not None and seconds <= rto_target)
    return run


def outcome_of(followed: Followed, row: dict[str, Any] | None) -> str:
    """How the run ended: its ending state's (:data:`drill.follow.ENDINGS`), else its audit
    row's outcome, else the execution's status."""
    ending = ending_state(followed.events)
    return str(ENDINGS.get(ending or "") or (row or {}).get("outcome") or followed.status)


def rto_check(run: Run) -> list[Check]:
    """ "RTO within target", when the run has an RTO."""
    if run.rto is None:
        return []
    seconds = run.rto.modelled_seconds
    return [
        Check(
            "RTO within target",
            f"<= {run.rto.target_seconds:.0f} s",
            "n/a" if seconds is None else f"{seconds:.1f} s",
            run.rto.met,
        )
    ]


def input_mode(followed: Followed) -> str:
    try:
        payload = json.loads(followed.described.get("input") or "{}")
    except ValueError:
        return "unknown"
    return str(payload.get("mode") or ("unplanned" if "detail" in payload else "unknown"))


def error_of(followed: Followed) -> str | None:
    if followed.status == "SUCCEEDED":
        return None
    error = followed.described.get("error")
    cause = str(followed.described.get("cause") or "")
    try:  # a Lambda error's cause is the runtime's JSON: keep its message, not the stack
        parsed = json.loads(cause)
        cause = str(parsed.get("errorMessage") or parsed.get("Cause") or cause)
        inner = json.loads(cause) if cause.startswith("{") else None
        if isinstance(inner, dict) and inner.get("errorMessage"):
            cause = str(inner["errorMessage"])
    except (ValueError, AttributeError):
        pass
    return f"{error}: {cause}"[:300] if error else followed.status
