"""One page per incident (issue 23): a typo in the console input does not set off the
failed-execution alarm, and a failed run pages once (its notice), not three times.

The template and the ASL are read together: which alarms notify the topic on a failure, and
what Step Functions counts (AWS/States ExecutionsFailed counts executions that end FAILED).
"""

from __future__ import annotations

from typing import Any

from failover.errors import INPUT_ERRORS

TOPIC = {"Ref": "FailoverTopic"}


def _reachable(states: dict[str, Any], start: str) -> set[str]:
    """The top-level states reachable from ``start`` (Next, Choices, Default, Catch)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        state = states[name]
        todo += [state["Next"]] if "Next" in state else []
        todo += [c["Next"] for c in state.get("Choices", [])]
        todo += [state["Default"]] if "Default" in state else []
        todo += [c["Next"] for c in state.get("Catch", [])]
    return seen


def test_an_input_rejection_ends_as_a_named_rejection_not_a_failed_execution(
    asl_definition: dict[str, Any],
) -> None:
    states = asl_definition["States"]
    (catch,) = [c for c in states["ValidateInput"]["Catch"] if c["Next"] == "NotifyInvalidInput"]
    assert tuple(catch["ErrorEquals"]) == INPUT_ERRORS
    after = _reachable(states, "NotifyInvalidInput")
    assert after == {"NotifyInvalidInput", "RejectInput"}
    # a Fail state would be counted by AWS/States ExecutionsFailed
    assert all(states[s]["Type"] != "Fail" for s in after)
    reject = states["RejectInput"]
    assert reject.get("End") is True
    assert "input_rejected" in reject["Output"]
    assert "$states.input.Error" in reject["Output"]


def test_the_failed_execution_alarm_still_counts_every_real_failure(
    resources: dict[str, Any], asl_definition: dict[str, Any]
) -> None:
    alarm = resources["FailedExecutionAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/States", "ExecutionsFailed")
    assert alarm["Dimensions"] == [
        {"Name": "StateMachineArn", "Value": {"Ref": "FailoverStateMachine"}}
    ]
    # every other ending of a failed run is a Fail state, so Step Functions counts it
    assert asl_definition["States"]["FailRun"]["Type"] == "Fail"


def _pages_on_failure(resources: dict[str, Any]) -> list[str]:
    found = []
    for name, resource in resources.items():
        properties = resource.get("Properties") or {}
        if TOPIC not in (properties.get("AlarmActions") or []):
            continue
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            metric = properties.get("MetricName")
            outcome = {d["Name"]: d["Value"] for d in properties.get("Dimensions", [])}
            if metric == "ExecutionsFailed" or (
                metric == "FailoverOutcome" and outcome.get("Outcome") == "failed"
            ):
                found.append(name)
        elif resource["Type"] == "AWS::CloudWatch::CompositeAlarm":
            rule = properties["AlarmRule"]
            text = rule.get("Fn::Sub", rule) if isinstance(rule, dict) else rule
            if "FailedExecutionAlarm" in str(text) or "FailedRunAlarm" in str(text):
                found.append(name)
    return found


def test_a_failed_run_pages_once_beside_its_own_notice(resources: dict[str, Any]) -> None:
    # the run's notice (NotifyOutcome or CloseRun) is the page; only a failed execution that
    # recorded no failure pages through an alarm, and the recorded failure suppresses it
    assert _pages_on_failure(resources) == ["UnreportedFailureAlarm"]
    unreported = resources["UnreportedFailureAlarm"]["Properties"]
    assert unreported["ActionsSuppressor"] == {"Fn::GetAtt": ["FailedRunAlarm", "Arn"]}
    assert unreported["ActionsSuppressorWaitPeriod"] >= 120  # two once-a-minute evaluations
    assert "FailedExecutionAlarm" in str(unreported["AlarmRule"])
