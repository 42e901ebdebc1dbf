"""``--samples N``: a scenario run N times, every latency figure and phase drawn at random.

One drill run is one draw of the world: where in its period the outage falls, where each
uncoordinated checker and alarm sits, how long Aurora's failover and Fargate's start take. A
run's figures say little alone; their distribution says what an operator should expect.
Sample ``i`` uses :meth:`emulator.latency.LatencyModel.sampled` with seed ``seed + i`` and
the outage at a seeded phase of the probe period (:meth:`drill.harness.Options.outage_offset`),
so the whole set is reproducible from ``seed``.

The five figures (modelled seconds since the outage, :meth:`drill.model.Run.figures`):
detection, the control plane's overhead, writer promoted, the synthetic user's first good read
and first good write. Each gets ``p50``, ``p90`` and ``max`` (nearest rank), with ``min`` and
``mean``; ``report.json`` carries them, every sample's figures, and the assumptions the runs
depended on (each with its range).
"""

from __future__ import annotations

import io
import json
import math
import pathlib
import time
from dataclasses import dataclass, field
from typing import Any

from drill.local import Options, run_local
from drill.progress import Progress

__all__ = ["FIGURES", "SampleSet", "distribution", "run_samples", "write_samples"]

FIGURES = (
    "detection_s",
    "outage_confirmed_s",
    "overhead_s",
    "writer_promoted_s",
    "first_good_read_s",
    "first_good_write_s",
)
LABELS = {
    "detection_s": "detection",
    "outage_confirmed_s": "outage confirmed",
    "overhead_s": "overhead",
    "writer_promoted_s": "writer promoted",
    "first_good_read_s": "first good read",
    "first_good_write_s": "first good write",
    "rto_s": "control-plane RTO",
}


def _rank(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def distribution(values: list[float]) -> dict[str, float | int]:
    """p50, p90, max (nearest rank), min, mean and n of ``values`` (at least one)."""
    return {
        "n": len(values),
        "p50": round(_rank(values, 0.5), 1),
        "p90": round(_rank(values, 0.9), 1),
        "max": round(max(values), 1),
        "min": round(min(values), 1),
        "mean": round(sum(values) / len(values), 1),
    }


@dataclass
class SampleSet:
    scenario: str
    seed: int
    samples: list[dict[str, Any]] = field(default_factory=list)
    assumptions: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0

    def distributions(self) -> dict[str, dict[str, float | int] | None]:
        found: dict[str, dict[str, float | int] | None] = {}
        for name in FIGURES:
            values = [s["figures"][name] for s in self.samples if s["figures"][name] is not None]
            found[name] = distribution(values) if values else None
        rto = [s["rto_s"] for s in self.samples if s["rto_s"] is not None]
        found["rto_s"] = distribution(rto) if rto else None  # the control plane's, beside
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "n": len(self.samples),
            "distributions": self.distributions(),
            "samples": self.samples,
            "assumptions": self.assumptions,
            "failures": self.failures,
            "wall_seconds": round(self.wall_seconds, 1),
            "unit": "modelled seconds since the outage",
        }


def run_samples(
    scenario: str,
    count: int,
    seed: int,
    out: Any,
    rto_target: float = 600.0,
    regions: tuple[str, ...] = ("us-east-1", "us-west-2"),
    lease_regions: tuple[str, str, str] | None = None,
) -> SampleSet:
    """Run ``scenario`` ``count`` times (time scale 0, no failback), printing one line each."""
    found = SampleSet(scenario=scenario, seed=seed)
    began = time.monotonic()
    for index in range(count):
        options = Options(
            scenario=scenario,
            time_scale=0.0,
            failback=False,
            rto_target=rto_target,
            seed=seed + index,
            regions=regions,
            lease_regions=lease_regions,
        )
        try:
            report = run_local(options, Progress(io.StringIO(), live=False))
        except (TimeoutError, RuntimeError) as error:
            found.failures.append(f"sample {index} (seed {seed + index}): {error}")
            print(f"  sample {index + 1}/{count}: failed: {error}", file=out, flush=True)
            continue
        failover = next((r for r in report.runs if r.trigger == "alarm"), None)
        if failover is None or failover.rto_s is None:
            found.failures.append(f"sample {index} (seed {seed + index}): no successful failover")
            print(f"  sample {index + 1}/{count}: no successful failover", file=out, flush=True)
            continue
        figures = failover.figures()
        found.samples.append(
            {
                "seed": seed + index,
                "outage_offset_s": failover.outage_offset_s,
                "rto_s": failover.rto_s,
                "figures": figures,
                "physical_floor_s": failover.floors.physical_s if failover.floors else None,
                "passed": report.passed,
            }
        )
        if not found.assumptions:
            found.assumptions = [
                {k: v for k, v in a.items() if k not in ("value_s", "round_trips")}
                for a in failover.assumptions
            ]
        shown = ", ".join(
            f"{LABELS[k]} {'-' if figures[k] is None else f'{figures[k]:.1f}'}" for k in FIGURES
        )
        print(f"  sample {index + 1}/{count}: {shown}", file=out, flush=True)
    found.wall_seconds = time.monotonic() - began
    return found


def render_samples(found: SampleSet) -> str:
    rows = [
        f"{found.scenario}: {len(found.samples)} samples (seed {found.seed}), modelled seconds "
        "since the outage",
        f"  {'figure':<18} {'p50':>7} {'p90':>7} {'max':>7} {'min':>7}",
    ]
    for name, dist in found.distributions().items():
        if dist is None:
            rows.append(f"  {LABELS[name]:<18} {'-':>7}")
            continue
        rows.append(
            f"  {LABELS[name]:<18} {dist['p50']:>7.1f} {dist['p90']:>7.1f} "
            f"{dist['max']:>7.1f} {dist['min']:>7.1f}"
        )
    if found.failures:
        rows.append(f"  {len(found.failures)} sample(s) without a successful failover")
    unstated = [a["name"] for a in found.assumptions if not a.get("stated")]
    rows.append(f"  assumptions ({len(unstated)}): " + ", ".join(unstated))
    return "\n".join(rows)


def write_samples(found: SampleSet, directory: pathlib.Path) -> list[pathlib.Path]:
    """report.json (distributions, samples, assumptions), report.md, spread.png."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    path = directory / "report.json"
    path.write_text(json.dumps(found.to_dict(), indent=2) + "\n", encoding="utf-8")
    written.append(path)
    md = directory / "report.md"
    md.write_text("```\n" + render_samples(found) + "\n```\n", encoding="utf-8")
    written.append(md)
    chart = directory / "spread.png"
    if _chart(found, chart):
        written.append(chart)
    return written


def _chart(found: SampleSet, path: pathlib.Path) -> bool:
    """The spread: every sample of each figure as a dot, with its p50 and p90 marked."""
    if not found.samples:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 3.8))
    for row, name in enumerate(FIGURES):
        values = [s["figures"][name] for s in found.samples if s["figures"][name] is not None]
        if not values:
            continue
        axes.scatter(values, [row] * len(values), alpha=0.5, s=18)
        dist = distribution(values)
        axes.plot([dist["p50"]] * 2, [row - 0.3, row + 0.3], color="black", linewidth=2)
        axes.plot([dist["p90"]] * 2, [row - 0.3, row + 0.3], color="grey", linestyle="--")
    axes.set_yticks(range(len(FIGURES)), [LABELS[n] for n in FIGURES])
    axes.set_xlabel("modelled seconds since the outage (black: p50, dashed: p90)")
    axes.set_title(f"{found.scenario}: {len(found.samples)} samples, seed {found.seed}")
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True
