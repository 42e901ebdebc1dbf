"""The product reads time only in the spellings the emulator's clock swap catches.

On the emulator a handler runs on modelled time: ``emulator.services.lambda_runtime`` rebinds,
in every module of the handler's package (``failover``), the globals ``time`` (the module),
``datetime`` (the module or the class) and ``sleep`` / ``monotonic`` / ``perf_counter``
imported from ``time`` by those names. Any other spelling (an alias, ``from time import
time``, ``date.today()``) reads the real clock there: the drill's timeline and every test's
Wait would silently mix real and modelled seconds. The contract is stated for the product in
the ``failover`` package docstring; this test holds the code to it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"

FROM_TIME = {"sleep", "monotonic", "perf_counter"}  # rebound one by one
FROM_DATETIME_NO_CLOCK = {"UTC", "timezone", "timedelta", "tzinfo", "time"}  # never read it
CLOCK_CALLS = {"localtime", "gmtime", "ctime", "asctime", "strftime"}  # time.X() reads it


def uncaught_spellings(source: str) -> list[str]:
    """Where ``source`` reads the clock in a way the swap does not rebind."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in ("time", "datetime") and alias.asname not in (None, alias.name):
                    found.append(f"line {node.lineno}: import {alias.name} as {alias.asname}")
        elif isinstance(node, ast.ImportFrom) and node.module in ("time", "datetime"):
            for alias in node.names:
                renamed = alias.asname not in (None, alias.name)
                if node.module == "time":
                    ok = alias.name in FROM_TIME and not renamed
                else:
                    ok = (alias.name == "datetime" and not renamed) or (
                        alias.name in FROM_DATETIME_NO_CLOCK
                    )
                if not ok:
                    spelled = alias.name + (f" as {alias.asname}" if renamed else "")
                    found.append(f"line {node.lineno}: from {node.module} import {spelled}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner, name = node.func.value, node.func.attr
            owner_name = (
                owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            )
            if owner_name == "date" and name == "today":
                found.append(f"line {node.lineno}: date.today() (the real date)")
            elif owner_name == "time" and name in CLOCK_CALLS:
                takes_time = 2 if name == "strftime" else 1
                if len(node.args) < takes_time:
                    found.append(f"line {node.lineno}: time.{name}() of the real clock")
    return found


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("import time\ntime.sleep(1)\ntime.monotonic()", True),
        ("from datetime import UTC, datetime, timedelta\ndatetime.now(UTC)", True),
        ("import datetime\ndatetime.datetime.now(datetime.UTC)", True),
        ("from time import sleep, monotonic", True),
        ("import time as t", False),
        ("import datetime as dt", False),
        ("from time import time", False),
        ("from time import monotonic_ns", False),
        ("from datetime import datetime as dt", False),
        ("from datetime import date\ndate.today()", False),
        ("import time\ntime.strftime('%H')", False),
    ],
)
def test_the_scan_tells_caught_spellings_from_the_others(source: str, caught: bool) -> None:
    assert (uncaught_spellings(source) == []) is caught


def test_the_product_reads_time_only_in_spellings_the_swap_catches() -> None:
    sources = sorted(FUNCTIONS.rglob("*.py"))
    assert len(sources) > 20  # the scan sees the product
    found = {
        str(path.relative_to(FUNCTIONS)): problems
        for path in sources
        if (problems := uncaught_spellings(path.read_text(encoding="utf-8")))
    }
    assert found == {}, (
        "these spellings keep the real clock under the emulator "
        "(see the failover package docstring): " + repr(found)
    )
