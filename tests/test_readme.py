"""README's op list is generated from the op tables and must be kept in sync."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tool() -> object:
    spec = importlib.util.spec_from_file_location("op_list", ROOT / "tools" / "op_list.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_op_list_is_generated_from_the_op_tables() -> None:
    tool = _tool()
    text = (ROOT / "README.md").read_text()
    start = text.index(tool.BEGIN)  # type: ignore[attr-defined]
    end = text.index(tool.END) + len(tool.END)  # type: ignore[attr-defined]
    assert text[start:end] == tool.generate(), "run: python tools/op_list.py"  # type: ignore[attr-defined]


def test_readme_example_runs_and_prints_what_it_says(capsys: object) -> None:
    text = (ROOT / "README.md").read_text()
    start = text.index("```python\n") + len("```python\n")
    code = text[start : text.index("```", start)]
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out  # type: ignore[attr-defined]
    assert printed == "w = 2.000\n"
    assert "# w = 2.000" in code
