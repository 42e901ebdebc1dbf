"""Powertools logger and tracer, built once for every handler."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Tracer

SERVICE = "failover"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
