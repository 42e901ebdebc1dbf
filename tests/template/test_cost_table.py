"""The monthly cost table (docs/DEPLOY.md) prices what the templates create, counted again.

Given the four templates and how many copies of each the estate deploys (template.yaml and
stacks/region.yaml in both regions, stacks/global.yaml and stacks/lease.yaml once), when the
alarms (standard and high resolution), KMS keys and schedules are counted and priced at the
table's unit prices,
then the table's rows state those counts and amounts. A template change that adds an alarm, a
key or a schedule fails here until the table is counted again.
"""

from __future__ import annotations

import re
from typing import Any

from testbed.template import expand_foreach
from tests.template.cfn_yaml import REPO_ROOT, load_template

# The estate the table prices: two regions (the global stack's per-region resources, expanded).
REGIONS = ("us-east-1", "eu-west-1")

COPIES = {
    "template.yaml": 2,
    "stacks/region.yaml": 2,
    "stacks/global.yaml": 1,
    "stacks/lease.yaml": 1,
}
HOURS = 730  # a month, as AWS's pricing pages count it
# Unit prices (us-east-1, as the table states them).
ALARM_STANDARD = 0.10  # per alarm-month, period >= 60 s
ALARM_HIGH_RESOLUTION = 0.30  # per alarm-month, period < 60 s
ALARM_COMPOSITE = 0.50  # per composite alarm-month
KMS_KEY = 1.00  # per key-month
LAMBDA_ARM_GB_SECOND = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1_000_000
PUT_METRIC_DATA = 0.01 / 1_000


def templates() -> dict[str, dict[str, Any]]:
    return {
        name: expand_foreach(load_template(REPO_ROOT / name), {"Regions": list(REGIONS)})
        for name in COPIES
    }


def resources(kind: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, template in templates().items():
        for resource in template["Resources"].values():
            if resource["Type"] == kind:
                found += [(name, resource)] * COPIES[name]
    return found


def count_alarms() -> tuple[int, int]:
    standard = high = 0
    for _name, alarm in resources("AWS::CloudWatch::Alarm"):
        properties = alarm["Properties"]
        periods = (
            [properties["Period"]]
            if "Period" in properties
            else [m.get("MetricStat", m).get("Period", 60) for m in properties["Metrics"]]
        )
        if min(periods) < 60:
            high += 1
        else:
            standard += 1
    return standard, high


def schedules() -> dict[str, str]:
    """Each scheduled function of the control plane and its rate (per copy)."""
    found = {}
    for logical, resource in templates()["template.yaml"]["Resources"].items():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event["Type"] == "Schedule":
                schedule = event["Properties"]["Schedule"]
                if isinstance(schedule, dict):  # a parameter
                    schedule = templates()["template.yaml"]["Parameters"][schedule["Ref"]][
                        "Default"
                    ]
                found[logical] = schedule
    return found


def table() -> str:
    """The cost table itself: from its header row to its Floor row."""
    text = (REPO_ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
    start = text.index("| Component | Unit price |", text.index("## Monthly cost"))
    end = text.index("\n", text.index("| **Floor", start))
    return text[start:end]


def row(name: str) -> str:
    [line] = [line for line in table().splitlines() if line.startswith(f"| {name}")]
    return line


def test_the_table_prices_every_alarm_the_templates_create() -> None:
    standard, high = count_alarms()
    composite = len(resources("AWS::CloudWatch::CompositeAlarm"))
    line = row("CloudWatch alarms")
    assert f"{standard + high + composite} alarms" in line
    assert f"{standard} standard" in line
    assert f"{high} high-resolution" in line
    assert f"{composite} composite" in line
    cost = standard * ALARM_STANDARD + high * ALARM_HIGH_RESOLUTION + composite * ALARM_COMPOSITE
    assert f"${cost:.2f}" in line


def test_the_table_prices_every_kms_key() -> None:
    keys = len(resources("AWS::KMS::Key"))
    line = row("KMS")
    assert f"{keys} keys" in line
    assert f"${keys * KMS_KEY:.2f}" in line


def test_the_probe_is_priced_from_its_schedule_memory_and_samples() -> None:
    rates = schedules()
    assert rates == {
        "ProbeHealthFunction": "rate(1 minute)",
        "EvaluateReadinessFunction": "rate(15 minutes)",
    }
    probe = templates()["template.yaml"]["Resources"]["ProbeHealthFunction"]["Properties"]
    invocations = HOURS * 60  # rate(1 minute), per region
    # It runs for its minute (a sample every 10 s, failover.health.watch_others).
    gb_seconds = invocations * 60 * probe["MemorySize"] / 1024
    lambda_cost = 2 * (gb_seconds * LAMBDA_ARM_GB_SECOND + invocations * LAMBDA_REQUEST)
    metric_calls = 2 * invocations * 6  # one PutMetricData per sample
    line = row("Peer probe")
    assert f"${lambda_cost:.2f}" in line, line
    assert f"${metric_calls * PUT_METRIC_DATA:.2f}" in line, line


def test_the_floor_is_the_sum_of_the_rows() -> None:
    total = 0.0
    cheaper = 0.0
    for line in table().splitlines():
        if not line.startswith("| ") or line.startswith(("| Component", "| ---", "| **Floor")):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        default, single = cells[2], cells[3]
        amounts = re.findall(r"\$([0-9,]+\.[0-9]{2})(?!/)", default)
        if amounts:
            total += float(amounts[-1].replace(",", ""))
            # The cheaper floor is the single-NAT estate: only those two rows change.
            cheaper_amounts = re.findall(r"\$([0-9,]+\.[0-9]{2})(?!/)", single)
            single_nat = line.startswith(("| NAT", "| Public IPv4"))
            chosen = cheaper_amounts if single_nat and cheaper_amounts else amounts
            cheaper += float(chosen[-1].replace(",", ""))
    floor = row("**Floor")
    assert f"≈ ${round(total)}" in floor, (total, floor)
    assert f"≈ ${round(cheaper)}" in floor, (cheaper, floor)
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert f"≈ ${round(total)}" in readme
