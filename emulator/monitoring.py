"""What AWS runs by itself around an estate, and moto does not.

``emu.monitoring`` models, in modelled time (``emu.clock``), the machinery between "the
health endpoint fails" and "the state machine starts":

* **Route 53 health checkers** (:meth:`Monitoring.watch_route53`): every ``RequestInterval``
  they GET the endpoint; after ``FailureThreshold`` consecutive failures (or successes) the
  health check changes status (``GetHealthCheckStatus`` shows it, through
  :mod:`emulator.route53`), and the ``AWS/Route53 HealthCheckStatus`` metric (1 healthy,
  0 unhealthy, dimension ``HealthCheckId``) is published in us-east-1 at every check.
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
* **Global Accelerator health checks** (:meth:`Monitoring.watch_accelerator`): the same with
  the endpoint group's ``HealthCheckIntervalSeconds`` and ``ThresholdCount``.
* **CloudWatch alarm evaluation**: once a modelled minute, each metric alarm looks at its
  last ``EvaluationPeriods`` complete periods (statistic per period, ``DatapointsToAlarm``
  of them breaching -> ALARM; ``TreatMissingData`` for empty periods). moto stores metrics
  but never evaluates alarms. A datapoint counts in the period of its *modelled arrival*
  (stamped by the patched ``put_metric_data``): its ``Timestamp`` stays what the caller
  gave (handlers use the real clock), so API reads are unchanged.
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
* **Alarm state changes reaching EventBridge**: every state change (an evaluation or
  ``SetAlarmState``) puts the "CloudWatch Alarm State Change" event, shaped as AWS sends
  it, on the default bus of the alarm's region.
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
* **EventBridge rule targets**: a matching rule delivers the event, unchanged, to its
  targets: a Step Functions state machine (``StartExecution`` with the event as input),
  a Lambda function, an event bus in another region (the event keeps its ``region``,
  ``account`` and ``resources``) or an SQS queue. A delivery that fails (unreachable region,
  an error) goes to the target's dead-letter queue. moto delivers only to logs, SQS and
  (rewriting the event) other buses.
* **Schedules**: rules with ``rate(...)`` expressions fire a "Scheduled Event" at their rate.

Nothing moves time here: :meth:`Monitoring.tick` does whatever is due at ``emu.clock.now()``.
Call it from a loop that also advances the clock (the local drill's driver does).
Observers (``emu.monitoring.listeners``) hear each change as a :class:`Notice`.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._patching import Patcher
    from .core import Emulator

__all__ = ["Monitoring", "Notice"]

LOG = logging.getLogger(__name__)

ROUTE53_METRICS_REGION = "us-east-1"
EVALUATION_INTERVAL = 60.0  # CloudWatch evaluates metric alarms once a minute
_MODELLED_AT = "_emulator_modelled_at"
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}
_COMPARE_WORDS = {
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "GreaterThanThreshold": "greater than",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}


@dataclass(frozen=True)
class Notice:
    """One thing that happened in the modelled world, for whoever follows along."""

    at: float  # modelled seconds (emu.clock)
    kind: str  # health-check | accelerator-health | alarm | delivery | delivery-failed | schedule
    subject: str  # the health check id, endpoint group ARN, alarm name, rule name...
    state: str  # "healthy"/"unhealthy", the alarm state, the target ARN...
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Watcher:
    kind: str  # "route53" | "accelerator"
    subject: str  # health check id | endpoint group arn
    url: str
    interval: float
    threshold: int
    next_due: float
    healthy: bool = True
    streak: int = 0  # consecutive results that disagree with ``healthy``


class Monitoring:
    """``emu.monitoring``. See the module docstring."""

    def __init__(self, emulator: Emulator) -> None:
        self._emu = emulator
        self._lock = threading.RLock()
        self._watchers: list[_Watcher] = []
        self._regions: set[str] = set()
        self._schedules: dict[str, float] = {}
        self._next_evaluation: float | None = None
        self._alarm_seen: dict[str, float] = {}
        self.listeners: list[Callable[[Notice], None]] = []
        self.notices: list[Notice] = []
        self.probe_timeout = 2.0

    # ------------------------------------------------------------------ configuration

    def watch_regions(self, *regions: str) -> None:
        """Evaluate the alarms and schedules of these regions (and deliver their events)."""
        with self._lock:
            self._regions.update(regions)

    def watch_route53(self, health_check_id: str, url: str, account: str | None = None) -> None:
        """Route 53's checkers GET ``url`` for this health check (its interval, threshold)."""
        from moto.route53.models import route53_backends

        check = route53_backends[account or _account()]["global"].get_health_check(health_check_id)
        self._add(
            "route53", health_check_id, url, float(check.request_interval), check.failure_threshold
        )
        self.watch_regions(ROUTE53_METRICS_REGION)

    def watch_accelerator(self, endpoint_group_arn: str, url: str) -> None:
        """Global Accelerator's health checks GET ``url`` for this endpoint group."""
        group = next(
            (
                g
                for g in self._emu.globalaccelerator.endpoint_groups
                if g["EndpointGroupArn"] == endpoint_group_arn
            ),
            None,
        )
        if group is None:
            raise KeyError(f"no endpoint group {endpoint_group_arn}")
        self._add(
            "accelerator",
            endpoint_group_arn,
            url,
            float(group["HealthCheckIntervalSeconds"]),
            int(group["ThresholdCount"]),
        )

    def _add(self, kind: str, subject: str, url: str, interval: float, threshold: int) -> None:
        with self._lock:
            self._watchers.append(
                _Watcher(kind, subject, url, interval, int(threshold), self._emu.clock.now())
            )

    # ------------------------------------------------------------------------- ticking

    def tick(self) -> None:
        """Do everything due at the current modelled time."""
        with self._lock:
            now = self._emu.clock.now()
            for watcher in self._watchers:
                self._check(watcher, now)
            self._fire_schedules(now)
            if self._next_evaluation is None:
                self._next_evaluation = _next_multiple(now, EVALUATION_INTERVAL)
            if now >= self._next_evaluation:
                self._evaluate_alarms(now)
                self._next_evaluation = _next_multiple(now, EVALUATION_INTERVAL)

    def _check(self, watcher: _Watcher, now: float) -> None:
        if now < watcher.next_due:
            return
        # Checks missed while time jumped all see what the endpoint answers now.
        due = int((now - watcher.next_due) // watcher.interval) + 1
        watcher.next_due += due * watcher.interval
        ok = self._probe(watcher.url)
        for _ in range(due):
            if ok == watcher.healthy:
                watcher.streak = 0
                continue
            watcher.streak += 1
            if watcher.streak >= watcher.threshold:
                watcher.healthy = ok
                watcher.streak = 0
                self._apply(watcher)
        if watcher.kind == "route53":
            self._put_metric(
                ROUTE53_METRICS_REGION,
                "AWS/Route53",
                "HealthCheckStatus",
                [{"Name": "HealthCheckId", "Value": watcher.subject}],
                1.0 if watcher.healthy else 0.0,
            )

    def _apply(self, watcher: _Watcher) -> None:
        state = "healthy" if watcher.healthy else "unhealthy"
        if watcher.kind == "route53":
            self._emu.route53.set_health(watcher.subject, watcher.healthy)
            self._notify("health-check", watcher.subject, state, {"url": watcher.url})
        else:
            self._emu.globalaccelerator.set_endpoint_health(watcher.subject, watcher.healthy)
            self._notify("accelerator-health", watcher.subject, state, {"url": watcher.url})

    def _probe(self, url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=self.probe_timeout) as response:  # noqa: S310 - loopback
                return 200 <= int(response.status) < 400
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def _put_metric(
        self,
        region: str,
        namespace: str,
        name: str,
        dimensions: list[dict[str, str]],
        value: float,
    ) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        cloudwatch_backends[_account()][region].put_metric_data(
            namespace,
            [
                {
                    "MetricName": name,
                    "Dimensions": dimensions,
                    "Value": value,
                    "Timestamp": self._emu.utcnow().replace(tzinfo=None),
                    "Unit": "None",
                }
            ],
        )

    def _notify(self, kind: str, subject: str, state: str, detail: dict[str, Any]) -> None:
        notice = Notice(self._emu.clock.now(), kind, subject, state, detail)
        self.notices.append(notice)
        LOG.debug("%s", notice)
        for listener in list(self.listeners):
            try:
                listener(notice)
            except Exception:  # a display must never break the modelled world
                LOG.exception("monitoring listener failed")

    # ---------------------------------------------------------------------- schedules

    def _fire_schedules(self, now: float) -> None:
        from moto.events.models import events_backends

        account = _account()
        for region in sorted(self._regions):
            backend = events_backends[account][region]
            for bus in list(backend.event_buses.values()):
                for rule in list(bus.rules.values()):
                    expression = getattr(rule, "scheduled_expression", None)
                    if not expression or rule.state != "ENABLED":
                        continue
                    match = _RATE.match(expression)
                    if match is None:
                        continue  # cron() schedules are not modelled
                    unit = match.group(2).rstrip("s")
                    every = int(match.group(1)) * _UNIT_SECONDS[unit]
                    due = self._schedules.setdefault(rule.arn, _next_multiple(now, every))
                    if now < due:
                        continue
                    self._schedules[rule.arn] = _next_multiple(now, every)
                    event = self._event(
                        "Scheduled Event", "aws.events", account, region, [rule.arn], {}
                    )
                    self._notify("schedule", rule.name, expression, {})
                    for target in list(rule.targets):
                        self._deliver(account, region, rule, target, event)

    # ------------------------------------------------------------------------- alarms

    def _evaluate_alarms(self, now: float) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        account = _account()
        for region in sorted(self._regions):
            backend = cloudwatch_backends[account][region]
            for alarm in list(backend.alarms.values()):
                if not alarm.metric_name or not alarm.period:
                    continue  # metric-math and composite alarms are not modelled
                # A new alarm keeps its initial state until its whole evaluation range lies
                # after its creation (no verdict on periods from before it existed).
                seen = self._alarm_seen.setdefault(alarm.alarm_arn, now)
                if now - seen < float(alarm.period) * int(alarm.evaluation_periods):
                    continue
                verdict = self._verdict(backend, alarm, now)
                if verdict is None:
                    continue
                state, reason, reason_data = verdict
                if state != alarm.state_value:
                    alarm.update_state(reason, json.dumps(reason_data), state)

    def _verdict(
        self, backend: Any, alarm: Any, now: float
    ) -> tuple[str, str, dict[str, Any]] | None:
        period = float(alarm.period)
        periods = int(alarm.evaluation_periods)
        needed = int(alarm.datapoints_to_alarm or periods)
        end = math.floor(now / period) * period  # the last complete period ends here
        dimensions = [{"Name": d.name, "Value": d.value} for d in alarm.dimensions]
        buckets: list[list[float]] = [[] for _ in range(periods)]
        for datum in backend.metric_data:
            at = datum.__dict__.get(_MODELLED_AT)
            if at is None or not end - periods * period <= at < end:
                continue
            if not datum.filter(alarm.namespace, alarm.metric_name, dimensions):
                continue
            buckets[int((at - (end - periods * period)) // period)].append(float(datum.value))
        values = [_statistic(alarm.statistic, bucket) for bucket in buckets]
        compare = _COMPARE[alarm.comparison_operator]
        threshold = float(alarm.threshold)
        treat = alarm.treat_missing_data or "missing"
        present = [v for v in values if v is not None]
        breaching = sum(1 for v in present if compare(v, threshold))
        if treat == "breaching":
            breaching += len(values) - len(present)
        reason_data = {
            "version": "1.0",
            "queryDate": self._emu.utcnow().strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            "statistic": alarm.statistic,
            "period": int(period),
            "recentDatapoints": present,
            "threshold": threshold,
        }
        words = _COMPARE_WORDS[alarm.comparison_operator]
        if breaching >= needed:
            reason = (
                f"Threshold Crossed: {breaching} out of the last {periods} datapoints were "
                f"{words} the threshold ({threshold}) (minimum {needed} datapoints for "
                "OK -> ALARM transition)."
            )
            return "ALARM", reason, reason_data
        if not present and treat in ("missing", "ignore"):
            if treat == "ignore":
                return None
            reason = f"Insufficient Data: {periods} datapoints were unknown."
            return "INSUFFICIENT_DATA", reason, reason_data
        reason = (
            f"Threshold Crossed: {len(present) - breaching} out of the last {periods} "
            f"datapoints were not {words} the threshold ({threshold})."
        )
        return "OK", reason, reason_data

    def alarm_changed(self, alarm: Any, previous: dict[str, Any]) -> None:
        """Called by the patched ``Alarm.update_state`` after a state change."""
        account, region = _arn_account(alarm.alarm_arn), alarm.region_name
        detail = {
            "alarmName": alarm.name,
            "state": {
                "value": alarm.state_value,
                "reason": alarm.state_reason,
                "reasonData": alarm.state_reason_data or "{}",
                "timestamp": _alarm_time(self._emu.utcnow()),
            },
            "previousState": previous,
            "configuration": {
                "description": alarm.description or "",
                "metrics": [
                    {
                        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, alarm.alarm_arn)),
                        "metricStat": {
                            "metric": {
                                "namespace": alarm.namespace,
                                "name": alarm.metric_name,
                                "dimensions": {d.name: d.value for d in alarm.dimensions},
                            },
                            "period": int(alarm.period or 60),
                            "stat": alarm.statistic,
                        },
                        "returnData": True,
                    }
                ],
            },
        }
        event = self._event(
            "CloudWatch Alarm State Change",
            "aws.cloudwatch",
            account,
            region,
            [alarm.alarm_arn],
            detail,
        )
        self._notify(
            "alarm", alarm.name, alarm.state_value, {"region": region, "reason": alarm.state_reason}
        )
        self.dispatch(account, region, "default", event)

    # ------------------------------------------------------------------------- events

    def _event(
        self,
        detail_type: str,
        source: str,
        account: str,
        region: str,
        resources: list[str],
        detail: dict[str, Any],
    ) -> dict[str, Any]:
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": detail_type,
            "source": source,
            "account": account,
            "time": self._emu.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": region,
            "resources": resources,
            "detail": detail,
        }

    def dispatch(self, account: str, region: str, bus_name: str, event: dict[str, Any]) -> None:
        """Deliver ``event`` to the targets of every enabled rule on the bus that matches it."""
        from moto.events.models import events_backends

        if region in self._emu.faults.unreachable_regions:
            return
        bus = events_backends[account][region].event_buses.get(bus_name)
        if bus is None:
            return
        for rule in list(bus.rules.values()):
            if rule.state != "ENABLED" or getattr(rule, "scheduled_expression", None):
                continue
            pattern: Any = rule.event_pattern
            if pattern is None or not pattern.matches_event(event):
                continue
            for target in list(rule.targets):
                self._deliver(account, region, rule, target, event)

    def _deliver(
        self, account: str, region: str, rule: Any, target: dict[str, Any], event: dict[str, Any]
    ) -> None:
        arn = str(target["Arn"])
        parts = arn.split(":")
        service, target_region = parts[2], parts[3]
        payload = target.get("Input") or json.dumps(event)
        try:
            if target_region in self._emu.faults.unreachable_regions:
                raise ConnectionError(f"{target_region} is unreachable")
            if service == "states":
                from moto.stepfunctions.responses import get_backend

                execution = get_backend(parts[4], target_region).start_execution(
                    arn, name=str(uuid.uuid4()), execution_input=payload
                )
                detail = {"execution_arn": str(getattr(execution, "exec_arn", ""))}
            elif service == "lambda":
                from moto.awslambda.models import lambda_backends

                lambda_backends[parts[4]][target_region].invoke(arn, None, payload, {}, {})
                detail = {}
            elif service == "events" and parts[5].startswith("event-bus/"):
                self.dispatch(parts[4], target_region, parts[5].split("/", 1)[1], event)
                detail = {}
            elif service == "sqs":
                from moto.sqs.models import sqs_backends

                sqs_backends[parts[4]][target_region].send_message(parts[5], payload)
                detail = {}
            else:
                raise NotImplementedError(f"targets of service {service} are not modelled")
        except Exception as exc:  # noqa: BLE001 - any failure goes to the DLQ, as on AWS
            self._notify(
                "delivery-failed", rule.name, arn, {"error": f"{type(exc).__name__}: {exc}"}
            )
            self._dead_letter(target, event, exc)
            return
        detail.update({"rule": rule.name, "region": region, "event": event["detail-type"]})
        self._notify("delivery", rule.name, arn, detail)

    def _dead_letter(self, target: dict[str, Any], event: dict[str, Any], exc: Exception) -> None:
        dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
        if not dlq:
            LOG.warning("event to %s lost (no dead-letter queue): %s", target["Arn"], exc)
            return
        from moto.sqs.models import sqs_backends

        parts = dlq.split(":")
        try:
            sqs_backends[parts[4]][parts[3]].send_message(parts[5], json.dumps(event))
        except Exception:
            LOG.exception("dead-letter queue %s failed", dlq)

    # ------------------------------------------------------------------------ install

    def install(self, patcher: Patcher) -> None:
        from moto.cloudwatch.models import Alarm, CloudWatchBackend

        monitoring = self
        original_update = Alarm.update_state
        original_put = CloudWatchBackend.put_metric_data

        def update_state(alarm: Any, reason: str, reason_data: str, state_value: str) -> None:
            previous = {
                "value": alarm.state_value,
                "reason": alarm.state_reason,
                "reasonData": alarm.state_reason_data or "{}",
                "timestamp": _alarm_time(alarm.state_updated_timestamp),
            }
            original_update(alarm, reason, reason_data, state_value)
            if state_value != previous["value"]:
                monitoring.alarm_changed(alarm, previous)

        def put_metric_data(backend: Any, namespace: str, metric_data: Any) -> None:
            before = len(backend.metric_data)
            original_put(backend, namespace, metric_data)
            now = monitoring._emu.clock.now()
            for datum in backend.metric_data[before:]:
                datum.__dict__[_MODELLED_AT] = now

        patcher.setattr(Alarm, "update_state", update_state)
        patcher.setattr(CloudWatchBackend, "put_metric_data", put_metric_data)


def _statistic(statistic: str, values: list[float]) -> float | None:
    if not values:
        return None
    if statistic == "Minimum":
        return min(values)
    if statistic == "Maximum":
        return max(values)
    if statistic == "Sum":
        return sum(values)
    if statistic == "SampleCount":
        return float(len(values))
    return sum(values) / len(values)  # Average


def _next_multiple(now: float, every: float) -> float:
    return (math.floor(now / every) + 1) * every


def _alarm_time(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000")


def _arn_account(arn: str) -> str:
    return arn.split(":")[4]


def _account() -> str:
    import os

    return os.environ.get("MOTO_ACCOUNT_ID", "123456789012")
