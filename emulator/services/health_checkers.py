"""The health checkers AWS runs against an estate's endpoints, in modelled time.

Two kinds watch the same ``/health`` URLs (:meth:`HealthCheckers.watch_route53`,
:meth:`HealthCheckers.watch_accelerator`):

* **Route 53 health checkers**: one checker per health-checker Region (the health check's
  ``Regions``, else Route 53's default eight), each on its *own* phase within the
  ``RequestInterval`` ("Route 53 health checkers in different data centers don't coordinate
  with one another"). Each GETs the endpoint; a checker counts a failure when it cannot connect
  within 4 s or gets no 2xx/3xx within 2 s of connecting (an unreachable Region: the failure
  is known only when the connect times out); after ``FailureThreshold`` consecutive failures
  (or successes) that checker's verdict changes. Route 53 calls the endpoint healthy while
  *more than 18%* of the checkers' verdicts are healthy
  (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
  Each checker's last result shows in ``GetHealthCheckStatus`` (through
  :mod:`emulator.services.route53`); the health check's status is published as the
  ``AWS/Route53 HealthCheckStatus`` metric (1 healthy, 0 unhealthy, dimension
  ``HealthCheckId``) in us-east-1 at every check.
* **Global Accelerator endpoint health**. For an Application Load Balancer endpoint GA's own
  health-check options do not apply: "For Network Load Balancer and Application Load
  Balancer endpoints, configure health check settings on the ELB console"
  (https://docs.aws.amazon.com/global-accelerator/latest/dg/about-endpoint-groups.html). GA
  takes the ALB's target health: the target group's checks every
  ``HealthCheckIntervalSeconds``, ``UnhealthyThresholdCount`` failures to go unhealthy,
  ``HealthyThresholdCount`` successes to come back, ``HealthCheckTimeoutSeconds`` for an
  answer (:class:`AlbHealthCheck`, the testbed reads stacks/region.yaml), and GA sees a change
  ``latency.ga_alb_health_seconds`` later (not published: an assumption). Without an ALB the
  endpoint group's own ``HealthCheckIntervalSeconds`` and ``ThresholdCount`` apply (EC2 and
  Elastic IP endpoints). A change shows in the endpoints' ``HealthState``.

:meth:`HealthCheckers.tick` runs the checks that are due at ``world.clock.now()`` and applies
the results whose time has come (the world ticks every modelled second, so a result lands on
the first tick at or after it). A change of status is a notice ("health-check",
"accelerator-health"). Phases come from ``latency.phase`` (aligned, median or seeded).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from ..clock import next_multiple
from ..world import OBSERVE, Service, default_account, register

if TYPE_CHECKING:
    from ..world import World
    from .globalaccelerator import GlobalAccelerator
    from .route53 import Route53

__all__ = ["ROUTE53_METRICS_REGION", "AlbHealthCheck", "HealthCheckers"]

ROUTE53_METRICS_REGION = "us-east-1"  # Route 53 publishes its health-check metrics there only
_LOOPBACK_TIMEOUT = 2.0  # real seconds a loopback GET may take before it counts as failed


@dataclass(frozen=True)
class AlbHealthCheck:
    """An ALB target group's health-check settings (AWS::ElasticLoadBalancingV2::TargetGroup)."""

    interval: float = 30.0  # HealthCheckIntervalSeconds (ELB default 30)
    timeout: float = 5.0  # HealthCheckTimeoutSeconds
    healthy_threshold: int = 5  # HealthyThresholdCount (ALB default 5)
    unhealthy_threshold: int = 2  # UnhealthyThresholdCount (ALB default 2)


