"""The latency model as a bibliography: every figure sourced or an assumption, three models."""

from __future__ import annotations

import pytest
from failover import geography
from failover.errors import ConfigurationError

from emulator.latency import FIGURES, LatencyModel

PER_PAIR = "cross_region_rtt_factor"  # sampled models draw it per pair of Regions


def test_every_figure_has_a_source_and_a_range() -> None:
    for name, figure in FIGURES.items():
        assert hasattr(LatencyModel(), name), name
        assert figure.source.startswith("https://"), name
        assert figure.quote, name
        assert 0 <= figure.low <= figure.high, name
        # a number no source states is never a constant: it is a range
        assert figure.stated or figure.low < figure.high, name


def test_the_floor_typical_and_sampled_models() -> None:
    floor, typical = LatencyModel(), LatencyModel.typical()
    for name, figure in FIGURES.items():
        assert getattr(floor, name) == figure.low
        assert getattr(typical, name) == figure.median
    # Aurora's global failover: AWS's own best case, "under a minute", is only the low end
    assert floor.aurora_failover_seconds == 60.0
    assert typical.aurora_failover_seconds > 60.0
    assert (floor.phases, typical.phases) == ("aligned", "median")


def test_samples_are_seeded_and_keyed_by_name_not_by_order() -> None:
    one, again, other = LatencyModel.sampled(7), LatencyModel.sampled(7), LatencyModel.sampled(8)
    assert one == again
    assert one != other
    for name, figure in FIGURES.items():
        if name != PER_PAIR:
            assert figure.low <= getattr(one, name) <= figure.high
    # a phase depends on the seed and its key only, whoever asks first
    first = one.phase("route53:check:us-east-1", 10.0)
    one.phase("something else", 10.0)
    assert one.phase("route53:check:us-east-1", 10.0) == first
    assert 0.0 <= first < 10.0


def test_median_phases_spread_uncoordinated_checkers_evenly() -> None:
    typical = LatencyModel.typical()
    phases = [typical.phase("x", 10.0, index, 8) for index in range(8)]
    assert phases == [0.625 + 1.25 * i for i in range(8)]
    assert LatencyModel().phase("x", 10.0, 3, 8) == 0.0  # aligned (unit tests)


def test_the_assumptions_a_run_depends_on_are_listed_with_their_values() -> None:
    model = LatencyModel.sampled(3)
    found = {a["name"]: a for a in model.assumptions()}
    unstated = {name for name, figure in FIGURES.items() if not figure.stated}
    assert unstated <= set(found)
    assert "route53_connect_timeout_seconds" not in found  # stated: "within four seconds"
    assert found["aurora_failover_seconds"]["value_s"] == round(model.aurora_failover_seconds, 4)
    assert found["phases"]["value"] == "random"


def test_dynamodb_calls_pay_the_mrsc_round_trip() -> None:
    model = LatencyModel.typical()
    assert model.api_call("dynamodb") == model.api_call_seconds + (
        model.dynamodb_mrsc_round_trip_seconds
    )
    assert model.api_call("rds") == model.api_call_seconds


def test_a_cross_region_round_trip_is_the_pairs_fibre_floor_times_an_assumed_factor() -> None:
    floor = geography.round_trip_floor_seconds("eu-west-1", "us-east-1")
    assert 0.05 < floor < 0.06  # Dublin - Northern Virginia, about 5,450 km at 200,000 km/s

    # the floor model pays the floor, the typical one the middle of [1, 2] x the floor
    assert LatencyModel().cross_region_round_trip_seconds("eu-west-1", "us-east-1") == floor
    typical = LatencyModel.typical()
    assert typical.cross_region_round_trip_seconds("eu-west-1", "us-east-1") == 1.5 * floor
    # within a Region: nothing on top of the call
    assert typical.cross_region_round_trip_seconds("eu-west-1", "eu-west-1") == 0.0


def test_a_sampled_model_draws_each_pair_once_the_same_both_ways() -> None:
    one, again, other = LatencyModel.sampled(7), LatencyModel.sampled(7), LatencyModel.sampled(8)
    pairs = [("eu-west-1", "us-east-1"), ("us-west-2", "us-east-1"), ("eu-west-1", "us-east-2")]
    factors = []
    for a, b in pairs:
        floor = geography.round_trip_floor_seconds(a, b)
        seconds = one.cross_region_round_trip_seconds(a, b)
        assert floor <= seconds <= 2 * floor
        assert one.cross_region_round_trip_seconds(b, a) == seconds
        assert again.cross_region_round_trip_seconds(b, a) == seconds  # keyed by seed and pair
        factors.append(seconds / floor)
    assert len(set(factors)) == len(pairs)  # per pair, not one factor for all
    assert other.rtt_factor(*pairs[0]) != one.rtt_factor(*pairs[0])


def test_the_factor_and_the_round_trips_paid_are_reported_as_an_assumption() -> None:
    model = LatencyModel.sampled(3)
    model.cross_region_round_trip_seconds("us-east-1", "eu-west-1")

    found = {a["name"]: a for a in model.assumptions()}[PER_PAIR]

    assert found["stated"] is False
    assert (found["range"], found["unit"]) == ([1.0, 2.0], "x round_trip_floor_seconds")
    assert "dev.to/aws-builders" in found["source"]
    assert "53.89 ms" in found["quote"]
    assert "78.75 ms" in found["quote"]
    assert found["value"] == "drawn per pair of Regions (seeded)"
    [pair] = found["round_trips"]
    assert pair["regions"] == ["eu-west-1", "us-east-1"]
    assert pair["floor_s"] == pytest.approx(
        geography.round_trip_floor_seconds("eu-west-1", "us-east-1"), abs=1e-5
    )
    assert 1.0 <= pair["factor"] <= 2.0
    assert pair["round_trip_s"] == pytest.approx(pair["floor_s"] * pair["factor"], abs=1e-4)
    # one model's figures list it too, with the floor model's factor
    floor = {f["name"]: f for f in LatencyModel().figures()}[PER_PAIR]
    assert (floor["value"], floor["round_trips"]) == (1.0, [])


def test_an_unknown_region_has_no_round_trip() -> None:
    with pytest.raises(ConfigurationError, match="xx-east-9"):
        LatencyModel().cross_region_round_trip_seconds("us-east-1", "xx-east-9")
