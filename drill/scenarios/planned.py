"""The planned switchover: an operator moves the estate while everything is healthy."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from drill.scenarios.registry import scenario

if TYPE_CHECKING:
    from drill.harness import LocalDrill
    from drill.model import Report


@scenario("planned", help="manual planned switchover into the secondary, then back")
def planned(drill: LocalDrill, report: Report) -> None:
    t0 = drill.begin(f"planned switchover into {drill.second} (manual)")
    began = time.monotonic()
    arn = drill.start_manual(drill.second, "manual-planned-switchover.json")
    followed = drill.follow_run(arn, t0)
    wall = time.monotonic() - began
    report.runs.append(
        drill.run_record("switchover", "manual", drill.second, followed, t0, wall, drill.second)
    )
    drill.failback(report, after_outage=False)
