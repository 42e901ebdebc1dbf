"""Blips from 5 s up to just under MinOutageSeconds, at several phases of the probe's 10 s
period, never move the writer (issue 20's bar: "Blips of up to 45 s, at any phase of the
probe period, never move the writer").

One embedded estate plays every blip in turn (the drill's harness and its ``blip_outcome``),
each followed by the whole confirm window, so a blip's run has ended before the next one.
``python -m pytest tests/drill/test_blip_sweep.py -m scenario -s`` prints the table.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from drill.embedded import EmbeddedAws
from drill.floors import template_settings
from drill.harness import LocalDrill, Options
from drill.model import Report
from drill.progress import Progress
from drill.scenarios.safety import blip_outcome, promotions_with_data_loss

pytestmark = [pytest.mark.allow_hosts(["127.0.0.1"]), pytest.mark.scenario]

PHASES = (0.0, 3.0, 7.0)


def durations() -> list[float]:
    """5 s up to just under MinOutageSeconds (the template's default)."""
    below = template_settings().min_outage_s - 5
    steps = [5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 150.0]
    return [s for s in steps if s < below] + [below]


def test_no_blip_shorter_than_the_minimum_outage_moves_the_writer() -> None:
    seen: list[dict[str, Any]] = []

    def sweep(drill: LocalDrill, report: Report) -> None:
        for seconds in durations():
            for phase in PHASES:
                seen.append(blip_outcome(drill, seconds, phase))
        report.notes.append(f"{len(promotions_with_data_loss(drill))} promotions")

    with EmbeddedAws(0.0) as aws:
        harness = LocalDrill(aws, Options(scenario="blip"), Progress(io.StringIO(), live=False))
        report = harness.run(sweep)

    lines = [
        "| blip | phase | runs started | outcomes | writer after |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {s['blip_s']:g} s | {s['phase_s']:g} s | {s['runs']} | "
        f"{', '.join(str(o) for o in s['outcomes']) or '-'} | {s['writer_after']} |"
        for s in seen
    ]
    print("\n".join(lines))  # noqa: T201 - the sweep's table, for the record
    assert all(s["writer_after"] == "us-east-1" for s in seen), lines
    # a run a blip started stood down: a false alarm, or already in progress (a second
    # trigger meeting the first run's lease)
    endings = {"false_alarm", "already_in_progress"}
    assert all(o in endings for s in seen for o in s["outcomes"]), lines
    assert "0 promotions" in report.notes, report.notes
