"""Tiny Lambda handlers used by the emulator's own tests (run in-process by lambda_runtime)."""

from __future__ import annotations

import os
from typing import Any

import boto3

# Module state lives as long as the function's execution environment (warm invocations).
INVOCATIONS = 0


class QuotaExhausted(Exception):
    """Raised on purpose: its class name must become the Step Functions error name."""


def echo(event: Any, context: Any) -> dict[str, Any]:
    global INVOCATIONS
    INVOCATIONS += 1
    os.environ["HANDLER_WAS_HERE"] = "1"  # a handler's own changes must not leak out
    return {
        "event": event,
        "region": os.environ["AWS_REGION"],
        "default_region": os.environ["AWS_DEFAULT_REGION"],
        "function_env": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
        "colour": os.environ.get("COLOUR"),
        "trace_disabled": os.environ.get("POWERTOOLS_TRACE_DISABLED"),
        "function_name": context.function_name,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "invocations": INVOCATIONS,
    }


def fail(event: Any, context: Any) -> dict[str, Any]:
    raise QuotaExhausted(f"no quota left for {event.get('who', 'nobody')}")


def put_parameter(event: Any, context: Any) -> dict[str, Any]:
    ssm = boto3.client("ssm")  # region from AWS_REGION, as in Lambda
    ssm.put_parameter(Name=event["name"], Value=event["value"], Type="String", Overwrite=True)
    return {"region": ssm.meta.region_name}
