"""A tiny, reversible monkey-patch registry: every patch the emulator applies goes through
one :class:`Patcher`, so ``Emulator.uninstall()`` restores exactly what was there.

A patch replaces something that exists: :meth:`Patcher.setattr` refuses (``AttributeError``)
to set an attribute the target does not have, so a moto upgrade that renames or drops a
patched method fails the install loudly instead of leaving the patch dead. What moto lacks
(a field of the real API's shape that its model never had) is added with
:meth:`Patcher.add`, which refuses the reverse: an attribute that already exists (moto grew
it; drop the patch). The moto version the patches were written for is pinned in
requirements-dev.txt and checked by tests/unit/test_emulator_moto_pin.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

__all__ = ["Patcher"]

LOG = logging.getLogger(__name__)

_MISSING = object()


class Patcher:
    def __init__(self) -> None:
        self._undo: list[tuple[Any, str, Any] | Callable[[], None]] = []

    def setattr(self, target: Any, name: str, value: Any) -> None:
        """Set ``target.name = value``, remembering the previous value.

        ``target`` must already have ``name`` (its own or inherited): patching a missing
        attribute raises ``AttributeError``, since nothing would call it. For classes, only
        the class's own ``__dict__`` entry is remembered, so an inherited attribute is removed
        again rather than copied down.
        """
        if not _has(target, name):
            raise AttributeError(
                f"cannot patch {_describe(target)}.{name}: it has no such attribute "
                "(renamed or removed upstream? the patch would be dead)"
            )
        if isinstance(target, type):
            previous = target.__dict__.get(name, _MISSING)
        else:
            previous = getattr(target, name, _MISSING)
        self._undo.append((target, name, previous))
        setattr(target, name, value)
        LOG.debug("patched %s.%s", getattr(target, "__name__", target), name)

    def add(self, target: Any, name: str, value: Any) -> None:
        """Add ``target.name = value`` where ``target`` has no such attribute (removed again on
        undo). An attribute that exists raises ``AttributeError``: use :meth:`setattr`."""
        if _has(target, name):
            raise AttributeError(
                f"cannot add {_describe(target)}.{name}: it exists already (upstream added "
                "it? patch it with setattr, or drop the addition)"
            )
        self._undo.append((target, name, _MISSING))
        setattr(target, name, value)
        LOG.debug("added %s.%s", _describe(target), name)

    def defer(self, action: Callable[[], None]) -> None:
        """Run ``action`` when undoing (in reverse order with the attribute restores)."""
        self._undo.append(action)

    def patched_modules(self) -> set[str]:
        """The modules whose attributes (or whose classes' attributes) are patched now."""
        found: set[str] = set()
        for entry in self._undo:
            if not callable(entry):
                target = entry[0]
                found.add(target.__module__ if isinstance(target, type) else _describe(target))
        return found

    def undo_all(self) -> None:
        while self._undo:
            entry = self._undo.pop()
            if callable(entry):
                entry()
                continue
            target, name, previous = entry
            if previous is _MISSING:
                try:
                    delattr(target, name)
                except AttributeError:
                    LOG.debug("nothing to remove at %s.%s", target, name)
            else:
                setattr(target, name, previous)


def _has(target: Any, name: str) -> bool:
    """Whether ``name`` exists on ``target`` without running anything. On a class: defined by
    it or a base, or an instance attribute its ``__init__`` (or a base's) assigns (a property
    patched over ``self.status = ...``); the names an ``__init__`` uses stand for the latter."""
    if isinstance(target, type):
        for klass in target.__mro__:
            if name in vars(klass):
                return True
            init = vars(klass).get("__init__")
            code = getattr(init, "__code__", None)
            if code is not None and name in code.co_names:
                return True
        return False
    try:
        object.__getattribute__(target, name)
    except AttributeError:
        return False
    return True


def _describe(target: Any) -> str:
    if isinstance(target, type):
        return f"{target.__module__}.{target.__qualname__}"
    return str(getattr(target, "__name__", type(target).__qualname__))
