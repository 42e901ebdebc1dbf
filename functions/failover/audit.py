"""The run's record: per-stage timings from the execution history, the audit row, metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from failover.stages import STAGE_OF_STATE, STAGE_ORDER

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_stepfunctions import SFNClient

_FAILURE_EVENTS = frozenset(
    {
        "LambdaFunctionFailed",
        "LambdaFunctionTimedOut",
        "LambdaFunctionStartFailed",
        "LambdaFunctionScheduleFailed",
        "TaskFailed",
        "TaskTimedOut",
        "TaskSubmitFailed",
        "TaskStartFailed",
    }
)
_FAILURE_PATH = frozenset({"RecordFailure", "NotifyFailure", "ReleaseLockOnFailure", "FailRun"})


@dataclass(frozen=True)
class StageTiming:
    stage: str
    started_at: str
    ended_at: str | None
    seconds: float | None


def history(sfn: SFNClient, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        if token:
            kwargs["nextToken"] = token
        page = sfn.get_execution_history(**kwargs)
        events.extend(dict(event) for event in page["events"])
        token = page.get("nextToken")
        if not token:
            return events


def _as_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value))


def stage_timings(events: list[dict[str, Any]]) -> list[StageTiming]:
    """Span of each stage: first entry of any of its states to the last exit."""
    spans: dict[str, list[datetime | None]] = {}
    for event in events:
        kind = str(event.get("type", ""))
        if kind.endswith("StateEntered"):
            name = event.get("stateEnteredEventDetails", {}).get("name", "")
            stage = STAGE_OF_STATE.get(name)
            if stage:
                spans.setdefault(stage, [_as_datetime(event["timestamp"]), None])
        elif kind.endswith("StateExited"):
            name = event.get("stateExitedEventDetails", {}).get("name", "")
            stage = STAGE_OF_STATE.get(name)
            if stage and stage in spans:
                spans[stage][1] = _as_datetime(event["timestamp"])
    timings = []
    for stage in STAGE_ORDER:
        if stage not in spans:
            continue
        start, end = spans[stage]
        assert start is not None
        timings.append(
            StageTiming(
                stage,
                start.isoformat(),
                end.isoformat() if end else None,
                round((end - start).total_seconds(), 3) if end else None,
            )
        )
    return timings


def failed_stage(events: list[dict[str, Any]]) -> str | None:
    """The stage of the state whose failure sent the run to the failure path."""
    by_id = {event.get("id"): event for event in events}
    last_failure = None
    for event in events:
        kind = str(event.get("type", ""))
        if kind.endswith("StateEntered"):
            if event.get("stateEnteredEventDetails", {}).get("name") in _FAILURE_PATH:
                break
        elif kind in _FAILURE_EVENTS:
            last_failure = event
    cursor = last_failure
    while cursor is not None:
        if str(cursor.get("type", "")).endswith("StateEntered"):
            name = str(cursor.get("stateEnteredEventDetails", {}).get("name", ""))
            return STAGE_OF_STATE.get(name, name)
        cursor = by_id.get(cursor.get("previousEventId"))
    return None


def _ddb_value(value: Any) -> Any:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, dict):
        return {"M": {str(k): _ddb_value(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [_ddb_value(v) for v in value]}
    return {"S": str(value)}


def write_audit_row(ddb: DynamoDBClient, table: str, row: dict[str, Any]) -> None:
    """One item per run under pk=RUN, sorted by start time; a re-write replaces it."""
    item = {key: _ddb_value(value) for key, value in row.items()}
    item["pk"] = {"S": "RUN"}
    item["sk"] = {"S": f"{row['started_at']}#{row['execution_name']}"}
    ddb.put_item(TableName=table, Item=item)


def emit_metrics(
    cloudwatch: CloudWatchClient,
    namespace: str,
    region: str,
    outcome: str,
    timings: list[StageTiming],
    rto_seconds: float | None,
    lag_ms: float | None,
) -> None:
    dims = [{"Name": "Region", "Value": region}]
    data: list[dict[str, Any]] = [
        {
            "MetricName": "FailoverOutcome",
            "Dimensions": [*dims, {"Name": "Outcome", "Value": outcome}],
            "Value": 1,
            "Unit": "Count",
        },
    ]
    data += [
        {
            "MetricName": "StageDuration",
            "Dimensions": [{"Name": "Stage", "Value": t.stage}],
            "Value": t.seconds,
            "Unit": "Seconds",
        }
        for t in timings
        if t.seconds is not None
    ]
    if rto_seconds is not None:
        data.append(
            {
                "MetricName": "RecoveryTime",
                "Dimensions": dims,
                "Value": rto_seconds,
                "Unit": "Seconds",
            }
        )
    if lag_ms is not None:
        data.append(
            {
                "MetricName": "ReplicationLagAtCutover",
                "Dimensions": dims,
                "Value": lag_ms,
                "Unit": "Milliseconds",
            }
        )
    for start in range(0, len(data), 500):
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + 500])  # type: ignore[arg-type]
