"""Fix 11: Concurrent starts (``parser/asl/parse/preprocessor.py`` ``Preprocessor``). The stack of
query-language scopes, ``_query_language_per_scope``, is a *class* attribute (one list
for every instance), so two executions whose definitions are preprocessed at the same
time (two EventBridge rules starting runs at once, a burst of starts) push and pop each
other's scopes: a JSONPath state is read in a JSONata scope or the other way round, and
the execution fails at start with ``ValueError: Unsupported declaration in
QueryLanguage=JSONPath block: "Parameters": ...``. Reproduction: a machine with one
JSONata state (``"QueryLanguage": "JSONata"``) among JSONPath states, started from 8
threads at once; a few executions fail, more under load. Expected (AWS): every execution
starts. Each Preprocessor gets its own list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..._patching import Patcher


def install(patcher: Patcher) -> None:
    """Every ``Preprocessor`` keeps its own query-language scope stack ."""
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    original = Preprocessor.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._query_language_per_scope = []

    patcher.setattr(Preprocessor, "__init__", __init__)
