"""A local estate in its own emulated AWS: ``mock_aws`` with the emulator installed, the
estate built from the templates, everything torn down after. Shared by the tests, the fault
matrix and the soak."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from failover import clients
from moto import mock_aws

from emulator import Emulator
from testbed.estate import EstateSpec, LocalEstate

if TYPE_CHECKING:
    from moto.core.config import DefaultConfig

EVENTS = Path(__file__).resolve().parent.parent / "events"

MOTO_CONFIG: DefaultConfig = {
    "core": {"reset_boto3_session": False},  # clients are built ~10x faster
    "stepfunctions": {"execute_state_machine": True},
}


def load_event(name: str, **overrides: Any) -> dict[str, Any]:
    """A ready-to-paste example from events/, with optional field overrides."""
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    event.update(overrides)
    return event


def build(spec: EstateSpec | None = None) -> Iterator[LocalEstate]:
    """Yield a freshly built estate (a generator: use it as a fixture, or ``for e in build()``)."""
    with mock_aws(config=MOTO_CONFIG):
        emulator = Emulator.install()
        clients.reset()
        estate = LocalEstate(emulator, spec)
        try:
            yield estate
        finally:
            estate.close()
            emulator.uninstall()
            clients.reset()


def approval_token(estate: LocalEstate, region: str = "us-west-2") -> str:
    """Let modelled time pass until ``region``'s run asks for approval; its task token, as
    the notice's pasteable approve command carries it. (Drains the region's notices.)"""
    found: list[str] = []

    def requested() -> bool:
        for notice in estate.notices(region):
            if notice["kind"] == "approval_requested":
                words = shlex.split(notice["detail"]["commands"]["approve"])
                found.append(words[words.index("--task-token") + 1])
        return bool(found)

    estate.wait_until(requested, limit=600, what="an approval request")
    return found[0]
