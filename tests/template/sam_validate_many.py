"""Run ``sam validate --lint`` on templates, then cfn-lint, in one Python process.

Each ``sam`` or ``cfn-lint`` start imports the SAM CLI and cfn-lint again (about 4-5
CPU-seconds each); one process pays that once. Usage::

    python sam_validate_many.py OUT.json T1 [T2 ...] [--cfn-lint PREFIX ARG ...]

Writes ``{template: {"code": exit code, "output": text}}`` to OUT.json. With ``--cfn-lint``,
then runs ``cfn-lint ARG ...`` (its console entry point, in this process) and writes its
standard output, standard error and exit code to ``PREFIX.out``, ``PREFIX.err`` and
``PREFIX.rc``, the files a separate ``cfn-lint`` run would have left (tests/template/support.py
``ToolRuns``).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path


def validate(out: str, templates: list[str]) -> int:
    from samcli.cli.main import cli

    results: dict[str, dict[str, object]] = {}
    for template in templates:
        buffer = io.StringIO()
        code: object = 0
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            try:
                cli.main(args=["validate", "--lint", "--template", template], standalone_mode=False)
            except SystemExit as exit_:
                code = exit_.code
            except Exception as error:  # noqa: BLE001 - report any failure as the CLI would
                sys.stdout.write(f"Error: {type(error).__name__}: {error}\n")
                code = 1
        results[template] = {"code": code or 0, "output": buffer.getvalue()}
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=2)
    return 0 if all(r["code"] == 0 for r in results.values()) else 1


def cfn_lint(prefix: str, args: list[str]) -> None:
    from cfnlint.runner import main

    out, err = io.StringIO(), io.StringIO()
    code: object = 0
    saved = sys.argv
    sys.argv = ["cfn-lint", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main()
            except SystemExit as exit_:
                code = exit_.code
            except Exception as error:  # noqa: BLE001 - report any failure as the CLI would
                err.write(f"{type(error).__name__}: {error}\n")
                code = 1
    finally:
        sys.argv = saved
    base = Path(prefix)
    base.with_name(base.name + ".out").write_text(out.getvalue(), encoding="utf-8")
    base.with_name(base.name + ".err").write_text(err.getvalue(), encoding="utf-8")
    rc = base.with_name(base.name + ".rc")
    rc.with_name(rc.name + ".tmp").write_text(f"{code if isinstance(code, int) else 1}\n")
    rc.with_name(rc.name + ".tmp").replace(rc)  # last: its presence means "done"


def main(argv: list[str]) -> int:
    lint: list[str] = []
    if "--cfn-lint" in argv:
        at = argv.index("--cfn-lint")
        argv, lint = argv[:at], argv[at + 1 :]
    try:
        return validate(argv[0], argv[1:])
    finally:
        if lint:
            cfn_lint(lint[0], lint[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
