"""``python -m drill report --execution-arn ARN --live``: the drill's report for any execution.

Built from what every run leaves behind: the execution's history (:mod:`failover.history`:
stages, the RTO) and its audit row (:mod:`drill.final_state`: outcome, mode, RPO evidence),
through the same :func:`drill.runs.run_from` the drill uses, so a drill execution's report is
the drill's own.

* ``t0`` is the outage when an alarm started the run: the alarm's state change (the
  ``detail.state.timestamp`` of the event in the execution's input); else the execution's start.
* A re-run after a failure is shown together with the failed run it completes: the latest
  earlier run into the same target that moved or failed to move the estate, when it failed.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from failover import arns
from failover.history import history

from drill import final_state
from drill.follow import Followed
from drill.model import Check, Milestone, Report, Run
from drill.runs import rto_check, run_from

__all__ = ["ReportError", "alarm_time", "report_for", "report_live"]

MOVES = ("succeeded", "failed")  # outcomes of runs that moved, or tried to move, the estate


class ReportError(RuntimeError):
    """The report cannot be built (the message says why)."""


def alarm_time(payload: dict[str, Any]) -> tuple[str, datetime] | None:
    """(alarm name, the alarm's state change) when the input is an alarm event."""
    from failover.inputs import AlarmEvent, is_alarm_event
    from failover.record import parse_time

    if not is_alarm_event(payload):
        return None
    event = AlarmEvent.parse(payload)
    return event.alarm_name, parse_time(event.state.timestamp or event.time)


def _read(sfn: Any, execution_arn: str) -> Followed:
    described = sfn.describe_execution(executionArn=execution_arn)
    return Followed(execution_arn, described["status"], history(sfn, execution_arn), described)


def _run(
    client: Any, table: str, execution_arn: str, rto_target: float, name: str | None = None
) -> tuple[Run, dict[str, Any] | None]:
    region = arns.region_of(execution_arn)
    sfn = client("stepfunctions", region)
    followed = _read(sfn, execution_arn)
    row = final_state.audit_row(client, table, region, execution_arn)
    payload = json.loads(followed.described.get("input") or "{}")
    alarm = alarm_time(payload) if isinstance(payload, dict) else None
    started: datetime = followed.described["startDate"]
    t0 = alarm[1] if alarm else started
    milestones = []
    if alarm:
        milestones.append(Milestone(0.0, f"alarm {alarm[0]} -> ALARM (the outage, t0)"))
        at = round((started - t0).total_seconds(), 1)
        milestones.append(Milestone(at, f"the {region} state machine started"))
    mode = str((row or {}).get("mode") or payload.get("mode") or "unplanned")
    title = {"planned": "switchover", "failback": "failback"}.get(mode, "failover")
    run = run_from(
        followed,
        row,
        t0,
        name=name or title,
        trigger="alarm" if alarm else "manual",
        source_region=str((row or {}).get("source_region") or "unknown"),
        target_region=str((row or {}).get("target_region") or region),
        rto_target=rto_target,
        expect_rto=mode != "dry-run" and row is not None and row.get("dry_run") is not True,
        milestones=milestones,
    )
    return run, row


def _completed_failure(
    client: Any, table: str, execution_arn: str, row: dict[str, Any]
) -> dict[str, Any] | None:
    """The failed run this one completes: the latest earlier run into the same target that
    moved or failed to move the estate, when it failed."""
    region = arns.region_of(execution_arn)
    earlier = [
        other
        for other in final_state.audit_rows(client, table, region)
        if other.get("target_region") == row.get("target_region")
        and str(other.get("started_at")) < str(row.get("started_at"))
        and other.get("outcome") in MOVES
        and not other.get("dry_run")
    ]
    if not earlier:
        return None
    latest = max(earlier, key=lambda other: str(other.get("started_at")))
    return latest if latest.get("outcome") == "failed" else None


def report_for(
    client: Any, execution_arn: str, table: str, rto_target: float, target: str
) -> Report:
    """The report of ``execution_arn`` (and of the failed run it completes) read through
    ``client`` (service, region) -> boto3 client."""
    run, row = _run(client, table, execution_arn, rto_target)
    report = Report(
        scenario=f"execution {execution_arn.rsplit(':', 1)[-1]}",
        target=target,
        time_scale=1.0,
        started_at=run_started(client, execution_arn),
    )
    if row is None:
        report.notes.append("no audit row: the run has not recorded its outcome (yet)")
    failure = _completed_failure(client, table, execution_arn, row) if row else None
    if failure is not None and failure.get("execution_id"):
        failed, _ = _run(
            client, table, str(failure["execution_id"]), rto_target, name="failed " + run.name
        )
        failed.rto = None  # completed by the re-run: its RTO is the re-run's
        report.runs.append(failed)
        run.name = "re-run"
        outage = failed.milestones[0].what if failed.milestones else "its start"
        report.notes.append(
            f"this run completes the failed run {failed.execution_arn} ({failed.error}); "
            f"that run's t0 is {outage}"
        )
    run.checks = [
        Check("run outcome", "succeeded", run.outcome, run.outcome == "succeeded"),
        *rto_check(run),
    ]
    report.runs.append(run)
    return report


def run_started(client: Any, execution_arn: str) -> str:
    sfn = client("stepfunctions", arns.region_of(execution_arn))
    started: datetime = sfn.describe_execution(executionArn=execution_arn)["startDate"]
    return started.isoformat(timespec="seconds")


def report_live(
    execution_arn: str,
    region: str | None,
    stack: str,
    profile: str | None,
    rto_target: float,
    session: Any = None,
) -> Report:
    """The report through a boto3 session (the default credential chain, or ``profile``);
    the failover table is found through the control-plane stack in the execution's region."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from drill.live import Clients, LiveDrillError, discover

    parts = execution_arn.split(":")
    if len(parts) < 8 or parts[2] != "states" or parts[5] != "execution":
        raise ReportError(f"{execution_arn!r} is not a Step Functions execution ARN")
    where = region or parts[3]
    if where != parts[3]:
        raise ReportError(f"the execution runs in {parts[3]}, not in --region {where}")
    try:
        if session is None:
            session = boto3.Session(profile_name=profile, region_name=where)
        client = Clients(session)
        found = discover(client, where, stack)
        return report_for(
            client,
            execution_arn,
            found.table,
            rto_target,
            f"live: profile {profile or '(default)'}, region {where}, stack {stack}",
        )
    except LiveDrillError as error:
        raise ReportError(str(error)) from error
    except (BotoCoreError, ClientError) as error:
        raise ReportError(f"cannot read {execution_arn}: {error}") from error
