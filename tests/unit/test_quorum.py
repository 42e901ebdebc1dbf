"""The quorum of independent observer families (plain data, and the probe on moto CloudWatch)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from failover import in_region, quorum
from failover.quorum import FamilyVote, Verdict
from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws


def looks(*verdicts: Verdict | Exception) -> list[tuple[str, quorum.Look]]:
    def look(v: Verdict | Exception) -> quorum.Look:
        def run() -> tuple[Verdict, str]:
            if isinstance(v, Exception):
                raise v
            return v, f"saw {v}"

        return run

    return [(f"member{i}", look(v)) for i, v in enumerate(verdicts)]


def test_the_real_time_member_votes_for_its_family() -> None:
    vote = quorum.vote("route53", looks("unhealthy", "healthy"))

    assert vote.verdict == "unhealthy"
    assert [o.observer for o in vote.observations] == ["member0"]


def test_the_alarm_votes_only_when_the_real_time_reading_is_unknown() -> None:
    from botocore.exceptions import EndpointConnectionError

    unreachable = EndpointConnectionError(endpoint_url="https://route53.amazonaws.com")
    vote = quorum.vote("route53", looks(unreachable, "unhealthy"))

    assert vote.verdict == "unhealthy"
    assert vote.observations[0].verdict == "unknown"
    assert vote.observations[0].detail.startswith("unreachable")


def test_an_unreachable_family_votes_unknown_never_unhealthy() -> None:
    from botocore.exceptions import EndpointConnectionError

    vote = quorum.vote("route53", looks(EndpointConnectionError(endpoint_url="x")))

    assert vote.verdict == "unknown"


def family(name: quorum.Family, verdict: Verdict, region: str = "us-west-2") -> FamilyVote:
    """A family's vote; a probe is the observing region's own (us-west-2 by default)."""
    return FamilyVote(name, verdict, [], region if name == "recovery_probe" else None)


VERDICTS: tuple[Verdict, ...] = ("unhealthy", "healthy", "unknown")


@given(
    route53=st.sampled_from(VERDICTS),
    probe=st.sampled_from(VERDICTS),
    accelerator=st.sampled_from(VERDICTS),
)
def test_with_two_regions_the_rule_is_two_of_three_families(
    route53: Verdict, probe: Verdict, accelerator: Verdict
) -> None:
    families = [
        family("route53", route53),
        family("recovery_probe", probe),
        family("global_accelerator", accelerator),
    ]
    unhealthy = [route53, probe, accelerator].count("unhealthy")

    assert quorum.decide(families, 2).confirmed is (unhealthy >= 2)


@given(
    route53=st.sampled_from(VERDICTS),
    accelerator=st.sampled_from(VERDICTS),
    probes=st.lists(st.sampled_from(VERDICTS), min_size=2, max_size=3),
)
def test_across_n_regions_a_majority_of_the_observing_regions_must_confirm(
    route53: Verdict, accelerator: Verdict, probes: list[Verdict]
) -> None:
    observers = ["eu-west-1", "us-west-2", "ap-northeast-1"][: len(probes)]
    families = [
        family("route53", route53),
        family("global_accelerator", accelerator),
        *(family("recovery_probe", v, r) for r, v in zip(observers, probes, strict=True)),
    ]
    result = quorum.decide(families, 2)
    globals_down = [route53, accelerator].count("unhealthy")
    confirming = sum(1 for v in probes if globals_down + (v == "unhealthy") >= 2)

    assert result.confirmed is (confirming > len(probes) / 2)
    # one family alone never moves the region, whatever the number of regions
    if globals_down + probes.count("unhealthy") <= 1:
        assert result.confirmed is False
    # a single region's probe and one global family is not a majority of two or more regions
    if globals_down == 1 and probes.count("unhealthy") == 1:
        assert result.confirmed is False


def test_one_regions_view_of_the_suspect_does_not_move_a_three_region_estate() -> None:
    families = [
        family("route53", "unhealthy"),
        family("global_accelerator", "healthy"),
        family("recovery_probe", "unhealthy", "eu-west-1"),
        family("recovery_probe", "healthy", "us-west-2"),
    ]

    result = quorum.decide(families, 2)

    assert [v.confirmed for v in result.regions] == [True, False]
    assert (result.confirmed, result.regions_needed) == (False, 2)


def test_two_families_confirm_and_one_alone_never_does() -> None:
    one = [
        family("route53", "unhealthy"),
        family("recovery_probe", "healthy"),
        family("global_accelerator", "unknown"),
    ]
    two = [
        family("route53", "unknown"),
        family("recovery_probe", "unhealthy"),
        family("global_accelerator", "unhealthy"),
    ]

    assert quorum.decide(one, 2).confirmed is False
    assert quorum.decide(two, 2).confirmed is True
    assert quorum.decide(two, 3).confirmed is False


def test_the_probe_votes_on_its_latest_high_resolution_datapoints() -> None:
    now = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-west-2")

        def publish(value: float, seconds_ago: int) -> None:
            cloudwatch.put_metric_data(
                Namespace="FailoverControlPlane",
                MetricData=[
                    {
                        "MetricName": "PeerHealthy",
                        "Dimensions": [{"Name": "Region", "Value": "us-east-1"}],
                        "Timestamp": now - timedelta(seconds=seconds_ago),
                        "Value": value,
                        "StorageResolution": 1,
                    }
                ],
            )

        assert (
            quorum.probe_results(cloudwatch, "FailoverControlPlane", "us-east-1", now)[0]
            == "unknown"
        )
        publish(1.0, 40)
        publish(0.0, 30)
        assert (
            quorum.probe_results(cloudwatch, "FailoverControlPlane", "us-east-1", now)[0]
            == "unknown"
        )
        publish(0.0, 20)
        publish(0.0, 10)
        verdict, detail = quorum.probe_results(cloudwatch, "FailoverControlPlane", "us-east-1", now)
        assert (verdict, detail) == ("unhealthy", "the last 3 probes (10 s apart) failed")
        publish(1.0, 0)
        assert (
            quorum.probe_results(cloudwatch, "FailoverControlPlane", "us-east-1", now)[0]
            == "healthy"
        )


@pytest.mark.parametrize("bits", list(itertools.product((0.0, 1.0), repeat=4)))
def test_the_probe_votes_unhealthy_only_on_three_failed_datapoints_in_a_row(
    bits: tuple[float, ...],
) -> None:
    # every position of the failures among the last four datapoints (oldest first)
    verdict, _ = quorum.probe_verdict(list(bits))

    trailing = len(bits) - len("".join("1" if b else "0" for b in bits).rstrip("0"))
    if trailing >= quorum.PROBE_FAILURES:
        assert verdict == "unhealthy"
    elif bits[-1] >= 1:
        assert verdict == "healthy"
    else:
        assert verdict == "unknown"


def test_the_probe_never_calls_the_latest_failure_alone_an_outage() -> None:
    assert quorum.probe_verdict([1.0, 1.0, 0.0])[0] == "unknown"
    assert quorum.probe_verdict([0.0, 1.0, 0.0, 0.0])[0] == "unknown"
    assert quorum.probe_verdict([])[0] == "unknown"


NOW = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)


def votes(verdicts: dict[quorum.Family, Verdict]) -> list[FamilyVote]:
    return [family(name, verdict) for name, verdict in verdicts.items()]


def test_an_outage_lasts_only_while_a_quorum_agrees_without_a_break() -> None:
    since: dict[str, str | None] = {}
    agreed = []
    readings: list[dict[quorum.Family, Verdict]] = [
        {"route53": "unhealthy", "recovery_probe": "unhealthy", "global_accelerator": "unknown"},
        {"route53": "unhealthy", "recovery_probe": "unhealthy", "global_accelerator": "unhealthy"},
        # one healthy reading of the probe restarts its count, and so the quorum's
        {"route53": "unhealthy", "recovery_probe": "healthy", "global_accelerator": "unhealthy"},
        {"route53": "unhealthy", "recovery_probe": "unhealthy", "global_accelerator": "unhealthy"},
        # an unknown reading neither extends nor breaks a family's run
        {"route53": "unknown", "recovery_probe": "unhealthy", "global_accelerator": "unhealthy"},
    ]
    for poll, reading in enumerate(readings):
        now = NOW + timedelta(seconds=10 * poll)
        families = votes(reading)
        since = quorum.carry_since(since, families, now)
        agreed.append(quorum.lasted(since, families, 2, now))

    # the second-longest run among the families unhealthy now (quorum 2)
    assert agreed == [0.0, 10.0, 10.0, 20.0, 10.0]


def test_the_confirm_window_always_reaches_the_minimum_outage() -> None:
    for required in (30, 60, 120, 180, 600):
        assert quorum.poll_limit(required, held=False) * quorum.POLL_SECONDS > required
        held = quorum.poll_limit(required, held=True) * quorum.POLL_SECONDS
        assert held > required + in_region.HOLD_SECONDS
