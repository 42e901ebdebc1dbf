"""The drill's floors (drill.floors): the arithmetic, checked against numbers worked by hand."""

from __future__ import annotations

from dataclasses import replace

from drill.floors import FASTEST, DetectionSettings, detection_seconds, floors, template_settings
from emulator.latency import LatencyModel

THREES = DetectionSettings(probe_datapoints=3, health_check_failure_threshold=3, min_outage_s=0.0)
"""The settings these hand-worked numbers use: 3 probes, 3 failed checks (30 s each), and no
minimum outage (its own test below)."""


def test_the_templates_defaults_are_read() -> None:
    assert template_settings() == DetectionSettings(
        probe_period_s=10.0,
        probe_datapoints=3,
        health_check_interval_s=10.0,
        health_check_failure_threshold=3,
        quorum_families=2,
        min_outage_s=180.0,
    )


def test_detection_waits_for_the_slowest_family_the_quorum_needs() -> None:
    # probe 3 x 10 = 30 s; checks 3 x 10 = 30 s -> 30 s
    assert detection_seconds(THREES) == 30.0
    # the templates' defaults: probe 3 x 10 = 30 s; checks 3 x 10 = 30 s; then 180 s agreed
    assert detection_seconds(DetectionSettings()) == 210.0
    assert (
        detection_seconds(replace(THREES, probe_datapoints=2, health_check_failure_threshold=2))
        == 20.0
    )
    # probe 2 x 10 = 20 s, but the second family (checks, 4 x 10 = 40 s) is needed -> 40 s
    assert (
        detection_seconds(replace(THREES, probe_datapoints=2, health_check_failure_threshold=4))
        == 40.0
    )
    # probe 6 x 10 = 60 s starts the run, checks at 20 s are long done -> 60 s
    assert (
        detection_seconds(replace(THREES, probe_datapoints=6, health_check_failure_threshold=2))
        == 60.0
    )
    # all three families: still the checks (Route 53 and GA share interval and threshold)
    assert detection_seconds(replace(THREES, quorum_families=3)) == 30.0
    # fastest documented: one 10 s probe datapoint, one failed 10 s check
    assert detection_seconds(FASTEST) == 10.0


def test_floors_of_the_default_settings_by_hand() -> None:
    latency = LatencyModel(imports={})  # Aurora failover 60 s, Fargate start 60 s, GA 30 s
    found = floors(THREES, latency)
    assert found.detection_s == 30.0
    assert found.critical_path_s == 30.0 + 60.0  # detection, then max(60 Aurora, 60 Fargate)
    assert found.physical_s == 10.0 + 60.0
    # detection, then 60 + 60 + 30 one after another, and 4 CLI calls of 50 ms
    assert abs(found.sequential_s - (30.0 + 150.0 + 0.2)) < 1e-9
    ratios = found.ratios(99.0)
    assert ratios == {
        "rto_over_critical_path": 1.1,  # 99 / 90
        "rto_over_physical": round(99.0 / 70.0, 3),  # 1.414
        "sequential_over_rto": round(180.2 / 99.0, 3),  # 1.82
    }


def test_a_slower_promotion_moves_every_floor() -> None:
    slow = floors(THREES, LatencyModel(imports={}, aurora_failover_seconds=90.0))
    assert (slow.critical_path_s, slow.physical_s) == (120.0, 100.0)  # max(90, 60) = 90
    assert abs(slow.sequential_s - (30.0 + 180.2)) < 1e-9
