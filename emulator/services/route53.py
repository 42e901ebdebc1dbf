"""Route 53 ``GetHealthCheckStatus`` with per-checker observations that can fail.

moto (``moto/route53/responses.py`` ``Route53.get_health_check_status``) always returns one
healthy observation. The patched action returns one observation per health-checker region
(the health check's own ``Regions``, else Route 53's default eight), each with the checker's
IP address (from the published ``ROUTE53_HEALTHCHECKS`` ranges), a ``StatusReport.Status``
such as "Success: HTTP Status Code 200, OK" or "Failure: HTTP Status Code 503, Service
Unavailable", and a ``CheckedTime`` spread over the last request interval of modelled time.

Unknown ids raise ``NoSuchHealthCheck`` (moto's backend lookup). Served inside moto, so it
works under ``mock_aws()`` and in server mode. What the checkers see is set by
:meth:`Route53.set_health`: by a test, or by the emulated checkers
(:mod:`emulator.services.health_checkers`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..world import Service, World, default_account, register

if TYPE_CHECKING:
    from .._patching import Patcher

__all__ = ["CHECKER_REGIONS", "Route53"]

# Route 53's default health-checker regions (HealthCheckRegion enum) and the first address
# block of each region's ROUTE53_HEALTHCHECKS range in https://ip-ranges.amazonaws.com/ip-ranges.json
CHECKER_REGIONS: dict[str, str] = {
    "us-east-1": "107.23.255.",
    "us-west-1": "54.183.255.",
    "us-west-2": "54.244.52.",
    "eu-west-1": "54.228.16.",
    "ap-southeast-1": "54.251.31.",
    "ap-southeast-2": "54.252.79.",
    "ap-northeast-1": "54.248.220.",
    "sa-east-1": "54.232.40.",
}

_SUCCESS = "Success: HTTP Status Code 200, OK"
_FAILURE = "Failure: HTTP Status Code 503, Service Unavailable"


@dataclass
class _Health:
    healthy: bool
    failing_checkers: int | None


@dataclass
class _Seen:
    """One health checker's verdict (after FailureThreshold) and its last check."""

    healthy: bool
    status: str
    checked: dt.datetime


@register
class Route53(Service):
    """``world.route53``: what Route 53's health checkers currently observe."""

    name = "route53"

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._health: dict[str, _Health] = {}
        self._seen: dict[str, dict[str, _Seen]] = {}  # health check -> checker Region -> seen

    def set_health(
        self, health_check_id: str, healthy: bool, failing_checkers: int | None = None
    ) -> None:
        """Set what the checkers see for a health check (default: every checker healthy).

        ``failing_checkers`` is how many checkers report a failure; by default none when
        ``healthy`` and all of them when not. (Route 53 calls an endpoint healthy while more
        than 18% of its checkers report it healthy.)
        """
        if failing_checkers is not None and failing_checkers < 0:
            raise ValueError("failing_checkers must be >= 0")
        with self._lock:
            self._health[health_check_id] = _Health(bool(healthy), failing_checkers)
            self._seen.pop(health_check_id, None)

    def report(
        self,
        health_check_id: str,
        checker_region: str,
        healthy: bool,
        status: str,
        checked: dt.datetime,
    ) -> None:
        """One emulated checker's verdict and last result (:mod:`.health_checkers`); the
        checkers' reports replace what :meth:`set_health` set."""
        with self._lock:
            self._health.pop(health_check_id, None)
            seen = self._seen.setdefault(health_check_id, {})
            seen[checker_region] = _Seen(bool(healthy), status, checked)

    def is_healthy(self, health_check_id: str) -> bool:
        """Route 53's verdict on a health check: healthy while more than 18% of its checkers
        report it healthy (an unknown id counts as healthy).
        https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html"""
        from moto.route53.models import route53_backends

        health_check = route53_backends[default_account()]["aws"].health_checks.get(health_check_id)
        if health_check is None:
            return True
        with self._lock:
            seen = dict(self._seen.get(health_check_id, {}))
        if seen:
            regions = list(health_check.regions or CHECKER_REGIONS)
            # a checker that has not reported yet counts as healthy ("Route 53 considers a
            # new health check to be healthy until there's enough data")
            good = sum(1 for r in regions if r not in seen or seen[r].healthy)
            return good > 0.18 * len(regions)
        found = self.observations(health_check)
        good = sum(1 for o in found if o["StatusReport"]["Status"].startswith("Success"))
        return good > 0.18 * len(found)

    def observations(self, health_check: Any) -> list[dict[str, Any]]:
        """The HealthCheckObservations for a moto HealthCheck."""
        with self._lock:
            state = self._health.get(health_check.id, _Health(True, None))
            seen = dict(self._seen.get(health_check.id, {}))
        regions = list(health_check.regions or CHECKER_REGIONS)
        if seen:
            return [
                {
                    "Region": region,
                    "IPAddress": f"{CHECKER_REGIONS.get(region, '15.177.0.')}{10 + index}",
                    "StatusReport": {
                        "Status": seen[region].status if region in seen else _SUCCESS,
                        "CheckedTime": seen[region].checked
                        if region in seen
                        else self.world.utcnow(),
                    },
                }
                for index, region in enumerate(regions)
            ]
        failing = state.failing_checkers
        if failing is None:
            failing = 0 if state.healthy else len(regions)
        failing = min(failing, len(regions))
        interval = int(getattr(health_check, "request_interval", 30) or 30)
        now = self.world.utcnow()
        result: list[dict[str, Any]] = []
        for index, region in enumerate(regions):
            prefix = CHECKER_REGIONS.get(region, "15.177.0.")
            checked = now - dt.timedelta(seconds=(index * interval) / max(len(regions), 1))
            result.append(
                {
                    "Region": region,
                    "IPAddress": f"{prefix}{10 + index}",
                    "StatusReport": {
                        "Status": _FAILURE if index < failing else _SUCCESS,
                        "CheckedTime": checked,
                    },
                }
            )
        return result

    def install(self, patcher: Patcher) -> None:
        from moto.route53.responses import Route53

        model = self

        def get_health_check_status(response: Any) -> Any:
            from moto.core.responses import ActionResult

            health_check_id = response._get_param("HealthCheckId")
            health_check = response.backend.get_health_check(health_check_id)
            return ActionResult({"HealthCheckObservations": model.observations(health_check)})

        patcher.setattr(Route53, "get_health_check_status", get_health_check_status)
