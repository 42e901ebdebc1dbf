"""Logger, metrics and (only when tracing is on) the tracer, built once for every handler.

- Logger: Powertools, JSON, with the execution ARN as the correlation id (set per invocation
  by :func:`failover.runtime.stage_handler`), so one run's lines across every function can be
  filtered with ``correlation_id = <execution ARN>``.
- Metrics: CloudWatch Embedded Metric Format (Powertools), written to the function's log and
  extracted by CloudWatch; no PutMetricData call and no IAM grant.
- Tracer: the X-Ray SDK is imported only when tracing is on (``POWERTOOLS_TRACE_DISABLED`` is
  not true). The template turns it off by default: Lambda's Active tracing still records each
  invocation, and the cold start stays small (issue 10).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

SERVICE = "failover"

logger = Logger(service=SERVICE)


def tracing_enabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower() not in ("1", "true")


@cache
def tracer() -> Any:
    """The Powertools Tracer, imported on first use (pulls in the X-Ray SDK)."""
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)


def traced(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a Lambda entry point with the tracer when tracing is on; as is otherwise."""
    if not tracing_enabled():
        return handler
    wrapped: Callable[..., Any] = tracer().capture_lambda_handler(handler)
    return wrapped


METRICS: dict[str, tuple[str, ...]] = {
    "FailoverOutcome": ("Region", "Outcome"),
    "StageDuration": ("Region", "Stage"),
    "RecoveryTime": ("Region",),
    "ReplicationLagAtCutover": ("Region",),
    "Readiness": ("Region", "Check"),
    "IsWriter": ("Region",),
    "IsActive": ("Region",),
    "TrafficDial": ("Region",),
    "DesiredTasks": ("Region",),
    "ConfigurationError": ("Region", "Call"),
    "NotificationFailed": ("Region",),
    "ControlPlaneFault": ("Region", "Step"),
}
"""Every metric the control plane emits as EMF, with its dimensions (Powertools adds
``service``). The dashboard and the alarms may only use these (tests/template checks)."""

PROBE_METRICS: dict[str, tuple[str, ...]] = {"PeerHealthy": ("Region",)}
"""Published with PutMetricData (high resolution, no ``service`` dimension): failover.health."""


def emit_metric(
    namespace: str,
    name: str,
    value: float,
    unit: str,
    dimensions: Mapping[str, str],
    *,
    high_resolution: bool = False,
) -> None:
    """One metric datum as an EMF log line (its own dimension set)."""
    from aws_lambda_powertools.metrics import MetricResolution, MetricUnit, single_metric

    if METRICS.get(name) != tuple(dimensions):
        raise ValueError(f"undeclared metric {name} {tuple(dimensions)} (observability.METRICS)")
    resolution = MetricResolution.High if high_resolution else MetricResolution.Standard
    with single_metric(
        name=name,
        unit=MetricUnit(unit),
        value=value,
        resolution=resolution,
        namespace=namespace,
        default_dimensions=dict(dimensions),
    ):
        pass
