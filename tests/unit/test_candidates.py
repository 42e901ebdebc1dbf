"""Choosing the failover target (failover.candidates): the first eligible region in priority
order, every other candidate's rejection with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from failover import candidates
from failover.aurora import ClusterView, GlobalClusterView
from failover.candidates import Readings
from failover.data_loss import Lag
from failover.errors import TargetNotEligible
from failover.inputs import normalise
from failover.readings import Reading
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import load_event
from tests.unit.estate_settings import settings

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
THREE = ("us-east-1", "eu-west-1", "us-west-2")


def arn(region: str) -> str:
    return f"arn:aws:rds:{region}:123456789012:cluster:shop-{region}"


def cluster(
    members: tuple[str, ...] = THREE, resync: tuple[str, ...] = (), version: str = "16.4"
) -> Reading[GlobalClusterView]:
    return Reading(
        GlobalClusterView(
            "shop-global",
            "available",
            arn(members[0]),
            tuple(arn(r) for r in members),
            None,
            synchronization={
                arn(r): "pending-resync" if r in resync else "connected" for r in members[1:]
            },
            engine_version=version,
        )
    )


def seen(
    *,
    status: str = "available",
    instances: int = 1,
    version: str = "16.4",
    lag_ms: float | None = 120.0,
    evaluation: dict[str, Any] | str | None = "fresh",
    region: str = "eu-west-1",
    resync: tuple[str, ...] = (),
    member: bool = True,
) -> Readings:
    members = THREE if member else tuple(r for r in THREE if r != region)
    if evaluation == "fresh":
        evaluation = {"region": region, "evaluated_at": NOW.isoformat(), "checks": []}
    evaluations = {region: evaluation} if isinstance(evaluation, dict) else {}
    return Readings(
        cluster(members, resync),
        Reading(ClusterView(status, instances, version)),
        Reading(Lag(lag_ms, "AuroraGlobalDBRPOLag", NOW.isoformat(), 20.0)),
        Reading(evaluations),
    )


def evaluation(failing: str | None, age: timedelta = timedelta(minutes=5)) -> dict[str, Any]:
    checks = [{"name": failing, "status": "FAIL", "reason": "x"}] if failing else []
    return {"region": "eu-west-1", "evaluated_at": (NOW - age).isoformat(), "checks": checks}


@pytest.mark.parametrize(
    ("readings", "hard", "soft"),
    [
        (seen(), [], []),
        (seen(member=False), ["member"], []),
        (seen(status="backing-up"), ["available"], []),
        (seen(instances=0), ["instance"], []),
        (seen(version="15.8"), ["engine_version"], []),
        (seen(resync=("eu-west-1",)), ["connected"], []),
        (seen(lag_ms=None), [], ["lag"]),
        (seen(lag_ms=9000.0), [], ["lag"]),
        (seen(evaluation=evaluation("compute.image")), [], ["ready"]),
        # a FAIL that says nothing of whether the move works: no rejection
        (seen(evaluation=evaluation("detection.probe_alarm")), [], []),
        # an old evaluation, or none: its control plane has not shown it is alive
        (seen(evaluation=evaluation("compute.image", timedelta(hours=2))), [], ["ready"]),
        (seen(evaluation=None), [], ["ready"]),
    ],
)
def test_each_check_rejects_by_its_name(
    readings: Readings, hard: list[str], soft: list[str]
) -> None:
    found = candidates.judge("eu-west-1", arn("eu-west-1"), readings, 5.0, NOW)

    assert [reason.split(":")[0] for reason in found.hard] == hard
    assert [reason.split(":")[0] for reason in found.soft] == soft


CANDIDATE = st.builds(
    lambda region, hard, soft: candidates.Candidate(region, hard, soft),
    st.sampled_from(["r0"]),
    st.lists(st.sampled_from(["member: x", "connected: pending-resync"]), max_size=1),
    st.lists(st.sampled_from(["lag: unknown", "ready: FAIL"]), max_size=1),
)


@given(st.lists(CANDIDATE, min_size=1, max_size=3))
def test_the_target_is_the_first_eligible_region_in_priority_order(
    drawn: list[candidates.Candidate],
) -> None:
    judged = [candidates.Candidate(f"region-{i}", c.hard, c.soft) for i, c in enumerate(drawn)]
    choice = candidates.pick(judged)
    entries = {e["region"]: e for e in choice.entries()}

    eligible = [c.region for c in judged if c.eligible]
    survivable = [c.region for c in judged if not c.hard]
    # never a region a hard check rejects
    assert choice.target is None or choice.target in survivable
    # the first fully eligible one when there is one, else the first that survives the hard
    # checks (its own gates then decide), else none
    expected = eligible[0] if eligible else survivable[0] if survivable else None
    assert choice.target == expected
    assert choice.fallback is (not eligible and bool(survivable))
    # every other candidate says why it is not the target
    for candidate in judged:
        entry = entries[candidate.region]
        if candidate.region != choice.target:
            assert entry["status"] in ("rejected", "eligible")
            assert entry["reasons"]


def three_region_settings(home: str) -> Any:
    from failover.config import EstateConfig

    from tests.unit.estate_settings import estate_dict

    return settings(home, estate=EstateConfig.from_dict(estate_dict(THREE)))


def fixed_choice(target: str | None, rejected: dict[str, str]) -> Any:
    def choose(leaving: str, planned: bool, only: str | None) -> candidates.Choice:
        regions = [only] if only else [r for r in THREE if r != leaving]
        return candidates.pick(
            [candidates.Candidate(r, [rejected[r]] if r in rejected else []) for r in regions]
        )

    return choose


def alarm_on_primary() -> dict[str, Any]:
    return load_event("alarm-primary-unhealthy.json")


def test_an_alarm_in_a_region_that_is_not_the_target_ends_ignored_saying_which_is() -> None:
    choose = fixed_choice("eu-west-1", {})
    request = normalise(alarm_on_primary(), three_region_settings("us-west-2"), None, None, choose)

    assert request.ignored is True
    assert request.ignore_reason is not None
    assert request.ignore_reason == (
        "eu-west-1 is the target (the first eligible region in priority order); "
        "its control plane runs the failover, not this one in us-west-2"
    )
    assert [e["status"] for e in request.candidates] == ["target", "eligible"]


def test_the_second_region_not_ready_sends_the_alarm_run_to_the_third() -> None:
    choose = fixed_choice("us-west-2", {"eu-west-1": "instance: its cluster has no DB instance"})

    ignored = normalise(alarm_on_primary(), three_region_settings("eu-west-1"), None, None, choose)
    acting = normalise(alarm_on_primary(), three_region_settings("us-west-2"), None, None, choose)

    assert ignored.ignored is True
    assert ignored.ignore_reason == (
        "us-west-2 is the target (the first eligible region in priority order; rejected: "
        "eu-west-1 (instance: its cluster has no DB instance)); its control plane runs the "
        "failover, not this one in eu-west-1"
    )
    assert acting.ignored is False
    assert acting.target_region == "us-west-2"
    assert acting.candidates[0] == {
        "region": "eu-west-1",
        "status": "rejected",
        "reasons": ["instance: its cluster has no DB instance"],
    }


def test_with_no_eligible_region_only_the_first_in_priority_runs_so_one_failure_is_reported() -> (
    None
):
    hard = {r: "connected: SynchronizationStatus is pending-resync" for r in THREE}
    choose = fixed_choice(None, hard)

    first = normalise(alarm_on_primary(), three_region_settings("eu-west-1"), None, None, choose)
    second = normalise(alarm_on_primary(), three_region_settings("us-west-2"), None, None, choose)

    assert (first.ignored, second.ignored) == (False, True)


def test_a_manual_runs_named_target_gets_the_same_checks() -> None:
    choose = fixed_choice(None, {"us-west-2": "connected: SynchronizationStatus is pending-resync"})
    manual = {"mode": "planned", "target_region": "us-west-2", "reason": "game day"}

    with pytest.raises(TargetNotEligible, match=r"^target_region: us-west-2 cannot take over now"):
        normalise(manual, three_region_settings("us-west-2"), None, "us-east-1", choose)
