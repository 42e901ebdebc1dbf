"""A run remembers the regions it could not connect to (failover.clients.Reachability)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from failover import clients
from failover.clients import UNREACHABLE_MEMORY, Profile, reachability
from failover.runtime import seen_unreachable

from emulator import Emulator
from tests.unit.test_emulator_faults import call_as_actor


@pytest.fixture(autouse=True)
def fresh_clients() -> Iterator[None]:
    clients.reset()
    reachability.begin({})
    yield
    clients.reset()
    reachability.begin({})


def test_a_region_that_did_not_connect_is_not_tried_again_by_the_runs_reads(
    emu: Emulator,
) -> None:
    # given us-east-1 cut off
    emu.faults.unreachable_regions.add("us-east-1")
    ecs = clients.best_effort("ecs", "us-east-1")

    # when a read tries it twice, then the first pays the 1 s connect and the second fails at once
    with emu.clock.held():
        first = call_as_actor(emu, lambda: ecs.list_clusters())
        second = call_as_actor(emu, lambda: ecs.list_clusters())
    assert first == {"error": "EndpointConnectionError", "took": pytest.approx(1.0)}
    assert second == {"error": "EndpointConnectionError", "took": 0}
    # and the next state of the run is told
    assert set(reachability.seen()) == {"us-east-1"}


def test_fencing_always_tries_the_old_region(emu: Emulator) -> None:
    # given a run that already saw us-east-1 unreachable
    emu.faults.unreachable_regions.add("us-east-1")
    reachability.begin({"us-east-1": datetime.now(UTC)})
    ssm = clients.client("ssm", "us-east-1", Profile.BEST_EFFORT)

    # when the fence writes there, then it really tries (and pays the connect)
    with emu.clock.held():
        seen = call_as_actor(emu, lambda: ssm.get_parameter(Name="/p"))
    assert seen == {"error": "EndpointConnectionError", "took": pytest.approx(1.0)}


def test_a_region_seen_unreachable_long_ago_is_tried_again(emu: Emulator) -> None:
    stale = datetime.now(UTC) - UNREACHABLE_MEMORY - timedelta(seconds=1)
    reachability.begin({"us-east-1": stale})
    ecs = clients.best_effort("ecs", "us-east-1")

    # the region is back: the read is tried and answers
    seen = call_as_actor(emu, lambda: ecs.list_clusters())
    assert seen["result"]["clusterArns"] == []
    assert reachability.seen() == {}


def test_what_earlier_states_saw_is_read_from_the_state_document() -> None:
    early, late = "2026-12-01T10:00:00+00:00", "2026-12-01T10:01:00+00:00"
    document = {
        "request": {},
        "unreachable": {"us-east-1": early},  # ValidateInput's result is the document
        "outage": {"unreachable": {"us-east-1": late, "us-west-2": "not a time"}},
        "plan": {"unreachable": ["not", "a", "map"]},
        "fence": {"unreachable": {"eu-west-1": "2026-12-01T10:00:00"}},  # no zone: ignored
    }

    assert seen_unreachable(document) == {"us-east-1": datetime.fromisoformat(late)}
    assert seen_unreachable(["not", "a", "document"]) == {}
