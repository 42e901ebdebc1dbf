"""The emulator under mock_aws, for the emulator's own tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws
from moto.core.config import DefaultConfig

from emulator import Emulator

MOTO: DefaultConfig = {
    "core": {"reset_boto3_session": False},  # clients are built ~10x faster
    "stepfunctions": {"execute_state_machine": True},
}


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """An installed emulator on a manual clock, inside mock_aws; removed afterwards."""
    with mock_aws(config=MOTO):
        emulator = Emulator.install()
        try:
            yield emulator
        finally:
            emulator.uninstall()
