"""Only ``arraygrad/_backend/`` touches an array library: every other module goes through it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "arraygrad"
ALLOWED = set((PACKAGE / "_backend").glob("*.py"))
ARRAY_LIBRARIES = {"numpy", "cupy", "dask", "jax", "torch", "array_api_strict"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p not in ALLOWED)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_does_not_import_an_array_library(path: Path) -> None:
    offending = _imported_roots(path) & ARRAY_LIBRARIES
    assert not offending, f"{path.relative_to(PACKAGE)} imports {sorted(offending)}"


def test_the_check_sees_an_import() -> None:
    sample = PACKAGE / "_backend" / "__init__.py"
    assert "numpy" in _imported_roots(sample)
