"""Render a drill :class:`~drill.model.Report`: terminal summary, markdown, Gantt chart, files.

* :func:`render_text` is the plain-text summary printed at the end of ``make drill``.
* :func:`render_markdown` is the same content as GitHub-flavoured markdown (``report.md``).
* :func:`render_gantt` draws the stages of every run as a Gantt chart (``timeline.png``).
* :func:`write_report` writes ``report.json``, ``report.md`` and ``timeline.png`` to a directory.

All times are modelled seconds since each run's ``t0`` (see :mod:`drill.model`). matplotlib is
imported lazily inside :func:`render_gantt`: it is slow to import and only the chart needs it.
"""

from __future__ import annotations

import json
import math
import textwrap
from itertools import zip_longest
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Sequence

    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Annotation
    from matplotlib.transforms import Bbox

    from drill.model import Check, Milestone, Report, Rpo, Rto, Run, Stage

__all__ = [
    "CHART_NAME",
    "gantt_figure",
    "render_gantt",
    "render_markdown",
    "render_text",
    "write_report",
]

CHART_NAME = "timeline.png"

# Fixed branch colours (colour-blind friendly, no red: red means "failed").
BRANCH_COLOURS: dict[str, str] = {
    "Database": "#4C72B0",
    "Compute": "#55A868",
}
"""The Act branches, as :data:`failover.history.STAGES` names them."""
EXTRA_COLOURS = ("#937860", "#DA8BC3", "#CCB974", "#64B5CD", "#8C8C8C")
MAIN_COLOUR = "#5F6B7A"  # stages outside any Parallel branch
FAILED_COLOUR = "#D62728"
MILESTONE_COLOUR = "#444444"
RTO_MET_COLOUR = "#1B7F3B"
RTO_MISSED_COLOUR = FAILED_COLOUR
FLOOR_COLOUR = "#6A3D9A"


# --------------------------------------------------------------------------------------------
# Formatting helpers
# --------------------------------------------------------------------------------------------


def _secs(value: float) -> str:
    """Modelled seconds as shown everywhere: ``12.3 s`` (never ``-0.0 s``)."""
    shown = round(value, 1)
    return f"{shown if shown != 0 else 0.0:.1f} s"


def _num(value: float) -> str:
    """A target or scale without noise: 600 -> ``600``, 0.01 -> ``0.01``, 90.5 -> ``90.5``."""
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return f"{value:g}"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


def _failed(stage: Stage) -> bool:
    return stage.status.lower() != "succeeded"


def _stage_label(stage: Stage) -> str:
    return (
        f"{stage.branch} / {stage.name}"
        if stage.branch and stage.branch != stage.name
        else stage.name
    )


def _ordered(stages: Sequence[Stage]) -> list[Stage]:
    """Stages in order of start (stable, so the history's order breaks ties)."""
    return sorted(stages, key=lambda stage: stage.start)


def _floors_line(run: Run) -> str | None:
    """RTO beside its floors (drill.floors) and the ratios, or None without floors."""
    floors, rto = run.floors, run.rto_s
    if floors is None or rto is None:
        return None
    if rto < floors.critical_path_s:
        # a run that had less to do than a failover (a re-converge, a failback whose pieces
        # were already in place): the floors price a full one, so there is no overhead to show
        return (
            f"RTO {_secs(rto)}: under the critical-path floor {_secs(floors.critical_path_s)} "
            "(the floors price a full failover; this run had less to do)"
        )
    ratios = floors.ratios(rto)
    return (
        f"RTO {_secs(rto)} | critical-path floor {_secs(floors.critical_path_s)} "
        f"(x{ratios['rto_over_critical_path']:.2f}, {_secs(rto - floors.critical_path_s)} "
        f"above it) | physical floor {_secs(floors.physical_s)} "
        f"(x{ratios['rto_over_physical']:.2f}) | sequential runbook "
        f"{_secs(floors.sequential_s)} (x{ratios['sequential_over_rto']:.2f} the RTO)"
    )


