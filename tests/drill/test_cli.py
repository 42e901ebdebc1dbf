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


def test_the_live_paths_can_read_the_estate_as_the_product_does_from_a_plain_checkout() -> None:
    # `python -m drill ... --live` runs with the repository root on sys.path only (make drill
    # sets no PYTHONPATH); the live report and checks import the product's package.
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = (
        "import drill.history_report as report\n"
        "found = report.alarm_time({'source': 'aws.cloudwatch', 'detail-type': "
        "'CloudWatch Alarm State Change', 'account': '1', 'region': 'us-west-2', "
        "'time': '2026-12-01T10:00:00Z', 'detail': {'alarmName': 'shop-probe-us-east-1', "
        "'state': {'value': 'ALARM', 'timestamp': '2026-12-01T10:00:00.000+0000'}}})\n"
        "print(found[0])\n"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", probe], cwd=repo, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "shop-probe-us-east-1"
