"""``python -m drill``: the failover drill's command line (``make drill`` runs the defaults)."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any, TextIO

from failover.config import MAX_REGIONS

from drill.embedded import EmbeddedAwsError
from drill.local import DEFAULT_RTO_TARGET, DEFAULT_TIME_SCALE, Options, run_local
from drill.progress import Progress
from drill.scenarios import SCENARIOS
from drill.scenarios.priority import THREE_REGION_SCENARIOS

USAGE_ERROR = 2
DEFAULT_SCENARIO = "unplanned"
DRILL_FAILED = 1
DEFAULT_REGIONS = ("us-east-1", "us-west-2")
PAIR_SCENARIOS = ("ga-brownout", "lease-holder-dies")
"""Scenarios written for the default pair: us-west-2 (Global Accelerator's API) dies active."""


def _time_scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (try 0.02)") from None
    if not math.isfinite(value) or value < 0 or value > 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} must be between 0 and 1 (real seconds per modelled second; 0 = no pacing)"
        )
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number of seconds")
    return value


def _phase(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value < 10:
        raise argparse.ArgumentTypeError(f"{text!r} must be from 0 to under the 10 s period")
    return value


def _region_list(count: int, most: int | None = None) -> Any:
    """An argparse type: ``count`` (to ``most``) distinct commercial Regions, comma-separated."""
    most = count if most is None else most

    def parse(text: str) -> tuple[str, ...]:
        from failover.geography import CITIES

        found = tuple(part.strip() for part in text.split(",") if part.strip())
        if not count <= len(found) <= most or len(set(found)) != len(found):
            wanted = f"{count}" if most == count else f"{count} to {most}"
            raise argparse.ArgumentTypeError(
                f"{text!r}: {wanted} distinct regions, comma-separated (e.g. "
                + ("us-east-1,eu-west-1)" if count == 2 else "us-east-1,us-east-2,us-west-2)")
            )
        unknown = [region for region in found if region not in CITIES]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"{', '.join(unknown)}: not a commercial AWS Region this project knows"
            )
        return found

    return parse


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="make drill ARGS=... | python -m drill",
        description=(
            "Run a failover drill: inject an outage, let the control plane move the active "
            "region, check where everything ended, then fail back. By default against an "
            "embedded, emulated AWS in this process (no account needed)."
        ),
        epilog="subcommands: `python -m drill readiness [--live --region R]` prints whether "
        "each region could take over now; `python -m drill report --execution-arn ARN --live` "
        "builds the report of any execution (see `python -m drill readiness|report --help`)",
    )
    p.add_argument(
        "--scenario",
        choices=list(SCENARIOS),
        default=DEFAULT_SCENARIO,
        help="; ".join(
            f"{name}{' (default)' if name == DEFAULT_SCENARIO else ''}: {one.help}"
            for name, one in sorted(SCENARIOS.items(), key=lambda kv: kv[0] != DEFAULT_SCENARIO)
        ),
    )
    p.add_argument(
        "--time-scale",
        type=_time_scale,
        default=DEFAULT_TIME_SCALE,
        metavar="S",
        help=f"real seconds per modelled second (default {DEFAULT_TIME_SCALE}; 0 runs as fast as "
        "possible; the modelled timeline is the same at every scale). Latencies: "
        "emulator/latency.py",
    )
    p.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="write report.json, report.md and timeline.png here",
    )
    p.add_argument(
        "--no-failback", dest="failback", action="store_false", help="skip the failback drill"
    )
    p.add_argument(
        "--rto-target",
        type=_seconds,
        default=DEFAULT_RTO_TARGET,
        metavar="SECONDS",
        help="recovery time objective the RTO is checked against "
        f"(default {DEFAULT_RTO_TARGET:.0f})",
    )
    p.add_argument(
        "--blip-seconds",
        type=_seconds,
        default=20.0,
        metavar="N",
        help="--scenario blip: how long the primary's /health fails (default 20)",
    )
    p.add_argument(
        "--blip-phase",
        type=_phase,
        default=0.0,
        metavar="S",
        help="--scenario blip: seconds into the probe's 10 s period the blip starts (default 0)",
    )
    _estate_options(p)
    p.add_argument(
        "--resync-seconds",
        type=_seconds,
        metavar="S",
        help="local: how long Aurora rebuilds a member after an unplanned failover "
        "(pending-resync; a failback waits for it). Default: the latency model's figure "
        "(emulator/latency.py aurora_resync_seconds: minutes to hours, an assumption)",
    )
    p.add_argument("--plain", action="store_true", help="plain progress lines even on a terminal")
    p.add_argument(
        "--samples",
        type=_count,
        metavar="N",
        help="run the scenario N times (time scale 0, no failback), every latency and phase "
        "drawn at random from --seed; print p50/p90/max of detection, overhead, writer "
        "promoted, first good read and first good write (local only)",
    )
    p.add_argument(
        "--seed", type=int, default=1, help="the first sample's seed (default 1; --samples)"
    )
    live = p.add_argument_group("against a real account (game day)")
    live.add_argument("--live", action="store_true", help="drill the deployed stacks instead")
    live.add_argument(
        "--profile",
        help="AWS profile (default: the default credential chain: environment, SSO, role)",
    )
    live.add_argument(
        "--region",
        help="with --live: the region whose state machine runs the drill (required); locally: "
        "the region region-down fails (default us-east-1)",
    )
    live.add_argument(
        "--stack",
        default="shop-failover-control-plane",
        help="control-plane stack name in --region (default shop-failover-control-plane)",
    )
    live.add_argument(
        "--execute",
        action="store_true",
        help="really act (default: dry run that prints the action plan and changes nothing); "
        "asks you to type a confirmation",
    )
    live.add_argument(
        "--automatic",
        action="store_true",
        help="the automatic path: inject the other region's outage with its AWS FIS experiment "
        "(the control-plane stack's GameDayAlb503TemplateId) and follow the failover its alarm "
        "starts here (default: dry run that prints the experiment it would start)",
    )
    return p


