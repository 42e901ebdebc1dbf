"""The estate dashboard and the control plane's alarms reference only metrics the stacks emit,
with the dimensions they are emitted with, and the dashboard shows what on-call needs."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from failover.observability import METRICS, PROBE_METRICS

from testbed.template import expand_foreach
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


REGIONS = ("us-east-1", "eu-west-1", "us-west-2")


def global_parameters(regions: tuple[str, ...]) -> dict[str, Any]:
    """Parameter values of a global stack for ``regions`` (as scripts/stacks.py writes them)."""
    return {
        "EstateName": "shop",
        "Regions": list(regions),
        "RecordName": "app.shop.io",
        "Topology": "active-passive",
        "ExistingHostedZoneId": "Z0ESTATEZONE42",
        "HostedZoneName": "",
        "NotificationEmail": "",
        "FlowLogsBucketName": "shop-logs",
        "HealthCheckInterval": 10,
        "HealthCheckFailureThreshold": 3,
        "AlarmEvaluationPeriods": 2,
        "TrafficDials": [""],
        **{
            name: [f"{r}={value}-{r}" for r in regions]
            for name, value in (
                ("AlbArns", "arn"),
                ("AlbDnsNames", "dns"),
                ("AlbHostedZoneIds", "Z"),
            )
        },
    }


def transformed(regions: tuple[str, ...] = REGIONS) -> dict[str, Any]:
    """stacks/global.yaml after the AWS::LanguageExtensions transform (SAM CLI's port of
    CloudFormation's implementation), for an estate of ``regions``."""
    from samcli.lib.cfn_language_extensions.api import process_template
    from samcli.lib.cfn_language_extensions.models import PseudoParameterValues

    template = load_template(REPO_ROOT / "stacks" / "global.yaml")
    result: dict[str, Any] = process_template(
        template,
        parameter_values=global_parameters(regions),
        pseudo_parameters=PseudoParameterValues(region="us-east-1", account_id="444455556666"),
    )
    return result


def dashboards(regions: tuple[str, ...] = REGIONS) -> dict[str, dict[str, Any]]:
    """Each region's dashboard body, parsed (what CloudFormation leaves to the deploy, such as
    ${HealthCheckuseast1}, as "X")."""
    found = {}
    resources = transformed(regions)["Resources"]
    for region in regions:
        resource = resources[f"Dashboard{region.replace('-', '')}"]
        body = resource["Properties"]["DashboardBody"]
        text = body if isinstance(body, str) else body["Fn::Sub"]
        found[region] = json.loads(re.sub(r"\$\{[A-Za-z0-9:.]+\}", "X", text))
    return found


def dashboard() -> dict[str, Any]:
    """Every widget of every region's dashboard, as one list."""
    return {"widgets": [w for body in dashboards().values() for w in body["widgets"]]}


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


def alarm_names() -> set[str]:
    names = set()
    for path in (REPO_ROOT / "template.yaml", REPO_ROOT / "stacks" / "global.yaml"):
        template = expand_foreach(load_template(path), {"Regions": list(REGIONS)})
        for resource in template["Resources"].values():
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


def test_each_region_has_a_dashboard_that_names_every_region() -> None:
    for regions in (REGIONS[:2], REGIONS, (*REGIONS, "ap-northeast-1")):
        bodies = dashboards(regions)
        assert set(bodies) == set(regions)
        for here, body in bodies.items():
            text = json.dumps(body)
            others = [r for r in regions if r != here]
            # every region's health alarm, this region's probe alarm of every other region
            for region in regions:
                assert f"alarm:shop-health-{region}" in text, (here, region)
            for other in others:
                assert f":cloudwatch:{here}:444455556666:alarm:shop-probe-{other}" in text
                # every other region's readiness and replication lag, read in its own region
                assert f'"Readiness", "Region", "{other}"' in json.dumps(
                    body, separators=(", ", ": ")
                )
            assert "shop-probe-" + here not in text  # a region does not probe itself
            assert ", ".join(regions) in text  # the priority order, as on the text widget


def test_every_alarm_the_stacks_define_is_on_the_dashboard() -> None:
    # Each region's dashboard shows each of its control plane's alarms, every region's health
    # alarm and the estate's dead-letter alarm.
    for here, body in dashboards().items():
        widget = next(w for w in body["widgets"] if w["type"] == "alarm")
        shown = {a.rsplit(":alarm:", 1)[-1] for a in widget["properties"]["alarms"]}
        assert "X" in widget["properties"]["alarms"]  # ${DeadLetterAlarm.Arn}
        control = expand_foreach(
            load_template(REPO_ROOT / "template.yaml"), {"Regions": list(REGIONS)}
        )
        for resource in control["Resources"].values():
            if resource["Type"] not in (
                "AWS::CloudWatch::Alarm",
                "AWS::CloudWatch::CompositeAlarm",
            ):
                continue
            name = resource["Properties"]["AlarmName"]
            text = name["Fn::Sub"] if isinstance(name, dict) else name
            text = text[0] if isinstance(text, list) else text
            if "${AWS::Region}" not in text:
                continue  # named after a watched region: the probe alarms, checked above
            expected = text.replace("${AWS::Region}", here).replace("${EstateName}", "shop")
            assert expected in shown, f"{here}: {expected} not on the dashboard"
        assert {f"shop-health-{region}" for region in REGIONS} <= shown


def test_the_top_row_shows_where_the_estate_stands_per_region_in_one_minute_buckets() -> None:
    # One-minute buckets of the latest readiness reading, never an hour's maximum: in the hour
    # of a failover the hour's max shows writer = 1 and dial = 100 in two regions.
    for here, body in dashboards().items():
        (tile,) = [
            w
            for w in body["widgets"]
            if "control plane last saw the estate" in w["properties"].get("title", "")
        ]
        properties = tile["properties"]
        assert properties["view"] == "singleValue"
        assert properties["region"] == here
        assert properties["period"] <= 60
        searched = {
            m[0]["expression"].split('MetricName="')[1].split('"')[0] for m in properties["metrics"]
        }
        assert searched == {"IsWriter", "IsActive", "TrafficDial", "DesiredTasks"}
