"""Helpers shared by the test suites."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from failover import clients
from moto import mock_aws
from moto.core.config import DefaultConfig

from emulator import Emulator
from testbed.estate import EstateSpec, LocalEstate

REPO = Path(__file__).resolve().parent.parent
EVENTS = REPO / "events"


def load_event(name: str, **overrides: Any) -> dict[str, Any]:
    """A ready-to-paste example from events/, with optional field overrides."""
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    event.update(overrides)
    return event


MOTO_CONFIG: DefaultConfig = {
    "core": {"reset_boto3_session": False},
    "stepfunctions": {"execute_state_machine": True},
}


def build(spec: EstateSpec | None = None) -> Iterator[LocalEstate]:
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


def wait_for_approval_token(estate: LocalEstate, region: str = "us-west-2") -> str:
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
