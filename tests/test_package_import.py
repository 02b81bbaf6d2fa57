"""``import arraygrad`` stays light: standard-library modules that only one feature needs
(rendering graphs, checkpoints, gradient checks, series coefficients) are imported by that
feature, not by the package (issue 6 holds ``import arraygrad`` within 0.1 s of NumPy's)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Each is 1-6 ms of import time, and NumPy imports none of them.
FEATURE_ONLY = ("decimal", "fractions", "hashlib", "json", "random", "shutil", "subprocess")
FEATURE_ONLY += ("tempfile", "urllib", "multiprocessing")


def _modules_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


def test_import_arraygrad_leaves_feature_only_modules_unloaded() -> None:
    if any(name in _modules_after("import numpy") for name in FEATURE_ONLY):
        pytest.skip("this NumPy imports one of them itself")
    loaded = sorted(set(FEATURE_ONLY) & _modules_after("import arraygrad"))
    assert loaded == [], f"import arraygrad loaded {loaded}; import them where they are used"


def test_the_features_still_import_what_they_need(tmp_path: object) -> None:
    # A fresh interpreter, so that nothing another test imported hides a missing import.
    code = f"""
import arraygrad
from arraygrad import viz
w = arraygrad.tensor(2.0, requires_grad=True)
path = {str(tmp_path)!r} + "/w.safetensors"
arraygrad.save({{"w": w}}, path)
assert arraygrad.load(path)["w"].item() == 2.0
viz.repr_svg(w * 3)
assert arraygrad.autograd.check_gradient(lambda x: x * x, lambda x: 2 * x, 1.5).ok
"""
    _modules_after(code)


def test_rarely_used_subpackages_are_imported_on_first_use() -> None:
    code = """
import sys
import arraygrad
lazy = arraygrad._ON_FIRST_USE
assert not [n for n in lazy if f"arraygrad.{n}" in sys.modules], "imported eagerly"
assert set(lazy) <= set(dir(arraygrad)) and set(lazy) <= set(arraygrad.__all__)
assert arraygrad.optim.SGD.__name__ == "SGD" and "arraygrad.optim" in sys.modules
from arraygrad import distributions
assert distributions.Normal(0.0, 1.0).mean.item() == 0.0
try:
    arraygrad.optimm
except AttributeError as error:
    assert "'arraygrad' has no attribute 'optimm'" in str(error)
else:
    raise AssertionError("no AttributeError")
"""
    _modules_after(code)
