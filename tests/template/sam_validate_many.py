"""Run ``sam validate --lint`` on several templates in one Python process.

Each ``sam`` start imports the SAM CLI and cfn-lint again (about 5 CPU-seconds); one process
for every template pays that once. Usage: ``python sam_validate_many.py OUT.json T1 [T2 ...]``.
Writes ``{template: {"code": exit code, "output": text}}``.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys


def main(out: str, templates: list[str]) -> int:
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
