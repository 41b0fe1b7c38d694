"""The layout rules of docs/architecture.md, kept true by a test rather than by review.

Each rule is one a new engineer relies on: a chat change is found in one folder, only the
domain touches the database, and no module or function grows past what one person reads.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "forms", "models", "notifications", "reports")
ORM = re.compile(r"^(sqlmodel|sqlalchemy|models\.db|models\.tables)(\.|$)")
ROOT_MODULES = {"main.py", "cli.py", "wiring.py"}  # the composition root and the CLI may build the engine


def _product_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts)


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return out


FILES = _product_files()
TREES = {p: ast.parse(p.read_text(encoding="utf-8")) for p in FILES}


def test_edges_do_not_touch_the_database() -> None:
    offenders = [f"{p.relative_to(ROOT)}:{line} {name}"
                 for p, tree in TREES.items()
                 if p.relative_to(ROOT).parts[0] in ("bot", "forms") and p.name not in ROOT_MODULES
                 for line, name in _imports(tree) if ORM.match(name)]
    assert offenders == []


def test_modules_are_small() -> None:
    big = [f"{p.relative_to(ROOT)} ({n} lines)" for p in FILES
           if (n := p.read_text(encoding="utf-8").count("\n")) > 400]
    assert big == []


def test_functions_are_small() -> None:
    long = [f"{p.relative_to(ROOT)}:{n.lineno} {n.name} ({(n.end_lineno or n.lineno) - n.lineno + 1} lines)"
            for p, tree in TREES.items() for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            and (n.end_lineno or n.lineno) - n.lineno + 1 > 60]
    assert long == []


def test_no_discovery_and_no_environment_reads_outside_settings() -> None:
    found = []
    for p, tree in TREES.items():
        rel = str(p.relative_to(ROOT))
        for line, name in _imports(tree):
            if name in ("pkgutil", "importlib") or name.startswith("importlib."):
                found.append(f"{rel}:{line} imports {name}")
        if rel != "models/settings.py":
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") \
                        and isinstance(node.value, ast.Name) and node.value.id == "os":
                    found.append(f"{rel}:{node.lineno} os.{node.attr}")
    assert found == []


def test_no_import_cycles() -> None:
    modules = {_module(p): p for p in FILES}
    graph: dict[str, set[str]] = defaultdict(set)
    for p, tree in TREES.items():
        me = _module(p)
        for _line, name in _imports(tree):
            if name in modules and name != me and not me.startswith(name + "."):
                graph[me].add(name)
    cycles = _strongly_connected(graph, list(modules))
    assert cycles == []


def _strongly_connected(graph: dict[str, set[str]], nodes: list[str]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; returns the components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == node:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return out
