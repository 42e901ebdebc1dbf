"""The local drill: one registered scenario (drill/scenarios/) played on the harness
(:mod:`drill.harness`) over an embedded, emulated AWS in this process."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drill.embedded import EmbeddedAws
from drill.harness import DEFAULT_RTO_TARGET, DEFAULT_TIME_SCALE, LocalDrill, Options
from drill.scenarios import SCENARIOS

if TYPE_CHECKING:
    from drill.model import Report
    from drill.progress import Progress


def run_local(options: Options, progress: Progress) -> Report:
    """Run ``options.scenario`` (a name in :data:`drill.scenarios.SCENARIOS`)."""
    scenario = SCENARIOS[options.scenario]
    with EmbeddedAws(options.time_scale, options.latency()) as aws:
        progress.line(
            f"embedded AWS in this process (moto + emulator), time scale {options.time_scale:g}"
        )
        return LocalDrill(aws, options, progress).run(scenario.run)


__all__ = ["DEFAULT_RTO_TARGET", "DEFAULT_TIME_SCALE", "Options", "run_local"]
