"""``Tensor.grad_dtype`` against torch 2.13.0: a leaf's gradients are cast to it on their way
into hooks, ``.grad`` and ``autograd.grad``'s results (``autograd/_delivery.py``), and its
checks (leaves only, dtypes or None, a ``.grad`` already there)."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import outcome_in_each


def _dtype_name(t: Any) -> str:
    return str(t.dtype).split(".")[-1]


def _casts(m: Any) -> list[Any]:
    """What a leaf with grad_dtype float32 (of float64 values) gets, in every way it gets it."""
    seen: list[Any] = []
    x = m.tensor([1.0, 2.0, 3.0], dtype=m.float64, requires_grad=True)
    x.grad_dtype = m.float32
    seen.append(str(x.grad_dtype).split(".")[-1])
    (g,) = m.autograd.grad((x * x).sum(), x)
    seen += [_dtype_name(g), g.tolist()]
    handle = x.register_hook(lambda grad: seen.append(("hook", _dtype_name(grad))))
    (x * 2 + x * x).sum().backward()  # two parts, each cast, summed in float32
    handle.remove()
    seen += [_dtype_name(x.grad), x.grad.tolist()]
    (x * 3).sum().backward()  # accumulated into the float32 .grad
    seen += [_dtype_name(x.grad), x.grad.tolist()]
    x.grad = None
    x.grad_dtype = m.float16
    (x * 0.1).sum().backward(inputs=[x])
    seen += [_dtype_name(x.grad), x.grad.tolist()]
    return seen


def test_gradients_are_cast_to_grad_dtype_as_torch() -> None:
    assert _casts(ag) == _casts(torch)


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_dtype_none_takes_any_dtype_and_complex_casts(create_graph: bool) -> None:
    def run(m: Any) -> list[Any]:
        y = m.ones(2, dtype=m.float32, requires_grad=True)
        y.grad_dtype = None
        (y * 2).sum().backward(create_graph=create_graph)
        z = m.ones(2, requires_grad=True)
        z.grad_dtype = m.complex64
        (z * 2).sum().backward(create_graph=create_graph)
        return [y.grad_dtype, _dtype_name(y.grad), _dtype_name(z.grad), z.grad.tolist()]

    mine, theirs = run(ag), run(torch)
    assert mine[1:] == theirs[1:] and mine[0] is None and theirs[0] is None


def test_grad_dtype_defaults_to_the_dtype_and_is_not_inherited() -> None:
    for m in (ag, torch):
        w = m.ones(2, 2, requires_grad=True)
        assert w.grad_dtype == m.float32
        assert m.ones(2, dtype=m.int64).grad_dtype == m.int64
        w.grad_dtype = m.float64
        assert w.detach().grad_dtype == m.float32
        (w.t() * 2).sum().backward()
        assert w.grad.dtype == m.float64


@pytest.mark.parametrize(
    "call",
    [
        lambda m: (m.ones(2, requires_grad=True) * 2).grad_dtype,  # not a leaf
        lambda m: setattr(m.ones(2, requires_grad=True)[0], "grad_dtype", m.float64),
        lambda m: setattr(m.ones(2), "grad_dtype", 3),  # not a dtype
        lambda m: setattr(m.ones(2), "grad_dtype", "float64"),
    ],
)
def test_grad_dtype_misuse_raises_as_torch(call: Any) -> None:
    theirs, mine = outcome_in_each(call, (RuntimeError, TypeError))
    assert isinstance(theirs, str)
    assert mine == theirs


def test_changing_grad_dtype_with_a_gradient_of_another_dtype_raises_as_torch() -> None:
    for m in (ag, torch):
        x = m.ones(2, dtype=m.float64, requires_grad=True)
        x.grad_dtype = m.float16
        (x * 2).sum().backward()
        with pytest.raises(RuntimeError, match=r"Cannot set grad_dtype to 'Float'.*Half"):
            x.grad_dtype = m.float32
        x.grad_dtype = m.float16  # the gradient's own dtype, or None, is fine
        x.grad_dtype = None
        x.grad = None
        x.grad_dtype = m.float32


def test_a_leaf_without_grad_dtype_keeps_the_engine_fast_path() -> None:
    """Only a leaf that sets grad_dtype gets the hook table the engine's rare path tests."""
    w = ag.ones(2, requires_grad=True)
    (w * 2).sum().backward()
    assert w._hooks is None
    w.grad_dtype = ag.float32
    assert w._hooks is not None
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0])


def test_a_deep_copy_has_the_default_grad_dtype_as_torch() -> None:
    for m in (ag, torch):
        x = m.ones(2, requires_grad=True)
        x.grad_dtype = m.float64
        assert copy.deepcopy(x).grad_dtype == m.float32
