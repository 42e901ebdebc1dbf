"""CloudWatch metric alarms that evaluate, and whose state changes reach EventBridge.

moto stores metrics and alarms but never evaluates an alarm, and an alarm's state change
(``SetAlarmState`` included) goes nowhere.

* **Evaluation** (:meth:`CloudWatch.tick`, run by the world actor): a high-resolution alarm
  (``Period`` 10 or 30) is evaluated every period, a standard one every modelled minute; each
  looks at its evaluation range of complete periods (statistic per period; :func:`evaluate`:
  the most recent ``EvaluationPeriods`` datapoints that exist, ``DatapointsToAlarm`` of them
  breaching -> ALARM; ``TreatMissingData`` fills empty periods only when too few exist, and
  the documented premature-alarm rule).
  A datapoint counts in the period of its *modelled arrival* (stamped by the patched
  ``put_metric_data``, or the EMF line's time for :meth:`CloudWatch.put_datapoints`); its
  ``Timestamp`` stays what the caller gave (a missing one is the modelled now); an alarm sees it
  only ``latency.cloudwatch_ingestion_seconds`` after it arrived (ingestion). Each alarm is
  evaluated on its own phase within its interval (``latency.phase``). A datapoint
  stored at standard resolution (``StorageResolution`` 60, the default) counts at the start of
  its minute, a high-resolution one (1) at its second, so a 10 s alarm on a standard metric
  sees it once a minute, as on AWS. Metric-math and composite alarms are not modelled.
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
  ("High-resolution alarms": periods of 10 or 30 seconds on high-resolution metrics) and
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html
  ("Resolution").
* **Scheduled publishers catch up before a read** (:attr:`CloudWatch.before_read`): Aurora's
  lag datapoints (:mod:`emulator.services.rds`) are due every minute whether or not the world
  actor ticks.
* **State changes reaching EventBridge**: every change (an evaluation or ``SetAlarmState``)
  puts the "CloudWatch Alarm State Change" event, shaped as AWS sends it, on the default bus
  of the alarm's region (:meth:`emulator.services.eventbridge.EventBridge.dispatch`), and is an
  "alarm" notice.
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..clock import next_multiple
from ..world import EVALUATE, Service, default_account, register

if TYPE_CHECKING:
    from .._patching import Patcher
    from ..world import World
    from .eventbridge import EventBridge

__all__ = ["EVALUATION_INTERVAL", "CloudWatch", "evaluate", "evaluation_interval"]

EVALUATION_INTERVAL = 60.0  # CloudWatch evaluates standard metric alarms once a minute
EVALUATION_RANGE_EXTRA = 2
"""Periods CloudWatch retrieves beyond EvaluationPeriods (the *evaluation range*). AWS gives no
formula, only its worked example: EvaluationPeriods 3, "5 is the evaluation range for the
alarm" (AlarmThatSendsEmail.html). N + 2 for every alarm is an assumption from that example."""
_MODELLED_AT = "_emulator_modelled_at"
_RESOLUTION = "_emulator_storage_resolution"
_VISIBLE_AT = "_emulator_visible_at"


def evaluation_interval(period: float) -> float:
    """How often an alarm with ``period`` is evaluated: every period for high-resolution
    alarms (10 or 30 s), every minute otherwise."""
    return float(period) if 0 < float(period) < EVALUATION_INTERVAL else EVALUATION_INTERVAL


_COMPARE: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "GreaterThanOrEqualToThreshold": ("greater than or equal to", lambda v, t: v >= t),
    "GreaterThanThreshold": ("greater than", lambda v, t: v > t),
    "LessThanThreshold": ("less than", lambda v, t: v < t),
    "LessThanOrEqualToThreshold": ("less than or equal to", lambda v, t: v <= t),
}
_STATISTICS: dict[str, Callable[[list[float]], float]] = {
    "Minimum": min,
    "Maximum": max,
    "Sum": sum,
    "SampleCount": lambda values: float(len(values)),
    "Average": lambda values: sum(values) / len(values),
}


