"""The drill report renderers: terminal text, markdown, the Gantt chart and the report files."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pytest

from drill.model import Check, Milestone, Report, Rpo, Rto, Run, Stage
from drill.render import gantt_figure, render_gantt, render_markdown, render_text, write_report

if TYPE_CHECKING:
    import pathlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# (name, branch, start, end): the failover's history, as the drill would read it.
FAILOVER_STAGES: list[tuple[str, str | None, float, float]] = [
    ("ValidateInput", None, 60.0, 60.4),
    ("AcquireLease", None, 60.4, 60.9),
    ("NotifyStart", None, 60.9, 61.3),
    ("ConfirmOutage", None, 61.3, 91.3),
    ("Preflight", None, 91.3, 96.8),
    ("PromoteDatabase", "Database", 96.8, 98.1),
    ("CheckDatabase", "Database", 98.1, 158.6),
    ("ShiftTraffic", "Database", 96.8, 101.2),
    ("ScaleCompute", "Compute", 96.8, 99.0),
    ("CheckCompute", "Compute", 99.0, 141.5),
    ("SetActiveRegion", "Database", 96.8, 112.9),
    ("FenceOldRegion", None, 158.6, 164.0),
    ("VerifyFailover", None, 164.0, 176.2),
    ("RecordOutcome", None, 176.2, 182.4),
]


def _checks(writer: str, *, failing: bool = False) -> list[Check]:
    return [
        Check("writer region", writer, "us-east-1" if failing else writer, not failing),
        Check("Route 53 primary record", f"healthy, {writer}", f"healthy, {writer}", True),
        Check("ECS desired count (target)", "6", "6", True),
        Check("AppConfig activeRegion", writer, writer, True),
        Check("failover lease", "released", "released", True),
    ]


def _failover() -> Run:
    return Run(
        name="failover",
        mode="unplanned",
        trigger="alarm",
        source_region="us-east-1",
        target_region="us-west-2",
        execution_arn="arn:aws:states:us-west-2:123456789012:execution:failover:drill-1",
        status="SUCCEEDED",
        outcome="failed over",
        stages=[Stage(n, s, e, "succeeded", b) for n, b, s, e in FAILOVER_STAGES],
        milestones=[
            Milestone(0.0, "outage injected in us-east-1"),
            Milestone(58.7, "Route 53 checkers report us-east-1 unhealthy"),
            Milestone(60.0, "alarm fired, execution started"),
            Milestone(182.4, "execution succeeded"),
        ],
        checks=_checks("us-west-2"),
        rto=Rto(modelled_seconds=182.4, target_seconds=600.0, met=True),
        rpo=Rpo(
            lag_ms_at_preflight=85.0,
            lag_ms_at_cutover=120.0,
            data_loss_possible=True,
            evidence="AuroraGlobalDBReplicationLag 120 ms at cutover",
        ),
        wall_seconds=9.1,
    )


def _failback() -> Run:
    stages = [
        Stage("ValidateInput", 0.0, 0.4, "succeeded"),
        Stage("Preflight", 0.4, 6.0, "succeeded"),
        Stage("PromoteDatabase", 6.0, 71.2, "succeeded", "Database"),
        Stage("ShiftTraffic", 6.0, 10.3, "succeeded", "Database"),
        Stage("VerifyFailover", 71.2, 80.9, "succeeded"),
    ]
    return Run(
        name="failback",
        mode="failback",
        trigger="manual",
        source_region="us-west-2",
        target_region="us-east-1",
        execution_arn="arn:aws:states:us-east-1:123456789012:execution:failover:drill-2",
        status="SUCCEEDED",
        outcome="failed back",
        stages=stages,
        milestones=[Milestone(0.0, "execution started")],
        checks=_checks("us-east-1"),
        rto=None,
        rpo=Rpo(0.0, 0.0, False, "planned switchover: zero lag before promotion"),
        wall_seconds=4.2,
    )


def _report(*runs: Run, scenario_checks: list[Check] | None = None) -> Report:
    return Report(
        scenario="region-outage",
        target="local (emulated AWS)",
        time_scale=0.01,
        started_at="2025-06-01T12:00:00Z",
        runs=list(runs),
        checks=scenario_checks
        if scenario_checks is not None
        else [Check("audit trail complete", "2 executions", "2 executions", True)],
        wall_seconds=23.4,
        notes=["Times are modelled: the latency model, not the emulator's speed."],
    )


@pytest.fixture
def report() -> Report:
    return _report(_failover(), _failback())


def _failed_failover() -> Run:
    """The failover fails in PromoteDatabase, so it misses its RTO and the writer stays put."""
    run = _failover()
    run.stages = [s for s in run.stages if s.start <= 96.8 and s.name != "CheckDatabase"]
    promote = next(s for s in run.stages if s.name == "PromoteDatabase")
    promote.status, promote.end = "failed", 97.5
    run.status, run.outcome, run.error = "FAILED", "failover failed", "States.TaskFailed"
    run.checks = _checks("us-west-2", failing=True)
    run.milestones[-1] = Milestone(97.5, "execution failed")
    run.rto = Rto(modelled_seconds=None, target_seconds=600.0, met=False)
    return run


@pytest.fixture
def failing_report() -> Report:
    return _report(_failed_failover())


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, list[pathlib.Path]]:
    """The full report written once (the chart is the slow part)."""
    full = _report(_failover(), _failback())
    return full, write_report(full, tmp_path_factory.mktemp("drill") / "out" / "report")


def _row(text: str, *cells: str) -> str:
    """The one line that holds these cells in this order, only whitespace between them."""
    pattern = re.compile(r"^\s*" + r"\s+".join(re.escape(cell) for cell in cells) + r"(\s|$)")
    lines = [line for line in text.splitlines() if pattern.search(line)]
    assert len(lines) == 1, f"{cells} in {len(lines)} lines"
    return lines[0]


# -- text -----------------------------------------------------------------------------------


def test_text_lists_every_stage_with_its_times(report: Report) -> None:
    text = render_text(report)
    for run in report.runs:
        for stage in run.stages:
            row = next(
                line
                for line in text.splitlines()
                if line.split()[:1] == [stage.name] and f"{stage.start:.1f} s" in line
            )
            assert f"{stage.end:.1f} s" in row
            assert row.rstrip().endswith(f"{stage.seconds:.1f} s")
            assert (stage.branch or "") in row
    assert _row(text, "CheckDatabase", "Database", "98.1 s", "158.6 s", "60.5 s")


def test_text_stages_are_in_order_of_start_with_milestones_interleaved(report: Report) -> None:
    lines = render_text(report).splitlines()

    def index(fragment: str) -> int:
        return next(i for i, line in enumerate(lines) if fragment in line)

    assert index("0.0 s  outage injected") < index("58.7 s  Route 53 checkers")
    assert index("58.7 s  Route 53") < index("ValidateInput") < index("ConfirmOutage")
    # Parallel branches start together, before what follows the Parallel state
    assert index("SetActiveRegion") < index("FenceOldRegion") < index("> 182.4 s")


def test_text_header_rto_rpo_and_result_for_a_passing_drill(report: Report) -> None:
    text = render_text(report)
    header = _row(text, "[1/2]", "failover")
    for fragment in ("unplanned", "alarm", "us-east-1 → us-west-2", "SUCCEEDED", "failed over"):
        assert fragment in header
    assert "RTO (modelled): 182.4 s, target 600 s: met" in text
    assert "RTO (modelled): n/a" in text  # the failback has no RTO
    assert re.search(
        r"RPO: AuroraGlobalDBReplicationLag 120 ms at cutover; "
        r"lag 85 ms at preflight, 120 ms at cutover;\s+data loss possible\n",
        text,
    )
    assert _row(text, "PASS", "audit trail complete", "2 executions", "2 executions")
    assert "wall time 23.4 s at time scale 0.01" in text
    assert text.splitlines()[0] == "RESULT: PASS"  # led by the result
    assert text.count("RESULT") == 1
    assert "FAIL" not in text


def test_text_failing_drill_marks_the_stage_the_check_and_the_result(
    failing_report: Report,
) -> None:
    text = render_text(failing_report)
    assert _row(text, "PromoteDatabase", "Database", "96.8 s", "97.5 s", "0.7 s", "FAILED")
    assert _row(text, "ShiftTraffic", "Database", "96.8 s", "101.2 s", "4.4 s").endswith("4.4 s")
    assert _row(text, "FAIL", "writer region", "us-west-2", "us-east-1")  # expected, actual
    assert _row(text, "PASS", "failover lease", "released", "released")
    assert "target 600 s: not met" in text
    assert "error: States.TaskFailed" in text
    assert text.splitlines()[0].startswith("RESULT: FAIL (failed: ")


def test_text_fits_the_width_and_has_no_ansi(report: Report) -> None:
    report.runs[0].checks.append(
        Check("ECS services", "web, worker, scheduler stable " * 4, "stable " * 12, True)
    )
    report.notes.append("a long note " * 20)
    for width in (100, 80):
        text = render_text(report, width=width)
        assert max(len(line) for line in text.splitlines()) <= width
        assert "\x1b" not in text
    assert "scheduler" in render_text(report, width=80)


def test_text_run_without_stages(report: Report) -> None:
    report.runs.append(
        Run("false alarm", "unplanned", "alarm", "us-east-1", "us-west-2", None, "NOT_STARTED", "")
    )
    report.runs[-1].outcome = "false alarm: outage not confirmed"
    text = render_text(report)
    assert "[3/3] false alarm" in text
    assert "(no stages)" in text


# -- markdown -------------------------------------------------------------------------------


def test_markdown_has_headings_tables_and_the_chart(report: Report) -> None:
    md = render_markdown(report)
    assert md.startswith("# Failover drill: region-outage\n")
    assert "![Timeline](timeline.png)" in md
    assert "## Run 1: failover" in md
    assert "## Run 2: failback" in md
    assert md.count("| Stage | Branch | Start | End | Duration | Status |") == 2
    assert "| CheckDatabase | Database | 98.1 s | 158.6 s | 60.5 s | ok |" in md
    assert "| PASS | writer region | us-west-2 | us-west-2 |" in md
    assert "| 58.7 s | Route 53 checkers report us-east-1 unhealthy |" in md
    assert "RTO (modelled): 182.4 s, target 600 s: met" in md
    assert "**RESULT: PASS**" in md
    # every table row has as many cells as its header
    for block in re.split(r"\n(?!\|)", md):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        assert len({len(re.findall(r"(?<!\\)\|", row)) for row in rows}) <= 1, rows


def test_markdown_failing_and_without_chart(failing_report: Report) -> None:
    failing_report.runs[0].checks[0].actual = "us-east-1 | stale"
    md = render_markdown(failing_report, chart=None)
    assert "![Timeline]" not in md
    assert "**RESULT: FAIL**" in md
    assert "| **FAIL** | writer region | us-west-2 | us-east-1 \\| stale |" in md
    assert "| **PromoteDatabase** | Database | 96.8 s | 97.5 s | 0.7 s | **FAILED** |" in md
    assert "target 600 s: not met" in md
    assert render_markdown(failing_report, chart="chart.png").count("![Timeline](chart.png)") == 1


# -- files and chart -------------------------------------------------------------------------


def test_write_report_writes_the_three_files(
    written: tuple[Report, list[pathlib.Path]],
) -> None:
    report, paths = written
    assert [p.name for p in paths] == ["report.json", "report.md", "timeline.png"]
    assert all(p.is_file() and p.parent.name == "report" for p in paths)
    raw = paths[0].read_text(encoding="utf-8")
    assert raw.endswith("}\n")
    assert json.loads(raw) == report.to_dict()
    assert paths[1].read_text(encoding="utf-8") == render_markdown(report)


def test_chart_is_a_png_whose_height_grows_with_the_stages(
    written: tuple[Report, list[pathlib.Path]], failing_report: Report, tmp_path: pathlib.Path
) -> None:
    from matplotlib.image import imread

    chart = written[1][2]
    data = chart.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 10_000
    full = imread(chart)  # 2 runs, 14 + 5 stages

    # 2 runs as well: the failed failover (9 stages, one failed) and one that never started;
    # the directory is created
    failing_report.runs.append(
        Run("re-run", "unplanned", "manual", "us-east-1", "us-west-2", None, "NOT_STARTED", "")
    )
    small_path = tmp_path / "nested" / "small.png"
    render_gantt(failing_report, small_path)
    assert small_path.read_bytes().startswith(PNG_SIGNATURE)
    small = imread(small_path)
    assert small.shape[1] == full.shape[1]  # same width
    assert full.shape[0] > small.shape[0] + 9 * 25  # 9 more stage rows, >= 25 px each


def test_a_stage_that_starts_a_hair_before_t0_shows_zero_not_minus_zero() -> None:
    from drill.render import _secs

    assert [_secs(v) for v in (-0.04, -0.0, 0.0, 12.34, -3.2)] == [
        "0.0 s",
        "0.0 s",
        "0.0 s",
        "12.3 s",
        "-3.2 s",
    ]


def _with_floors() -> Report:
    from drill.model import Floors

    run = _failover()
    # RTO 182.4 s; floors close to it and to each other: labels must still not overlap
    run.floors = Floors(critical_path_s=150.0, physical_s=130.0, sequential_s=250.0)
    return _report(run, _failback())


def test_floors_show_beside_the_rto_in_text_markdown_and_json() -> None:
    report = _with_floors()
    text = render_text(report, width=200)
    assert "critical-path floor 150.0 s (x1.22, 32.4 s above it)" in text
    assert "physical floor 130.0 s (x1.40)" in text
    assert "sequential runbook 250.0 s (x1.37 the RTO)" in text
    assert "critical-path floor 150.0 s" in render_markdown(report)
    failover, failback = report.to_dict()["runs"]
    assert failover["rto_s"] == 182.4
    assert failover["floors"]["critical_path_s"] == 150.0
    assert failover["floors"]["physical_s"] == 130.0
    assert failover["floors"]["sequential_s"] == 250.0
    assert failover["floors"]["ratios"]["rto_over_physical"] == round(182.4 / 130.0, 3)
    assert failback["rto_s"] is None
    assert failback["floors"] is None


def test_chart_draws_the_floors_and_no_two_line_labels_overlap() -> None:
    from matplotlib.text import Annotation
    from matplotlib.transforms import Bbox

    figure = gantt_figure(_with_floors())
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    axes = figure.axes[0]
    labels = [a for a in axes.get_children() if isinstance(a, Annotation)]
    texts = sorted(label.get_text() for label in labels)
    for wanted in ("RTO 182 s", "critical-path floor 150 s", "physical floor 130 s"):
        assert any(t.startswith(wanted[:12]) for t in texts), texts
    assert any(t.startswith("sequential") for t in texts), texts
    boxes = [label.get_window_extent(renderer) for label in labels]
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            overlap = Bbox.intersection(first, second)
            assert overlap is None or overlap.width * overlap.height < 1.0, (first, second)


def test_milestones_a_pixel_apart_share_one_label_and_others_keep_their_own() -> None:
    from drill.render import _milestone_clusters

    milestones = [
        Milestone(1.0, "checkers see it"),
        Milestone(0.0, "outage injected"),
        Milestone(10.0, "alarm -> ALARM"),
        Milestone(10.0, "rule started the run"),
    ]
    assert _milestone_clusters(milestones, 1.5) == [
        (0.0, ["outage injected", "checkers see it"]),
        (10.0, ["alarm -> ALARM", "rule started the run"]),
    ]
    assert len(_milestone_clusters(milestones, 0.5)) == 3


# -- issue 23: the terminal an on-call engineer reads --------------------------------------
LONG_ARN = (
    "arn:aws:states:us-west-2:123456789012:execution:shop-failover:"
    "8237f349-fa4d-4754-9e6d-13a64d1f1451"
)


@pytest.mark.parametrize("width", [100, 80, 60])
def test_no_report_line_breaks_a_real_length_arn(report: Report, width: int) -> None:
    for run in report.runs:
        run.execution_arn = LONG_ARN
        run.error = f"DatabasePromotionFailed: {LONG_ARN} could not promote"
    report.notes.append(f"read the execution {LONG_ARN} and its audit row before acting again")
    report.runs[0].checks.append(Check("lease holder", "free", LONG_ARN, False))

    text = render_text(report, width=width)

    for line in text.splitlines():
        assert line.count(LONG_ARN[:50]) == line.count(LONG_ARN), line
    assert f"    {LONG_ARN}" in text.splitlines()  # the execution ARN has a line of its own


def test_a_run_under_its_floor_shows_no_negative_overhead() -> None:
    report = _with_floors()
    report.runs[0].rto = Rto(2.4, 600.0, True)

    text = render_text(report, width=200)

    assert "overhead -" not in text
    assert "RTO 2.4 s: under the critical-path floor 150.0 s" in text


def test_a_live_report_says_real_time_not_modelled(report: Report) -> None:
    report.target = "live: profile prod, region us-west-2, stack shop-failover-control-plane"
    report.time_scale = 1.0
    report.notes = []  # the fixture's note is the local drill's

    text = render_text(report)

    assert "modelled" not in text
    assert "time scale" not in text
    assert "RTO (real): 182.4 s, target 600 s: met" in text
    assert "modelled" not in render_markdown(report)


def test_milestones_the_progress_printed_are_not_printed_again(report: Report) -> None:
    assert "outage injected in us-east-1" in render_text(report)
    assert "outage injected in us-east-1" not in render_text(report, milestones=False)
