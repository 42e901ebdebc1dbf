"""The emulator patches moto's internals: it is written for one moto version, the pinned one.

A moto upgrade can rename a backend method or a response handler the emulator replaces.
``Patcher.setattr`` refuses a missing attribute (so the install fails loudly), and this test
fails first, naming the moto modules that were patched, so that whoever bumps the pin in
requirements-dev.txt re-reads those patches against the new moto.
"""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import pytest
from moto import mock_aws

from emulator import Emulator, LatencyModel
from emulator._patching import Patcher

REPO = Path(__file__).resolve().parents[2]


def pinned(package: str) -> str:
    text = (REPO / "requirements-dev.txt").read_text(encoding="utf-8")
    found = re.search(rf"^{re.escape(package)}==(\S+)", text, re.MULTILINE)
    assert found, f"{package} is not pinned in requirements-dev.txt"
    return found.group(1)


def moto_modules_patched() -> list[str]:
    with mock_aws():
        emu = Emulator.install(latency=LatencyModel())
        try:
            return sorted(m for m in emu.patched_modules() if m.split(".")[0] == "moto")
        finally:
            emu.uninstall()


def test_the_installed_moto_is_the_one_the_patches_were_written_for() -> None:
    modules = moto_modules_patched()
    assert modules, "the emulator patches no moto module: this test sees nothing"
    installed, expected = version("moto"), pinned("moto")
    assert installed == expected, (
        f"moto {installed} is installed, the emulator's patches were written for moto "
        f"{expected} (requirements-dev.txt). Re-read the patches of these moto modules "
        f"against moto {installed}, then move the pin: " + ", ".join(modules)
    )


def test_patching_an_attribute_that_does_not_exist_is_refused() -> None:
    class Backend:
        def __init__(self) -> None:
            self.status = "available"

        def describe(self) -> str:
            return "moto"

    patcher = Patcher()
    with pytest.raises(AttributeError, match=r"cannot patch .*Backend\.describe_all"):
        patcher.setattr(Backend, "describe_all", lambda self: "ours")
    assert not hasattr(Backend, "describe_all")

    # a method and an attribute the constructor sets are there to be patched
    patcher.setattr(Backend, "describe", lambda self: "ours")
    patcher.setattr(Backend, "status", property(lambda self: "patched", lambda self, v: None))
    assert (Backend().describe(), Backend().status) == ("ours", "patched")

    # adding is for what is missing only
    with pytest.raises(AttributeError, match=r"cannot add .*Backend\.describe: it exists"):
        patcher.add(Backend, "describe", lambda self: "again")
    patcher.add(Backend, "failover", lambda self: "added")
    assert Backend().failover() == "added"  # type: ignore[attr-defined]

    patcher.undo_all()
    assert Backend().describe() == "moto"
    assert not hasattr(Backend, "failover")
    assert "status" not in vars(Backend)
