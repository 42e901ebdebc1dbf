"""The one decorator every handler wears: a handler is its logic.

``@stage_handler`` turns ``def handle(stage: StageInput, settings: Settings) -> Result`` into
a Lambda entry point ``lambda_handler(event, context)``. It does what every handler needs,
once:

- logging: the Lambda context, and the execution ARN as the correlation id;
- tracing, only when tracing is on (:mod:`failover.observability`);
- settings, read once per environment (:func:`failover.config.get_settings`);
- input parsing, by the first parameter's annotation: ``StageInput`` (the state document),
  or ``dict`` for handlers that read a raw event (ValidateInput, ProbeHealth, Notify...);
- the transient-error mapping: throttling, 5xx and connection failures become
  ``TransientAwsError``, which the ASL retries;
- a ``ConfigurationError`` metric for every call the handler found denied
  (:mod:`failover.readings`);
- the result: a dataclass (or a dict of them) becomes JSON-ready data.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from failover import readings
from failover.config import Settings, get_settings
from failover.errors import transient_aws_errors
from failover.models import StageInput, plain
from failover.observability import emit_metric, logger, traced

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

LambdaHandler = Callable[[Any, "LambdaContext"], Any]


def correlation_id(event: Any) -> str | None:
    """The execution ARN a state passed in (``execution.id``), wherever it sits."""
    if not isinstance(event, dict):
        return None
    for holder in (event, event.get("state"), event.get("document")):
        if isinstance(holder, dict) and isinstance(holder.get("execution"), dict):
            found = holder["execution"].get("id")
            return str(found) if found else None
    return None


def stage_handler(
    handle: Callable[[Any, Settings], Any],
) -> LambdaHandler:
    """Make ``handle(payload, settings)`` a Lambda handler (see the module docstring)."""
    annotation = handle.__annotations__.get(handle.__code__.co_varnames[0])
    wants_stage = annotation in (StageInput, "StageInput")

    @functools.wraps(handle)
    def lambda_handler(event: Any, context: LambdaContext) -> Any:
        logger.set_correlation_id(correlation_id(event))
        settings = get_settings()
        payload = StageInput.parse(event) if wants_stage else event
        try:
            with transient_aws_errors():
                result = handle(payload, settings)
        finally:
            for call in readings.denials():
                emit_metric(
                    settings.metrics_namespace,
                    "ConfigurationError",
                    1,
                    "Count",
                    {"Region": settings.home_region, "Call": call},
                )
        data = plain(result)
        logger.info("stage done", extra={"result": data})
        return data

    return traced(logger.inject_lambda_context(lambda_handler))
