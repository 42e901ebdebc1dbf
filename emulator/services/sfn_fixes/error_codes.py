"""Fix 6: Error codes (``parser/api.py`` exception classes). They declare ``code =
"InvalidDefinition"`` etc., but their base (``moto.core.exceptions.AWSError``) reads
``TYPE``, so the response's ``Error.Code`` is empty:
``sfn.create_state_machine(name="b", roleArn=role, definition='{"StartAt": "A",
"States": {"A": {"Type": "Nope"}}}')`` raises a plain ``ClientError`` with code ``""``.
AWS sends ``InvalidDefinition`` (``client.exceptions.InvalidDefinition``). Each class
gets its ``TYPE`` (and ``STATUS``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..._patching import Patcher


def install(patcher: Patcher) -> None:
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.parser import api

    for value in list(vars(api).values()):
        if not (isinstance(value, type) and issubclass(value, AWSError)) or value is AWSError:
            continue
        code = value.__dict__.get("code")
        if isinstance(code, str) and not value.__dict__.get("TYPE"):
            patcher.setattr(value, "TYPE", code)
            status = value.__dict__.get("status_code")
            if isinstance(status, int):
                patcher.setattr(value, "STATUS", status)
