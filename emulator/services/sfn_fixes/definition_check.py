"""Fix 5: Transitions (``StepFunctionsParserBackend._validate_definition``). moto accepts
``{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}`` and fails at
run time; AWS rejects it at ``create_state_machine`` (``InvalidDefinition``,
``MISSING_TRANSITION_TARGET``). Checked for ``StartAt``, ``Next``, ``Default``, Choice
and Catch targets, in branches and item processors too.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..._patching import Patcher


def transition_problems(definition: Any, path: str = "") -> list[str]:
    """``MISSING_TRANSITION_TARGET`` problems of an ASL definition (dict), per scope."""
    problems: list[str] = []
    if not isinstance(definition, dict):
        return problems
    states = definition.get("States")
    if not isinstance(states, dict):
        return problems
    names = set(states)
    start_at = definition.get("StartAt")
    if isinstance(start_at, str) and start_at not in names:
        problems.append(
            f"MISSING_TRANSITION_TARGET: Missing 'StartAt' target: {start_at} at {path}/StartAt"
        )
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        here = f"{path}/States/{name}"
        targets: list[tuple[str, str, Any]] = [("Next", f"{here}/Next", state.get("Next"))]
        targets.append(("Default", f"{here}/Default", state.get("Default")))
        for index, choice in enumerate(state.get("Choices") or []):
            if isinstance(choice, dict):
                targets.append(("Next", f"{here}/Choices/{index}/Next", choice.get("Next")))
        for index, catcher in enumerate(state.get("Catch") or []):
            if isinstance(catcher, dict):
                targets.append(("Next", f"{here}/Catch/{index}/Next", catcher.get("Next")))
        for field, where, target in targets:
            if isinstance(target, str) and target not in names:
                problems.append(
                    f"MISSING_TRANSITION_TARGET: Missing '{field}' target: {target} at {where}"
                )
        for index, branch in enumerate(state.get("Branches") or []):
            problems.extend(transition_problems(branch, f"{here}/Branches/{index}"))
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), dict):
                problems.extend(transition_problems(state[key], f"{here}/{key}"))
    return problems


#: Definitions already accepted, kept across installs (every test and drill creates the same
#: few machines): validation is a pure function of the text, and a rejected text is never kept.
_VALID: set[str] = set()


def install(patcher: Patcher) -> None:
    from moto.stepfunctions.parser.api import InvalidDefinition
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.__dict__["_validate_definition"].__func__

    def _validate_definition(definition: str) -> None:
        if definition in _VALID:
            return
        original(definition=definition)
        try:
            parsed = json.loads(definition)
        except ValueError:
            return  # moto's own parser accepted it (YAML-ish); nothing more to check
        problems = transition_problems(parsed)
        if problems:
            raise InvalidDefinition(
                message=f"Invalid State Machine Definition: '{', '.join(problems)}'"
            )
        _VALID.add(definition)

    patcher.setattr(
        StepFunctionsParserBackend, "_validate_definition", staticmethod(_validate_definition)
    )
