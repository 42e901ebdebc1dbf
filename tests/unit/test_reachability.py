"""A run remembers the regions it could not connect to (failover.clients.Reachability)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

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

    # when one invocation reads it twice, then the first pays the 1 s connect and the second
    # fails at once; and the next state of the run is told
    def twice() -> dict[str, Any]:
        first = call_timed(emu, ecs.list_clusters)
        second = call_timed(emu, ecs.list_clusters)
        return {"first": first, "second": second, "seen": set(reachability.seen())}

    with emu.clock.held():
        seen = call_as_actor(emu, twice)["result"]
    assert seen["first"] == {"error": "EndpointConnectionError", "took": pytest.approx(1.0)}
    assert seen["second"] == {"error": "EndpointConnectionError", "took": 0}
    assert seen["seen"] == {"ecs.us-east-1"}


def test_one_refused_service_costs_that_observer_only(emu: Emulator) -> None:
    """A refused connection to one service of a region (one observer: the recovery region's
    own CloudWatch, say) makes that endpoint unknown, not the region's other services nor
    Global Accelerator's API."""
    emu.faults.fail("cloudwatch", "DescribeAlarms", "unreachable", count=None, region="us-west-2")
    cloudwatch = clients.best_effort("cloudwatch", "us-west-2")
    ecs = clients.best_effort("ecs", "us-west-2")
    ga = clients.best_effort("globalaccelerator", "us-west-2")

    def observe() -> dict[str, Any]:
        return {
            "cloudwatch": call_timed(emu, cloudwatch.describe_alarms),
            "ecs": call_timed(emu, ecs.list_clusters),
            "ga": call_timed(emu, ga.list_accelerators),
            "seen": set(reachability.seen()),
        }

    with emu.clock.held():
        seen = call_as_actor(emu, observe)["result"]
    assert seen["cloudwatch"]["error"] == "EndpointConnectionError"
    assert "error" not in seen["ecs"]
    # GA's API answered (a service error from the emulator, not a connection error): tried
    assert seen["ga"]["error"] not in ("EndpointConnectionError", "ReadTimeoutError")
    assert seen["seen"] == {"cloudwatch.us-west-2"}


def test_an_api_that_hangs_is_skipped_after_one_read_timeout(emu: Emulator) -> None:
    """A brownout (the connection opens, no answer): the first read waits the client's 4 s
    read timeout, the run's next reads of that endpoint fail at once."""
    emu.faults.hang("globalaccelerator", "us-west-2")
    ga = clients.best_effort("globalaccelerator", "us-west-2")

    def twice() -> dict[str, Any]:
        return {
            "first": call_timed(emu, ga.list_accelerators),
            "second": call_timed(emu, ga.list_accelerators),
        }

    with emu.clock.held():
        seen = call_as_actor(emu, twice)["result"]
    assert seen["first"]["error"] == "ReadTimeoutError"
    assert seen["first"]["took"] == pytest.approx(4.0, abs=0.5)
    assert seen["second"] == {"error": "EndpointConnectionError", "took": 0}


def test_another_invocation_running_meanwhile_does_not_see_them(emu: Emulator) -> None:
    # given an invocation that saw us-east-1 unreachable
    emu.faults.unreachable_regions.add("us-east-1")
    ecs = clients.best_effort("ecs", "us-east-1")
    with emu.clock.held():
        call_as_actor(emu, ecs.list_clusters)

    # when another invocation (another run) reads it, then it tries for itself
    with emu.clock.held():
        seen = call_as_actor(emu, ecs.list_clusters)
    assert seen == {"error": "EndpointConnectionError", "took": pytest.approx(1.0)}


def call_timed(emu: Emulator, call: Any) -> dict[str, Any]:
    began = emu.clock.now()
    try:
        call()
    except Exception as error:  # noqa: BLE001 - the test reads what the caller saw
        return {"error": type(error).__name__, "took": emu.clock.now() - began}
    return {"took": emu.clock.now() - began}


def test_fencing_always_tries_the_old_region(emu: Emulator) -> None:
    # given a run that already saw us-east-1 unreachable
    emu.faults.unreachable_regions.add("us-east-1")
    ssm = clients.client("ssm", "us-east-1", Profile.BEST_EFFORT)
    ecs = clients.best_effort("ecs", "us-east-1")

    # when the fence writes there, then it really tries (and pays the connect), while a read
    # of the same invocation does not
    def fence_then_read() -> dict[str, Any]:
        reachability.begin({"ecs.us-east-1": datetime.now(UTC), "ssm.us-east-1": datetime.now(UTC)})
        return {
            "fence": call_timed(emu, lambda: ssm.get_parameter(Name="/p")),
            "read": call_timed(emu, ecs.list_clusters),
        }

    with emu.clock.held():
        seen = call_as_actor(emu, fence_then_read)["result"]
    assert seen["fence"] == {"error": "EndpointConnectionError", "took": pytest.approx(1.0)}
    assert seen["read"] == {"error": "EndpointConnectionError", "took": 0}


def test_a_region_seen_unreachable_long_ago_is_tried_again(emu: Emulator) -> None:
    stale = datetime.now(UTC) - UNREACHABLE_MEMORY - timedelta(seconds=1)
    ecs = clients.best_effort("ecs", "us-east-1")

    # the region is back: the read is tried and answers, and nothing is handed on
    def read() -> dict[str, Any]:
        reachability.begin({"ecs.us-east-1": stale})
        return {"clusters": ecs.list_clusters()["clusterArns"], "seen": reachability.seen()}

    seen = call_as_actor(emu, read)["result"]
    assert seen == {"clusters": [], "seen": {}}


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
