"""Tiny Lambda handlers used by the emulator's own tests (run in-process by lambda_runtime)."""

from __future__ import annotations

import os
from typing import Any

import boto3

COLD_STARTS = 0


class QuotaExhausted(Exception):
    """Raised on purpose: its class name must become the Step Functions error name."""


def _cold_start() -> int:
    global COLD_STARTS
    COLD_STARTS += 1
    return COLD_STARTS


_COLD = _cold_start()


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {
        "event": event,
        "region": os.environ["AWS_REGION"],
        "default_region": os.environ["AWS_DEFAULT_REGION"],
        "colour": os.environ.get("COLOUR"),
        "function_name": context.function_name,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "trace_disabled": os.environ.get("POWERTOOLS_TRACE_DISABLED"),
        "cold_starts": COLD_STARTS,
    }


def fail(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise QuotaExhausted(f"no quota left for {event.get('who', 'nobody')}")


def put_parameter(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ssm = boto3.client("ssm")  # region from AWS_REGION, as in Lambda
    ssm.put_parameter(Name=event["name"], Value=event["value"], Type="String", Overwrite=True)
    return {"region": ssm.meta.region_name}
