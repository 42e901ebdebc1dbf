"""Fix 7: JSONata (``parser/asl/jsonata/jsonata.py`` ``_eval_jsonata``). Not a bug but a gap: the
hook that evaluates JSONata (LocalStack's JVM bridge) is never set, so ``QueryLanguage:
JSONata`` states and JSONPath ``Assign`` variables fail with ``TypeError``. It is wired to
``jsonata-python``; evaluation errors surface as moto's ``JSONataException``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

LOG = logging.getLogger(__name__)

if TYPE_CHECKING:
    from ..._patching import Patcher


def install(patcher: Patcher) -> None:
    from moto.stepfunctions.parser.asl.jsonata import jsonata as hook

    try:
        import jsonata
    except ImportError:  # pragma: no cover - jsonata-python is a dev dependency
        LOG.warning("jsonata-python is not installed: JSONata states will fail in moto")
        return

    def eval_jsonata(expression: str) -> Any:
        try:
            return jsonata.Jsonata(expression).evaluate(None)
        except Exception as exc:  # reported the way moto's JVM bridge reports errors
            raise hook.JSONataException("UNKNOWN", str(exc)) from exc

    patcher.setattr(hook, "_eval_jsonata", eval_jsonata)
