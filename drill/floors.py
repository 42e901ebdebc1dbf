"""How close a run is to what the physics allows: the floors a drill's RTO is set against.

Three figures, in modelled seconds from the outage (t0) to the estate converged on the
recovery region, each a sum of named **terms** (:class:`Term`, listed in report.json):

* **physical floor** (``physical_s``): what no configuration can beat. Every term at the
  documented minimum of its setting *whatever the template says* (:data:`FASTEST`): Route 53
  checks every 10 s failing after 1 check; an ALB target group checking every 5 s, 2 failures
  to go unhealthy and 2 successes to come back; a probe alarm on one 10 s datapoint; and the
  low end of every duration in :data:`emulator.latency.FIGURES` (Aurora's "under a minute",
  the low end of Fargate's start). No policy term.
* **critical-path floor** (``critical_path_s``): the configured settings (the templates'
  parameter defaults, :func:`template_settings`) and the latency model the run used, with a
  control plane that costs nothing, *plus* the policy terms. ``rto_s - critical_path_s`` is
  the control plane's overhead on the critical path.
* **sequential** (``sequential_s``): the configured detection, then the stages one after
  another, as a manual CLI runbook does them (no human think time added).

**Policy terms** buy safety and are shown on their own, so nobody can win RTO by lowering them
without it showing: ``MinOutageSeconds`` (an outage must have lasted that long before a run
acts; 0 when the template has no such parameter) and the probe datapoints beyond the first
(``ProbeAlarmDatapoints - 1`` more 10 s samples), the Route 53 / ALB failures beyond the
documented minimum.

**Detection** is the moment the run can act: the probe alarm starts it (the one trigger that
survives a us-east-1 outage, ARCHITECTURE.md "Where things run" 4) and ConfirmOutage needs
``quorum_families`` families; each family's time is the mean over the outage's phase:

* probe: the first failing sample comes half a period after the outage on average, then
  ``datapoints - 1`` more periods, the datapoint's ingestion, and the alarm's own evaluation
  (every period, on its own phase: half a period on average), then EventBridge's delivery;
* Route 53: the status flips when no more than 18% of the checkers still see the endpoint
  healthy; with ``n`` uncoordinated checkers spread over the interval the deciding one fails
  ``(n - floor(0.18 n)) / n`` of an interval after the outage (on average), then
  ``threshold - 1`` more intervals. **In region-down Route 53 does not count**: its API
  (GetHealthCheckStatus, us-east-1) is unreachable there, so the quorum uses the probe and GA;
* Global Accelerator: the ALB's ``UnhealthyThresholdCount`` failed checks (the first half an
  interval after the outage on average), then GA's delay in seeing the ALB's health.

Only unplanned failovers get floors (a planned switchover has no detection).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from failover import in_region

from drill.model import Floors
from emulator.latency import LatencyModel

__all__ = [
    "FASTEST",
    "DetectionSettings",
    "Term",
    "detection_seconds",
    "detection_terms",
    "floors",
    "template_settings",
]

REPO = Path(__file__).resolve().parent.parent
ROUTE53_CHECKERS = 8  # Route 53's default health-checker Regions (emulator.services.route53)


@dataclass(frozen=True)
class DetectionSettings:
    """The settings detection depends on (defaults: the templates' parameter defaults)."""

    # template.yaml ProbeAlarm<W>: Period 10 (a high-resolution alarm on the probe's
    # high-resolution PeerHealthy metric; ProbeHealthFunction probes every 10 s).
    probe_period_s: float = 10.0
    # template.yaml Parameters.ProbeAlarmDatapoints: failed probes in a row.
    probe_datapoints: int = 1
    # stacks/global.yaml Parameters.HealthCheckInterval (Route 53 allows 10 or 30).
    health_check_interval_s: float = 10.0
    # stacks/global.yaml Parameters.HealthCheckFailureThreshold (Route 53 allows 1-10).
    health_check_failure_threshold: int = 1
    # template.yaml Parameters.OutageQuorum: families that must see the outage.
    quorum_families: int = 2
    # stacks/region.yaml TargetGroup: the ALB's checks (GA takes the ALB's target health).
    alb_interval_s: float = 10.0
    alb_unhealthy_threshold: int = 3
    alb_healthy_threshold: int = 2
    # template.yaml Parameters.MinOutageSeconds (a policy; 0 when the template has none).
    min_outage_s: float = 0.0


#: The fastest settings AWS documents.
#: Route 53: "RequestInterval ... 10 or 30" and "FailureThreshold ... 1 to 10"
#: (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html);
#: ALB target groups: HealthCheckIntervalSeconds 5-300, UnhealthyThresholdCount and
#: HealthyThresholdCount 2-10
#: (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html);
#: CloudWatch: high-resolution alarms have periods of 10 or 30 s, one datapoint can alarm
#: (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
FASTEST = DetectionSettings(
    probe_period_s=10.0,
    probe_datapoints=1,
    health_check_interval_s=10.0,
    health_check_failure_threshold=1,
    quorum_families=2,
    alb_interval_s=5.0,
    alb_unhealthy_threshold=2,
    alb_healthy_threshold=2,
    min_outage_s=0.0,
)


@dataclass(frozen=True)
class Term:
    """One term of a floor."""

    name: str
    seconds: float
    kind: str  # "physics" | "policy"
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "seconds": round(self.seconds, 3), "kind": self.kind,
                "why": self.why}  # fmt: skip


