"""The drill's floors (drill.floors): the arithmetic, checked against numbers worked by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from drill.floors import (
    FASTEST,
    DetectionSettings,
    detection_seconds,
    detection_terms,
    floors,
    template_settings,
)
from emulator.latency import LatencyModel

THREES = DetectionSettings(probe_datapoints=3, health_check_failure_threshold=3)
"""The settings these hand-worked numbers use: 3 probes, 3 failed checks (30 s each)."""


def test_the_templates_defaults_are_read() -> None:
    found = template_settings()
    assert (found.probe_period_s, found.health_check_interval_s) == (10.0, 10.0)
    # the safe detection defaults (issue 20): 3 failed probes, 3 failed checks, and the
    # families agreeing for 180 s before a run acts
    assert (found.probe_datapoints, found.health_check_failure_threshold) == (3, 3)
    assert found.quorum_families == 2
    assert found.min_outage_s == 180.0
    # the ALB's target group (stacks/region.yaml): GA takes the ALB's target health
    assert (found.alb_interval_s, found.alb_unhealthy_threshold) == (10.0, 3)
    assert found.alb_healthy_threshold == 2


# The floor model's latencies (LatencyModel(), the low end of each figure): CloudWatch
# ingestion 1 s, EventBridge delivery 0.1 s, a checker's round trip 0.01 s, GA seeing the
# ALB's health 1 s, Aurora failover 60 s, Fargate start 30 s, GA deploy 10 s, API call 0.02 s.
PROBE = 5.0 + 1.0 + 5.0 + 0.1  # first sample (half a period), ingestion, evaluation, delivery
ROUTE53 = 7 / 8 * 10 - 10 / 16 + 0.01  # the 7th of 8 spread checkers decides (18% rule)
ALB = 5.0 + 2 * 10.0 + 1.0  # 3 failed checks 10 s apart (the first half-way), then GA


def test_detection_waits_for_the_slowest_family_the_quorum_needs() -> None:
    # the templates' defaults: probe 11.1 s; Route 53 8.1 s; GA (ALB 3 x 10 s) 26 s -> the
    # probe, with Route 53 as the second family
    assert detection_seconds(DetectionSettings()) == pytest.approx(PROBE)
    # 3 probes and 3 failed Route 53 checks: probe 11.1 + 20 (policy), Route 53 8.1 + 20,
    # GA 26
    assert detection_seconds(THREES) == pytest.approx(PROBE + 20.0)
    # all three families: GA's 26 s is needed
    assert detection_seconds(replace(DetectionSettings(), quorum_families=3)) == pytest.approx(ALB)
    # region-down: Route 53 cannot count (its API is in the Region that is down): GA is the
    # second family
    assert detection_seconds(DetectionSettings(), region_down=True) == pytest.approx(ALB)
    # fastest documented: ALB 2 x 5 s, so GA is 2.5 + 5 + 1 = 8.5 s; the probe still leads
    assert detection_seconds(FASTEST, region_down=True) == pytest.approx(PROBE)


def test_policy_terms_are_terms_of_their_own() -> None:
    terms = {t.name: t for t in detection_terms(THREES)}
    assert terms["detection"].kind == "physics"
    # the probe's physics (11.1 s) or the faster second family (GA 26 s; Route 53 28.1 s)
    assert terms["detection"].seconds == pytest.approx(ALB)
    assert terms["probe datapoints"].kind == "policy"
    assert terms["probe datapoints"].seconds == pytest.approx(PROBE + 20.0 - ALB)
    # the quorum must then agree for MinOutageSeconds, counted from its first agreeing
    # reading (failover.quorum), so the whole minimum follows detection
    waiting = {t.name: t for t in detection_terms(replace(THREES, min_outage_s=180.0))}
    assert waiting["MinOutageSeconds"].kind == "policy"
    assert waiting["MinOutageSeconds"].seconds == pytest.approx(180.0)
    # region-down: the failed region's own APIs are unreachable too, the shorter wait applies
    down = {
        t.name: t for t in detection_terms(replace(THREES, min_outage_s=180.0), region_down=True)
    }
    assert down["MinOutageSeconds"].seconds == pytest.approx(60.0)


def test_floors_of_the_default_settings_by_hand() -> None:
    latency = LatencyModel(imports={})
    found = floors(THREES, latency)
    assert found.detection_s == pytest.approx(PROBE + 20.0)
    # detection, then max(60 Aurora, 30 Fargate + 5 + 10 ALB healthy checks)
    assert found.critical_path_s == pytest.approx(PROBE + 20.0 + 60.0)
    # the physical floor ignores the template: the fastest settings, the floor model, no policy
    assert found.physical_s == pytest.approx(PROBE + 60.0)
    # detection, then 60 + 45 + 10 one after another, and 4 CLI calls of 20 ms
    assert found.sequential_s == pytest.approx(PROBE + 20.0 + 115.0 + 0.08)
    names = [t["name"] for t in found.terms["critical_path"]]
    assert names == ["detection", "probe datapoints", "MinOutageSeconds", "act"]
    assert [t["kind"] for t in found.terms["physical"]] == ["physics", "physics"]


def test_a_slower_promotion_moves_every_floor_but_the_physical_one() -> None:
    slow = floors(THREES, LatencyModel(imports={}, aurora_failover_seconds=90.0))
    assert slow.critical_path_s == pytest.approx(PROBE + 20.0 + 90.0)
    assert slow.physical_s == pytest.approx(PROBE + 60.0)  # Aurora's documented minimum
    assert slow.sequential_s == pytest.approx(PROBE + 20.0 + 145.0 + 0.08)
