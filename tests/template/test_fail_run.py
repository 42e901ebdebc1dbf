"""FailRun fails with a named error and a string cause whatever shape the error has.

Real Step Functions hands a Catch ``{"Error": null, "Cause": null}`` for a task failure sent
with neither an error nor a cause (SendTaskFailure without them), and ``$exists(null)`` is true
in JSONata, so each field is tested by ``$type``. The expressions are evaluated here with
jsonata-python, the interpreter moto's is wired to (emulator/services/sfn_fixes.py); they use
only JSONata 1.8 functions ($type, $length, $substring, $string, in), which Step Functions
documents as supported.
"""

from __future__ import annotations

import json
from typing import Any

import jsonata
import pytest

from testbed.template import REPO_ROOT

FAIL_RUN = json.loads((REPO_ROOT / "statemachines" / "failover.asl.json").read_text())["States"][
    "FailRun"
]


def evaluate(field: str, document: dict[str, Any]) -> Any:
    body = FAIL_RUN[field].removeprefix("{%").removesuffix("%}").strip()
    states = json.dumps({"input": document})
    return jsonata.Jsonata(f"($states := {states}; {body})").evaluate(None)


@pytest.mark.parametrize(
    ("error", "name", "cause"),
    [
        ({"Error": "ApprovalRejected", "Cause": "no"}, "ApprovalRejected", "no"),
        ({"Error": "ApprovalRejected"}, "ApprovalRejected", "no cause was given"),
        ({"Error": "ApprovalRejected", "Cause": None}, "ApprovalRejected", "no cause was given"),
        ({"Error": None, "Cause": None}, "StepFailed", "States.Unknown: no cause was given"),
        ({"Error": "", "Cause": ""}, "StepFailed", "States.Unknown: no cause was given"),
        ({}, "StepFailed", "States.Unknown: no cause was given"),
        (None, "StepFailed", "States.Unknown: no cause was given"),
        ({"Error": "States.Timeout", "Cause": "late"}, "StepTimedOut", "States.Timeout: late"),
        (
            {"Error": "States.TaskFailed", "Cause": None},
            "StepFailed",
            "States.TaskFailed: no cause was given",
        ),
        ({"Error": "X", "Cause": {"why": 1}}, "X", '{"why":1}'),
        ({"Error": 7, "Cause": 3}, "StepFailed", "States.Unknown: 3"),
    ],
)
def test_fail_run_names_the_error_and_gives_a_string_cause(
    error: dict[str, Any] | None, name: str, cause: str
) -> None:
    document: dict[str, Any] = {"request": {}} if error is None else {"error": error}

    assert evaluate("Error", document) == name
    found = evaluate("Cause", document)
    assert isinstance(found, str)
    assert found == cause