@register
class CloudWatch(Service):
    """``world.cloudwatch``. See the module docstring."""

    name = "cloudwatch"
    tick_phase = EVALUATE

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._next_evaluation: dict[str, float] = {}  # alarm ARN -> when it is next evaluated
        self._alarm_seen: dict[str, float] = {}  # alarm ARN -> when evaluation first saw it
        # Run before every metric read: services that publish on a schedule (Aurora's lag
        # every minute) catch up first, so readers see them without the world actor ticking.
        self.before_read: list[Callable[[], None]] = []

    # ------------------------------------------------------------------------ evaluation

    def tick(self) -> None:
        """Evaluate the alarms that are due (every period, or every minute)."""
        self._evaluate_alarms(self.world.clock.now())

    def _evaluate_alarms(self, now: float) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        account = default_account()
        for region in sorted(self.world.regions):
            backend = cloudwatch_backends[account][region]
            for alarm in list(backend.alarms.values()):
                if not alarm.metric_name or not alarm.period:
                    continue  # metric-math and composite alarms are not modelled
                every = evaluation_interval(float(alarm.period))
                # Each alarm is evaluated on its own phase within its interval (when CloudWatch
                # evaluates is not published: ``latency.phase``, an assumption).
                phase = self.world.latency.phase("alarm:" + alarm.alarm_arn, every)
                due = self._next_evaluation.setdefault(
                    alarm.alarm_arn, next_multiple(now - phase, every) + phase
                )
                if now < due:
                    continue
                self._next_evaluation[alarm.alarm_arn] = next_multiple(now - phase, every) + phase
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
        span = periods + EVALUATION_RANGE_EXTRA
        end = math.floor(now / period) * period  # the last complete period ends here
        # The evaluation range (EVALUATION_RANGE_EXTRA periods further back than
        # EvaluationPeriods) also covers a newest period whose datapoint has not arrived yet
        # (ingestion): the most recent periods with data are evaluated (evaluate()).
        start = end - span * period
        dimensions = [{"Name": d.name, "Value": d.value} for d in alarm.dimensions]
        buckets: list[list[float]] = [[] for _ in range(span)]
        for datum in backend.metric_data:
            at = datum.__dict__.get(_MODELLED_AT)
            if at is None:
                continue
            if datum.__dict__.get(_VISIBLE_AT, at) > now:
                continue  # not ingested yet
            if datum.__dict__.get(_RESOLUTION, 60) >= 60:
                at = math.floor(at / 60.0) * 60.0  # standard resolution: stored per minute
            if not start <= at < end:
                continue
            if not datum.filter(alarm.namespace, alarm.metric_name, dimensions):
                continue
            buckets[int((at - start) // period)].append(float(datum.value))
        statistic = _STATISTICS.get(alarm.statistic, _STATISTICS["Average"])
        slots = [statistic(bucket) if bucket else None for bucket in buckets]  # oldest first
        words, compare = _COMPARE[alarm.comparison_operator]
        threshold = float(alarm.threshold)
        treat = alarm.treat_missing_data or "missing"
        existing = [v for v in slots if v is not None]
        reason_data = {
            "version": "1.0",
            "queryDate": self.world.utcnow().strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            "statistic": alarm.statistic,
            "period": int(period),
            "recentDatapoints": existing[-periods:],
            "threshold": threshold,
        }
        state = evaluate(slots, periods, needed, treat, lambda v: compare(v, threshold))
        if state is None:
            return None
        if state == "INSUFFICIENT_DATA":
            reason = f"Insufficient Data: {periods} datapoints were unknown."
        elif state == "ALARM":
            breaching = sum(1 for v in existing[-periods:] if compare(v, threshold))
            reason = (
                f"Threshold Crossed: {breaching} out of the last {periods} datapoints were "
                f"{words} the threshold ({threshold}) (minimum {needed} datapoints for "
                "OK -> ALARM transition)."
            )
        else:
            recent = existing[-periods:]
            fine = sum(1 for v in recent if not compare(v, threshold))
            reason = (
                f"Threshold Crossed: {fine} out of the last {len(recent)} "
                f"datapoints were not {words} the threshold ({threshold})."
            )
        return state, reason, reason_data

    # --------------------------------------------------------------------- state changes

    def alarm_changed(self, alarm: Any, previous: dict[str, Any]) -> None:
        """Called by the patched ``Alarm.update_state`` after a state change."""
        account, region = alarm.alarm_arn.split(":")[4], alarm.region_name
        detail = {
            "alarmName": alarm.name,
            "state": {
                "value": alarm.state_value,
                "reason": alarm.state_reason,
                "reasonData": alarm.state_reason_data or "{}",
                "timestamp": _alarm_time(self.world.utcnow()),
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
        state = {"region": region, "reason": alarm.state_reason}
        self.world.notify("alarm", alarm.name, alarm.state_value, state)
        events: EventBridge = self.world.service("eventbridge")
        kind, source = "CloudWatch Alarm State Change", "aws.cloudwatch"
        event = events.event(kind, source, account, region, [alarm.alarm_arn], detail)
        events.dispatch(account, region, "default", event)

    # --------------------------------------------------------------------------- install

    def install(self, patcher: Patcher) -> None:
        from moto.cloudwatch.models import Alarm, CloudWatchBackend

        cloudwatch = self
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
                cloudwatch.alarm_changed(alarm, previous)

        def put_metric_data(backend: Any, namespace: str, metric_data: Any) -> None:
            cloudwatch._put(backend, namespace, metric_data, cloudwatch.world.clock.now())

        def reading(name: str) -> Any:
            original = getattr(CloudWatchBackend, name)

            def read(backend: Any, *args: Any, **kwargs: Any) -> Any:
                for catch_up in list(cloudwatch.before_read):
                    catch_up()
                return original(backend, *args, **kwargs)

            return read

        for name in ("get_metric_statistics", "get_metric_data", "list_metrics"):
            patcher.setattr(CloudWatchBackend, name, reading(name))
        self._original_put = original_put
        patcher.setattr(Alarm, "update_state", update_state)
        patcher.setattr(CloudWatchBackend, "put_metric_data", put_metric_data)

    _original_put: Callable[..., None]

    def _put(self, backend: Any, namespace: str, metric_data: Any, at: float) -> None:
        """moto's put_metric_data, then stamp each new datum: modelled arrival ``at``, its
        StorageResolution, and the modelled now as the Timestamp a caller left out."""
        with self._lock:
            before = len(backend.metric_data)
            self._original_put(backend, namespace, metric_data)
            added = backend.metric_data[before:]
            position = 0
            stamp = (self.world.clock.epoch + timedelta(seconds=at)).replace(tzinfo=None)
            ingestion = self.world.latency.cloudwatch_ingestion_seconds
            for member in metric_data:
                count = _datums_of(member)
                resolution = int(member.get("StorageResolution") or 60)
                for datum in added[position : position + count]:
                    datum.__dict__[_MODELLED_AT] = at
                    datum.__dict__[_VISIBLE_AT] = at + ingestion
                    datum.__dict__[_RESOLUTION] = resolution
                    if not member.get("Timestamp"):
                        datum.timestamp = stamp
                position += count

    def put_datapoints(
        self,
        account: str,
        region: str,
        namespace: str,
        metric_data: list[dict[str, Any]],
        at: float,
    ) -> None:
        """Datapoints extracted by CloudWatch itself (Embedded Metric Format), arriving at
        modelled time ``at`` and stamped with it."""
        from moto.cloudwatch.models import cloudwatch_backends

        stamp = (self.world.clock.epoch + timedelta(seconds=at)).replace(tzinfo=None)
        data = [{**datum, "Timestamp": datum.get("Timestamp") or stamp} for datum in metric_data]
        self._put(cloudwatch_backends[account][region], namespace, data, at)


def evaluate(
    slots: list[float | None],
    periods: int,
    needed: int,
    treat: str,
    breaches: Callable[[float], bool],
) -> str | None:
    """An alarm's state from the periods of its evaluation range (oldest first, None for a
    period with no datapoint), as CloudWatch documents it; None: the state is kept.

    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
    ("How CloudWatch alarm evaluates when data is missing" and "Avoiding premature
    transitions to alarm state"): with at least ``periods`` datapoints in the range, the most
    recent ``periods`` of them are evaluated and missing periods are ignored; with fewer, the
    missing ones are filled as few times as possible by ``TreatMissingData``; with
    ``missing``/``ignore`` the alarm goes to ALARM early only when every datapoint in the range
    breaches and the oldest breaching one among the last ``periods`` periods is at least
    ``needed`` periods old.
    """
    existing = [v for v in slots if v is not None]
    if len(existing) >= periods:
        recent = existing[-periods:]
        return "ALARM" if sum(1 for v in recent if breaches(v)) >= needed else "OK"
    fill = periods - len(existing)
    breaching = sum(1 for v in existing if breaches(v))
    if treat in ("breaching", "notBreaching"):
        breaching += fill if treat == "breaching" else 0
        return "ALARM" if breaching >= needed else "OK"
    if not existing:
        return "INSUFFICIENT_DATA" if treat == "missing" else None
    if breaching >= needed:
        return "ALARM"
    if breaching == len(existing):  # every datapoint breaches, too few of them yet
        last = slots[-periods:]
        oldest = next((i for i, v in enumerate(last) if v is not None and breaches(v)), None)
        if oldest is not None and periods - oldest >= needed:
            return None if treat == "ignore" else "ALARM"
        return None
    return "OK"


def _datums_of(member: dict[str, Any]) -> int:
    """How many MetricDatum moto stores for one MetricData member."""
    values = member.get("Values")
    if values:
        counts = member.get("Counts") or ["1"] * len(values)
        return sum(int(float(count)) for count in counts)
    return 1


def _alarm_time(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000")
