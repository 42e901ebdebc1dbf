"""The drill's command line: clear usage errors, and a clear message when the port is taken."""

from __future__ import annotations

import io
import socket

import pytest

from drill.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--scenario", "nope"], "invalid choice: 'nope'"),
        (["--time-scale", "-1"], "must be between 0 and 1"),
        (["--time-scale", "fast"], "is not a number"),
        (["--port", "70000"], "is not a port number"),
        (["--profile", "prod"], "--profile only apply with --live"),
        (["--live", "--region", "us-west-2"], "--live needs --profile"),
    ],
)
def test_bad_options_get_a_usage_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.allow_hosts(["127.0.0.1"])
def test_a_port_in_use_is_a_clear_error_and_nothing_is_left_running(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import threading

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        threads_before = threading.active_count()
        code = main(["--port", str(port), "--plain"], stdout=io.StringIO())
    assert code == 1
    assert f"port {port} on 127.0.0.1 is in use" in capsys.readouterr().err
    assert threading.active_count() == threads_before
