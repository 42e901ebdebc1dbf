"""Fault injection: unreachable regions and failing API calls, for every boto3 client.

The checks run in the emulator's ``before-call`` handler (see :mod:`emulator.core`), which
every client created after ``Emulator.install`` carries: test code, Lambda handlers run by
:mod:`emulator.services.lambda_runtime`, and the clients moto's Step Functions interpreter
creates.

Semantics
---------
* ``unreachable_regions``: a call whose client region is in the set raises
  ``botocore.exceptions.EndpointConnectionError`` (what a DNS or connect failure raises).
  Global services count as us-east-1, where their control plane lives: Route 53, IAM,
  CloudFront, Organizations (their clients report the pseudo-region ``aws-global``).
  On an actor thread the caller first waits what its SDK client would: the client's
  ``connect_timeout`` times its attempts (botocore's retry configuration), in modelled time.
* ``fail(...)``: the next ``count`` matching *API calls* return the error ``code`` (HTTP status
  from the service model, else 5xx for server-side codes and 400 otherwise). A call is what
  the caller sees: the SDK's own retries are not replayed, the fault is the final outcome.
* ``slow(...)``: matching calls are processed ``seconds`` modelled seconds late: the call
  lands (changes AWS state) then, and its caller waits for it. When ``seconds`` exceeds the
  client's ``read_timeout``, the caller instead gets ``ReadTimeoutError`` after its attempts
  times ``read_timeout``, and every attempt still lands ``seconds`` after it was sent, as a
  slow service does. Only calls made on actor threads (handlers, the state machine) are
  slowed; external code's calls take no modelled time.
* ``hang(...)``: a brownout. Every call to ``service`` (in ``region``) is accepted (the TCP
  connection opens) and never answered: the caller gets ``ReadTimeoutError`` after its
  attempts times its client's ``read_timeout`` (botocore's default 60 s for a client that
  sets none), in modelled time, and the call never lands. A refusal is
  ``unreachable_regions`` or ``code="unreachable"``; a hang is this.
* ``caller``: a rule given a caller matches only the calls that caller makes: a Lambda
  function's own calls (its name, as ``AWS_LAMBDA_FUNCTION_NAME`` reads inside the handler)
  or a Step Functions Task state's service integration (the state's name, e.g. a native
  ``dynamodb:putItem`` Task). With a caller, ``service`` and ``operation`` may be ``"*"``:
  every call of that caller. ``code="unreachable"`` makes the matching calls fail as an
  unreachable endpoint does (``EndpointConnectionError``, after the connect timeouts), for
  that caller only. A handler a Task invoked is also the caller ``"<state>/<function>"``, so
  a fault can reach the one Task's work when several Tasks invoke the same function.
* Kinds of error, named as each service names them (:func:`code_for`): ``"throttled"``
  (``Throttling`` on query/XML APIs, ``ThrottlingException`` on JSON ones, Lambda's
  ``TooManyRequestsException``, S3's ``SlowDown``), ``"denied"`` (``AccessDenied`` /
  ``AccessDeniedException``), ``"server-error"`` (``InternalFailure``, the error every AWS
  API documents as its common 500; Lambda's ``ServiceException``, DynamoDB's
  ``InternalServerError``, S3's ``InternalError``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from ._service_model import service_model

__all__ = [
    "ANY",
    "DENIED",
    "INVOKED_BY",
    "SERVER_ERROR",
    "TASK_REGION",
    "TASK_STATE",
    "THROTTLED",
    "UNREACHABLE",
    "FaultRule",
    "Faults",
    "SlowRule",
    "caller_region",
    "callers",
    "code_for",
    "effective_region",
]

# Services whose control plane lives in us-east-1 (their clients use region "aws-global").
GLOBAL_SERVICES = frozenset(
    {"route53", "iam", "cloudfront", "organizations", "route53domains", "shield", "waf"}
)


ANY = "*"
UNREACHABLE = "unreachable"
THROTTLED, DENIED, SERVER_ERROR = "throttled", "denied", "server-error"
#: The Step Functions Task state whose service integration is calling (set by
#: :mod:`emulator.services.sfn_tasks` around a Task's integration call).
TASK_STATE: ContextVar[str | None] = ContextVar("emulator_task_state", default=None)
#: The Region of the state machine whose Task integration is calling (set with TASK_STATE).
TASK_REGION: ContextVar[str | None] = ContextVar("emulator_task_region", default=None)
#: The Task state that invoked the running Lambda handler (set by the Lambda runtime).
INVOKED_BY: ContextVar[str | None] = ContextVar("emulator_invoked_by", default=None)

_XML_PROTOCOLS = frozenset({"query", "ec2", "rest-xml"})
_OWN_CODES = {
    (THROTTLED, "lambda"): "TooManyRequestsException",
    (THROTTLED, "s3"): "SlowDown",
    (SERVER_ERROR, "lambda"): "ServiceException",
    (SERVER_ERROR, "dynamodb"): "InternalServerError",
    (SERVER_ERROR, "s3"): "InternalError",
}


def code_for(code: str, service: str) -> str:
    """The error code a service answers for a kind of error (other codes as they are)."""
    if code not in (THROTTLED, DENIED, SERVER_ERROR):
        return code
    if (code, service) in _OWN_CODES:
        return _OWN_CODES[(code, service)]
    xml = service_model(service).protocol in _XML_PROTOCOLS
    if code == THROTTLED:
        return "Throttling" if xml else "ThrottlingException"
    if code == DENIED:
        return "AccessDenied" if xml else "AccessDeniedException"
    return "InternalFailure"


def callers() -> frozenset[str]:
    """Who is making the current call: the Lambda function running it (and, when a Task
    invoked it, ``"<state>/<function>"``) and/or the Task state whose integration it is
    (empty for test code)."""
    function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    invoked_by = INVOKED_BY.get()
    found = {function, TASK_STATE.get()}
    if function and invoked_by:
        found.add(f"{invoked_by}/{function}")
    return frozenset(name for name in found if name)


def caller_region() -> str | None:
    """The Region the current call leaves from: a Lambda function's own Region (its
    ``AWS_REGION``, as the runtime sets it per invocation), else the Region of the state
    machine whose Task integration is calling; None for test code (no caller)."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return os.environ.get("AWS_REGION") or None
    return TASK_REGION.get()