def _families(
    settings: DetectionSettings, latency: LatencyModel, route53_down: bool
) -> dict[str, float]:
    """Mean seconds from the outage until each family has seen it (physics at ``settings``,
    without the policy's extra datapoints: those are terms of their own)."""
    period = settings.probe_period_s
    probe = (
        period / 2.0  # the first failing sample
        + latency.cloudwatch_ingestion_seconds
        + period / 2.0  # the alarm's own evaluation phase
        + latency.eventbridge_delivery_seconds
    )
    found = {"probe": probe}
    interval = settings.health_check_interval_s
    deciding = ROUTE53_CHECKERS - math.floor(0.18 * ROUTE53_CHECKERS)
    if not route53_down:  # Route 53's API lives in us-east-1: it votes unless that is down
        found["route53"] = (
            deciding / ROUTE53_CHECKERS * interval
            - interval / (2 * ROUTE53_CHECKERS)
            + latency.health_check_round_trip_seconds
        )
        found["route53"] += (settings.health_check_failure_threshold - 1) * interval
    found["accelerator"] = (
        settings.alb_interval_s / 2.0
        + (settings.alb_unhealthy_threshold - 1) * settings.alb_interval_s
        + latency.ga_alb_health_seconds
    )
    return found


def detection_terms(
    settings: DetectionSettings,
    latency: LatencyModel | None = None,
    region_down: bool = False,
    policy: bool = True,
    route53_down: bool | None = None,
) -> list[Term]:
    """Detection as terms: the physics of the slowest family the quorum needs (the probe
    always: it starts the run), then the policy's extras. ``region_down``: the failed
    region's APIs are unreachable too (the shorter wait); ``route53_down``: Route 53's API
    region (us-east-1) is the one down, so its family cannot vote (default: ``region_down``,
    the us-east-1 primary)."""
    latency = latency or LatencyModel(imports={})
    families = _families(settings, latency, region_down if route53_down is None else route53_down)
    probe = families["probe"]
    others = sorted(v for k, v in families.items() if k != "probe")
    needed = others[: max(settings.quorum_families - 1, 0)]
    physics = max([probe, *needed])
    which = "the probe" if physics == probe else "the quorum's second family"
    terms = [
        Term(
            "detection",
            physics,
            "physics",
            f"{which} ({', '.join(f'{k} {v:.1f} s' for k, v in families.items())}), mean over "
            "the outage's phase",
        )
    ]
    if not policy:
        return terms
    extra = max(settings.probe_datapoints - 1, 0) * settings.probe_period_s
    with_probes = max(probe + extra, *needed) if needed else probe + extra
    terms.append(
        Term(
            "probe datapoints",
            with_probes - physics,
            "policy",
            f"ProbeAlarmDatapoints {settings.probe_datapoints}: "
            f"{settings.probe_datapoints - 1} more 10 s samples than one",
        )
    )
    # The product counts the outage's minimum from the first reading at which the quorum
    # agrees (failover.quorum), not from the outage's start; in region-down the failed
    # region's own APIs are unreachable too, and the shorter wait applies (failover.in_region).
    required = settings.min_outage_s
    if region_down and required:
        required = min(required, float(in_region.UNREACHABLE_MIN_OUTAGE_SECONDS))
    terms.append(
        Term(
            "MinOutageSeconds",
            required,
            "policy",
            f"the quorum must agree without a break for {required:.0f} s before a run acts"
            + (" (its APIs unreachable too: the shorter wait)" if region_down else ""),
        )
    )
    return terms


