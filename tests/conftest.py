"""Shared fixtures: fake credentials, so that nothing can ever reach a real account."""

from __future__ import annotations

import os

import pytest

# SAM CLI code the tests call in-process (samconfig reading, sam validate) sends telemetry
# from a background thread, after the test that caused it may have ended: off for the whole
# run (the sockets are off anyway; this keeps the blocked attempt out of the warnings).
os.environ["SAM_CLI_TELEMETRY"] = "0"


@pytest.fixture(autouse=True)
def _aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """pytest-socket lifts its guards (``socket.getaddrinfo``...) in its own teardown hook,
    which runs before the test's fixtures are finalised. A fixture that patched those functions
    on top of the guards (the emulator's DNS) puts the guards back when it uninstalls, and the
    next test that only restricts hosts (``allow_hosts``) would find name resolution blocked.
    Lift them again once every fixture is gone; the next test's setup sets what it needs."""
    import pytest_socket

    pytest_socket.enable_socket()
