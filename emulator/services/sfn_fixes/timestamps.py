"""Timestamps as Step Functions writes them in JSON: ISO 8601, UTC, ``Z``, milliseconds
when there are any (``2026-12-01T10:00:00Z``, ``2026-12-01T10:00:00.250Z``)."""

from __future__ import annotations

import datetime as dt


def iso(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    if value.microsecond == 0:
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if value.microsecond % 1000 == 0:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
