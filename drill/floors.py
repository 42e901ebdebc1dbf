"""How close a run is to what the physics allows: the floors a drill's RTO is set against.

Three figures, all in modelled seconds from the outage (t0) to the estate converged on the
recovery region, from the latency model (:class:`emulator.latency.LatencyModel`) and the
detection settings (the templates' parameter defaults, :func:`template_settings`):

* **critical-path floor** (``critical_path_s``): the configured settings, with a control
  plane that costs nothing: detection (the quorum's second family included), then the
  Database and Compute branches side by side (ARCHITECTURE.md "The run", 6).
  ``rto_s - critical_path_s`` is the control plane's overhead on the critical path.
* **physical floor** (``physical_s``): the same with the fastest settings AWS documents:
  Route 53 / Global Accelerator checks every 10 s failing after 1 check, and a probe alarm on
  one 10 s datapoint.
* **sequential** (``sequential_s``): the configured detection, then the same stages one after
  another, as a manual CLI runbook does them: promote and wait, scale and wait, move the dials
  and wait for Global Accelerator to deploy. No human think time is added (a real operator adds
  minutes: paging, reading, typing).

Detection is an *average over the outage's phase*: an outage starts at a uniformly random
moment within a probe (or check) interval, and an alarm that needs N failing samples ``P``
seconds apart, evaluated at the end of each period, fires on average ``N x P`` seconds later.
(If the first sample after the outage lands early in its period the alarm fires up to
``P`` later than that average, if late, up to ``P`` earlier: the mean over phases is ``N x P``.)
A single run has one phase, so its detection may sit up to one period either side of the mean.

Figures are per run; only runs that succeeded get them (an RTO exists only for those), and only
for unplanned failovers (a planned switchover or failback has no detection and another Aurora
operation: its floor is ``aurora_switchover_seconds`` + ...; not computed here).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drill.model import Floors
from emulator.latency import LatencyModel

__all__ = ["FASTEST", "DetectionSettings", "detection_seconds", "floors", "template_settings"]

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class DetectionSettings:
    """The settings detection depends on (defaults: the templates' parameter defaults)."""

    # template.yaml PeerProbeAlarm: Period 10 (a high-resolution alarm on the probe's
    # high-resolution PeerHealthy metric; ProbeHealthFunction probes every 10 s).
    probe_period_s: float = 10.0
    # template.yaml Parameters.ProbeAlarmDatapoints (Default 3): failed probes in a row.
    probe_datapoints: int = 3
    # stacks/global.yaml Parameters.HealthCheckInterval (Default 10; Route 53 allows 10 or 30,
    # the Global Accelerator endpoint groups use the same interval).
    health_check_interval_s: float = 10.0
    # stacks/global.yaml Parameters.HealthCheckFailureThreshold (Default 3; Route 53 and GA
    # ThresholdCount allow 1-10).
    health_check_failure_threshold: int = 3
    # template.yaml Parameters.OutageQuorum (Default 2): families that must see the outage.
    quorum_families: int = 2
    # template.yaml Parameters.MinOutageSeconds (Default 180): how long they must then agree.
    min_outage_s: float = 180.0


#: The fastest settings AWS documents.
#: Route 53: "RequestInterval ... 10 or 30" and "FailureThreshold ... 1 to 10"
#: (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html);
#: Global Accelerator: HealthCheckIntervalSeconds 10 or 30, ThresholdCount 1-10
#: (https://docs.aws.amazon.com/global-accelerator/latest/api/API_EndpointGroup.html);
#: CloudWatch: high-resolution alarms have periods of 10 or 30 s, one datapoint can alarm
#: (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
FASTEST = DetectionSettings(
    probe_period_s=10.0,
    probe_datapoints=1,
    health_check_interval_s=10.0,
    health_check_failure_threshold=1,
    quorum_families=2,
    min_outage_s=0.0,  # no sustained wait at all: what detection alone could give
)


def detection_seconds(settings: DetectionSettings) -> float:
    """Mean seconds from the outage until an automatic run can act on it.

    The run is started by the probe alarm (the one trigger that survives a us-east-1 outage,
    ARCHITECTURE.md "Where things run" 4) and ConfirmOutage needs ``quorum_families`` families:
    the probe plus the faster of Route 53's checkers and GA's endpoint health (both
    ``interval x threshold``). The run can act once the slowest needed family has seen it and
    the families have then agreed for ``min_outage_s``."""
    probe = settings.probe_datapoints * settings.probe_period_s
    checks = settings.health_check_failure_threshold * settings.health_check_interval_s
    needed = sorted([probe, checks, checks])[: settings.quorum_families]
    return max(needed[-1], probe) + settings.min_outage_s


def floors(
    settings: DetectionSettings | None = None,
    latency: LatencyModel | None = None,
) -> Floors:
    """The three floors of an unplanned failover (see the module docstring)."""
    settings = settings or template_settings()
    latency = latency or LatencyModel(imports={})
    detection = detection_seconds(settings)
    # Database: FailoverGlobalCluster with AllowDataLoss (latency.aurora_failover_seconds,
    # its sources cited there; the "pending" phase is part of it). Compute: the new Fargate
    # tasks start (latency.ecs_task_start_seconds). They run side by side
    # (ARCHITECTURE.md "The run" 6); Traffic and App config follow the writer with one API
    # call each (their effect is immediate for new connections; GA's deployment to the edge
    # is not waited for: ARCHITECTURE.md "Where things run" 6, GA already steers away from
    # unhealthy endpoints).
    act = max(latency.aurora_failover_seconds, latency.ecs_task_start_seconds)
    physical_act = act  # no setting makes Aurora or Fargate faster
    # A runbook: promote, wait; scale, wait; move the dials, wait for DEPLOYED (GA's status,
    # latency.ga_deploy_seconds); each a CLI call (latency.api_call_seconds).
    runbook = (
        latency.aurora_failover_seconds
        + latency.ecs_task_start_seconds
        + latency.ga_deploy_seconds
        + 4 * latency.api_call_seconds  # failover, update-service, 2 x update-endpoint-group
    )
    return Floors(
        critical_path_s=detection + act,
        physical_s=detection_seconds(FASTEST) + physical_act,
        sequential_s=detection + runbook,
        detection_s=detection,
    )


def template_settings(root: Path = REPO) -> DetectionSettings:
    """The detection settings the templates deploy by default."""
    from testbed.template import load_template

    region = load_template(root / "template.yaml")
    global_ = load_template(root / "stacks" / "global.yaml")
    params = region.get("Parameters", {})
    global_params = global_.get("Parameters", {})
    probe = region["Resources"]["PeerProbeAlarm"]["Properties"]

    def default(table: dict[str, Any], name: str, fallback: float) -> float:
        return float(table.get(name, {}).get("Default", fallback))

    return DetectionSettings(
        probe_period_s=float(probe["Period"]),
        probe_datapoints=int(default(params, "ProbeAlarmDatapoints", 3)),
        health_check_interval_s=default(global_params, "HealthCheckInterval", 10),
        health_check_failure_threshold=int(
            default(global_params, "HealthCheckFailureThreshold", 3)
        ),
        quorum_families=int(default(params, "OutageQuorum", 2)),
        min_outage_s=default(params, "MinOutageSeconds", 180),
    )