def _estate_options(p: argparse.ArgumentParser) -> None:
    """The embedded estate's regions (the local drill and readiness)."""
    p.add_argument(
        "--regions",
        type=_region_list(2, MAX_REGIONS),
        default=DEFAULT_REGIONS,
        metavar="A,B[,C[,D]]",
        help=f"local: the estate's regions (2 to {MAX_REGIONS}) in priority order, the primary "
        "first, then the order a failover prefers its target (default us-east-1,us-west-2; e.g. "
        "us-east-1,eu-west-1,us-west-2)",
    )
    p.add_argument(
        "--lease-regions",
        type=_region_list(3),
        metavar="X,Y,Z",
        help="local: the failover table's three regions, one MRSC set (template LeaseRegions; "
        "default: the set that holds the primary, the estate's regions in it first, then its "
        "members nearest the primary; else us-east-1,us-east-2,us-west-2)",
    )


def _live_options(p: argparse.ArgumentParser, region_help: str) -> None:
    live = p.add_argument_group("against a real account")
    live.add_argument("--live", action="store_true", help="read the deployed stacks instead")
    live.add_argument(
        "--profile",
        help="AWS profile (default: the default credential chain: environment, SSO, role)",
    )
    live.add_argument("--region", help=region_help)
    live.add_argument(
        "--stack",
        default="shop-failover-control-plane",
        help="control-plane stack name in the region (default shop-failover-control-plane)",
    )


def readiness_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m drill readiness",
        description="Could each region take over now? Invokes the EvaluateReadiness function "
        "(read-only, no lease) and prints its checks: PASS, WARN or FAIL with a reason. Exits 1 "
        "on any FAIL. By default on the embedded estate (every region, or --region).",
    )
    _live_options(p, "the region to evaluate as the failover target (required with --live)")
    _estate_options(p)
    p.add_argument("--plain", action="store_true", help="plain progress lines even on a terminal")
    return p


def report_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m drill report",
        description="Build the drill report (report.md, report.json, timeline.png) of any "
        "execution of the failover state machine from its history and its audit row. A re-run "
        "is shown with the failed run it completes. Needs --live: the embedded AWS lives only "
        "inside one drill (use `python -m drill --report DIR` there).",
    )
    p.add_argument("--execution-arn", required=True, metavar="ARN", help="the execution")
    p.add_argument(
        "--report", type=Path, metavar="DIR", help="write report.json, report.md, timeline.png"
    )
    p.add_argument(
        "--rto-target",
        type=_seconds,
        default=DEFAULT_RTO_TARGET,
        metavar="SECONDS",
        help=f"recovery time objective (default {DEFAULT_RTO_TARGET:.0f})",
    )
    _live_options(p, "the execution's region (default: the one in the ARN)")
    return p


def readiness_main(argv: list[str], out: TextIO) -> int:
    p = readiness_parser()
    args = p.parse_args(argv)
    from drill.live import LiveDrillError
    from drill.readiness_cli import ReadinessError, evaluate_live, evaluate_local, render_table

    if not args.live and args.profile:
        p.error("--profile only applies with --live")
    if args.live and not args.region:
        p.error("--live needs --region (the region to evaluate as the failover target)")
    if args.live and (args.regions != DEFAULT_REGIONS or args.lease_regions):
        p.error("--regions and --lease-regions apply to the embedded estate, not --live")
    progress = Progress(out, live=False if args.plain else None)
    try:
        if args.live:
            readout = evaluate_live(args.region, args.stack, args.profile)
        else:
            readout = evaluate_local(args.region, progress, args.regions, args.lease_regions)
    except (ReadinessError, LiveDrillError, EmbeddedAwsError) as error:
        progress.close()
        sys.stderr.write(f"drill readiness: error: {error}\n")
        return DRILL_FAILED
    progress.close()
    print(render_table(readout), file=out)
    return 0 if readout.ready else DRILL_FAILED


