"""Helpers shared by the test suites (the estate's own live in :mod:`testbed.session`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from testbed.session import EVENTS, MOTO_CONFIG, build, load_event
from testbed.session import approval_token as wait_for_approval_token

REPO = Path(__file__).resolve().parent.parent

__all__ = [
    "EVENTS",
    "MOTO_CONFIG",
    "REPO",
    "build",
    "create_stack",
    "load_event",
    "once_per_run",
    "run_directory",
    "wait_for_approval_token",
]


def run_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every xdist worker of this test run shares: the workers' base temps
    (``popen-gw<N>``) have it as their parent; without xdist, the base temp itself."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if base.name.startswith("popen-gw") else base


def once_per_run(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    compute: Callable[[], Any],
    timeout: float = 300.0,
) -> Any:
    """``compute()``'s JSON result, computed once per test run, however many xdist workers
    ask: the first to ask computes it, the others read it (the fixture-per-session recipe of
    pytest-xdist's documentation, with an atomic ``mkdir`` as the lock). A failure in the
    worker that computes is reported by every worker that waited for it."""
    work = run_directory(tmp_path_factory) / f"once-{name}"
    done, failed = work / "result.json", work / "failed.txt"
    try:
        work.mkdir()
        owner = True
    except FileExistsError:
        owner = False
    if not owner:
        deadline = time.monotonic() + timeout
        while not done.exists():
            if failed.exists():
                pytest.fail(f"{name} failed in another worker:\n{failed.read_text()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name}: not computed by another worker in {timeout:g} s")
            time.sleep(0.1)
        return json.loads(done.read_text(encoding="utf-8"))
    try:
        result = compute()
        text = json.dumps(result)
    except BaseException as error:
        failed.write_text(f"{type(error).__name__}: {error}", encoding="utf-8")
        raise
    partial = work / "result.json.tmp"
    partial.write_text(text, encoding="utf-8")
    partial.replace(done)
    return json.loads(text)


def create_stack(region: str, name: str, outputs: dict[str, str]) -> None:
    """A stack with these outputs (what the live drill discovers a control plane through)."""
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name=region).create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )
