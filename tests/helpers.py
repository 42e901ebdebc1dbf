"""Helpers shared by the test suites (the estate's own live in :mod:`testbed.session`)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3

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
    "wait_for_approval_token",
]


def create_stack(region: str, name: str, outputs: dict[str, str]) -> None:
    """A stack with these outputs (what the live drill discovers a control plane through)."""
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name=region).create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )
