"""CloudWatch alarm evaluation (emulator.services.cloudwatch), run by the world actor."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from emulator import Emulator

REGION = "us-west-2"


@pytest.fixture
def cloudwatch(emu: Emulator) -> Any:
    emu.watch_regions(REGION)
    return boto3.client("cloudwatch", region_name=REGION)


def alarm(cloudwatch: Any, name: str, period: int, periods: int) -> None:
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="Drill",
        MetricName=name,
        Statistic="Minimum",
        Period=period,
        EvaluationPeriods=periods,
        DatapointsToAlarm=periods,
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
        TreatMissingData="missing",
    )


def put(cloudwatch: Any, name: str, value: float, resolution: int) -> None:
    cloudwatch.put_metric_data(
        Namespace="Drill",
        MetricData=[{"MetricName": name, "Value": value, "StorageResolution": resolution}],
    )


def fired_at(emu: Emulator, name: str) -> list[float]:
    """When the alarm went to ALARM (modelled seconds)."""
    return [
        n.at for n in emu.notices if n.kind == "alarm" and n.subject == name and n.state == "ALARM"
    ]


def test_a_high_resolution_alarm_is_evaluated_every_period(emu: Emulator, cloudwatch: Any) -> None:
    # given a 10 s alarm (3 periods) on a high-resolution metric, and the world running
    alarm(cloudwatch, "fast", period=10, periods=3)
    with emu.clock.held():
        emu.start_world(step=1.0)
        emu.clock.advance(55)  # the alarm's first evaluation range lies after its creation

        # when a failing datapoint arrives every 10 s
        for _ in range(4):
            put(cloudwatch, "fast", 0.0, resolution=1)
            emu.clock.advance(10)

    # then it went to ALARM at the first 10 s boundary after three failing periods (the
    # datapoints of 55, 65 and 75 s), not at a minute boundary
    assert fired_at(emu, "fast") == [80.0]


def test_a_standard_resolution_metric_counts_once_a_minute(emu: Emulator, cloudwatch: Any) -> None:
    # given the same 10 s alarm on datapoints stored at standard (one-minute) resolution
    alarm(cloudwatch, "slow", period=10, periods=1)
    with emu.clock.held():
        emu.start_world(step=1.0)
        emu.clock.advance(35)

        # when a failing datapoint arrives at 35 s, then at 45 s
        put(cloudwatch, "slow", 0.0, resolution=60)
        emu.clock.advance(10)
        put(cloudwatch, "slow", 0.0, resolution=60)
        emu.clock.advance(60)

    # then both count at the start of their minute (0-10 s), so no 10 s period after the
    # alarm's creation ever breached: it never fired
    assert fired_at(emu, "slow") == []


# The worked examples of "How CloudWatch alarm evaluates when data is missing"
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html):
# five periods of evaluation range, oldest first; 0 not breaching, X breaching, - missing.
# None: the alarm keeps its current state.
DOCUMENTED = [
    # Datapoints to Alarm 3 of Evaluation Periods 3
    (3, "0 - X - X", {"missing": "OK", "ignore": "OK", "breaching": "OK", "notBreaching": "OK"}),
    (3, "0 - - - -", {"missing": "OK", "ignore": "OK", "breaching": "OK", "notBreaching": "OK"}),
    (
        3,
        "- - - - -",
        {
            "missing": "INSUFFICIENT_DATA",
            "ignore": None,
            "breaching": "ALARM",
            "notBreaching": "OK",
        },
    ),
    (
        3,
        "0 X X - X",
        {"missing": "ALARM", "ignore": "ALARM", "breaching": "ALARM", "notBreaching": "ALARM"},
    ),
    (
        3,
        "- - X - -",
        {"missing": "ALARM", "ignore": None, "breaching": "ALARM", "notBreaching": "OK"},
    ),
    # 2 of 3
    (
        2,
        "0 - X - X",
        {"missing": "ALARM", "ignore": "ALARM", "breaching": "ALARM", "notBreaching": "ALARM"},
    ),
    (
        2,
        "0 0 X 0 X",
        {"missing": "ALARM", "ignore": "ALARM", "breaching": "ALARM", "notBreaching": "ALARM"},
    ),
    (2, "0 - X - -", {"missing": "OK", "ignore": "OK", "breaching": "ALARM", "notBreaching": "OK"}),
    (2, "- - - - 0", {"missing": "OK", "ignore": "OK", "breaching": "ALARM", "notBreaching": "OK"}),
    (
        2,
        "- - - X -",
        {"missing": "ALARM", "ignore": None, "breaching": "ALARM", "notBreaching": "OK"},
    ),
]


@pytest.mark.parametrize(("needed", "points", "expected"), DOCUMENTED)
def test_alarm_evaluation_matches_the_documented_missing_data_examples(
    needed: int, points: str, expected: dict[str, str | None]
) -> None:
    from emulator.services.cloudwatch import evaluate

    slots = [None if p == "-" else (1.0 if p == "X" else 0.0) for p in points.split()]
    for treat, state in expected.items():
        assert evaluate(slots, 3, needed, treat, lambda v: v >= 1.0) == state, (points, treat)


def test_one_failed_probe_and_a_missing_period_never_alarm_a_three_of_three_alarm() -> None:
    from emulator.services.cloudwatch import evaluate

    # a probe period left empty at a minute boundary, around one failed probe
    for points in ("1 1 1 - 0", "1 1 - 0 1", "1 1 0 - 1", "1 - 0 0 1", "1 0 - 0 1"):
        slots = [None if p == "-" else float(p) for p in points.split()]
        assert evaluate(slots, 3, 3, "missing", lambda v: v < 1.0) == "OK", points