@dataclass
class _Checker:
    kind: str  # "route53" | "accelerator"
    subject: str  # health check id | endpoint group arn
    url: str
    region: str | None  # the endpoint's Region (unreachable: a black hole)
    interval: float
    fail_after: int  # consecutive failures that make a healthy checker unhealthy
    recover_after: int  # consecutive successes that make an unhealthy one healthy
    timeout: float  # a black hole fails after this long
    next_due: float
    checker_region: str = ""  # route53: the health-checker Region
    healthy: bool = True
    streak: int = 0  # consecutive results that disagree with ``healthy``


@dataclass
class _Result:
    at: float
    checker: _Checker
    ok: bool
    status: str
    checked_at: float


@register
class HealthCheckers(Service):
    """``world.health_checkers``. See the module docstring."""

    name = "health_checkers"
    tick_phase = OBSERVE

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._checkers: list[_Checker] = []
        self._results: list[_Result] = []
        self._pending_ga: list[tuple[float, str, bool]] = []  # (at, group arn, healthy)

    # ------------------------------------------------------------------------ watching

    def watch_route53(
        self, health_check_id: str, url: str, account: str | None = None, region: str | None = None
    ) -> None:
        """Route 53's checkers GET ``url`` for this health check (its interval, threshold and
        checker Regions); ``region``: the endpoint's Region (when it is unreachable the
        checkers' connections time out)."""
        from moto.route53.models import route53_backends

        from .route53 import CHECKER_REGIONS

        backend = route53_backends[account or default_account()]["global"]
        check = backend.get_health_check(health_check_id)
        regions = list(check.regions or CHECKER_REGIONS)
        interval = float(check.request_interval or 30)
        threshold = int(check.failure_threshold or 3)
        latency = self.world.latency
        timeout = latency.route53_connect_timeout_seconds
        now = self.world.clock.now()
        with self._lock:
            for index, checker_region in enumerate(regions):
                key = f"route53:{health_check_id}:{checker_region}"
                phase = latency.phase(key, interval, index, len(regions))
                self._checkers.append(
                    _Checker(
                        "route53",
                        health_check_id,
                        url,
                        region,
                        interval,
                        threshold,
                        threshold,
                        timeout,
                        _on_grid(now, interval, phase),
                        checker_region,
                    )
                )
        self.world.watch_regions(ROUTE53_METRICS_REGION)

    def watch_accelerator(
        self,
        endpoint_group_arn: str,
        url: str,
        alb: AlbHealthCheck | None = None,
        region: str | None = None,
    ) -> None:
        """Global Accelerator's view of this endpoint group's health: the ALB's target health
        (``alb``) for an ALB endpoint, else the endpoint group's own health checks."""
        accelerator: GlobalAccelerator = self.world.service("globalaccelerator")
        group = next(
            (g for g in accelerator.endpoint_groups if g["EndpointGroupArn"] == endpoint_group_arn),
            None,
        )
        if group is None:
            raise KeyError(f"no endpoint group {endpoint_group_arn}")
        if alb is not None:
            interval, fail, recover, timeout = (
                alb.interval,
                alb.unhealthy_threshold,
                alb.healthy_threshold,
                alb.timeout,
            )
        else:
            interval = float(group["HealthCheckIntervalSeconds"])
            fail = recover = int(group["ThresholdCount"])
            timeout = self.world.latency.route53_connect_timeout_seconds
        latency = self.world.latency
        phase = latency.phase(f"accelerator:{endpoint_group_arn}", interval)
        now = self.world.clock.now()
        with self._lock:
            self._checkers.append(
                _Checker(
                    "accelerator",
                    endpoint_group_arn,
                    url,
                    region,
                    float(interval),
                    int(fail),
                    int(recover),
                    float(timeout),
                    _on_grid(now, float(interval), phase),
                )
            )

    # ------------------------------------------------------------------------- ticking

    def tick(self) -> None:
        with self._lock:
            now = self.world.clock.now()
            for checker in self._checkers:
                self._check(checker, now)
            due = sorted((r for r in self._results if r.at <= now), key=lambda r: r.at)
            self._results = [r for r in self._results if r.at > now]
            for result in due:
                self._apply(result)
            shown = [p for p in self._pending_ga if p[0] <= now]
            self._pending_ga = [p for p in self._pending_ga if p[0] > now]
            for _, group, healthy in shown:
                self._show_accelerator(group, healthy)

    def _check(self, checker: _Checker, now: float) -> None:
        if now < checker.next_due:
            return
        # Checks missed while time jumped all see what the endpoint answers now.
        due = int((now - checker.next_due) // checker.interval) + 1
        started = checker.next_due + (due - 1) * checker.interval
        checker.next_due += due * checker.interval
        unreachable = checker.region is not None and self.world.faults.is_unreachable(
            checker.region
        )
        if unreachable:
            ok, status, took = False, "Failure: Connection timed out.", checker.timeout
        else:
            ok = self._probe(checker.url)
            status = (
                "Success: HTTP Status Code 200, OK"
                if ok
                else "Failure: HTTP Status Code 503, Service Unavailable"
            )
            took = self.world.latency.health_check_round_trip_seconds
        for index in range(due):
            begun = started - (due - 1 - index) * checker.interval
            self._results.append(_Result(begun + took, checker, ok, status, begun))

    def _apply(self, result: _Result) -> None:
        checker = result.checker
        changed = False
        if result.ok == checker.healthy:
            checker.streak = 0
        else:
            checker.streak += 1
            needed = checker.fail_after if checker.healthy else checker.recover_after
            if checker.streak >= needed:
                checker.healthy = result.ok
                checker.streak = 0
                changed = True
        if checker.kind == "route53":
            route53: Route53 = self.world.service("route53")
            before = route53.is_healthy(checker.subject)
            checked = self.world.clock.epoch + timedelta(seconds=result.checked_at)
            route53.report(
                checker.subject, checker.checker_region, checker.healthy, result.status, checked
            )
            verdict = route53.is_healthy(checker.subject)
            if before != verdict:
                state = "healthy" if verdict else "unhealthy"
                self.world.notify("health-check", checker.subject, state, {"url": checker.url})
            self._publish_status(checker.subject, verdict)
        elif changed:
            at = self.world.clock.now() + self.world.latency.ga_alb_health_seconds
            self._pending_ga.append((at, checker.subject, checker.healthy))

    def _show_accelerator(self, group: str, healthy: bool) -> None:
        accelerator: GlobalAccelerator = self.world.service("globalaccelerator")
        url = next((c.url for c in self._checkers if c.subject == group), "")
        reason = None if healthy else "Failed"
        accelerator.set_endpoint_health(group, healthy, reason)
        state = "healthy" if healthy else "unhealthy"
        self.world.notify("accelerator-health", group, state, {"url": url})

    def _probe(self, url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=_LOOPBACK_TIMEOUT) as response:  # noqa: S310 - loopback
                return 200 <= int(response.status) < 400
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def _publish_status(self, health_check_id: str, healthy: bool) -> None:
        """The AWS/Route53 HealthCheckStatus datapoint of one check, in us-east-1."""
        from moto.cloudwatch.models import cloudwatch_backends

        backend = cloudwatch_backends[default_account()][ROUTE53_METRICS_REGION]
        datum = {
            "MetricName": "HealthCheckStatus",
            "Dimensions": [{"Name": "HealthCheckId", "Value": health_check_id}],
            "Value": 1.0 if healthy else 0.0,
            "Timestamp": self.world.utcnow().replace(tzinfo=None),
            "Unit": "None",
        }
        backend.put_metric_data("AWS/Route53", [datum])


def _on_grid(now: float, interval: float, phase: float) -> float:
    """The first moment at or after ``now`` that is ``phase`` past a multiple of
    ``interval`` on the modelled clock (phases are relative to the clock, not to when the
    watch began, so that "median" means the same for every checker)."""
    return next_multiple(now - phase - 1e-9, interval) + phase
