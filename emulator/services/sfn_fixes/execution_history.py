"""Fix 13: ``GetExecutionHistory`` (``moto/stepfunctions/responses.py``
``StepFunctionResponse.get_execution_history``) ignores ``maxResults``, ``nextToken``,
``reverseOrder`` and ``includeExecutionData``: every call returns every event, oldest
first, with every input and output. AWS
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html)
pages (``maxResults`` default 100, at most 1000; ``nextToken`` for the rest; a token that
is not one raises ``InvalidToken``), lists newest first with ``reverseOrder``, and leaves
out "execution data (input or output of a history event)" when ``includeExecutionData``
is false. Reproduction: any execution of more than 100 events read with
``sfn.get_execution_history(executionArn=arn)`` has no ``nextToken`` and every event.
The response is also written straight as JSON (the protocol's own form: timestamps are
epoch seconds truncated to milliseconds, as moto's serialiser writes them); moto's
shape-walking serialiser spent about 0.7 s on each read of a drill's history, the drill
reads it every ten modelled seconds.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..._patching import Patcher


HISTORY_PAGE_DEFAULT = 100


HISTORY_PAGE_MAX = 1000


EXECUTION_DATA = frozenset({"input", "output", "parameters"})
"""What ``includeExecutionData: false`` leaves out of an event's details (the data a state
received, sent to its resource, or produced)."""


def _history_json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        seconds = int(stamp.timestamp())
        return seconds + (stamp.microsecond // 1000) / 1000.0 if stamp.microsecond else seconds
    raise TypeError(f"{type(value).__name__} in a history event")


def _with_epoch_timestamp(event: dict[str, Any]) -> dict[str, Any]:
    """The event with its ``timestamp`` as the JSON protocol writes one: epoch seconds.

    moto's interpreter keeps each event's time as an ISO 8601 text
    (``EventManager.add_event``, ``iso_8601_datetime_with_milliseconds``); written as text,
    botocore would parse it back with dateutil, which took half a drill's history reads."""
    stamp = event.get("timestamp")
    if isinstance(stamp, str):
        try:
            parsed = dt.datetime.fromisoformat(stamp)
        except ValueError:
            return event
        return {**event, "timestamp": _history_json(parsed)}
    return event


def _without_execution_data(event: dict[str, Any]) -> dict[str, Any]:
    slim: dict[str, Any] = {}
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in EXECUTION_DATA}
        slim[key] = value
    return slim


def history_page(
    events: list[dict[str, Any]],
    *,
    arn: str,
    max_results: int | None,
    token: str | None,
    reverse: bool,
    include_data: bool,
) -> dict[str, Any]:
    """One page of a history as GetExecutionHistory answers it. Raises ValueError
    for a token that is not this listing's."""
    size = max_results or HISTORY_PAGE_DEFAULT
    if not 0 < size <= HISTORY_PAGE_MAX:
        raise ValueError(f"maxResults {max_results} is not between 0 and {HISTORY_PAGE_MAX}")
    start = 0
    if token:
        try:
            found = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
            start = int(found["start"])
            if found["arn"] != arn or bool(found["reverse"]) != reverse or start < 0:
                raise ValueError("token of another listing")
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"Token {token[:40]}") from error
    ordered = list(reversed(events)) if reverse else events
    page = ordered[start : start + size]
    answer: dict[str, Any] = {
        "events": page if include_data else [_without_execution_data(e) for e in page]
    }
    if start + size < len(ordered):
        mark = {"arn": arn, "start": start + size, "reverse": reverse}
        answer["nextToken"] = base64.urlsafe_b64encode(json.dumps(mark).encode()).decode()
    return answer


def install(patcher: Patcher) -> None:
    from moto.stepfunctions.exceptions import InvalidToken, ValidationException
    from moto.stepfunctions.responses import StepFunctionResponse

    def get_execution_history(self: Any) -> str:
        arn = str(self._get_param("executionArn"))
        history = self.stepfunction_backend.get_execution_history(arn)
        include = self._get_param("includeExecutionData")
        try:
            page = history_page(
                list(history["events"]),
                arn=arn,
                max_results=self._get_param("maxResults"),
                token=self._get_param("nextToken"),
                reverse=bool(self._get_param("reverseOrder")),
                include_data=include is None or bool(include),
            )
        except ValueError as error:
            if str(error).startswith("Token"):
                raise InvalidToken(str(error)) from error
            raise ValidationException(str(error)) from error
        page["events"] = [_with_epoch_timestamp(event) for event in page["events"]]
        return json.dumps(page, default=_history_json)

    patcher.setattr(StepFunctionResponse, "get_execution_history", get_execution_history)
