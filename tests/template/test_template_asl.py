"""Gates on statemachines/failover.asl.json and its wiring into template.yaml.

cfn-lint validates ASL (rule E3601) only inside a plain AWS::StepFunctions::StateMachine,
so the definition is wrapped in one, with the DefinitionSubstitutions applied as dummy ARNs
(support.asl_wrapper; linted in the shared cfn-lint run of conftest.tool_runs).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.template import asl_checks
from tests.template.support import ASL_WRAPPER


def _substitutions(resources: dict[str, Any]) -> dict[str, Any]:
    subs: dict[str, Any] = resources["FailoverStateMachine"]["Properties"][
        "DefinitionSubstitutions"
    ]
    return subs


# --------------------------------------------------------------------------- the real ASL


def test_every_placeholder_has_a_substitution_and_vice_versa(
    asl_text: str, resources: dict[str, Any]
) -> None:
    used = asl_checks.placeholders(asl_text)
    declared = set(_substitutions(resources))
    assert used - declared == set(), "placeholders without a DefinitionSubstitution"
    assert declared - used == set(), "DefinitionSubstitutions the ASL never uses"


def test_every_transition_names_a_state_in_its_scope(asl_definition: dict[str, Any]) -> None:
    assert asl_checks.dangling_transitions(asl_definition) == []


def test_every_state_is_reachable(asl_definition: dict[str, Any]) -> None:
    assert asl_checks.unreachable_states(asl_definition) == []


def test_every_non_terminal_state_has_next_or_end(asl_definition: dict[str, Any]) -> None:
    assert asl_checks.unterminated_states(asl_definition) == []


def test_every_task_has_timeout_retry_with_backoff_and_jitter_and_catch(
    asl_definition: dict[str, Any],
) -> None:
    assert asl_checks.task_problems(asl_definition) == []


def test_every_task_calls_a_function_through_its_substitution(
    asl_definition: dict[str, Any], resources: dict[str, Any]
) -> None:
    """A Task names a function only as ${XFunctionArn} (never a hard-coded ARN)."""
    declared = set(_substitutions(resources))
    for scope in asl_checks.scopes(asl_definition):
        for name, state in scope.states.items():
            if state.get("Type") != "Task":
                continue
            target = state.get("Parameters", {}).get("FunctionName", state.get("Resource", ""))
            assert asl_checks.placeholders(target) <= declared, f"{scope.path}/{name}"
            assert asl_checks.placeholders(target), f"{scope.path}/{name} calls {target!r}"


@pytest.mark.slow
def test_asl_passes_cfn_lint_state_machine_rules(
    asl_text: str, cfn_lint_matches: dict[str, list[dict[str, Any]]]
) -> None:
    """cfn-lint (E3601 and friends) on the real ASL wrapped in a plain state machine, next to a
    known-bad twin that proves the definitions were really checked."""
    matches = cfn_lint_matches.get(ASL_WRAPPER, [])
    on_real = [m for m in matches if m["Location"]["Path"][1] == "FailoverStateMachine"]
    on_bad = {
        m["Rule"]["Id"] for m in matches if m["Location"]["Path"][1] == "KnownBadStateMachine"
    }
    assert on_real == [], json.dumps(on_real, indent=2)
    assert "E3601" in on_bad, "cfn-lint did not check the ASL (or the wrapper was not written)"


# ------------------------------------------------------------- the checks check something

GOOD_TASK = {
    "Type": "Task",
    "Resource": "${AFunctionArn}",
    "TimeoutSeconds": 10,
    "Retry": [{"ErrorEquals": ["States.TaskFailed"], "BackoffRate": 2, "JitterStrategy": "FULL"}],
    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
}


def _machine(states: dict[str, Any], start_at: str = "A") -> dict[str, Any]:
    return {"StartAt": start_at, "States": {**states, "Failed": {"Type": "Fail"}}}


def test_checks_accept_a_well_formed_machine() -> None:
    machine = _machine({"A": {**GOOD_TASK, "End": True}})
    assert asl_checks.dangling_transitions(machine) == []
    assert asl_checks.unreachable_states(machine) == []
    assert asl_checks.unterminated_states(machine) == []
    assert asl_checks.task_problems(machine) == []


def test_dangling_next_default_choice_and_catch_are_found() -> None:
    machine = _machine(
        {
            "A": {
                **GOOD_TASK,
                "Next": "Nowhere",
                "Catch": [{"ErrorEquals": ["X"], "Next": "Gone"}],
            },
            "C": {"Type": "Choice", "Choices": [{"Next": "Lost"}], "Default": "Missing"},
        }
    )
    problems = "\n".join(asl_checks.dangling_transitions(machine))
    for target in ("Nowhere", "Gone", "Lost", "Missing"):
        assert target in problems


def test_a_branch_cannot_jump_to_an_outer_state() -> None:
    machine = _machine(
        {
            "A": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "Failed"}}}],
                "End": True,
            }
        }
    )
    assert asl_checks.dangling_transitions(machine) == [
        "/A/Branches[0]/B: Next 'Failed' names no state"
    ]


def test_unreachable_and_unterminated_states_are_found() -> None:
    machine = _machine({"A": {"Type": "Pass", "End": True}, "Orphan": {"Type": "Pass"}})
    assert "/Orphan: unreachable" in asl_checks.unreachable_states(machine)
    assert asl_checks.unterminated_states(machine) == ["/Orphan: needs exactly one of Next and End"]


def test_task_without_timeout_retry_jitter_or_catch_is_found() -> None:
    bare = {"Type": "Task", "Resource": "${AFunctionArn}", "End": True}
    no_jitter = {**GOOD_TASK, "Retry": [{"ErrorEquals": ["X"], "BackoffRate": 2}], "End": True}
    problems = asl_checks.task_problems(_machine({"A": bare}))
    assert problems == [
        "/A: no TimeoutSeconds",
        "/A: no Retry",
        "/A: no Catch for States.ALL (and none around it)",
    ]
    assert asl_checks.task_problems(_machine({"A": no_jitter})) == [
        "/A: no retrier with backoff (BackoffRate > 1) and jitter"
    ]


def test_a_task_in_a_branch_may_rely_on_the_parallel_catch_all() -> None:
    inner = {k: v for k, v in GOOD_TASK.items() if k != "Catch"}
    branch = {"StartAt": "T", "States": {"T": {**inner, "End": True}}}
    caught = {"Type": "Parallel", "Branches": [branch], "End": True, "Catch": GOOD_TASK["Catch"]}
    uncaught = {"Type": "Parallel", "Branches": [branch], "End": True}
    assert asl_checks.task_problems(_machine({"A": caught})) == []
    assert asl_checks.task_problems(_machine({"A": uncaught})) == [
        "/A/Branches[0]/T: no Catch for States.ALL (and none around it)"
    ]


def test_placeholders_are_found_and_substituted() -> None:
    text = '{"Resource": "${AFunctionArn}", "X": "${B}"}'
    assert asl_checks.placeholders(text) == {"AFunctionArn", "B"}
    assert asl_checks.substitute(text, {"AFunctionArn": "arn", "B": "b"}) == (
        '{"Resource": "arn", "X": "b"}'
    )
