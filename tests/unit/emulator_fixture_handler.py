"""Tiny Lambda handlers used by the emulator's own tests (run in-process by lambda_runtime)."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config

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


def sleep_then_put(event: Any, context: Any) -> dict[str, Any]:
    """Sleep ``seconds`` (modelled), then write ``name`` = the modelled time it wrote it."""
    began = time.monotonic()
    time.sleep(float(event["seconds"]))
    written = datetime.now(UTC).isoformat()
    boto3.client("ssm").put_parameter(
        Name=event["name"], Value=written, Type="String", Overwrite=True
    )
    return {"began": began, "ended": time.monotonic(), "written": written}


def put_patiently(event: Any, context: Any) -> dict[str, Any]:
    """One SSM write with a short read timeout and two attempts; the error's name, if any."""
    ssm = boto3.client("ssm", config=Config(read_timeout=10, retries={"total_max_attempts": 2}))
    began = time.monotonic()
    try:
        ssm.put_parameter(Name=event["name"], Value="v", Type="String", Overwrite=True)
    except Exception as error:  # noqa: BLE001 - the test reads what the caller saw
        return {"error": type(error).__name__, "waited": time.monotonic() - began}
    return {"error": None, "waited": time.monotonic() - began}


def emit_metric(event: Any, context: Any) -> dict[str, Any]:
    """One Embedded Metric Format line on stdout (as Powertools' single_metric prints it)."""
    document = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": "Drill",
                    "Dimensions": [["Region"]],
                    "Metrics": [{"Name": "Probe", "Unit": "Count", "StorageResolution": 1}],
                }
            ],
        },
        "Region": os.environ["AWS_REGION"],
        "Probe": [event["value"]],
    }
    print(json.dumps(document))  # noqa: T201 - EMF is a line on stdout
    return {"printed": True}


def put_parameter_in(event: Any, context: Any) -> dict[str, Any]:
    """One SSM write to ``region`` (one attempt, a 5 s connect timeout): the error's name, if
    any, and the modelled seconds the call took."""
    ssm = boto3.client(
        "ssm",
        region_name=event["region"],
        config=Config(connect_timeout=5, retries={"total_max_attempts": 1}),
    )
    began = time.monotonic()
    try:
        ssm.put_parameter(Name=event["name"], Value="v", Type="String", Overwrite=True)
    except Exception as error:  # noqa: BLE001 - the test reads what the caller saw
        return {"error": type(error).__name__, "waited": time.monotonic() - began}
    return {"error": None, "waited": time.monotonic() - began}
