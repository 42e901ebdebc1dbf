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
    # Documented sets: https://docs.aws.amazon.com/global-accelerator/latest/dg/cloudwatch-monitoring.html
    ("AWS/GlobalAccelerator", "NewFlowCount"): frozenset(
        {"Accelerator", "Listener", "EndpointGroup"}
    ),
    # https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html
    **{
        ("AWS/States", f"Executions{kind}"): frozenset({"StateMachineArn"})
        for kind in ("Started", "Succeeded", "Failed", "TimedOut", "Aborted")
    },
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
        if isinstance(first, dict) and "SEARCH(" not in first["expression"]:
            continue  # metric math over the widget's own metrics (checked through them)
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


def _resources(path: Any) -> dict[str, Any]:
    """A template's resources; a Fn::ForEach over Regions (template.yaml's watchers, one per
    other region) counts once, its watched ${Region} read as ${PeerRegion}."""
    found = {}
    for logical, resource in load_template(path)["Resources"].items():
        if logical.startswith("Fn::ForEach::"):
            identifier, _collection, fragment = resource
            text = json.dumps(fragment).replace("${" + identifier + "}", "${PeerRegion}")
            for key, value in json.loads(text).items():
                found[key.replace("&{" + identifier + "}", "")] = value
        else:
            found[logical] = resource
    return found


def alarm_names() -> set[str]:
    names = set()
    for path in (REPO_ROOT / "template.yaml", REPO_ROOT / "stacks" / "global.yaml"):
        for resource in _resources(path).values():
            if resource["Type"] in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"):
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


def raw_dashboard_text() -> str:
    body = load_template(REPO_ROOT / "stacks" / "global.yaml")["Resources"]["Dashboard"]
    text: str = body["Properties"]["DashboardBody"]["Fn::Sub"][0]
    return text


def test_every_alarm_the_stacks_define_is_on_the_dashboard() -> None:
    # The raw text keeps ${PrimaryRegion} / ${SecondaryRegion}: each region's copy of each
    # control-plane alarm must be there, the failed-execution alarm included.
    widget = next(w for w in json.loads(raw_dashboard_text())["widgets"] if w["type"] == "alarm")
    shown = {a.rsplit(":alarm:", 1)[-1] for a in widget["properties"]["alarms"]}
    for path in (REPO_ROOT / "template.yaml", REPO_ROOT / "stacks" / "global.yaml"):
        for logical, resource in _resources(path).items():
            if resource["Type"] not in (
                "AWS::CloudWatch::Alarm",
                "AWS::CloudWatch::CompositeAlarm",
            ):
                continue
            name = resource["Properties"]["AlarmName"]
            text = name["Fn::Sub"] if isinstance(name, dict) else name
            text = text[0] if isinstance(text, list) else text
            if path.name == "global.yaml":
                assert f"${{{logical}.Arn}}" in widget["properties"]["alarms"], logical
                continue
            for here, peer in (
                ("${PrimaryRegion}", "${SecondaryRegion}"),
                ("${SecondaryRegion}", "${PrimaryRegion}"),
            ):
                expected = (
                    text.replace("${AWS::Region}", here)
                    .replace("${PeerRegion}", peer)
                    .replace("${HomeRegion}", here)
                )
                if "${" in expected.replace("${EstateName}", "").replace(here, "").replace(
                    peer, ""
                ):
                    continue  # a name built from a mapping: matched by the test above
                assert expected in shown, f"{logical}: {expected} not on the dashboard"


def test_the_active_region_reads_right_in_the_failover_hour() -> None:
    # One-minute buckets of the latest readiness reading, never an hour's maximum: in the hour
    # of a failover the hour's max shows writer = 1 and dial = 100 in both regions.
    tiles = [
        w
        for w in dashboard()["widgets"]
        if "control plane last saw the estate" in w["properties"].get("title", "")
    ]
    assert len(tiles) == 2
    for tile in tiles:
        properties = tile["properties"]
        assert properties["view"] == "singleValue"
        assert properties["period"] <= 60
        [active] = [m[0] for m in properties["metrics"] if isinstance(m[0], dict)]
        ids = {m[-1]["id"] for m in properties["metrics"] if not isinstance(m[0], dict)}
        used = set(re.findall(r"\b([a-z][a-z0-9]*) ==", active["expression"]))
        assert used <= ids, used - ids
        assert "ACTIVE REGION" in active["label"]