def report_main(argv: list[str], out: TextIO) -> int:
    p = report_parser()
    args = p.parse_args(argv)
    from drill.history_report import ReportError, report_live

    if not args.live:
        p.error(
            "report needs --live: the embedded AWS lives only inside one drill, so a drill's "
            "own report is `python -m drill --report DIR`"
        )
    try:
        report = report_live(
            args.execution_arn, args.region, args.stack, args.profile, args.rto_target
        )
    except ReportError as error:
        sys.stderr.write(f"drill report: error: {error}\n")
        return DRILL_FAILED
    from drill.render import render_text, write_report

    print(render_text(report), file=out)
    if args.report is not None:
        written = write_report(report, args.report)
        print("report written: " + ", ".join(str(path) for path in written), file=out)
    return 0 if report.passed else DRILL_FAILED


SUBCOMMANDS = {"readiness": readiness_main, "report": report_main}


def main(
    argv: list[str] | None = None, stdout: TextIO | None = None, stdin: TextIO | None = None
) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    out = stdout or sys.stdout
    if arguments and arguments[0] in SUBCOMMANDS:
        return SUBCOMMANDS[arguments[0]](arguments[1:], out)
    args_parser = parser()
    args = args_parser.parse_args(arguments)
    live_only = [
        flag
        for flag, value in (
            ("--profile", args.profile),
            ("--region", args.region if args.scenario != "region-down" else None),
            ("--execute", args.execute),
            ("--automatic", args.automatic),
        )
        if value
    ]
    if not args.live and live_only:
        args_parser.error(f"{', '.join(live_only)} only apply with --live")
    if args.live and args.resync_seconds is not None:
        args_parser.error("--resync-seconds applies to the local drill only")
    if args.live and not args.region:
        args_parser.error("--live needs --region (the region to fail over into)")
    if args.live and (args.regions != DEFAULT_REGIONS or args.lease_regions):
        args_parser.error(
            "--regions and --lease-regions apply to the local drill (a live drill "
            "reads the deployed estate)"
        )
    if not args.live and args.scenario in THREE_REGION_SCENARIOS and len(args.regions) < 3:
        args_parser.error(
            f"--scenario {args.scenario} chooses among 3 or 4 regions in priority order: pass "
            "--regions with three or four (e.g. us-east-1,eu-west-1,us-west-2)"
        )
    if not args.live and args.regions != DEFAULT_REGIONS:
        west = args.scenario in PAIR_SCENARIOS or (
            args.scenario == "region-down" and args.region not in (None, args.regions[0])
        )
        if west:
            args_parser.error(
                f"--scenario {args.scenario}{' --region ' + args.region if args.region else ''} "
                "kills us-west-2, Global Accelerator's API region, as the active one: it runs on "
                "the default pair us-east-1,us-west-2 only"
            )
    if args.samples is not None:
        if args.live:
            args_parser.error("--samples runs the local drill only")
        from drill.samples import render_samples, run_samples, write_samples

        found = run_samples(
            args.scenario,
            args.samples,
            args.seed,
            out,
            args.rto_target,
            regions=args.regions,
            lease_regions=args.lease_regions,
        )
        print("", file=out)
        print(render_samples(found), file=out)
        if args.report is not None:
            written = write_samples(found, args.report)
            print("report written: " + ", ".join(str(path) for path in written), file=out)
        return DRILL_FAILED if found.failures or not found.samples else 0
    progress = Progress(out, live=False if args.plain else None)
    both: dict[str, Any] = {
        "scenario": args.scenario,
        "failback": args.failback,
        "rto_target": args.rto_target,
    }
    try:
        if args.live:
            from drill.live import LiveOptions, run_live

            live = LiveOptions(
                profile=args.profile,
                region=args.region,
                stack=args.stack,
                execute=args.execute,
                automatic=args.automatic,
                **both,
            )
            report = run_live(live, progress, stdin or sys.stdin)
            if report is None:
                return 0
        else:
            report = run_local(
                Options(
                    time_scale=args.time_scale,
                    region=args.region,
                    regions=args.regions,
                    lease_regions=args.lease_regions,
                    blip_seconds=args.blip_seconds,
                    blip_phase=args.blip_phase,
                    resync_seconds=args.resync_seconds,
                    **both,
                ),
                progress,
            )
    except EmbeddedAwsError as error:
        progress.close()
        sys.stderr.write(f"drill: error: {error}\n")
        return DRILL_FAILED
    except Exception as error:
        from drill.live import LiveDrillError

        if not isinstance(error, LiveDrillError):
            raise
        progress.close()
        sys.stderr.write(f"drill: error: {error}\n")
        return DRILL_FAILED
    except KeyboardInterrupt:
        progress.close()
        sys.stderr.write("drill: interrupted; the embedded AWS was stopped\n")
        return 130
    progress.close()
    from drill.render import render_text, write_report

    print("", file=out)
    print(render_text(report, milestones=False), file=out)  # the progress printed them
    if args.report is not None:
        written = write_report(report, args.report)
        print("report written: " + ", ".join(str(path) for path in written), file=out)
    return 0 if report.passed else DRILL_FAILED
