"""Scenario 11: each kind of invalid manual input is rejected fast, in the first state, by name.

Nothing changes and no lease is taken; the operator gets the error name, a cause that names
the field, and a notice. The execution ends as a named rejection (RejectInput), not FAILED:
Step Functions' ExecutionsFailed (FailedExecutionAlarm) does not count a typo.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from testbed.estate import LocalEstate
from tests.helpers import build, load_event

PRIMARY, SECONDARY = "us-east-1", "us-west-2"


@pytest.fixture(scope="module")
def estate() -> Iterator[LocalEstate]:
    # Invalid input changes nothing, so one estate serves every case.
    yield from build()


def planned(**overrides: Any) -> dict[str, Any]:
    return load_event("manual-planned-switchover.json", **overrides)


CASES = [
    ("unknown mode", SECONDARY, planned(mode="teleport"), "UnknownMode", "mode"),
    (
        "unconfigured target",
        SECONDARY,
        planned(target_region="eu-west-9"),
        "UnknownTargetRegion",
        "target_region",
    ),
    (
        "target already active",
        PRIMARY,
        planned(target_region=PRIMARY),
        "TargetAlreadyActive",
        "target_region",
    ),
    (
        "failover into another region's control plane",
        SECONDARY,
        planned(target_region=PRIMARY),
        "WrongControlPlaneRegion",
        "target_region",
    ),
    ("wrong type", SECONDARY, planned(dry_run="yes"), "InvalidFieldType", "dry_run"),
    ("wrong type (number)", SECONDARY, planned(force=1), "InvalidFieldType", "force"),
    (
        "missing field",
        SECONDARY,
        {"mode": "planned", "target_region": SECONDARY},
        "MissingField",
        "reason",
    ),
    ("unexpected field", SECONDARY, planned(dryrun=True), "UnexpectedField", "dryrun"),
    ("not an object", SECONDARY, ["planned"], "InvalidFieldType", "input"),
    (
        "alarm of another estate",
        SECONDARY,
        {
            **load_event("alarm-primary-unhealthy.json"),
            "detail": {"alarmName": "other", "state": {"value": "ALARM"}},
        },
        "UnrecognisedEvent",
        "detail.alarmName",
    ),
]


@pytest.mark.parametrize(
    ("region", "payload", "error", "field"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_invalid_manual_input_fails_first_with_a_named_error(
    estate: LocalEstate, region: str, payload: Any, error: str, field: str
) -> None:
    before = estate.view()
    estate.notices(region)  # drain

    described = estate.run(region, payload)

    assert described["status"] == "SUCCEEDED"  # not counted by AWS/States ExecutionsFailed
    output = json.loads(described["output"])
    assert (output["outcome"], output["error"]) == ("input_rejected", error)
    cause = json.loads(output["cause"])
    assert cause["errorType"] == error
    assert cause["errorMessage"].startswith(f"{field}:"), cause["errorMessage"]
    assert estate.view() == before
    assert estate.audit_rows(region) == []
    entered = [
        e["stateEnteredEventDetails"]["name"]
        for e in estate.history(described["executionArn"])
        if e["type"].endswith("StateEntered")
    ]
    # only the warm-up (which starts execution environments and changes nothing) comes first
    steps = [name for name in entered if name not in ("WarmUp", "WarmFunction")]
    assert entered[0] == "WarmUp"
    assert steps == ["ValidateInput", "NotifyInvalidInput", "RejectInput"]
    (notice,) = estate.notices(region)
    assert notice["kind"] == "invalid_input"
    assert notice["detail"]["error"]["error"] == error
