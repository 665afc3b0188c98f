"""The library stays free of Home Assistant, so it could move to PyPI as is."""

from __future__ import annotations

import ast
from pathlib import Path

from custom_components.emby_connect import aioemby

LIBRARY = Path(aioemby.__file__).parent


def _imported_modules(tree: ast.AST) -> list[str]:
    """Return every module an AST imports, including the relative level as dots."""
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.append("." * node.level + (node.module or ""))
            modules.extend(f"{node.module}.{alias.name}" for alias in node.names if node.module)
    return modules


def test_library_has_modules() -> None:
    assert {path.name for path in LIBRARY.glob("*.py")} >= {
        "__init__.py",
        "connect.py",
        "exceptions.py",
        "manager.py",
        "models.py",
        "server.py",
    }
    assert (LIBRARY / "py.typed").exists()


def test_no_homeassistant_import() -> None:
    offenders = [
        f"{path.name}: {module}"
        for path in sorted(LIBRARY.rglob("*.py"))
        for module in _imported_modules(ast.parse(path.read_text(encoding="utf-8")))
        # A relative import leaving the package reaches the integration, which is Home Assistant.
        if module.split(".")[0] == "homeassistant" or module.startswith("..")
    ]
    assert offenders == []


def test_detector_sees_homeassistant_imports() -> None:
    tree = ast.parse(
        "import homeassistant\nfrom homeassistant.core import HomeAssistant\n"
        "def f():\n    import homeassistant.helpers\nfrom .. import const\n"
    )
    modules = _imported_modules(tree)
    assert "homeassistant" in modules
    assert "homeassistant.core.HomeAssistant" in modules
    assert "homeassistant.helpers" in modules
    assert ".." in modules
