"""Input validation and normalisation, without any AWS: the rules an operator meets first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from failover.errors import (
    InvalidFieldType,
    MissingField,
    TargetAlreadyActive,
    UnexpectedField,
    UnknownMode,
    UnknownTargetRegion,
    UnrecognisedEvent,
    WrongControlPlaneRegion,
)
from failover.inputs import normalise

from tests.helpers import load_event
from tests.unit.estate_settings import PRIMARY, SECONDARY, settings

NOT_CONVERGED = ["database", "traffic", "compute", "active_region:us-west-2"]

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def manual(**overrides: Any) -> dict[str, Any]:
    return load_event("manual-unplanned-failover.json", **overrides)


def test_a_manual_request_is_normalised_with_defaults() -> None:
    request = normalise(manual(), settings(), NOT_CONVERGED)

    assert (request.trigger, request.mode) == ("manual", "unplanned")
    assert (request.target_region, request.source_region) == (SECONDARY, PRIMARY)
    assert (request.dry_run, request.force, request.require_approval) == (False, False, False)
    assert request.requested_by == "alice"


@pytest.mark.parametrize(
    ("payload", "error", "field"),
    [
        (manual(mode="teleport"), UnknownMode, "mode"),
        (manual(target_region="eu-west-9"), UnknownTargetRegion, "target_region"),
        (manual(target_region=PRIMARY), WrongControlPlaneRegion, "target_region"),
        (manual(dry_run="yes"), InvalidFieldType, "dry_run"),
        (manual(force=1), InvalidFieldType, "force"),
        ({"mode": "planned"}, MissingField, "reason"),
        (manual(dryrun=True), UnexpectedField, "dryrun"),
        (["planned"], InvalidFieldType, "input"),
        (
            {
                **load_event("alarm-primary-unhealthy.json"),
                "detail": {"alarmName": "other", "state": {"value": "ALARM"}},
            },
            UnrecognisedEvent,
            "detail.alarmName",
        ),
        (
            {**load_event("alarm-primary-unhealthy.json"), "source": "aws.ec2"},
            UnrecognisedEvent,
            "source",
        ),
        (
            {**load_event("alarm-primary-unhealthy.json"), "detail-type": "Scheduled Event"},
            UnrecognisedEvent,
            "detail-type",
        ),
        (
            {**load_event("alarm-primary-unhealthy.json"), "detail": {"alarmName": "x"}},
            UnrecognisedEvent,
            "detail.state",
        ),
        (
            {
                **load_event("alarm-primary-unhealthy.json"),
                "detail": {"alarmName": 7, "state": {"value": "ALARM"}},
            },
            UnrecognisedEvent,
            "detail.alarmName",
        ),
        (
            {
                **load_event("alarm-primary-unhealthy.json"),
                "detail": {"alarmName": "x", "state": {"reason": "no value"}},
            },
            UnrecognisedEvent,
            "detail.state.value",
        ),
        (
            {**load_event("alarm-primary-unhealthy.json"), "resources": "arn:aws:x"},
            UnrecognisedEvent,
            "resources",
        ),
    ],
)
def test_bad_input_is_refused_by_name_and_the_message_names_the_field(
    payload: Any, error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as raised:
        normalise(payload, settings(), NOT_CONVERGED)
    assert str(raised.value).startswith(f"{field}:")


def test_an_alarm_event_becomes_an_automatic_unplanned_request() -> None:
    request = normalise(load_event("alarm-primary-unhealthy.json"), settings(), NOT_CONVERGED)

    assert (request.trigger, request.mode, request.ignored) == ("alarm", "unplanned", False)
    assert request.alarm_time == "2026-11-25T08:04:40.989+0000"
    assert request.source_region == PRIMARY


def test_an_alarm_for_the_other_control_plane_is_not_ours() -> None:
    with pytest.raises(UnrecognisedEvent, match="runs in the region that takes over"):
        normalise(load_event("alarm-primary-unhealthy.json"), settings(home=PRIMARY), NOT_CONVERGED)


def test_an_alarm_going_back_to_ok_is_ignored() -> None:
    event = load_event("alarm-primary-unhealthy.json")
    event["detail"]["state"]["value"] = "OK"

    request = normalise(event, settings(), NOT_CONVERGED)

    assert request.ignored is True
    assert request.ignore_reason == "alarm state is OK"


def test_fully_converged_is_already_active_but_writer_only_is_not() -> None:
    # given the target is the writer but traffic and capacity did not follow
    half_moved = ["traffic", "compute"]
    alarm = load_event("alarm-primary-unhealthy.json")

    # then neither path ignores it: the run completes what is missing
    assert normalise(alarm, settings(), half_moved).ignored is False
    assert normalise(manual(), settings(), half_moved).target_region == SECONDARY

    # and only a fully converged target is already active
    assert normalise(alarm, settings(), []).ignored is True
    with pytest.raises(
        TargetAlreadyActive, match=r"^target_region: us-west-2 is already fully active"
    ):
        normalise(manual(), settings(), [])


def test_an_unknown_estate_state_is_never_taken_as_converged() -> None:
    request = normalise(load_event("alarm-primary-unhealthy.json"), settings(), None)

    assert request.ignored is False


def test_approval_for_automatic_runs_follows_the_deployment() -> None:
    request = normalise(
        load_event("alarm-primary-unhealthy.json"),
        settings(approval_for_automatic=True),
        NOT_CONVERGED,
    )

    assert request.require_approval is True


def test_the_automatic_paths_first_task_does_not_import_pydantic() -> None:
    # pydantic's import is about 0.4x an ``import boto3``, on the cold start of every alarm-driven
    # failover's first task; only the operator's JSON is checked with it
    probe = (
        "import sys\n"
        "import failover.handlers.validate_input\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')))"
    )
    env = {**os.environ, "PYTHONPATH": str(FUNCTIONS), "AWS_REGION": "us-east-1"}
    found = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    assert found.stdout.strip() == "[]"
