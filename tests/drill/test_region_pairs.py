"""The default drill on pairs other than us-east-1 + us-west-2 (make scenarios).

Each runs ``drill.local.run_local`` as ``make drill ARGS="--regions A,B"`` does, and checks
from outside: the report passed, the writer, traffic and app config moved into the secondary
and back, and the lease lived in the chosen MRSC set.
"""

from __future__ import annotations

import io

import pytest

from drill.local import Options, run_local
from drill.model import Report
from drill.progress import Progress
from emulator.latency import FIGURES

pytestmark = [pytest.mark.allow_hosts(["127.0.0.1"]), pytest.mark.scenario]


def drill(
    regions: tuple[str, str],
    lease_regions: tuple[str, str, str] | None = None,
    scenario: str = "unplanned",
    failback: bool = True,
) -> Report:
    return run_local(
        Options(
            scenario=scenario,
            time_scale=0.0,
            failback=failback,
            regions=regions,
            lease_regions=lease_regions,
            resync_seconds=FIGURES["aurora_resync_seconds"].low,  # a failback waits for it
        ),
        Progress(io.StringIO(), live=False),
    )


def checks(report: Report, run: int) -> dict[str, str]:
    return {c.name: c.actual for c in report.runs[run].checks}


@pytest.mark.parametrize(
    ("regions", "lease_regions"),
    [
        (("eu-west-1", "eu-west-2"), ("eu-west-1", "eu-west-2", "eu-west-3")),
        (("us-east-1", "us-east-2"), None),
    ],
)
def test_a_pair_inside_one_lease_set_fails_over_and_back(
    regions: tuple[str, str], lease_regions: tuple[str, str, str] | None
) -> None:
    primary, secondary = regions
    report = drill(regions, lease_regions)

    assert report.passed, [str(c) for run in report.runs for c in run.checks if not c.passed]
    failover, failback = report.runs
    assert (failover.source_region, failover.target_region) == (primary, secondary)
    assert (failback.source_region, failback.target_region) == (secondary, primary)
    assert failover.outcome == "succeeded"
    assert failover.rto_s is not None
    assert checks(report, 0)["writer region"] == secondary
    assert checks(report, 0)[f"traffic dial {secondary}"] == "100.0"
    assert checks(report, 1)["writer region"] == primary
    assert checks(report, 1)[f"active-region parameter in {secondary}"] == primary
    assert any(
        note.startswith(f"regions in priority order: {primary} (primary) and {secondary};")
        for note in report.notes
    )


def test_region_down_of_a_primary_that_is_not_route53s_region_keeps_route53() -> None:
    # eu-west-1 down: Route 53 (us-east-1) still sees it and still votes, so the floors count
    # its family, and either trigger may start the run
    report = drill(("eu-west-1", "eu-west-2"), scenario="region-down", failback=False)

    assert report.passed, [str(c) for run in report.runs for c in run.checks if not c.passed]
    run = report.runs[0]
    assert checks(report, 0)["writer region"] == "eu-west-2"
    assert run.floors is not None
    detection = next(t for t in run.floors.terms["critical_path"] if t["name"] == "detection")
    assert "route53" in detection["why"]


def test_the_pair_the_project_was_built_from_fails_over_and_back() -> None:
    report = drill(("us-east-1", "eu-west-1"), ("us-east-1", "us-east-2", "us-west-2"))

    assert report.passed, [str(c) for run in report.runs for c in run.checks if not c.passed]
    assert checks(report, 0)["writer region"] == "eu-west-1"
    assert checks(report, 1)["writer region"] == "us-east-1"


def test_the_built_from_pair_survives_us_east_1_down_with_its_lease_outside_the_estate() -> None:
    # us-east-1 is the estate's primary AND the lease set's nearest member to eu-west-1: its
    # control plane writes through us-east-2 (a member outside the estate), so the lease and
    # the failover do not depend on the region that failed
    report = drill(
        ("us-east-1", "eu-west-1"),
        ("us-east-1", "us-east-2", "us-west-2"),
        scenario="region-down",
        failback=False,
    )

    assert report.passed, [str(c) for run in report.runs for c in run.checks if not c.passed]
    assert checks(report, 0)["writer region"] == "eu-west-1"
