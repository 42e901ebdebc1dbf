"""The latency model as a bibliography: every figure sourced or an assumption, three models."""

from __future__ import annotations

from emulator.latency import FIGURES, LatencyModel


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
