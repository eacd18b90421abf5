"""The app-level import graph of the ``accord`` package and its cycles.

python -m accord.lib.importgraph            # edges and cycles, every import (also those inside functions)
python -m accord.lib.importgraph --module   # only imports that run when the module is imported

An app is ``accord.<name>``; the top-level modules (settings, urls, cli, wsgi) are left out, as are
tests and migrations. Imports under ``if TYPE_CHECKING:`` are never counted.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
SKIPPED_PARTS = {"tests", "migrations"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module, module: str, is_package: bool) -> list[tuple[str, bool]]:
    """(imported module, runs at import time) for every import statement of one file."""
    found: list[tuple[str, bool]] = []

    def resolve(node: ast.ImportFrom) -> list[str]:
        if not node.level:
            base = node.module or ""
        else:
            package = module.split(".") if is_package else module.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join(package + ([node.module] if node.module else []))
        return [base] + [f"{base}.{alias.name}" for alias in node.names]

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, ast.Import):
                found.extend((alias.name, top) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                found.extend((name, top) for name in resolve(child))
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                visit(child, False)
            else:
                visit(child, top)

    visit(tree, True)
    return found


def _app(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "accord":
        return None
    app = parts[1]
    return app if (PACKAGE / app).is_dir() else None


def app_graph(*, module_level_only: bool = False) -> dict[str, set[str]]:
    """{app: apps it imports}, without self-edges."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if SKIPPED_PARTS.intersection(relative.parts) or len(relative.parts) < 2:
            continue
        module = _module_name(path)
        source = _app(module)
        if source is None:
            continue
        graph.setdefault(source, set())
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for imported, top in _imports(tree, module, path.name == "__init__.py"):
            target = _app(imported)
            if target and target != source and (top or not module_level_only):
                graph[source].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one app (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(components, key=lambda c: (-len(c), c))


def report(*, module_level_only: bool) -> str:
    graph = app_graph(module_level_only=module_level_only)
    kind = "module-level imports" if module_level_only else "all imports"
    lines = [f"# accord app import graph ({kind})"]
    lines += [f"{app} -> {', '.join(sorted(graph[app])) or '-'}" for app in sorted(graph)]
    found = cycles(graph)
    lines.append(f"# cycles: {len(found)}")
    lines += [f"{len(c)} apps: {' '.join(c)}" for c in found]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    module_level_only = "--module" in argv
    print(report(module_level_only=module_level_only))
    return 1 if "--check" in argv and cycles(app_graph(module_level_only=module_level_only)) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
