"""Every public function and class states what it computes and shows a tiny example.

The brief asks for docstrings "that state the math and show a tiny example"; pytest runs every
example (``--doctest-modules``), so an example that prints something else fails there. This test
makes sure each public name has one: a new function without an example fails here.

A docstring may point to the one it shares instead: the in-place forms ("In place: ...") and
the aliases ("Alias of ..."). The deprecated per-device autocast state functions
(``set_autocast_cpu_dtype``, ...) have generated docstrings and one shared example in their
module's docstring.
"""

from __future__ import annotations

import inspect
from types import ModuleType
from typing import Any

import pytest

import arraygrad
import arraygrad.amp._legacy_state
import arraygrad.fft
import arraygrad.linalg
import arraygrad.nn.functional
import arraygrad.nn.init
import arraygrad.optim.lr_scheduler
import arraygrad.special

NAMESPACES: list[ModuleType] = [
    arraygrad,
    arraygrad.nn,
    arraygrad.nn.functional,
    arraygrad.nn.init,
    arraygrad.nn.utils,
    arraygrad.linalg,
    arraygrad.special,
    arraygrad.fft,
    arraygrad.optim,
    arraygrad.optim.lr_scheduler,
    arraygrad.distributions,
    arraygrad.autograd,
    arraygrad.utils.data,
]

# Docstrings that point to the function they share.
POINTERS = ("In place", "Alias")

# Generated docstrings, deprecated forms: the module's docstring shows them in use.
SHARED_EXAMPLE = arraygrad.amp._legacy_state


def _public_objects() -> dict[str, Any]:
    """Each public function and class of arraygrad's own, once, by its first public name."""
    found: dict[int, tuple[str, Any]] = {}
    for namespace in NAMESPACES:
        for name in sorted(dir(namespace)):
            value = getattr(namespace, name)
            if name.startswith("_") or not (inspect.isfunction(value) or inspect.isclass(value)):
                continue
            if not (getattr(value, "__module__", None) or "").startswith("arraygrad"):
                continue  # (a name PyTorch's namespace shares with Python's, e.g. a typing alias)
            found.setdefault(id(value), (f"{namespace.__name__}.{name}", value))
    return dict(found.values())


OBJECTS = _public_objects()


def test_the_namespaces_are_found() -> None:
    # a guard for the test itself: the walk finds the well-known names
    for name in ("arraygrad.sin", "arraygrad.nn.Linear", "arraygrad.linalg.svd"):
        assert name in OBJECTS
    assert len(OBJECTS) > 1000


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_public_names_show_an_example(name: str) -> None:
    value = OBJECTS[name]
    doc = inspect.cleandoc(value.__doc__ or "")
    assert doc, f"{name} has no docstring: say what it computes and show a tiny example"
    if doc.startswith(POINTERS) or value.__module__ == SHARED_EXAMPLE.__name__:
        return
    assert ">>> " in doc, (
        f"{name}'s docstring shows no example. Add a doctest (>>> lines) that pytest runs, "
        "as the other functions' docstrings do."
    )


def test_the_shared_example_is_there() -> None:
    assert ">>> " in (SHARED_EXAMPLE.__doc__ or "")
