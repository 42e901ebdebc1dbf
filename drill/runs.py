"""One execution as a report :class:`~drill.model.Run`: from its history and its audit row.

Shared by the local drill (:mod:`drill.local`) and the report of any execution
(:mod:`drill.history_report`), so that both show a run the same way: its stages, outcome,
mode, RTO (from ``t0`` to the end of VerifyFailover, when it succeeded) and RPO evidence.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from drill import final_state
from drill.follow import ENDINGS, Definition, Followed, ending_state, spans, to_stages
from drill.model import Check, Milestone, Rto, Run, Stage

__all__ = ["error_of", "input_mode", "rto_check", "run_from"]


def run_from(
    followed: Followed,
    row: dict[str, Any] | None,
    definition: Definition,
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
    ending = ending_state(followed.events)
    outcome = ENDINGS.get(ending or "", None) or (row or {}).get("outcome") or followed.status
    mode = (row or {}).get("mode") or input_mode(followed)
    stopped = followed.stopped_at
    succeeded = followed.status == "SUCCEEDED" and outcome == "succeeded"
    stages = to_stages(spans(followed.events, definition), t0)
    rto_seconds = _rto_seconds(stages, stopped, t0) if stopped and succeeded else None
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
    if rto_seconds is not None or expect_rto:
        run.rto = Rto(
            rto_seconds, rto_target, rto_seconds is not None and rto_seconds <= rto_target
        )
    return run


def _rto_seconds(stages: Sequence[Stage], stopped: datetime, t0: datetime) -> float:
    """From t0 to the end of VerifyFailover, the moment the run has confirmed the estate
    converged on the target (the product's ``record.rto_seconds``, docs/DESIGN.md "Names");
    the bookkeeping after it (record, notice, lease) is not recovery time. A run without a
    VerifyFailover (none succeeds without it) counts to its stop."""
    verified = [s.end for s in stages if s.name == "VerifyFailover" and s.status == "succeeded"]
    if verified:
        return round(max(verified), 1)
    return round((stopped - t0).total_seconds(), 1)


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
