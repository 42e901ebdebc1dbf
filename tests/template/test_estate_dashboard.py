"""The estate dashboard and the control plane's alarms reference only metrics the stacks emit,
with the dimensions they are emitted with, and the dashboard shows what on-call needs."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from failover.observability import METRICS, PROBE_METRICS

from tests.template.cfn_yaml import REPO_ROOT, load_template

NAMESPACE = "FailoverControlPlane"
# AWS metrics the estate relies on, with their documented dimensions.
AWS_METRICS: dict[tuple[str, str], frozenset[str]] = {
    ("AWS/Route53", "HealthCheckStatus"): frozenset({"HealthCheckId"}),
    ("AWS/RDS", "AuroraGlobalDBReplicationLag"): frozenset({"DBClusterIdentifier"}),
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible"): frozenset({"QueueName"}),
    ("AWS/GlobalAccelerator", "NewFlowCount"): frozenset({"Accelerator", "EndpointGroup"}),
}


def emitted(namespace: str, metric: str) -> frozenset[str] | None:
    """The dimension names a metric is emitted with, or None when nothing emits it."""
    if namespace == NAMESPACE:
        if metric in METRICS:
            return frozenset({*METRICS[metric], "service"})  # Powertools adds `service`
        if metric in PROBE_METRICS:
            return frozenset(PROBE_METRICS[metric])
        return None
    return AWS_METRICS.get((namespace, metric))


def dashboard() -> dict[str, Any]:
    body = load_template(REPO_ROOT / "stacks" / "global.yaml")["Resources"]["Dashboard"]
    text = body["Properties"]["DashboardBody"]["Fn::Sub"][0]
    resolved = re.sub(r"\$\{[A-Za-z0-9:.]+\}", "X", text)
    parsed: dict[str, Any] = json.loads(resolved)
    return parsed


def metric_references(widget: dict[str, Any]) -> list[tuple[str, str, frozenset[str]]]:
    found = []
    for entry in widget["properties"].get("metrics", []):
        first = entry[0]
        if isinstance(first, dict):
            search = re.search(r"SEARCH\('\{([^}]*)\} MetricName=\"(\w+)\"", first["expression"])
            assert search, first["expression"]
            namespace, *dims = search.group(1).split(",")
            found.append((namespace, search.group(2), frozenset(dims)))
        else:
            values = [e for e in entry if not isinstance(e, dict)]
            namespace, metric, rest = values[0], values[1], values[2:]
            found.append((namespace, metric, frozenset(rest[0::2])))
    return found


def test_every_dashboard_metric_is_one_the_stacks_emit() -> None:
    references = [ref for widget in dashboard()["widgets"] for ref in metric_references(widget)]
    assert references
    for namespace, metric, dims in references:
        known = emitted(namespace, metric)
        assert known is not None, f"nothing emits {namespace} {metric}"
        assert dims == known, (
            f"{namespace} {metric}: dimensions {sorted(dims)}, emitted {sorted(known)}"
        )


def test_the_dashboard_shows_what_on_call_reads_first() -> None:
    metrics = {
        metric for widget in dashboard()["widgets"] for _, metric, _ in metric_references(widget)
    }
    assert {"IsWriter", "IsActive", "TrafficDial"} <= metrics  # where the estate stands
    assert {"HealthCheckStatus", "PeerHealthy", "NewFlowCount"} <= metrics  # every observer family
    assert {"AuroraGlobalDBReplicationLag", "Readiness"} <= metrics
    assert {"FailoverOutcome", "RecoveryTime", "StageDuration"} <= metrics  # the last runs
    assert {"ApproximateNumberOfMessagesVisible", "ControlPlaneFault"} <= metrics


def alarm_names() -> set[str]:
    names = set()
    for path in (REPO_ROOT / "template.yaml", REPO_ROOT / "stacks" / "global.yaml"):
        for resource in load_template(path)["Resources"].values():
            if resource["Type"] == "AWS::CloudWatch::Alarm":
                name = resource["Properties"]["AlarmName"]
                text = name["Fn::Sub"] if isinstance(name, dict) else name
                text = text[0] if isinstance(text, list) else text
                names.add(re.sub(r"\$\{[^}]+\}", "*", text))
    return names


def test_every_alarm_on_the_dashboard_is_one_the_stacks_define() -> None:
    patterns = alarm_names()
    for widget in dashboard()["widgets"]:
        for arn in widget["properties"].get("alarms", []):
            if arn == "X":  # a ${Resource.Arn} of this stack
                continue
            name = re.sub(r"X", "*", arn.rsplit(":alarm:", 1)[-1])
            assert any(re.fullmatch(re.escape(p).replace(r"\*", ".*"), name) for p in patterns), arn


@pytest.mark.parametrize("alarm", ["FailedRunAlarm", "ReadinessAlarm"])
def test_the_control_plane_alarms_watch_metrics_it_emits(alarm: str) -> None:
    properties = load_template(REPO_ROOT / "template.yaml")["Resources"][alarm]["Properties"]
    dims = frozenset(d["Name"] for d in properties["Dimensions"])
    assert emitted(properties["Namespace"], properties["MetricName"]) == dims
    # a failed run's own notice is its page (tests/template/test_one_page.py)
    paged = None if alarm == "FailedRunAlarm" else [{"Ref": "FailoverTopic"}]
    assert properties.get("AlarmActions") == paged
