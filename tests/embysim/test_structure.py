"""The simulator's shape: no import cycle, small classes, no reading of others' private parts.

Every import counts, including those under `if TYPE_CHECKING:` and inside functions: a cycle
hidden from the interpreter is still a cycle for the reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "embysim"
ROOT = Path(__file__).parents[2] / PACKAGE
MAX_CLASS_LINES = 250


def _module_name(path: Path) -> str:
    """Return the dotted module name of a file in the package."""
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    """Return every module of the package by name."""
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    """Return the absolute module an ImportFrom names."""
    if node.level == 0:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def import_graph() -> dict[str, set[str]]:
    """Return, for each module of the package, the package modules it imports."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, path, node)
                # `from . import routes` names a submodule; `from .x import Y` a name in x.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def test_find_cycle_reports_a_cycle() -> None:
    """The checker itself finds a cycle, even a long one, and passes a tree."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_import_graph_sees_every_kind_of_import() -> None:
    """Relative, parent-relative, absolute, submodule and TYPE_CHECKING imports are edges."""
    graph = import_graph()
    assert "embysim.server" in graph["embysim.world"]  # from .server import SimServer
    assert "embysim.routes.system" in graph["embysim.routes"]  # from . import system
    assert "embysim.routing" in graph["embysim.routes.system"]  # absolute import
    assert "embysim.server" in graph["embysim.summary"]  # under TYPE_CHECKING
    assert "embysim.demo" in graph["embysim.simulator"]  # inside a function


def test_no_import_cycle() -> None:
    """No module of the simulator imports, through any chain, a module that imports it."""
    assert find_cycle(import_graph()) is None


def _classes() -> list[tuple[str, ast.ClassDef]]:
    """Return every class of the package with its module name."""
    return [
        (name, node)
        for name, path in _modules().items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
    ]


@pytest.mark.parametrize(("module", "node"), _classes(), ids=lambda v: getattr(v, "name", v))
def test_classes_are_small(module: str, node: ast.ClassDef) -> None:
    """No class is over ~250 lines (one job per class)."""
    assert node.end_lineno is not None
    assert node.end_lineno - node.lineno + 1 <= MAX_CLASS_LINES, f"{module}.{node.name}"


def test_no_private_attribute_of_another_object_is_read() -> None:
    """Only `self` (or `cls`) is followed by `._name`; dunders are not private."""
    offenders = [
        f"{name}:{node.lineno} {ast.unparse(node)}"
        for name, path in _modules().items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and not (isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"})
    ]
    assert offenders == []