def detection_seconds(
    settings: DetectionSettings, region_down: bool = False, route53_down: bool | None = None
) -> float:
    """Mean seconds from the outage until an automatic run can act on it (the floor model's
    latencies, policy terms included)."""
    return sum(
        t.seconds
        for t in detection_terms(settings, region_down=region_down, route53_down=route53_down)
    )


def _act(latency: LatencyModel, settings: DetectionSettings) -> tuple[float, str]:
    """The Act's physics: Database and Compute side by side (ARCHITECTURE.md "The run" 6)."""
    serving = act_serving(latency, settings)
    promote = latency.aurora_failover_seconds
    which = "Aurora's failover" if promote >= serving else "the new tasks serving"
    return max(promote, serving), (
        f"{which} (Aurora {promote:.0f} s; Fargate {latency.ecs_task_start_seconds:.0f} s + ALB "
        f"healthy checks {serving - latency.ecs_task_start_seconds:.1f} s)"
    )


def floors(
    settings: DetectionSettings | None = None,
    latency: LatencyModel | None = None,
    region_down: bool = False,
    route53_down: bool | None = None,
) -> Floors:
    """The three floors of an unplanned failover (see the module docstring). ``latency``: the
    model the run used (critical path, sequential); the physical floor uses the floor model
    (``LatencyModel()``, the low end of every figure) and :data:`FASTEST`."""
    settings = settings or template_settings()
    latency = latency or LatencyModel(imports={})
    configured = detection_terms(settings, latency, region_down, route53_down=route53_down)
    detection = sum(t.seconds for t in configured)
    act, act_why = _act(latency, settings)
    floor_model = LatencyModel(imports={})
    physical_terms = detection_terms(
        FASTEST, floor_model, region_down, policy=False, route53_down=route53_down
    )
    physical_act, physical_why = _act(floor_model, FASTEST)
    physical_terms.append(Term("act", physical_act, "physics", physical_why))
    # A runbook: promote, wait; scale, wait; move the dials, wait for DEPLOYED; 4 CLI calls.
    runbook = (
        latency.aurora_failover_seconds
        + act_serving(latency, settings)
        + latency.ga_deploy_seconds
        + 4 * latency.api_call_seconds
    )
    return Floors(
        critical_path_s=detection + act,
        physical_s=sum(t.seconds for t in physical_terms),
        sequential_s=detection + runbook,
        detection_s=detection,
        terms={
            "critical_path": [
                t.to_dict() for t in [*configured, Term("act", act, "physics", act_why)]
            ],
            "physical": [t.to_dict() for t in physical_terms],
        },
    )


def act_serving(latency: LatencyModel, settings: DetectionSettings) -> float:
    """Fargate's start and the ALB's healthy checks of the new tasks (mean phase)."""
    return (
        latency.ecs_task_start_seconds
        + settings.alb_interval_s / 2.0
        + (settings.alb_healthy_threshold - 1) * settings.alb_interval_s
    )


def template_settings(root: Path = REPO) -> DetectionSettings:
    """The detection settings the templates deploy by default."""
    from testbed.template import load_template, probe_alarm_properties

    region = load_template(root / "template.yaml")
    global_ = load_template(root / "stacks" / "global.yaml")
    stack = load_template(root / "stacks" / "region.yaml")
    params = region.get("Parameters", {})
    global_params = global_.get("Parameters", {})
    probe = probe_alarm_properties(region)
    group = stack["Resources"]["TargetGroup"]["Properties"]

    def default(table: dict[str, Any], name: str, fallback: float) -> float:
        return float(table.get(name, {}).get("Default", fallback))

    return DetectionSettings(
        probe_period_s=float(probe["Period"]),
        probe_datapoints=int(default(params, "ProbeAlarmDatapoints", 1)),
        health_check_interval_s=default(global_params, "HealthCheckInterval", 10),
        health_check_failure_threshold=int(
            default(global_params, "HealthCheckFailureThreshold", 1)
        ),
        quorum_families=int(default(params, "OutageQuorum", 2)),
        alb_interval_s=float(group["HealthCheckIntervalSeconds"]),
        alb_unhealthy_threshold=int(group["UnhealthyThresholdCount"]),
        alb_healthy_threshold=int(group["HealthyThresholdCount"]),
        min_outage_s=default(params, "MinOutageSeconds", 0),
    )
