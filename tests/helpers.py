"""Helpers shared by the test suites (the estate's own live in :mod:`testbed.session`)."""

from __future__ import annotations

from pathlib import Path

from testbed.session import EVENTS, MOTO_CONFIG, build, load_event
from testbed.session import approval_token as wait_for_approval_token

REPO = Path(__file__).resolve().parent.parent

__all__ = ["EVENTS", "MOTO_CONFIG", "REPO", "build", "load_event", "wait_for_approval_token"]
