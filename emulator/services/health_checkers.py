"""The health checkers AWS runs against an estate's endpoints, in modelled time.

Two kinds watch the same ``/health`` URLs (:meth:`HealthCheckers.watch_route53`,
:meth:`HealthCheckers.watch_accelerator`):

* **Route 53 health checkers**: every ``RequestInterval`` they GET the endpoint; after
  ``FailureThreshold`` consecutive failures (or successes) the health check changes status
  (``GetHealthCheckStatus`` shows it, through :mod:`emulator.services.route53`), and the
  ``AWS/Route53 HealthCheckStatus`` metric (1 healthy, 0 unhealthy, dimension
  ``HealthCheckId``) is published in us-east-1 at every check.
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
* **Global Accelerator health checks**: the same with the endpoint group's
  ``HealthCheckIntervalSeconds`` and ``ThresholdCount``; a change shows in the endpoints'
  ``HealthState`` (through :mod:`emulator.services.globalaccelerator`).

:meth:`HealthCheckers.tick` runs the checks that are due at ``world.clock.now()``; a change
of status is a notice ("health-check", "accelerator-health").
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..world import OBSERVE, Service, default_account, register

if TYPE_CHECKING:
    from ..world import World
    from .globalaccelerator import GlobalAccelerator
    from .route53 import Route53

__all__ = ["ROUTE53_METRICS_REGION", "HealthCheckers"]

ROUTE53_METRICS_REGION = "us-east-1"  # Route 53 publishes its health-check metrics there only


@dataclass
class _Checker:
    kind: str  # "route53" | "accelerator"
    subject: str  # health check id | endpoint group arn
    url: str
    interval: float
    threshold: int
    next_due: float
    healthy: bool = True
    streak: int = 0  # consecutive results that disagree with ``healthy``


@register
class HealthCheckers(Service):
    """``world.health_checkers``. See the module docstring."""

    name = "health_checkers"
    tick_phase = OBSERVE

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._checkers: list[_Checker] = []
        self.probe_timeout = 2.0

    def watch_route53(self, health_check_id: str, url: str, account: str | None = None) -> None:
        """Route 53's checkers GET ``url`` for this health check (its interval, threshold)."""
        from moto.route53.models import route53_backends

        backend = route53_backends[account or default_account()]["global"]
        check = backend.get_health_check(health_check_id)
        self._add("route53", health_check_id, url, check.request_interval, check.failure_threshold)
        self.world.watch_regions(ROUTE53_METRICS_REGION)

    def watch_accelerator(self, endpoint_group_arn: str, url: str) -> None:
        """Global Accelerator's health checks GET ``url`` for this endpoint group."""
        accelerator: GlobalAccelerator = self.world.service("globalaccelerator")
        group = next(
            (g for g in accelerator.endpoint_groups if g["EndpointGroupArn"] == endpoint_group_arn),
            None,
        )
        if group is None:
            raise KeyError(f"no endpoint group {endpoint_group_arn}")
        interval, threshold = group["HealthCheckIntervalSeconds"], group["ThresholdCount"]
        self._add("accelerator", endpoint_group_arn, url, interval, threshold)

    def _add(self, kind: str, subject: str, url: str, interval: float, threshold: int) -> None:
        now = self.world.clock.now()
        with self._lock:
            self._checkers.append(
                _Checker(kind, subject, url, float(interval), int(threshold), now)
            )

    def tick(self) -> None:
        with self._lock:
            now = self.world.clock.now()
            for checker in self._checkers:
                self._check(checker, now)

    def _check(self, checker: _Checker, now: float) -> None:
        if now < checker.next_due:
            return
        # Checks missed while time jumped all see what the endpoint answers now.
        due = int((now - checker.next_due) // checker.interval) + 1
        checker.next_due += due * checker.interval
        ok = self._probe(checker.url)
        for _ in range(due):
            if ok == checker.healthy:
                checker.streak = 0
                continue
            checker.streak += 1
            if checker.streak >= checker.threshold:
                checker.healthy = ok
                checker.streak = 0
                self._apply(checker)
        if checker.kind == "route53":
            self._publish_status(checker)

    def _apply(self, checker: _Checker) -> None:
        state = "healthy" if checker.healthy else "unhealthy"
        if checker.kind == "route53":
            route53: Route53 = self.world.service("route53")
            route53.set_health(checker.subject, checker.healthy)
            self.world.notify("health-check", checker.subject, state, {"url": checker.url})
        else:
            accelerator: GlobalAccelerator = self.world.service("globalaccelerator")
            accelerator.set_endpoint_health(checker.subject, checker.healthy)
            self.world.notify("accelerator-health", checker.subject, state, {"url": checker.url})

    def _probe(self, url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=self.probe_timeout) as response:  # noqa: S310 - loopback
                return 200 <= int(response.status) < 400
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def _publish_status(self, checker: _Checker) -> None:
        """The AWS/Route53 HealthCheckStatus datapoint of one check, in us-east-1."""
        from moto.cloudwatch.models import cloudwatch_backends

        backend = cloudwatch_backends[default_account()][ROUTE53_METRICS_REGION]
        datum = {
            "MetricName": "HealthCheckStatus",
            "Dimensions": [{"Name": "HealthCheckId", "Value": checker.subject}],
            "Value": 1.0 if checker.healthy else 0.0,
            "Timestamp": self.world.utcnow().replace(tzinfo=None),
            "Unit": "None",
        }
        backend.put_metric_data("AWS/Route53", [datum])
