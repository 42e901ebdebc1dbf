"""Convergence: what "already active" means, on plain data."""

from __future__ import annotations

from failover.estate_view import EstateView, RegionState

from tests.unit.estate_settings import PRIMARY, SECONDARY


def view(
    writer: str = SECONDARY,
    dials: tuple[float | None, float | None] = (0.0, 100.0),
    desired: int = 4,
    parameters: tuple[str | None, str | None] = (SECONDARY, SECONDARY),
    primary_problems: list[str] | None = None,
    failover_state: dict[str, str] | None = None,
) -> EstateView:
    return EstateView(
        writer_region=writer,
        global_status="available",
        failover_state=failover_state,
        regions={
            PRIMARY: RegionState(dials[0], 4, 4, parameters[0], primary_problems or []),
            SECONDARY: RegionState(dials[1], desired, desired, parameters[1]),
        },
    )


def test_fully_converged_has_no_gaps() -> None:
    assert view().gaps(SECONDARY, 4) == []


def test_each_piece_that_did_not_follow_is_a_gap() -> None:
    assert view(writer=PRIMARY).gaps(SECONDARY, 4) == ["database"]
    assert view(dials=(100.0, 100.0)).gaps(SECONDARY, 4) == ["traffic"]
    assert view(desired=1).gaps(SECONDARY, 4) == ["compute"]
    assert view(parameters=(PRIMARY, SECONDARY)).gaps(SECONDARY, 4) == [f"active_region:{PRIMARY}"]
    assert view(failover_state={"ToDbClusterArn": "x"}).gaps(SECONDARY, 4) == ["database"]


def test_unknown_dials_are_never_converged() -> None:
    assert view(dials=(None, None)).gaps(SECONDARY, 4) == ["traffic"]


def test_an_unreachable_old_region_does_not_block_convergence_of_its_parameter() -> None:
    unreachable = view(
        parameters=(None, SECONDARY), primary_problems=["unreachable: EndpointConnectionError"]
    )

    assert unreachable.gaps(SECONDARY, 4) == []