def effective_region(service: str, client_region: str | None) -> str:
    """The region a call really goes to: global services and ``aws-global`` are us-east-1."""
    if service in GLOBAL_SERVICES or client_region in (None, "aws-global"):
        return "us-east-1"
    return client_region


@dataclass
class FaultRule:
    service: str
    operation: str
    code: str
    message: str
    remaining: int | None
    region: str | None
    caller: str | None = None

    def matches(self, service: str, operation: str, region: str, by: frozenset[str]) -> bool:
        if self.service not in (ANY, service) or self.operation not in (ANY, operation):
            return False
        if self.region is not None and self.region != region:
            return False
        return self.caller is None or self.caller in by


@dataclass
class SlowRule:
    service: str
    operation: str
    seconds: float
    remaining: int | None
    region: str | None


class Faults:
    """Injected failures. ``unreachable_regions`` is a plain set: add, discard, or assign."""

    def __init__(self) -> None:
        self.unreachable_regions: set[str] = set()
        self._rules: list[FaultRule] = []
        self._slow: list[SlowRule] = []
        self._hanging: set[tuple[str, str | None]] = set()
        self._lock = threading.Lock()

    def hang(self, service: str, region: str | None = None) -> None:
        """Every call to ``service`` (in ``region``, or anywhere) hangs until :meth:`clear` or
        :meth:`unhang`: see the module docstring."""
        service_model(service)  # a real service name, or ValueError
        with self._lock:
            self._hanging.add((service, region))

    def unhang(self, service: str, region: str | None = None) -> None:
        with self._lock:
            self._hanging.discard((service, region))

    def is_hanging(self, service: str, region: str) -> bool:
        with self._lock:
            return (service, region) in self._hanging or (service, None) in self._hanging

    def slow(
        self,
        service: str,
        operation: str,
        seconds: float,
        region: str | None = None,
        count: int | None = None,
    ) -> None:
        """Process matching calls ``seconds`` modelled seconds late (they land late).

        ``count=None`` slows every matching call until :meth:`clear`; ``region`` limits the
        rule to calls going to that region. See the module docstring for read timeouts."""
        model = service_model(service)
        if operation not in model.operation_names:
            raise ValueError(f"{service} has no operation {operation!r}")
        if count is not None and count < 1:
            raise ValueError("count must be >= 1, or None for every call")
        if not seconds > 0:
            raise ValueError("seconds must be > 0")
        with self._lock:
            self._slow.append(SlowRule(service, operation, float(seconds), count, region))

    def take_slow(self, service: str, operation: str, region: str) -> float | None:
        """The delay of one matching slow rule for this call (consumed), or None."""
        with self._lock:
            for rule in self._slow:
                if rule.service != service or rule.operation != operation:
                    continue
                if rule.region is not None and rule.region != region:
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._slow.remove(rule)
                return rule.seconds
        return None

    def fail(
        self,
        service: str,
        operation: str,
        code: str,
        message: str = "Injected fault",
        count: int | None = 1,
        region: str | None = None,
        caller: str | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``service.operation`` fail with ``code``.

        ``service`` is the boto3 service name ("globalaccelerator", "rds", "ecs"), ``operation``
        the API name ("UpdateEndpointGroup"). ``count=None`` fails every call until
        :meth:`clear`. ``region`` limits the rule to calls going to that region, ``caller``
        to one function's or one Task state's calls (then ``"*"`` may stand for any service
        or operation). ``code="unreachable"``: the endpoint cannot be reached.
        """
        if caller is None or service != ANY:
            model = service_model(service)
            if (operation != ANY or caller is None) and operation not in model.operation_names:
                raise ValueError(f"{service} has no operation {operation!r}")
        elif operation != ANY:
            raise ValueError("a rule for any service matches any operation: operation='*'")
        if count is not None and count < 1:
            raise ValueError("count must be >= 1, or None for every call")
        with self._lock:
            self._rules.append(FaultRule(service, operation, code, message, count, region, caller))

    def clear(self) -> None:
        """Remove every injected failure and make every region reachable again."""
        with self._lock:
            self._rules.clear()
            self._slow.clear()
            self._hanging.clear()
        self.unreachable_regions.clear()

    @contextmanager
    def suspended(self) -> Iterator[None]:
        """Lift every fault for the duration (an observer's reads: a test's oracle), then
        re-arm them as they were. Only sound while modelled time stands still."""
        with self._lock:
            rules, slow, hanging = self._rules, self._slow, self._hanging
            self._rules, self._slow, self._hanging = [], [], set()
        unreachable = set(self.unreachable_regions)
        self.unreachable_regions.clear()
        try:
            yield
        finally:
            with self._lock:
                self._rules, self._slow = rules + self._rules, slow + self._slow
                self._hanging |= hanging
            self.unreachable_regions.update(unreachable)

    def is_unreachable(self, region: str) -> bool:
        return region in set(self.unreachable_regions)

    def take(
        self, service: str, operation: str, region: str, by: frozenset[str] = frozenset()
    ) -> FaultRule | None:
        """Consume one matching fault for this call (made by ``by``: :func:`callers`)."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(service, operation, region, by):
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                return rule
        return None

    @property
    def pending(self) -> list[FaultRule]:
        """The rules still armed (copies)."""
        with self._lock:
            return [FaultRule(**vars(rule)) for rule in self._rules]
