"""Runs on an estate of three regions in priority order (us-east-1, eu-west-1, us-west-2):
what a run does about a region that is neither the one it leaves nor the one it moves into."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from testbed.estate import LocalEstate

PRIMARY, SECOND, THIRD = "us-east-1", "eu-west-1", "us-west-2"


def output(described: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(described.get("output") or "{}")
    return result


def test_a_move_while_the_third_region_is_cut_off_says_it_left_that_region_unfenced(
    estate3: LocalEstate,
) -> None:
    # given us-west-2, the third region and Global Accelerator's API region, is cut off
    estate3.emulator.faults.unreachable_regions.add(THIRD)

    # when an operator fails the healthy primary over into eu-west-1
    described = estate3.run(
        SECOND,
        {
            "mode": "unplanned",
            "target_region": SECOND,
            "reason": "test: the third region is down",
            "requested_by": "test",
        },
    )

    # then the writer moves, the old region is fenced, and the record says the third was not
    assert described["status"] == "SUCCEEDED", described
    result = output(described)
    assert result["fence"]["status"] == "fenced"
    assert result["fence"]["regions"][THIRD]["status"] == "skipped"
    (row,) = [
        r for r in estate3.audit_rows(SECOND) if r["execution_id"] == described["executionArn"]
    ]
    assert row["fence"]["regions"][THIRD]["status"] == "skipped"
    (notice,) = [n for n in estate3.notices(SECOND) if n["kind"] == "succeeded"]
    assert f"Fence: {THIRD} was not fenced (skipped)" in notice["text"]
    assert "re-run after" in notice["detail"]["commands"]["rerun"]
    assert "left a region unfenced" in notice["detail"]["commands"]["rerun"]
    # and once us-west-2 is back, the parameter there still names the old writer until the
    # re-run the notice offers completes it
    estate3.emulator.faults.unreachable_regions.clear()
    view = estate3.view()
    assert view.writer_region == SECOND
    assert view.regions[THIRD].active_region == PRIMARY
    rerun = estate3.run(SECOND, json.loads(_rerun_input(notice)))
    assert rerun["status"] == "SUCCEEDED", rerun
    after = estate3.view()
    assert after.regions[THIRD].active_region == SECOND
    # and the dials, which GA's API (in us-west-2) could not take during the move, are set
    assert {r: state.dial for r, state in after.regions.items()} == {
        PRIMARY: 0.0,
        SECOND: 100.0,
        THIRD: 0.0,
    }


def _rerun_input(notice: dict[str, Any]) -> str:
    import shlex

    words = shlex.split(notice["detail"]["commands"]["rerun"])
    return words[words.index("--input") + 1]
