"""Follow a Step Functions execution through its history: stages, progress, outcome.

Works the same against the embedded AWS and a real account: it only reads
``DescribeExecution`` and ``GetExecutionHistory``. Stages, spans and failures are the
product's own (:mod:`failover.history`), so the drill shows a run as its audit row records it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from failover.history import Span, history, spans

from drill.model import Stage

if TYPE_CHECKING:
    from drill.progress import Progress

__all__ = [
    "ENDINGS",
    "TERMINAL",
    "Followed",
    "ProgressCallback",
    "follow",
    "reporting",
    "to_stages",
]

TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
# How a run ended when it stops in one of these states (else the audit row says); every key
# is a state of statemachines/failover.asl.json (tests/unit/test_drill_follow.py).
ENDINGS = {
    "RejectInput": "input rejected",
    "FailRun": "failed (failure path ran)",
}


def to_stages(
    found: list[Span], t0: datetime, stopped: datetime | None = None, *, succeeded: bool = False
) -> list[Stage]:
    """The report's stages, in seconds since ``t0``; a stage the run is still in (or stopped
    in) ends at ``stopped``, the history's last event. A stage is failed when it is the run's
    failed stage (:func:`failover.history.failed_stage`) and the execution did not succeed
    (``succeeded``: a superseded or already-in-progress run ended cleanly)."""
    result = []
    for span in found:
        end = span.end or stopped or span.start
        result.append(
            Stage(
                name=span.stage,
                start=round((span.start - t0).total_seconds(), 3),
                end=round((end - t0).total_seconds(), 3),
                status="failed" if span.failed and not succeeded else "succeeded",
                branch=span.branch,
            )
        )
    return result


@dataclass
class Followed:
    execution_arn: str
    status: str
    events: list[dict[str, Any]] = field(default_factory=list)
    described: dict[str, Any] = field(default_factory=dict)

    @property
    def stopped_at(self) -> datetime | None:
        return self.events[-1]["timestamp"] if self.events else None

    @property
    def started_at(self) -> datetime | None:
        return self.events[0]["timestamp"] if self.events else None


ProgressCallback = Callable[[str, Span], None]  # ("started" | "finished", span)


def reporting(progress: Progress, t0: datetime, label: str = "") -> ProgressCallback:
    """Report each stage to ``progress`` as it starts and finishes, in seconds since ``t0``;
    ``label`` names the run when several are followed at once."""

    def on_progress(what: str, span: Span) -> None:
        if what == "started":
            progress.stage(what, span, (span.start - t0).total_seconds(), label=label)
        else:
            end = span.end or span.start
            took = (end - span.start).total_seconds()
            progress.stage(what, span, (end - t0).total_seconds(), took, label=label)

    return on_progress


def follow(
    sfn: Any,
    execution_arn: str,
    on_progress: ProgressCallback | None = None,
    timeout: float = 600.0,
    poll: float = 0.2,
    pause: Callable[[], None] | None = None,
    on_poll: Callable[[], None] | None = None,
) -> Followed:
    """Poll until the execution ends, reporting stages as they start and finish.

    ``pause`` waits between two looks (default: ``poll`` real seconds; the local drill lets
    modelled time pass instead). ``on_poll`` runs after every look (the live drill's
    heartbeat). ``timeout`` is real seconds."""
    deadline = time.monotonic() + timeout
    reported: dict[str, str] = {}
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        events = history(sfn, execution_arn)
        done = described["status"] in TERMINAL
        if on_progress is not None:
            for span in spans(events):
                if span.stage not in reported:
                    reported[span.stage] = "started"
                    on_progress("started", span)
                if (span.end is not None or done) and reported[span.stage] != "finished":
                    reported[span.stage] = "finished"
                    on_progress("finished", span)
        if done:
            return Followed(execution_arn, described["status"], events, described)
        if on_poll is not None:
            on_poll()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{execution_arn} still {described['status']} after {timeout:.0f} s")
        if pause is None:
            time.sleep(poll)
        else:
            pause()
