"""Static checks of an Amazon States Language definition that cfn-lint does not make.

Pure functions over the parsed JSON; each returns a list of human-readable problems
(empty = fine). Scopes: the top level, every Parallel branch and every Map processor
has its own ``States``; transitions may only name states of their own scope.

Catch policy (decided here, asserted by the tests):
- every Task has a Catch that covers ``States.ALL``, except
- a Task inside a Parallel branch (or Map processor) may leave errors uncaught when the
  enclosing Parallel / Map state catches ``States.ALL``: the error then fails the branch,
  fails the Parallel, and reaches the same single failure path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
TERMINAL_TYPES = frozenset({"Choice", "Succeed", "Fail"})
DEFAULT_BACKOFF_RATE = 2.0  # ASL default when a retrier omits BackoffRate


@dataclass(frozen=True)
class Scope:
    """One ``States`` map: the top level, a Parallel branch or a Map processor."""

    path: str  # "" for the top level, e.g. "/Act/Branches[0]" for a branch
    start_at: str | None
    states: dict[str, Any]
    # Whether an enclosing Parallel / Map state catches States.ALL.
    enclosed_catch_all: bool


def catches_all(state: dict[str, Any]) -> bool:
    return any("States.ALL" in catcher.get("ErrorEquals", []) for catcher in state.get("Catch", []))


def scopes(definition: dict[str, Any]) -> Iterator[Scope]:
    """The definition's scopes, outermost first."""
    yield from _scopes(definition, "", enclosed_catch_all=False)


def _scopes(machine: dict[str, Any], path: str, *, enclosed_catch_all: bool) -> Iterator[Scope]:
    states: dict[str, Any] = machine.get("States", {})
    yield Scope(path, machine.get("StartAt"), states, enclosed_catch_all)
    for name, state in states.items():
        inner_catch_all = enclosed_catch_all or catches_all(state)
        if state.get("Type") == "Parallel":
            for index, branch in enumerate(state.get("Branches", [])):
                yield from _scopes(
                    branch, f"{path}/{name}/Branches[{index}]", enclosed_catch_all=inner_catch_all
                )
        if state.get("Type") == "Map":
            for key in ("ItemProcessor", "Iterator"):
                if key in state:
                    yield from _scopes(
                        state[key], f"{path}/{name}/{key}", enclosed_catch_all=inner_catch_all
                    )


def transitions(state: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, target) for every transition a state can take."""
    if "Next" in state:
        yield "Next", state["Next"]
    if "Default" in state:
        yield "Default", state["Default"]
    for index, choice in enumerate(state.get("Choices", [])):
        if "Next" in choice:
            yield f"Choices[{index}].Next", choice["Next"]
    for index, catcher in enumerate(state.get("Catch", [])):
        if "Next" in catcher:
            yield f"Catch[{index}].Next", catcher["Next"]


def dangling_transitions(definition: dict[str, Any]) -> list[str]:
    """StartAt / Next / Default / Choices[].Next / Catch[].Next naming no state in scope."""
    problems: list[str] = []
    for scope in scopes(definition):
        if scope.start_at not in scope.states:
            problems.append(f"{scope.path or '/'}: StartAt {scope.start_at!r} names no state")
        for name, state in scope.states.items():
            for field, target in transitions(state):
                if target not in scope.states:
                    problems.append(f"{scope.path}/{name}: {field} {target!r} names no state")
    return problems


def unreachable_states(definition: dict[str, Any]) -> list[str]:
    """States that no path from StartAt reaches (Step Functions rejects them)."""
    problems: list[str] = []
    for scope in scopes(definition):
        seen: set[str] = set()
        todo = [scope.start_at] if scope.start_at in scope.states else []
        while todo:
            name = todo.pop()
            if name is None or name in seen or name not in scope.states:
                continue
            seen.add(name)
            todo.extend(target for _, target in transitions(scope.states[name]))
        problems.extend(
            f"{scope.path}/{name}: unreachable" for name in scope.states if name not in seen
        )
    return problems


def unterminated_states(definition: dict[str, Any]) -> list[str]:
    """Non-terminal states need exactly one of Next and End: true."""
    problems: list[str] = []
    for scope in scopes(definition):
        for name, state in scope.states.items():
            if state.get("Type") in TERMINAL_TYPES:
                continue
            has_next, has_end = "Next" in state, state.get("End") is True
            if has_next == has_end:
                problems.append(f"{scope.path}/{name}: needs exactly one of Next and End")
    return problems


def task_problems(definition: dict[str, Any]) -> list[str]:
    """Every Task: a timeout; Retry with backoff and jitter; a Catch for States.ALL
    (or an enclosing Parallel / Map that catches States.ALL)."""
    problems: list[str] = []
    for scope in scopes(definition):
        for name, state in scope.states.items():
            if state.get("Type") != "Task":
                continue
            where = f"{scope.path}/{name}"
            if "TimeoutSeconds" not in state and "TimeoutSecondsPath" not in state:
                problems.append(f"{where}: no TimeoutSeconds")
            retriers = state.get("Retry", [])
            if not retriers:
                problems.append(f"{where}: no Retry")
            elif not any(
                retrier.get("BackoffRate", DEFAULT_BACKOFF_RATE) > 1
                and retrier.get("JitterStrategy") == "FULL"
                for retrier in retriers
            ):
                problems.append(f"{where}: no retrier with backoff (BackoffRate > 1) and jitter")
            if not catches_all(state) and not scope.enclosed_catch_all:
                problems.append(f"{where}: no Catch for States.ALL (and none around it)")
    return problems


def placeholders(asl_text: str) -> set[str]:
    """Names of the ``${...}`` DefinitionSubstitutions placeholders in the ASL text."""
    return set(PLACEHOLDER.findall(asl_text))


def substitute(asl_text: str, values: dict[str, str]) -> str:
    """Apply DefinitionSubstitutions; every placeholder must have a value."""

    def replace(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return PLACEHOLDER.sub(replace, asl_text)
