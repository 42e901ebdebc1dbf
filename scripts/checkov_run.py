"""checkov, with the JSONPath parser's LALR table built once per process, not once per path.

Run it with checkov's own interpreter, exactly as the ``checkov`` command:
``.venv-checkov/bin/python scripts/checkov_run.py --framework cloudformation -f template.yaml``.

Why: bc_jsonpath_ng (checkov's JSONPath library) calls ``ply.yacc.yacc()`` inside every
``parse()``, which builds the grammar's LALR table again ("we regenerate the parse table every
time; it doesn't actually take that long!", ``bc_jsonpath_ng/parser.py``). checkov's
CloudFormation graph parses one JSONPath per attribute it renders, so on this repo's four
templates about 80% of checkov's 40 s of CPU went into building that same table again.

The table depends only on the grammar (the parser class) and the start symbol, and the
grammar's actions keep no state on the parser instance, so one ``LRParser`` per class, start
symbol and thread serves every later parse (PLY keeps a parse's stacks on the parser object,
hence one per thread). Nothing else about checkov changes: the same checks, the same graph,
the same findings (compared on this repo's templates when this was written).
"""

from __future__ import annotations

import sys
import threading
import warnings
from typing import Any

import ply.yacc  # type: ignore[import-not-found]
from bc_jsonpath_ng.parser import JsonPathParser  # type: ignore[import-not-found]

_build = ply.yacc.yacc
_built: dict[tuple[Any, ...], Any] = {}


def _yacc_once(*args: Any, **kwargs: Any) -> Any:
    module = kwargs.get("module")
    if args or not isinstance(module, JsonPathParser):
        return _build(*args, **kwargs)
    key = (type(module), kwargs.get("start"), bool(kwargs.get("debug")), threading.get_ident())
    found = _built.get(key)
    if found is None:
        found = _built[key] = _build(**kwargs)
    return found


ply.yacc.yacc = _yacc_once

if __name__ == "__main__":
    from checkov.main import Checkov  # type: ignore[import-not-found]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=SyntaxWarning)
        sys.exit(Checkov().run())
