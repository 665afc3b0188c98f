"""The integration's shape: no import cycle, no class too big to hold one job."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "custom_components" / "emby_connect"
MAX_CLASS_LINES = 250


def _module(path: Path) -> str:
    """Return a module's dotted name inside the package ("" for the package itself)."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    """Return, for every module, the package modules it imports (TYPE_CHECKING ones too)."""
    paths = {_module(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            base = ".".join(part for part in (base, node.module or "") if part)
            for alias in node.names:
                target = f"{base}.{alias.name}".lstrip(".")
                found.add(target if target in paths else base)
        graph[name] = {target for target in found if target in paths and target != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle, or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph[node]):
            if (cycle := visit(target, [*path, node])) is not None:
                return cycle
        done.add(node)
        return None

    for node in sorted(graph):
        if (cycle := visit(node, [])) is not None:
            return cycle
    return None


def test_no_import_cycle() -> None:
    """No module imports one that imports it back, even only for type checking."""
    graph = _imports()
    assert graph["coordinator"] >= {"connection", "push", "account"}
    assert _cycle(graph) is None


def test_classes_hold_one_job() -> None:
    """No class of the integration grows past a few hundred lines."""
    too_big = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef) or node.end_lineno is None:
                continue
            lines = node.end_lineno - node.lineno + 1
            if lines > MAX_CLASS_LINES:
                too_big.append(f"{path.name}:{node.name} ({lines} lines)")
    assert not too_big
