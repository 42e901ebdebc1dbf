"""Fix 1: Indexed JSONPath (``parser/asl/utils/json_path.py`` ``extract_json``). moto wraps a
definite path's value in a list; AWS (Jayway JsonPath) returns the single value for a
*definite* path (names and single indexes only) and a list only for indefinite ones
(``[*]``, ``..``, slices, filters, unions). Rebound in every parser module that imported
it. ``run(pass_state(Type="Pass", Parameters={"v.$": "$.X[0].Y"}), '{"X": [{"Y": 1}]}')``
outputs ``{"v": [1]}``; AWS: ``{"v": 1}``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..._patching import Patcher


def is_definite_json_path(path: str) -> bool:
    """True when a JSONPath can match at most one value (Jayway's "definite" path)."""
    from jsonpath_ng import jsonpath as jp
    from jsonpath_ng.exceptions import JSONPathError
    from jsonpath_ng.ext.parser import parse

    def definite(node: Any) -> bool:
        if isinstance(node, jp.Root | jp.This):
            return True
        if isinstance(node, jp.Child):
            return definite(node.left) and definite(node.right)
        if isinstance(node, jp.Fields):
            return len(node.fields) == 1 and node.fields[0] != "*"
        if isinstance(node, jp.Index):
            return len(getattr(node, "indices", (getattr(node, "index", 0),))) == 1
        return False  # Wildcard, Slice, Descendants, Filter, Union, ...

    try:
        return definite(parse(path))
    except JSONPathError:  # not a plain JSONPath: let moto handle it as before
        return False


def _make_extract_json(original: Any) -> Any:
    def extract_json(path: str, data: Any) -> Any:
        from jsonpath_ng.ext.parser import parse

        if not is_definite_json_path(path):
            return original(path, data)
        matches = parse(path).find(data)
        if not matches:
            return original(path, data)  # raises moto's NoSuchJsonPathError
        return matches[0].value

    extract_json.__wrapped__ = original  # type: ignore[attr-defined]
    return extract_json


def _rebind(old: Any, new: Any) -> None:
    """Point every parser module that imported ``extract_json`` by name at ``new``."""
    for name, module in list(sys.modules.items()):
        parser_module = name.startswith("moto.stepfunctions.parser") and module is not None
        if parser_module and getattr(module, "extract_json", None) is old:
            setattr(module, "extract_json", new)  # noqa: B010 - rebinding a module global


def install(patcher: Patcher) -> None:
    import moto.stepfunctions.parser.asl.utils.json_path as json_path
    import moto.stepfunctions.parser.models  # noqa: F401 - loads every parser module

    original = json_path.extract_json
    patched = _make_extract_json(original)
    _rebind(original, patched)
    # Modules imported later bind the patched function too: undo by scanning again.
    patcher.defer(lambda: _rebind(patched, original))
