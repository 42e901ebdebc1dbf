"""The drill's command line: clear usage errors."""

from __future__ import annotations

import pytest

from drill.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--scenario", "nope"], "invalid choice: 'nope'"),
        (["--time-scale", "-1"], "must be between 0 and 1"),
        (["--time-scale", "fast"], "is not a number"),
        (["--port", "5075"], "unrecognized arguments: --port"),
        (["--profile", "prod"], "--profile only apply with --live"),
        (["--live", "--profile", "prod"], "--live needs --region"),
        (["readiness", "--live"], "--live needs --region"),
        (["readiness", "--profile", "prod"], "--profile only applies with --live"),
        (["report"], "the following arguments are required: --execution-arn"),
        (["report", "--execution-arn", "arn:x"], "report needs --live"),
    ],
)
def test_bad_options_get_a_usage_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
