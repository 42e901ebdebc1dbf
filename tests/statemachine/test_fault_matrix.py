"""The fault matrix (testbed.faultmatrix): it covers every Task state of the real ASL, and a
few of its cells run here. ``make matrix`` runs every cell (minutes)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from testbed.faultmatrix import (
    CLEAN_FAIL,
    GA_BROWNOUT,
    KINDS,
    LEASE_HOLDER_DIES,
    RECOVERED,
    WEST_DOWN,
    Task,
    run_cell,
    tasks,
)
from testbed.template import STATE_MACHINE
from tests.template.asl_checks import scopes


def _task_states(definition: dict[str, Any]) -> set[str]:
    """Every Task state, Parallel branches and Map iterations included."""
    return {
        name
        for scope in scopes(definition)
        for name, state in scope.states.items()
        if state["Type"] == "Task"
    }


def test_the_matrix_has_a_row_for_every_task_state_of_the_machine() -> None:
    definition = json.loads(STATE_MACHINE.read_text(encoding="utf-8"))
    rows = tasks()

    assert {task.state for task in rows} == _task_states(definition)
    assert len(rows) == len({task.state for task in rows})
    # every Lambda Task is scoped to its own function; native ones to the state itself
    assert all(task.function for task in rows if not task.native)
    assert {kind.name for kind in KINDS} == {
        "throttled x2",
        "denied",
        "5xx once",
        "5xx always",
        "unreachable",
    }


@pytest.mark.scenario
@pytest.mark.parametrize(
    ("state", "kind", "verdict"),
    [
        # the headline: traffic fails after the writer moved; a re-run must converge
        ("ShiftTraffic", "5xx always", CLEAN_FAIL),
        # a lock that cannot be released must not outlive the run
        ("ReleaseLease", "denied", RECOVERED),
    ],
)
def test_a_cell_of_the_matrix(state: str, kind: str, verdict: str) -> None:
    task = next(task for task in tasks() if task.state == state)
    fault = next(k for k in KINDS if k.name == kind)

    cell = run_cell(task, fault)

    assert (cell.verdict, cell.reasons) == (verdict, [])


@pytest.mark.scenario
@pytest.mark.parametrize(
    ("base", "state", "kind", "verdict"),
    [
        # us-west-2 dies with GA's API: a transient fault on the way still converges
        (WEST_DOWN, "PromoteDatabase", "throttled x2", RECOVERED),
        (GA_BROWNOUT, "ShiftTraffic", "5xx once", RECOVERED),
        # the surviving region's run, after a dead holder's lease
        (LEASE_HOLDER_DIES, "InspectLease", "5xx once", RECOVERED),
    ],
)
def test_a_cell_on_a_base_run_of_a_region_dying(
    base: str, state: str, kind: str, verdict: str
) -> None:
    found = next(task for task in tasks() if task.state == state)
    fault = next(k for k in KINDS if k.name == kind)

    cell = run_cell(Task(found.state, found.function, found.native, base), fault)

    assert (cell.verdict, cell.reasons) == (verdict, [])
