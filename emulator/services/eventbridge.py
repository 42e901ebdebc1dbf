"""EventBridge rule targets and schedules, which moto stores but does not run.

* **Rule targets**: :meth:`EventBridge.dispatch` delivers an event, unchanged, to the targets
  of every enabled rule on a bus whose pattern matches it: a Step Functions state machine
  (``StartExecution`` with the event as input), a Lambda function (an *asynchronous* invoke,
  as EventBridge invokes Lambda targets:
  https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html; the function's own
  retries and destinations apply), an event bus in another region (the event keeps its
  ``region``, ``account`` and ``resources``) or an SQS queue. A delivery that fails
  (unreachable region, an error) goes to the target's dead-letter queue. moto delivers only
  to logs, SQS and (rewriting the event) other buses. Each delivery (each hop: a bus-to-bus
  forward is one) takes ``latency.eventbridge_delivery_seconds`` (not published: an assumption).
* **Events from AWS services**: :meth:`EventBridge.event` shapes an event as AWS sends it
  (the CloudWatch alarm state changes of :mod:`emulator.services.cloudwatch` and the Step
  Functions execution status changes of :mod:`emulator.services.sfn_events` are dispatched
  on the default bus of their region).
* **Schedules**: :meth:`EventBridge.tick` fires rules with ``rate(...)`` expressions in the
  world's regions at their rate ("Scheduled Event"), each rule on its own phase
  (``latency.phase``) and ``latency.eventbridge_schedule_jitter_seconds`` late (AWS: "might be
  several seconds"); ``cron(...)`` is not modelled.

Notices: "delivery", "delivery-failed", "schedule".
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import TYPE_CHECKING, Any

from ..clock import ActorThread, active_clock, next_multiple
from ..world import SCHEDULE, Service, default_account, register

if TYPE_CHECKING:
    from ..world import World
    from .lambda_runtime import Lambda

__all__ = ["EventBridge"]

LOG = logging.getLogger(__name__)

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@register
class EventBridge(Service):
    """``world.eventbridge``. See the module docstring."""

    name = "eventbridge"
    tick_phase = SCHEDULE

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._schedules: dict[str, float] = {}  # rule ARN -> when it next fires

    # ------------------------------------------------------------------------- events

    def event(
        self,
        detail_type: str,
        source: str,
        account: str,
        region: str,
        resources: list[str],
        detail: dict[str, Any],
    ) -> dict[str, Any]:
        """An event from an AWS service, shaped as EventBridge delivers it."""
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": detail_type,
            "source": source,
            "account": account,
            "time": self.world.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": region,
            "resources": resources,
            "detail": detail,
        }

    def dispatch(self, account: str, region: str, bus_name: str, event: dict[str, Any]) -> None:
        """Deliver ``event`` to the targets of every enabled rule on the bus that matches it."""
        from moto.events.models import events_backends

        if region in self.world.faults.unreachable_regions:
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
                self._deliver(region, rule, target, event)

    def _deliver(
        self, region: str, rule: Any, target: dict[str, Any], event: dict[str, Any]
    ) -> None:
        """Deliver to one target after ``latency.eventbridge_delivery_seconds`` (on an actor of
        its own, so the caller does not wait)."""
        delay = self.world.latency.eventbridge_delivery_seconds
        if delay <= 0 or active_clock() is None:
            self._deliver_now(region, rule, target, event)
            return

        def later() -> None:
            self.world.clock.sleep(delay)
            self._deliver_now(region, rule, target, event)

        ActorThread(target=later, name=f"eventbridge:{rule.name}", daemon=True).start()

    def _deliver_now(
        self, region: str, rule: Any, target: dict[str, Any], event: dict[str, Any]
    ) -> None:
        arn = str(target["Arn"])
        parts = arn.split(":")
        service, target_region, target_account = parts[2], parts[3], parts[4]
        payload = target.get("Input") or json.dumps(event)
        try:
            if target_region in self.world.faults.unreachable_regions:
                raise ConnectionError(f"{target_region} is unreachable")
            if service == "states":
                from moto.stepfunctions.responses import get_backend

                execution = get_backend(target_account, target_region).start_execution(
                    arn, name=str(uuid.uuid4()), execution_input=payload
                )
                detail = {"execution_arn": str(getattr(execution, "exec_arn", ""))}
            elif service == "lambda":
                from moto.awslambda.models import lambda_backends

                function = lambda_backends[target_account][target_region].get_function(arn)
                runtime: Lambda = self.world.service("lambda")
                runtime.invoke_async(function, payload)
                detail = {}
            elif service == "events" and parts[5].startswith("event-bus/"):
                self.dispatch(target_account, target_region, parts[5].split("/", 1)[1], event)
                detail = {}
            elif service == "sqs":
                from moto.sqs.models import sqs_backends

                sqs_backends[target_account][target_region].send_message(parts[5], payload)
                detail = {}
            else:
                raise NotImplementedError(f"targets of service {service} are not modelled")
        except Exception as exc:  # noqa: BLE001 - any failure goes to the DLQ, as on AWS
            error = {"error": f"{type(exc).__name__}: {exc}"}
            self.world.notify("delivery-failed", rule.name, arn, error)
            self._dead_letter(target, event, exc)
            return
        detail.update({"rule": rule.name, "region": region, "event": event["detail-type"]})
        self.world.notify("delivery", rule.name, arn, detail)

    @staticmethod
    def _dead_letter(target: dict[str, Any], event: dict[str, Any], exc: Exception) -> None:
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

    # ---------------------------------------------------------------------- schedules

    def tick(self) -> None:
        """Fire the schedules that are due in the world's regions."""
        from moto.events.models import events_backends

        now = self.world.clock.now()
        account = default_account()
        for region in sorted(self.world.regions):
            backend = events_backends[account][region]
            for bus in list(backend.event_buses.values()):
                for rule in list(bus.rules.values()):
                    every = _rate_seconds(rule)
                    if every is None:
                        continue
                    # A rate rule fires on its own phase ("a rate expression starts when you
                    # create the rule"), each time up to several seconds late (jitter).
                    latency = self.world.latency
                    phase = latency.phase("schedule:" + rule.arn, every)
                    base = self._schedules.setdefault(
                        rule.arn, next_multiple(now - phase, every) + phase
                    )
                    if now < base + latency.eventbridge_schedule_jitter_seconds:
                        continue
                    self._schedules[rule.arn] = next_multiple(now - phase, every) + phase
                    event = self.event(
                        "Scheduled Event", "aws.events", account, region, [rule.arn], {}
                    )
                    self.world.notify("schedule", rule.name, str(rule.scheduled_expression), {})
                    for target in list(rule.targets):
                        self._deliver(region, rule, target, event)


def _rate_seconds(rule: Any) -> int | None:
    """The period of an enabled ``rate(...)`` rule in seconds, else None."""
    expression = getattr(rule, "scheduled_expression", None)
    if not expression or rule.state != "ENABLED":
        return None
    match = _RATE.match(expression)
    if match is None:
        return None  # cron() schedules are not modelled
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]
