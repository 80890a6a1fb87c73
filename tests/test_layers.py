"""The code's layers, read from its source: data flows one way (text → document →
annotations → NIF) and every setting comes from the two settings modules.

`nif/` knows RDF and offsets but nothing of the model; `model/` knows tensors and documents
but nothing of HTTP or RDF; `server/` wires them; `scripts/` are commands on top. Imports
inside functions and under ``TYPE_CHECKING`` count too: a "soft" circle is still a circle.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from model.settings import REPO_ROOT

PACKAGES = ("model", "nif", "server", "scripts")
# What each package may import of the others.
ALLOWED = {"nif": set(), "model": set(), "server": {"model", "nif"}, "scripts": {"model", "nif", "server"}}
SETTINGS_MODULES = {"model.settings", "server.config"}  # the only readers of the environment


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO_ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules `path` imports, anywhere in its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {t for t in imports(path, known) if t != name and not name.startswith(t + ".")}
            for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_circles() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", PACKAGES)
def test_packages_import_only_the_layers_below(package: str) -> None:
    crossing = {(module, target) for module, targets in import_graph().items() if module.split(".")[0] == package
                for target in targets if target.split(".")[0] not in ALLOWED[package] | {package}}
    assert crossing == set()


def test_only_the_settings_modules_read_the_environment() -> None:
    readers = set()
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv") \
                    and isinstance(node.value, ast.Name) and node.value.id == "os":
                readers.add(name)
    assert readers <= SETTINGS_MODULES, readers - SETTINGS_MODULES


def test_commands_do_not_import_each_other() -> None:
    """What two commands share lives in `scripts/bench/` (harness) or `scripts/options.py`,
    or in the library; a command is a thin wrapper no other code imports."""
    graph = import_graph()
    commands = {name for name in graph if name.count(".") == 1 and name.startswith("scripts.")
                and name not in ("scripts.options", "scripts.bench", "scripts.research", "scripts.__main__")}
    crossing = {(module, target) for module, targets in graph.items() if module != "scripts.__main__"
                for target in targets if target in commands}
    assert crossing == set()