def _user_line(run: Run) -> str | None:
    """What the synthetic user saw (drill.user), beside the control plane's RTO."""
    user = run.user
    if user is None:
        return None
    figures = run.figures()

    def shown(value: float | None) -> str:
        return "never" if value is None else _secs(value)

    return (
        f"users (through {user.through}, near {user.near}): first good read "
        f"{shown(user.first_good_read_s)}, first good write {shown(user.first_good_write_s)} "
        f"after the outage | detection {shown(figures['detection_s'])}, outage confirmed "
        f"{shown(figures['outage_confirmed_s'])}, writer promoted "
        f"{shown(figures['writer_promoted_s'])}, control-plane overhead "
        f"{shown(figures['overhead_s'])} | model: {run.model or 'n/a'} "
        f"({sum(1 for a in run.assumptions if not a.get('stated'))} assumptions, report.json)"
    )


def _run_header(run: Run) -> str:
    return (
        f"{run.name} — {run.mode}, trigger {run.trigger}, "
        f"{run.source_region} → {run.target_region}: {run.status} ({run.outcome})"
    )


def _rto_line(rto: Rto | None, *, live: bool = False) -> str:
    """The RTO; "(modelled)" on the embedded AWS, real seconds on a live run."""
    label = "RTO (real)" if live else "RTO (modelled)"
    if rto is None:
        return f"{label}: n/a"
    target = f"target {_num(rto.target_seconds)} s"
    verdict = "met" if rto.met else "not met"
    if rto.modelled_seconds is None:
        return f"{label}: n/a (the run did not succeed), {target}: {verdict}"
    return f"{label}: {_secs(rto.modelled_seconds)}, {target}: {verdict}"


def _is_live(report: Report) -> bool:
    """A live drill (real AWS, real seconds): its target says so (drill.live)."""
    return report.target.startswith("live")


def _wall_line(report: Report) -> str:
    if _is_live(report):
        return f"wall time {report.wall_seconds:.1f} s (real time)"
    return f"wall time {report.wall_seconds:.1f} s at time scale {_num(report.time_scale)}"


def _rpo_line(rpo: Rpo | None) -> str:
    if rpo is None:
        return "RPO: n/a"
    evidence = rpo.evidence.strip().rstrip(".")
    lag = (
        f"lag {_ms(rpo.lag_ms_at_preflight)} at preflight, {_ms(rpo.lag_ms_at_cutover)} at cutover"
    )
    loss = "data loss possible" if rpo.data_loss_possible else "no data loss"
    return f"RPO: {evidence}; {lag}; {loss}"


