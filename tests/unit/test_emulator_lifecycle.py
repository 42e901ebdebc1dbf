"""Emulator lifecycle: install, uninstall, services, the clock it makes."""

from __future__ import annotations

import pkgutil

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.awslambda.models import LambdaFunction
from moto.rds.responses import RDSResponse

from emulator import Emulator, LatencyModel, VirtualClock, active, services
from emulator.clock import active_clock


def test_install_is_idempotent_and_uninstall_restores_moto() -> None:
    original_invoke = LambdaFunction.__dict__["invoke"]
    with mock_aws():
        # given an installed emulator
        emu = Emulator.install(latency=LatencyModel())
        patched = LambdaFunction.__dict__["invoke"]

        # when installed again, then it is the same emulator with the same patches
        assert Emulator.install() is emu
        assert active() is emu
        assert LambdaFunction.__dict__["invoke"] is patched is not original_invoke
        assert "failover_global_cluster" in RDSResponse.__dict__

        # when uninstalled, then moto is as it was and GA is gone again
        emu.uninstall()
        assert active() is None
        assert LambdaFunction.__dict__["invoke"] is original_invoke
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


def test_the_emulator_makes_its_clock_active_and_stops_it_on_uninstall() -> None:
    with mock_aws():
        # given an emulator installed with a time scale
        emu = Emulator.install(time_scale=0.001)
        try:
            # then its clock is a virtual clock at that scale, the one the shims read
            assert isinstance(emu.clock, VirtualClock)
            assert emu.time_scale == 0.001
            assert active_clock() is emu.clock
            emu.clock.advance(5)
        finally:
            emu.uninstall()
        # when uninstalled, then no clock is active and its time is over
        assert active_clock() is None
        with pytest.raises(RuntimeError, match="closed"):
            emu.clock.advance(1)
        # and a given clock must agree with a given time scale
        with pytest.raises(ValueError, match="time_scale"):
            Emulator.install(clock=VirtualClock(0.5), time_scale=0.25)
