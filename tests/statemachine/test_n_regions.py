"""An estate of three regions in priority order, as the testbed builds it (what the stacks
deploy for N regions): read back from AWS, not from the testbed's own bookkeeping."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from testbed.estate import EstateSpec
from testbed.session import build
from tests.statemachine.conftest import THREE_REGIONS as REGIONS

if TYPE_CHECKING:
    from collections.abc import Iterator

    from testbed.estate import LocalEstate


@pytest.fixture(scope="module")
def estate() -> Iterator[LocalEstate]:
    yield from build(EstateSpec.of(*REGIONS, automatic_triggers=True))


def test_every_region_watches_every_other_with_a_probe_alarm(estate: LocalEstate) -> None:
    for region in REGIONS:
        alarms = estate.client("cloudwatch", region).describe_alarms()["MetricAlarms"]
        probes = {
            a["AlarmName"]: {d["Name"]: d["Value"] for d in a["Dimensions"]}
            for a in alarms
            if a["MetricName"] == "PeerHealthy"
        }

        assert probes == {f"shop-probe-{w}": {"Region": w} for w in REGIONS if w != region}


def test_each_health_alarm_reaches_every_other_regions_failover_bus(estate: LocalEstate) -> None:
    events = estate.client("events", "us-east-1")
    targets: dict[str, set[str]] = {}
    for rule in events.list_rules()["Rules"]:
        pattern = json.loads(rule.get("EventPattern") or "{}")
        for resource in pattern.get("resources", []):
            alarm = resource.rsplit(":", 1)[-1]
            for target in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]:
                targets.setdefault(alarm, set()).add(target["Arn"].split(":")[3])

    assert targets == {f"shop-health-{r}": {o for o in REGIONS if o != r} for r in REGIONS}


def test_each_region_starts_its_machine_on_every_other_regions_alarms(
    estate: LocalEstate,
) -> None:
    for region in REGIONS:
        others = [r for r in REGIONS if r != region]
        events = estate.client("events", region)
        for bus, kind in (("shop-failover", "health"), ("default", "probe")):
            watched: list[str] = []
            for rule in dict.fromkeys(estate.watch_rule(kind, o) for o in others):
                found = events.describe_rule(Name=rule, EventBusName=bus)
                watched += json.loads(found["EventPattern"])["detail"]["alarmName"]
                (target,) = events.list_targets_by_rule(Rule=rule, EventBusName=bus)["Targets"]

                assert target["Arn"] == estate.state_machine_arns[region]
            assert watched == [f"shop-{kind}-{o}" for o in others]


def test_the_data_replicates_to_every_other_region(estate: LocalEstate) -> None:
    for region in REGIONS:
        rules = estate.client("s3", region).get_bucket_replication(
            Bucket=estate.data_bucket(region)
        )["ReplicationConfiguration"]["Rules"]

        assert sorted(r["Destination"]["Bucket"] for r in rules) == sorted(
            f"arn:aws:s3:::shop-data-{o}" for o in REGIONS if o != region
        )
    secret = estate.client("secretsmanager", "us-east-1").describe_secret(SecretId="shop-db")
    assert {r["Region"] for r in secret["ReplicationStatus"]} == {"eu-west-1", "us-west-2"}


def test_one_global_cluster_member_per_region_and_the_dials_on_the_primary(
    estate: LocalEstate,
) -> None:
    view = estate.view()

    assert view.writer_region == "us-east-1"
    assert {r: s.dial for r, s in view.regions.items()} == {
        "us-east-1": 100.0,
        "eu-west-1": 0.0,
        "us-west-2": 0.0,
    }
    assert list(estate.config().regions) == list(REGIONS)
    assert estate.read_lease() is None