def _result(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


# --------------------------------------------------------------------------------------------
# Plain text
# --------------------------------------------------------------------------------------------

_GAP = "  "


def _wrap(text: str, width: int, indent: str = "", subsequent: str | None = None) -> list[str]:
    later = indent + "  " if subsequent is None else subsequent
    return textwrap.wrap(
        text,
        width=max(width, len(later) + 10),
        initial_indent=indent,
        subsequent_indent=later,
        break_long_words=False,  # an ARN or a command stays whole, even past the width
        break_on_hyphens=False,
    ) or [indent.rstrip()]


class _Table(NamedTuple):
    header: str
    rows: list[list[str]]  # the lines of each row (one row may wrap onto several lines)

    def lines(self) -> list[str]:
        return [self.header, *(line for row in self.rows for line in row)]


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    align: str,
    width: int,
    indent: str = "  ",
    wrappable: Sequence[int] = (),
) -> _Table:
    """A plain-text table; wrappable columns are narrowed (their cells wrapped) to fit width."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    budget = width - len(indent) - len(_GAP) * (len(headers) - 1)
    while sum(widths) > budget:
        candidates = [i for i in wrappable if widths[i] > max(8, len(headers[i]))]
        if not candidates:
            break
        widths[max(candidates, key=lambda i: widths[i])] -= 1

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(widths[i]) if align[i] == "r" else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return (indent + _GAP.join(parts)).rstrip()

    grouped: list[list[str]] = []
    for row in rows:
        wrapped = [
            textwrap.wrap(cell, max(widths[i], 1), break_on_hyphens=False, break_long_words=False)
            or [""]
            for i, cell in enumerate(row)
        ]
        grouped.append([line([c or "" for c in cells]) for cells in zip_longest(*wrapped)])
    return _Table(line(headers), grouped)


def _check_table(checks: Sequence[Check], width: int) -> list[str]:
    rows = [[_result(c.passed), c.name, c.expected, c.actual] for c in checks]
    headers = ["result", "check", "expected", "actual"]
    return _table(headers, rows, align="llll", width=width, wrappable=(1, 2, 3)).lines()


def _milestone_text(milestone: Milestone, pad: int, width: int) -> list[str]:
    lead = f"  > {_secs(milestone.at):>{pad}}  "
    return _wrap(f"{lead}{milestone.what}", width, "", " " * len(lead))


def _timeline_text(run: Run, width: int, milestones: bool = True) -> list[str]:
    """Stages in order of start, each milestone interleaved before the first stage after it
    (``milestones`` False: the stages only)."""
    stages = _ordered(run.stages)
    has_branch = any(stage.branch for stage in stages)
    rows: list[list[str]] = []
    for stage in stages:
        row = [stage.name, stage.branch or ""] if has_branch else [stage.name]
        row += [_secs(stage.start), _secs(stage.end), _secs(stage.seconds)]
        row.append("FAILED" if _failed(stage) else "")
        rows.append(row)
    headers = ["stage", *(["branch"] if has_branch else []), "start", "end", "duration", ""]
    align = "l" + ("l" if has_branch else "") + "rrrl"
    table = _table(headers, rows, align=align, width=width, wrappable=(0,))

    pending = sorted(run.milestones, key=lambda m: m.at) if milestones else []
    pad = max((len(_secs(m.at)) for m in pending), default=0)
    out = [table.header] if stages else ["  (no stages)"]
    for stage, lines in zip(stages, table.rows, strict=True):
        while pending and pending[0].at <= stage.start:
            out += _milestone_text(pending.pop(0), pad, width)
        out += lines
    for milestone in pending:
        out += _milestone_text(milestone, pad, width)
    return out


def render_text(report: Report, *, width: int = 100, milestones: bool = True) -> str:
    """The plain-text summary printed at the end of a drill (no ANSI; fits ``width`` columns,
    except an ARN or a command, which is never broken: each has a line of its own).

    Led by the result line. Per run: a header with its result, the execution ARN, the
    timeline (stages with start, end and duration; milestones interleaved as
    ``> 12.3 s  what``), the RTO and RPO lines and the final-state checks. Then the
    scenario-wide checks, the notes and the drill's wall time. Each thing is printed once:
    ``milestones`` False leaves out the milestones the drill's progress already printed.
    """
    live = _is_live(report)
    failed = [run.name for run in report.runs if not run.passed]
    verdict = _result(report.passed) + (f" (failed: {', '.join(failed)})" if failed else "")
    out = [f"RESULT: {verdict}"]
    out += _wrap(
        f"Failover drill: {report.scenario} — target {report.target}, started {report.started_at}",
        width,
    )
    total = len(report.runs)
    for number, run in enumerate(report.runs, start=1):
        out.append("")
        out += _wrap(f"[{number}/{total}] {_run_header(run)}", width, "", "      ")
        if run.execution_arn:
            out += ["  execution:", f"    {run.execution_arn}"]
        if run.error:
            out += _wrap(f"error: {run.error}", width, "  ", "    ")
        out += _timeline_text(run, width, milestones)
        out += _wrap(_rto_line(run.rto, live=live), width, "  ", "    ")
        user_line = _user_line(run)
        if user_line:
            out += _wrap(user_line, width, "  ", "    ")
        floors_line = _floors_line(run)
        if floors_line:
            out += _wrap(floors_line, width, "  ", "    ")
        out += _wrap(_rpo_line(run.rpo), width, "  ", "    ")
        if run.checks:
            out.append(f"  final-state checks: {_result(run.passed)}")
            out += _check_table(run.checks, width)
    if report.checks:
        out += ["", "Scenario checks"]
        out += _check_table(report.checks, width)
    if report.notes:
        out += ["", "Notes"]
        for note in report.notes:
            out += _wrap(f"- {note}", width, "  ", "    ")
    out += ["", _wall_line(report)]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>") or " "


def _md_table(headers: Sequence[str], align: str, rows: Sequence[Sequence[str]]) -> list[str]:
    rule = {"l": "---", "r": "---:", "c": ":---:"}
    return [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join(rule[a] for a in align) + "|",
        *("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows),
    ]


def _md_checks(checks: Sequence[Check]) -> list[str]:
    rows = [["PASS" if c.passed else "**FAIL**", c.name, c.expected, c.actual] for c in checks]
    return _md_table(["Result", "Check", "Expected", "Actual"], "llll", rows)


def render_markdown(report: Report, chart: str | None = CHART_NAME) -> str:
    """The report as GitHub-flavoured markdown (``report.md``); ``chart`` is the Gantt PNG."""
    out = [
        f"# Failover drill: {report.scenario}",
        "",
        f"**RESULT: {_result(report.passed)}**",
        "",
        f"- target: {report.target}",
        f"- started: {report.started_at}",
        f"- {_wall_line(report)}",
        "- times are "
        + ("real" if _is_live(report) else "modelled")
        + " seconds since each run's t0 (outage injected, or execution started)",
    ]
    if chart:
        out += ["", f"![Timeline]({chart})"]
    for number, run in enumerate(report.runs, start=1):
        out += [
            "",
            f"## Run {number}: {run.name} — {run.status} ({run.outcome})",
            "",
            f"- mode: {run.mode}, trigger: {run.trigger}",
            f"- regions: {run.source_region} → {run.target_region}",
        ]
        if run.execution_arn:
            out.append(f"- execution: `{run.execution_arn}`")
        if run.error:
            out.append(f"- error: {_cell(run.error)}")
        floors_line = _floors_line(run)
        user_line = _user_line(run)
        out += [
            f"- {_rto_line(run.rto, live=_is_live(report))}",
            *([f"- {user_line}"] if user_line else []),
            *([f"- {floors_line}"] if floors_line else []),
            f"- {_rpo_line(run.rpo)}",
            f"- drill wall time {run.wall_seconds:.1f} s",
            "",
            "### Stages",
            "",
        ]
        stages = _ordered(run.stages)
        if stages:
            rows = [
                [
                    f"**{stage.name}**" if _failed(stage) else stage.name,
                    stage.branch or "",
                    _secs(stage.start),
                    _secs(stage.end),
                    _secs(stage.seconds),
                    "**FAILED**" if _failed(stage) else "ok",
                ]
                for stage in stages
            ]
            out += _md_table(
                ["Stage", "Branch", "Start", "End", "Duration", "Status"], "llrrrl", rows
            )
        else:
            out.append("_No stages._")
        if run.milestones:
            out += ["", "### Milestones", ""]
            rows = [[_secs(m.at), m.what] for m in sorted(run.milestones, key=lambda m: m.at)]
            out += _md_table(["At", "What"], "rl", rows)
        if run.checks:
            out += ["", f"### Checks: {_result(run.passed)}", ""]
            out += _md_checks(run.checks)
    if report.checks:
        out += ["", "## Scenario checks", ""]
        out += _md_checks(report.checks)
    if report.notes:
        out += ["", "## Notes", ""]
        out += [f"- {note}" for note in report.notes]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# Gantt chart
# --------------------------------------------------------------------------------------------

_ROW_INCHES = 0.27  # height of one stage row
_RUN_INCHES = 1.0  # per-run overhead: subplot title, x axis label and ticks
_TITLE_INCHES = 0.45  # the figure title
_DPI = 110


def _branch_colours(report: Report) -> dict[str | None, str]:
    """Fixed colours per branch, the same in every subplot; unknown branches in order seen."""
    colours: dict[str | None, str] = {None: MAIN_COLOUR}
    extra = iter(EXTRA_COLOURS)
    for run in report.runs:
        for stage in _ordered(run.stages):
            if stage.branch is not None and stage.branch not in colours:
                colours[stage.branch] = BRANCH_COLOURS.get(stage.branch) or next(extra, MAIN_COLOUR)
    return colours


class _Label(NamedTuple):
    x: float
    text: str
    colour: str
    weight: str


def render_gantt(report: Report, path: pathlib.Path) -> None:
    """Draw every run's stages as a Gantt chart (:func:`gantt_figure`); save it as a PNG."""
    figure = gantt_figure(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=_DPI, format="png")


