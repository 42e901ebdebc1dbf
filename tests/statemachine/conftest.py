"""Run the real ASL with moto's Step Functions interpreter and the real handlers in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testbed.estate import EstateSpec, LocalEstate
from tests.helpers import build

THREE_REGIONS = ("us-east-1", "eu-west-1", "us-west-2")
"""An estate of three regions in priority order (``estate3``)."""


@pytest.fixture
def estate() -> Iterator[LocalEstate]:
    yield from build()


@pytest.fixture
def estate3() -> Iterator[LocalEstate]:
    """The estate on :data:`THREE_REGIONS` (the failover table in the US set)."""
    yield from build(EstateSpec.of(*THREE_REGIONS))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The estate's /health endpoints are real HTTP servers on loopback; nothing else is."""
    for item in items:
        if "statemachine" in item.nodeid:
            item.add_marker(pytest.mark.allow_hosts(["127.0.0.1"]))
