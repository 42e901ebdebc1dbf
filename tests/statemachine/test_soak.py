"""The safety soak (testbed.soak), bounded: a few derandomized examples run here; ``make
soak`` runs a thousand. And the soak's oracle can fail: a planted violation is caught."""

from __future__ import annotations

import pytest
from hypothesis.stateful import run_state_machine_as_test

from testbed.soak import LEASE_GRACE_S, EstateMachine, soak_settings


@pytest.mark.scenario
def test_a_few_random_interleavings_keep_every_invariant() -> None:
    EstateMachine.violations.clear()

    run_state_machine_as_test(  # type: ignore[no-untyped-call]
        EstateMachine, settings=soak_settings(examples=2, steps=6, derandomize=True)
    )

    assert EstateMachine.violations == []


def test_the_soak_catches_a_lease_that_outlives_its_run() -> None:
    machine = EstateMachine()
    try:
        machine.operator_run("us-west-2", "unplanned", False, False, False)
        arn = next(iter(machine.runs))
        machine.time_passes(900.0)
        assert machine.estate.ended.get(arn)
        # plant what a broken release path would leave: the ended run still holds the lease
        machine.estate.client("dynamodb", "us-west-2").put_item(
            TableName=machine.estate.spec.table_name,
            Item={
                "pk": {"S": "LEASE"},
                "sk": {"S": "ESTATE"},
                "holder": {"S": arn},
                "target_region": {"S": "us-west-2"},
                "acquired_at": {"S": "2026-01-01T00:00:00Z"},
                "expires_at": {"N": "9999999999"},
            },
        )
        machine.estate.advance(LEASE_GRACE_S + 1)

        with pytest.raises(AssertionError, match="lease held"):
            machine.no_lease_outlives_its_execution()
    finally:
        machine.faults.clear()
        for _ in machine._builder:
            pass


def test_an_invariant_failure_inside_hypothesis_groups_is_a_violation_and_nothing_else_is() -> None:
    from hypothesis.errors import FlakyFailure

    from testbed.soak import _is_violation

    def flaky(*inner: Exception) -> Exception:
        error: Exception = FlakyFailure("flaky", list(inner))  # type: ignore[no-untyped-call]
        return error

    broken = AssertionError("2 writers")
    # hypothesis re-raises a failure it could not replay as a FlakyFailure group around it
    assert _is_violation(flaky(broken))
    assert _is_violation(broken)
    # an exception of the harness's own, grouped or not, is reported but is no violation
    assert not _is_violation(flaky(KeyError("estate")))
    assert not _is_violation(RuntimeError("emulator"))
