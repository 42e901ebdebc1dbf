"""Measure each Lambda handler's cold import, as a fresh Python process does it (``make bench``).

For every function in template.yaml (its ``Handler`` module) and for a bare ``import boto3``,
start a new interpreter, import the module, and time the import alone (``time.perf_counter``
around ``importlib.import_module``; interpreter start-up excluded). Bytecode is allowed: one
warm-up run per module writes the ``.pyc`` files first, then ``--runs`` timed runs per module
go round-robin (so load on the machine spreads over every module alike). The environment is
what the functions get in Lambda (region, Powertools settings, tracing off), nothing more.

Writes ``docs/benchmarks/imports.json`` (read by :mod:`emulator.latency` for modelled cold
starts): per module the minimum and median seconds and their ratio to ``import boto3``; and
prints the same as a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "docs" / "benchmarks" / "imports.json"
BASELINE = "boto3"
_PROBE = (
    "import importlib, sys, time\n"
    "started = time.perf_counter()\n"
    "importlib.import_module(sys.argv[1])\n"
    "print(repr(time.perf_counter() - started))\n"
)


def handler_modules() -> list[str]:
    """The handler module of every function template.yaml declares."""
    sys.path.insert(0, str(REPO))
    from testbed.template import function_specs, load_template

    specs = function_specs(load_template())
    return sorted({spec.handler.rpartition(".")[0] for spec in specs.values()})


def environment() -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update(
        {
            "PYTHONPATH": str(REPO / "functions"),
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_LAMBDA_FUNCTION_NAME": "bench",
            "POWERTOOLS_SERVICE_NAME": "failover",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "FailoverControlPlane",
        }
    )
    return env


def time_import(module: str, env: dict[str, str]) -> float:
    done = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", _PROBE, module],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def measure(modules: list[str], runs: int) -> dict[str, list[float]]:
    env = environment()
    for module in modules:  # warm-up: compile and cache the bytecode
        time_import(module, env)
    found: dict[str, list[float]] = {module: [] for module in modules}
    for run in range(runs):
        for module in modules:
            found[module].append(time_import(module, env))
        sys.stderr.write(f"  run {run + 1}/{runs} done\n")
    return found


def summary(samples: dict[str, list[float]], runs: int) -> dict[str, object]:
    base = samples[BASELINE]
    base_min, base_median = min(base), statistics.median(base)

    def entry(values: list[float]) -> dict[str, float]:
        low, middle = min(values), statistics.median(values)
        return {
            "min_s": round(low, 4),
            "median_s": round(middle, 4),
            "ratio_min": round(low / base_min, 3),
            "ratio_median": round(middle / base_median, 3),
        }

    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "runs": runs,
        "bytecode": True,
        "method": "fresh interpreter per run; time.perf_counter around importlib.import_module",
        "baseline": {"module": BASELINE, **entry(base)},
        "handlers": {
            module: entry(values)
            for module, values in sorted(samples.items())
            if module != BASELINE
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per module (default 15)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    if args.runs < 3:
        parser.error("--runs must be at least 3")
    modules = [BASELINE, *handler_modules()]
    result = summary(measure(modules, args.runs), args.runs)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    base = result["baseline"]
    handlers = result["handlers"]
    assert isinstance(base, dict)
    assert isinstance(handlers, dict)
    lines = [
        f"import {BASELINE}: min {base['min_s']:.3f} s, median {base['median_s']:.3f} s",
        f"{'handler module':44} {'min s':>7} {'median s':>9} {'x boto3 (min)':>14} {'(median)':>9}",
    ]
    for module, found in handlers.items():
        lines.append(
            f"{module:44} {found['min_s']:7.3f} {found['median_s']:9.3f} "
            f"{found['ratio_min']:14.2f} {found['ratio_median']:9.2f}"
        )
    lines.append(f"written: {args.output}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
