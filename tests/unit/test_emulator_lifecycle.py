"""Emulator lifecycle and clocks."""

from __future__ import annotations

import pkgutil
import time

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.awslambda.models import LambdaFunction
from moto.rds.responses import RDSResponse

from emulator import Emulator, LatencyModel, ManualClock, ScaledClock, active, services


def test_manual_clock_moves_only_when_advanced() -> None:
    clock = ManualClock()
    assert clock.now() == 0.0
    clock.advance(30)
    clock.sleep(15)
    assert clock.now() == 45.0
    with pytest.raises(ValueError, match="non-negative"):
        clock.advance(-1)


def test_scaled_clock_runs_at_one_over_time_scale() -> None:
    # given a clock where one modelled second takes a millisecond
    clock = ScaledClock(time_scale=0.001)

    # when 50 modelled seconds are slept, then about that much modelled time passed
    started = time.monotonic()
    clock.sleep(50)
    assert time.monotonic() - started < 1
    assert clock.now() >= 50
    with pytest.raises(ValueError, match="time_scale"):
        ScaledClock(0)


def test_install_is_idempotent_and_uninstall_restores_moto() -> None:
    original_invoke = LambdaFunction.__dict__["_invoke_lambda"]
    with mock_aws():
        # given an installed emulator
        emu = Emulator.install(clock=ManualClock(), latency=LatencyModel())
        patched = LambdaFunction.__dict__["_invoke_lambda"]

        # when installed again, then it is the same emulator with the same patches
        assert Emulator.install() is emu
        assert active() is emu
        assert LambdaFunction.__dict__["_invoke_lambda"] is patched is not original_invoke
        assert "failover_global_cluster" in RDSResponse.__dict__

        # when uninstalled, then moto is as it was and GA is gone again
        emu.uninstall()
        assert active() is None
        assert LambdaFunction.__dict__["_invoke_lambda"] is original_invoke
        assert "failover_global_cluster" not in RDSResponse.__dict__
        with pytest.raises(ClientError):
            boto3.client("globalaccelerator", region_name="us-west-2").list_accelerators()
        emu.uninstall()  # a second uninstall is harmless


def test_every_service_module_registers_itself_and_is_installed(emu: Emulator) -> None:
    # given the modules of emulator.services, found on disk
    modules = {
        f"emulator.services.{module.name}" for module in pkgutil.iter_modules(services.__path__)
    }

    # then the installed emulator carries a service from each, reachable by its name
    assert {type(service).__module__ for service in emu.services} == modules
    for service in emu.services:
        assert emu.service(service.name) is service
        assert getattr(emu, service.name) is service
    with pytest.raises(LookupError, match="no emulated service 'nope'"):
        emu.service("nope")


def test_time_scale_picks_the_clock() -> None:
    with mock_aws():
        emu = Emulator.install(time_scale=0.001)
        try:
            assert isinstance(emu.clock, ScaledClock)
            assert emu.time_scale == 0.001
        finally:
            emu.uninstall()
        emu = Emulator.install()
        try:
            assert isinstance(emu.clock, ManualClock)
            assert emu.time_scale == 0.0
        finally:
            emu.uninstall()
