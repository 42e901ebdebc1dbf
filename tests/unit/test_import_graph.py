"""No import cycle among the project's own modules, and the emulator's services never import
the emulator that discovers them.

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a cycle
that only a lazy import keeps from failing is still a cycle.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = {  # top-level package -> the folder that holds it
    "emulator": REPO,
    "testbed": REPO,
    "drill": REPO,
    "failover": REPO / "functions",
}


def project_modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the project's packages."""
    found: dict[str, Path] = {}
    for package, base in PACKAGES.items():
        for path in sorted((base / package).rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules that ``name`` (at ``path``) imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # ``from pkg import mod`` imports the module pkg.mod; ``from mod import name`` mod.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        found.update(target for target in targets if target in known and target != name)
    return found


@functools.cache
def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {name: imported_modules(name, path, known) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path ``[a, b, ..., a]``, or None."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for target in sorted(graph[node]):
            if target in on_path:
                return [*path[path.index(target) :], target]
            if target not in done:
                cycle = visit(target)
                if cycle:
                    return cycle
        on_path.discard(path.pop())
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_the_graph_sees_the_project() -> None:
    # given the import graph of the project's packages
    graph = import_graph()

    # then it holds their modules and the edges the code has
    assert {"emulator.core", "testbed.estate", "drill.local", "failover.handlers"} <= set(graph)
    assert "emulator.world" in graph["emulator.services.route53"]
    assert "emulator.services" in graph["emulator.core"]
    assert "testbed.template" in graph["testbed.estate"]


def test_no_import_cycle() -> None:
    assert find_cycle(import_graph()) is None


def test_a_cycle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]


def test_services_never_import_the_emulator_back() -> None:
    # given the emulator's service modules
    graph = import_graph()
    services = [name for name in graph if name.startswith("emulator.services.")]

    # then none imports the emulator (the package, or core that discovers the services)
    assert len(services) >= 10
    for name in services:
        assert not graph[name] & {"emulator", "emulator.core"}, name
