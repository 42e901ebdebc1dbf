"""Sweep the outage's phase across the probe period and report the mean detection.

Outside ``make test`` (each step runs the drill's automatic path on the embedded AWS, about
half a minute): ``python scripts/phase_sweep.py [--steps 10] [--samples DIR/report.json]``.
Every step uses the typical latency model (every figure at its median, every detector at its
median phase) and moves only the outage: ``k / steps`` of the way through the probe period.
Detection is the modelled time from the outage to the moment the run can act (it started,
and the quorum's other families had seen the outage: :meth:`drill.model.Run.figures`). With
``--samples`` (the ``report.json`` of ``make drill ARGS="--samples N --report DIR"``) it
compares the sweep's mean with the samples' detection p50: the bar is within 10%.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default="unplanned", choices=("unplanned", "region-down"))
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--samples", type=Path, help="a --samples report.json to compare with")
    args = parser.parse_args(argv)

    from drill.floors import template_settings
    from drill.local import Options, run_local
    from drill.progress import Progress

    period = template_settings().probe_period_s
    found: list[tuple[float, float]] = []
    for step in range(args.steps):
        phase = period * step / args.steps
        options = Options(
            scenario=args.scenario,
            time_scale=0.0,
            failback=False,
            outage_phase=phase,
            detect_only=True,
        )
        report = run_local(options, Progress(io.StringIO(), live=False))
        run = report.runs[0]
        started = run.figures()["detection_s"]
        assert started is not None, "the automatic path did not start a run"
        found.append((phase, started))
        _say(f"outage at +{phase:4.1f} s of the probe period: detection {started:5.1f} s")
    mean = sum(d for _, d in found) / len(found)
    _say(f"mean detection over {len(found)} phases: {mean:.1f} s")
    if args.samples is None:
        return 0
    data = json.loads(args.samples.read_text(encoding="utf-8"))
    p50 = float(data["distributions"]["detection_s"]["p50"])
    off = abs(mean - p50) / p50
    verdict = "within" if off <= 0.10 else "NOT within"
    _say(f"samples' detection p50 {p50:.1f} s: the sweep's mean is {off:.0%} off ({verdict} 10%)")
    return 0 if off <= 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