def gantt_figure(report: Report) -> Figure:
    """Draw every run's stages as a Gantt chart, labels placed (on the Agg canvas).

    One subplot per run, stacked; y is the stages in order of start, x modelled seconds since
    t0. Bars are coloured by Parallel branch, failed stages red and hatched; milestones are
    dashed vertical lines, the RTO a solid one and its floors (drill.floors) dotted. Uses the
    Agg canvas: no display, no pyplot.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.transforms import Bbox, blended_transform_factory

    runs = list(report.runs)
    rows = [max(len(run.stages), 1) for run in runs] or [1]
    heights = [_RUN_INCHES + _ROW_INCHES * n for n in rows]
    figure = Figure(figsize=(11, _TITLE_INCHES + sum(heights)), dpi=_DPI)
    FigureCanvasAgg(figure)  # attaches itself: Agg rendering, no display, no pyplot
    axes_list = figure.subplots(len(rows), 1, squeeze=False, height_ratios=heights)[:, 0]
    figure.suptitle(f"Failover drill: {report.scenario}", fontsize=13, fontweight="bold")
    colours = _branch_colours(report)

    obstacles: list[tuple[Axes, list[Artist]]] = []  # per axes: the artists labels should avoid
    labels: list[list[_Label]] = []
    any_failed = any(_failed(stage) for run in runs for stage in run.stages)
    any_milestone = any(run.milestones for run in runs)
    any_rto = any(run.rto and run.rto.modelled_seconds is not None for run in runs)

    if not runs:
        ax = axes_list[0]
        ax.text(0.5, 0.5, "no runs", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    for ax, run in zip(axes_list, runs, strict=False):
        stages = _ordered(run.stages)
        ax.set_title(
            f"{run.name}: {run.source_region} → {run.target_region} · {run.status} ({run.outcome})",
            loc="left",
            fontsize=10,
        )
        extents = [0.0, *(s.end for s in stages), *(s.start for s in stages)]
        extents += [m.at for m in run.milestones]
        if run.rto and run.rto.modelled_seconds is not None:
            extents.append(run.rto.modelled_seconds)
        floor_lines = _floor_lines(run)
        extents += [x for x, _ in floor_lines]
        low, high = min(extents), max(max(extents), 1.0)
        span = high - low
        ax.set_xlim(low - 0.01 * span, high + 0.09 * span)
        avoid: list[Artist] = []
        for row, stage in enumerate(stages):
            failed = _failed(stage)
            bar = ax.barh(
                row,
                max(stage.seconds, 0.002 * span),
                left=stage.start,
                height=0.62,
                color=FAILED_COLOUR if failed else colours[stage.branch],
                edgecolor="#7A0F10" if failed else "none",
                hatch="////" if failed else None,
                linewidth=0.8,
            )
            avoid += list(bar.patches)
            avoid.append(
                ax.text(
                    stage.end + 0.006 * span,
                    row,
                    f"{_secs(stage.seconds)} FAILED" if failed else _secs(stage.seconds),
                    va="center",
                    ha="left",
                    fontsize=7,
                    color="#7A0F10" if failed else "#333333",
                )
            )
        if stages:
            ax.set_yticks(range(len(stages)), [_stage_label(s) for s in stages], fontsize=8)
            ax.set_ylim(len(stages) - 0.5, -0.7)
        else:
            ax.set_ylim(0.5, -0.5)
            ax.set_yticks([])
            ax.text(
                0.5,
                0.5,
                f"no stages ({run.outcome})",
                ha="center",
                va="center",
                transform=ax.transAxes,
                fontsize=10,
                color="#555555",
            )
            if not run.milestones:
                ax.set_xticks([])
                ax.spines[["bottom", "left"]].set_visible(False)
        run_labels: list[_Label] = []
        for milestone in run.milestones:
            ax.axvline(milestone.at, color=MILESTONE_COLOUR, linestyle="--", linewidth=0.8)
        for at, texts in _milestone_clusters(run.milestones, 0.015 * span):
            run_labels.append(_Label(at, " · ".join(texts), MILESTONE_COLOUR, "normal"))
        if run.rto and run.rto.modelled_seconds is not None:
            colour = RTO_MET_COLOUR if run.rto.met else RTO_MISSED_COLOUR
            ax.axvline(run.rto.modelled_seconds, color=colour, linewidth=1.6)
            text = f"RTO {run.rto.modelled_seconds:.0f} s"
            run_labels.insert(0, _Label(run.rto.modelled_seconds, text, colour, "bold"))
        for at, text in floor_lines:
            ax.axvline(at, color=FLOOR_COLOUR, linestyle=":", linewidth=1.4)
            run_labels.insert(1, _Label(at, text, FLOOR_COLOUR, "normal"))
        if stages or run.milestones:
            ax.set_xlabel("modelled seconds since t0", fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
        obstacles.append((ax, avoid))
        labels.append(run_labels)

    handles: list[Artist] = [
        Patch(facecolor=colour, label=branch or "main") for branch, colour in colours.items()
    ]
    if any_failed:
        handles.append(
            Patch(facecolor=FAILED_COLOUR, edgecolor="#7A0F10", hatch="////", label="failed")
        )
    if any_milestone:
        handles.append(Line2D([], [], color=MILESTONE_COLOUR, linestyle="--", label="milestone"))
    if any_rto:
        handles.append(Line2D([], [], color=RTO_MET_COLOUR, linewidth=1.6, label="RTO"))
    if any(_floor_lines(run) for run in runs):
        handles.append(
            Line2D([], [], color=FLOOR_COLOUR, linestyle=":", linewidth=1.4, label="floor")
        )
    if runs:
        axes_list[0].legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=8,
            frameon=False,
        )
    figure.tight_layout()

    # Labels last, once the layout is fixed: each goes in whichever corner of its line
    # covers the least of the bars, the duration texts and the labels already placed.
    for (ax, avoid), run_labels in zip(obstacles, labels, strict=True):
        boxes = [artist.get_window_extent() for artist in avoid]
        frame = ax.get_window_extent()
        transform = blended_transform_factory(ax.transData, ax.transAxes)
        for label in run_labels:
            best: tuple[float, Annotation] | None = None
            for y, va in ((0.98, "top"), (0.02, "bottom")):
                for dx, ha in ((-2, "right"), (2, "left")):
                    artist = ax.annotate(
                        label.text,
                        xy=(label.x, y),
                        xycoords=transform,
                        xytext=(dx, 0),
                        textcoords="offset points",
                        rotation=90,
                        ha=ha,
                        va=va,
                        fontsize=7,
                        color=label.colour,
                        fontweight=label.weight,
                        bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 0.5},
                    )
                    _fit(artist, frame.height - 6)
                    box = artist.get_window_extent()
                    cost = sum(_area(Bbox.intersection(box, other)) for other in boxes)
                    outside = box.width * box.height - _area(Bbox.intersection(box, frame))
                    cost += 10 * outside
                    if best is None or cost < best[0]:
                        if best is not None:
                            best[1].remove()
                        best = (cost, artist)
                    else:
                        artist.remove()
            if best is not None:
                boxes.append(best[1].get_window_extent())

    return figure


def _milestone_clusters(
    milestones: Sequence[Milestone], within: float
) -> list[tuple[float, list[str]]]:
    """Milestones whose lines are closer than ``within`` (x units) share one label, at the
    first one's x: rotated labels a pixel or two apart cannot both be read (an outage and
    the checkers seeing it a second later)."""
    clusters: list[tuple[float, list[str]]] = []
    for milestone in sorted(milestones, key=lambda m: m.at):
        if clusters and milestone.at - clusters[-1][0] <= within:
            clusters[-1][1].append(milestone.what)
        else:
            clusters.append((milestone.at, [milestone.what]))
    return clusters


def _floor_lines(run: Run) -> list[tuple[float, str]]:
    """(x, label) of the floors drawn beside the RTO: critical path, physical, sequential."""
    floors = run.floors
    if floors is None or run.rto_s is None:
        return []
    return [
        (floors.physical_s, f"physical floor {floors.physical_s:.0f} s"),
        (floors.critical_path_s, f"critical-path floor {floors.critical_path_s:.0f} s"),
        (floors.sequential_s, f"sequential runbook {floors.sequential_s:.0f} s"),
    ]


def _area(box: Bbox | None) -> float:
    return 0.0 if box is None else float(box.width * box.height)


def _fit(artist: Annotation, limit: float) -> None:
    """Shorten a rotated label with an ellipsis until it is at most ``limit`` pixels long."""
    text = artist.get_text()
    while len(text) > 4 and artist.get_window_extent().height > limit:
        text = text[: max(4, int(len(text) * 0.9)) - 1].rstrip()
        artist.set_text(text + "…")


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def write_report(report: Report, directory: pathlib.Path) -> list[pathlib.Path]:
    """Write ``report.json``, ``report.md`` and ``timeline.png`` to ``directory`` (created).

    Returns the paths written, in that order.
    """
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / "report.json"
    markdown_path = directory / "report.md"
    chart_path = directory / CHART_NAME
    json_path.write_text(
        json.dumps(report.to_dict(), indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    render_gantt(report, chart_path)
    markdown_path.write_text(render_markdown(report, chart=CHART_NAME), encoding="utf-8")
    return [json_path, markdown_path, chart_path]
