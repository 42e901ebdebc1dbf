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
* ``fail(...)``: the next ``count`` matching *API calls* return the error ``code`` (HTTP status
  from the service model, else 5xx for server-side codes and 400 otherwise). A call is what
  the caller sees: the SDK's own retries are not replayed, the fault is the final outcome.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ._service_model import service_model

__all__ = ["FaultRule", "Faults", "effective_region"]

# Services whose control plane lives in us-east-1 (their clients use region "aws-global").
GLOBAL_SERVICES = frozenset(
    {"route53", "iam", "cloudfront", "organizations", "route53domains", "shield", "waf"}
)


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


class Faults:
    """Injected failures. ``unreachable_regions`` is a plain set: add, discard, or assign."""

    def __init__(self) -> None:
        self.unreachable_regions: set[str] = set()
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def fail(
        self,
        service: str,
        operation: str,
        code: str,
        message: str = "Injected fault",
        count: int | None = 1,
        region: str | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``service.operation`` fail with ``code``.

        ``service`` is the boto3 service name ("globalaccelerator", "rds", "ecs"), ``operation``
        the API name ("UpdateEndpointGroup"). ``count=None`` fails every call until
        :meth:`clear`. ``region`` limits the rule to calls going to that region.
        """
        model = service_model(service)
        if operation not in model.operation_names:
            raise ValueError(f"{service} has no operation {operation!r}")
        if count is not None and count < 1:
            raise ValueError("count must be >= 1, or None for every call")
        with self._lock:
            self._rules.append(FaultRule(service, operation, code, message, count, region))

    def clear(self) -> None:
        """Remove every injected failure and make every region reachable again."""
        with self._lock:
            self._rules.clear()
        self.unreachable_regions.clear()

    def is_unreachable(self, region: str) -> bool:
        return region in set(self.unreachable_regions)

    def take(self, service: str, operation: str, region: str) -> FaultRule | None:
        """Consume one matching fault for this call, if any."""
        with self._lock:
            for rule in self._rules:
                if rule.service != service or rule.operation != operation:
                    continue
                if rule.region is not None and rule.region != region:
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
