"""The seed notebook's two cells, reproduced byte for byte, and the ``arraygrad`` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SEED_DIR = ROOT.parent / "shared" / "seed"


def _run(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return result.stdout


@pytest.mark.parametrize("name", ["seed_numpy", "seed_autograd"])
def test_example_prints_the_seed_output_exactly(name: str) -> None:
    expected = (DATA / f"{name}.out").read_text()
    assert _run(str(ROOT / "examples" / f"{name}.py")) == expected


def test_autograd_example_differs_from_the_seed_cell_only_in_its_import_line() -> None:
    if not SEED_DIR.is_dir():
        pytest.skip("the seed notebook (../shared/seed) is not beside this checkout")
    notebook = next(SEED_DIR.glob("*.txt")).read_text()
    cell = notebook.split("In [")[2].split("\n", 1)[1]
    code = cell.split("\nPrediction before training")[0].rstrip() + "\n"
    example = (ROOT / "examples" / "seed_autograd.py").read_text()
    assert example == code.replace("import torch\n", "import arraygrad as torch\n", 1)
    expected_output = (
        "Prediction before training" + cell.split("\nPrediction before training", 1)[1]
    )
    assert (DATA / "seed_autograd.out").read_text() == expected_output.rstrip("\n") + "\n"


def test_numpy_example_is_the_seed_cell() -> None:
    if not SEED_DIR.is_dir():
        pytest.skip("the seed notebook (../shared/seed) is not beside this checkout")
    notebook = next(SEED_DIR.glob("*.txt")).read_text()
    cell = notebook.split("In [")[1].split("\n", 1)[1]
    code = cell.split("\nPrediction before training")[0].rstrip() + "\n"
    assert (ROOT / "examples" / "seed_numpy.py").read_text() == code


def test_demo_prints_the_seed_run_then_explains_the_factor_of_four() -> None:
    output = _run("-m", "arraygrad", "demo")
    expected = (DATA / "seed_autograd.out").read_text()
    assert output.startswith(expected)
    explanation = output[len(expected) :]
    assert "N = 4 times the true gradient" in explanation
    assert "w.grad = -30" in explanation
    assert "(-120 = 4 x" in explanation
