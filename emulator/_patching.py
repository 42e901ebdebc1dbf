"""A tiny, reversible monkey-patch registry: every patch the emulator applies goes through
one :class:`Patcher`, so ``Emulator.uninstall()`` restores exactly what was there."""

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
        """Set ``target.name = value``, remembering the previous value (or its absence).

        For classes, only the class's own ``__dict__`` entry is remembered, so an inherited
        attribute is removed again rather than copied down.
        """
        if isinstance(target, type):
            previous = target.__dict__.get(name, _MISSING)
        else:
            previous = getattr(target, name, _MISSING)
        self._undo.append((target, name, previous))
        setattr(target, name, value)
        LOG.debug("patched %s.%s", getattr(target, "__name__", target), name)

    def defer(self, action: Callable[[], None]) -> None:
        """Run ``action`` when undoing (in reverse order with the attribute restores)."""
        self._undo.append(action)

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
