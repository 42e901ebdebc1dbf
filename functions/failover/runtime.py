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
- the regions this run could not connect to, handed from state to state through the state
  document (``unreachable``), so a dead region costs one connect timeout per run, not one per
  state (:class:`failover.clients.Reachability`);
- the result: a dataclass (or a dict of them) becomes JSON-ready data;
- the run's ``WarmUp`` (:data:`WARM_UP`): answered at once, having only started the execution
  environment (imports, settings) that the run's task will then find warm;
- for the stages that run while the run holds the estate's lease (``renews_lease=True``: the
  acting stages and the loops between them), the lease's heartbeat and fencing check, before
  the handler does anything (:func:`failover.lease.renew`): a run that lost its lease stops
  with ``LeaseLost`` before acting, and a live run's lease never lapses (every Wait loop
  comes back through one of these stages within 10 s).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import lease, readings, table
from failover.clients import reachability
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


WARM_UP: dict[str, Any] = {"warm": True}
"""The payload the state machine's WarmUp state invokes each task's function with
(asynchronously, at the start of a run): the environment is started, nothing is done."""

UNREACHABLE = "unreachable"
"""The key of the regions a state could not connect to, in its result (region -> ISO time)."""


def seen_unreachable(event: Any) -> dict[str, datetime]:
    """What earlier states of this run saw unreachable: the ``unreachable`` of the document
    itself (ValidateInput's result is the document) and of each state's result in it; the
    latest sighting of each region wins. Anything malformed is ignored (it only saves time)."""
    found: dict[str, datetime] = {}
    if not isinstance(event, dict):
        return found
    for holder in (event, *event.values()):
        seen = holder.get(UNREACHABLE) if isinstance(holder, dict) else None
        if not isinstance(seen, dict):
            continue
        for region, when in seen.items():
            try:
                at = datetime.fromisoformat(str(when))
            except ValueError:
                continue
            if at.tzinfo is not None and (region not in found or at > found[region]):
                found[str(region)] = at
    return found


def _warm_up() -> dict[str, Any]:
    """Start the environment: the imports are done; read the settings (cached per environment).
    Never raises: a broken configuration fails the run's own task, by its name, and an error
    here would only make Lambda retry the asynchronous warm-up into the run's way."""
    try:
        get_settings()
    except Exception as error:  # noqa: BLE001 - reported by the task that needs the settings
        return {**WARM_UP, "settings": f"{type(error).__name__}: {error}"}
    return WARM_UP


def renew_lease(stage: StageInput, settings: Settings) -> int:
    """The acting stages' heartbeat: renew this run's lease, or raise LeaseLost."""
    now = datetime.now(UTC)
    return table.call(
        settings,
        lambda ddb: lease.renew(
            ddb,
            settings.table_name,
            stage.execution.id,
            stage.request.target_region,
            now,
            settings.lease_seconds,
        ),
    )


def stage_handler(
    handle: Callable[[Any, Settings], Any],
    *,
    renews_lease: bool = False,
    own_result: str | None = None,
) -> LambdaHandler:
    """Make ``handle(payload, settings)`` a Lambda handler (see the module docstring).

    ``own_result``: a polling stage remembers only what its own earlier polls (the document's
    ``own_result`` part) saw unreachable, not what other states saw (ConfirmOutage: a family
    that ValidateInput could not reach in a passing blip must vote again at the next poll, not
    two minutes later; a region its own polls found dead still costs one connect timeout, not
    one per poll)."""
    annotation = handle.__annotations__.get(handle.__code__.co_varnames[0])
    wants_stage = annotation in (StageInput, "StageInput")
    if renews_lease and not wants_stage:
        raise TypeError(f"{handle.__qualname__}: only a stage of the run can renew its lease")

    @functools.wraps(handle)
    def lambda_handler(event: Any, context: LambdaContext) -> Any:
        if event == WARM_UP:
            return _warm_up()
        logger.set_correlation_id(correlation_id(event))
        settings = get_settings()
        payload = StageInput.parse(event) if wants_stage else event
        if not wants_stage:
            remembered: dict[str, datetime] = {}
        elif own_result is not None:
            remembered = seen_unreachable(
                {UNREACHABLE: (event.get(own_result) or {}).get(UNREACHABLE)}
            )
        else:
            remembered = seen_unreachable(event)
        reachability.begin(remembered)
        try:
            with transient_aws_errors():
                if renews_lease:
                    renew_lease(payload, settings)
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
        unreachable = reachability.seen()
        if unreachable and isinstance(data, dict):
            data[UNREACHABLE] = unreachable
        logger.info("stage done", extra={"result": data})
        return data

    return traced(logger.inject_lambda_context(lambda_handler))
