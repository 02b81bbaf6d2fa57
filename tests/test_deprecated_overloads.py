"""PyTorch's deprecated positional overloads (``arraygrad._deprecated_overloads``) against torch
2.13.0: ``torch.add(x, alpha, other)``, ``x.sub_(alpha, other)``, ``torch.addcmul(x, value, t1,
t2)`` and the rest compute the keyword form's values and warn with PyTorch's UserWarning text."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

CALLS = {
    "add": lambda m, t, a, b: m.add(t, 2, a),
    "sub": lambda m, t, a, b: m.sub(t, 2.5, a),
    "add number other": lambda m, t, a, b: m.add(t, 2, 3),
    "add out": lambda m, t, a, b: m.add(t, 2, a, out=m.empty(2)),
    "Tensor.add": lambda m, t, a, b: t.add(2, a),
    "Tensor.sub": lambda m, t, a, b: t.sub(3, b),
    "Tensor.add_": lambda m, t, a, b: t.clone().add_(2, a),
    "Tensor.sub_": lambda m, t, a, b: t.clone().sub_(2, a),
    "addcmul": lambda m, t, a, b: m.addcmul(t, 2, a, b),
    "addcdiv": lambda m, t, a, b: m.addcdiv(t, 0.5, a, b),
    "addcmul out": lambda m, t, a, b: m.addcmul(t, 2, a, b, out=m.empty(2)),
    "Tensor.addcmul": lambda m, t, a, b: t.addcmul(2, a, b),
    "Tensor.addcdiv": lambda m, t, a, b: t.addcdiv(2, a, b),
    "Tensor.addcmul_": lambda m, t, a, b: t.clone().addcmul_(2, a, b),
    "Tensor.addcdiv_": lambda m, t, a, b: t.clone().addcdiv_(-1, a, b),
}


@pytest.fixture
def torch_warns_always() -> Iterator[None]:
    # PyTorch gives this warning once per process; this makes it give it at each call
    before = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    yield
    torch.set_warn_always(before)


def _run(call: Any, m: Any) -> tuple[Any, list[str]]:
    t, a, b = (m.tensor(v) for v in ([1.0, 2.0], [3.0, 4.0], [5.0, 8.0]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call(m, t, a, b)
    assert all(w.category is UserWarning and w.filename == __file__ for w in caught)
    return result, [str(w.message).split(" (Triggered internally")[0] for w in caught]


@pytest.mark.usefixtures("torch_warns_always")
@pytest.mark.parametrize("name", list(CALLS))
def test_deprecated_overload_computes_and_warns_like_torch(name: str) -> None:
    theirs, their_warnings = _run(CALLS[name], torch)
    mine, my_warnings = _run(CALLS[name], ag)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)
    assert len(their_warnings) == 1 and my_warnings == their_warnings


@pytest.mark.parametrize(
    "call",
    [
        lambda m, t, a, b: m.add(t, a, 2),  # alpha after the operand: not an overload
        lambda m, t, a, b: m.sub(t, 2, a, alpha=3),
        lambda m, t, a, b: t.add(a, 2),
        lambda m, t, a, b: t.sub_(a, 2),
        lambda m, t, a, b: m.addcmul(t, 2, a, b, value=3),
        lambda m, t, a, b: m.addcmul(t, a, a, b),
        lambda m, t, a, b: t.addcdiv_(2, a, b, b),
    ],
)
def test_calls_matching_no_overload_raise_type_error_like_torch(call: Any) -> None:
    t, a, b = (torch.tensor(v) for v in ([1.0, 2.0], [3.0, 4.0], [5.0, 8.0]))
    with pytest.raises(TypeError):
        call(torch, t, a, b)
    t, a, b = (ag.tensor(v) for v in ([1.0, 2.0], [3.0, 4.0], [5.0, 8.0]))
    with pytest.raises(TypeError):
        call(ag, t, a, b)


def test_deprecated_in_place_overload_keeps_the_gradient_like_torch() -> None:
    grads = []
    for m in (torch, ag):
        w = m.tensor([1.0, 2.0], requires_grad=True)
        o = m.tensor([3.0, 4.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            h = (w * 1).sub_(3, o).addcmul_(2, o, w)
        h.sum().backward()
        grads.append((h.tolist(), w.grad.tolist(), o.grad.tolist()))
    assert grads[0] == grads[1]


def _operands(m: Any) -> dict[str, Any]:
    # (input, first, second) of each matrix form, distinct values so a swap shows
    rng = np.random.default_rng(0)
    shapes = {
        "addmm": ((2, 2), (2, 3), (3, 2)),
        "addmv": ((2,), (2, 3), (3,)),
        "addr": ((2, 2), (2,), (2,)),
        "addbmm": ((2, 2), (4, 2, 3), (4, 3, 2)),
        "baddbmm": ((4, 2, 2), (4, 2, 3), (4, 3, 2)),
    }
    return {
        name: tuple(m.tensor(rng.standard_normal(s)) for s in sizes)
        for name, sizes in shapes.items()
    }


# PyTorch's deprecated beta-first forms of the matrix products: the function with alpha and
# without, the method likewise, the in-place method likewise, and a 0-d tensor as beta
BETA_FIRST = {
    f"{name} {form}": (name, form)
    for name in ("addmm", "addmv", "addr", "addbmm", "baddbmm")
    for form in ("f5", "f4", "f4 out", "m4", "m3", "i4", "i3", "f4 0-d")
}


def _beta_first_call(m: Any, name: str, form: str) -> Any:
    x, first, second = _operands(m)[name]
    if form == "f5":
        return getattr(m, name)(2, x, 0.5, first, second)
    if form == "f4":
        return getattr(m, name)(2, x, first, second)
    if form == "f4 out":
        return getattr(m, name)(-1, x, first, second, out=m.empty(0, dtype=x.dtype))
    if form == "f4 0-d":
        return getattr(m, name)(m.tensor(3.0, dtype=x.dtype), x, first, second)
    if form == "m4":
        return getattr(x, name)(2, 0.5, first, second)
    if form == "m3":
        return getattr(x, name)(2, first, second)
    return getattr(x.clone(), name + "_")(2, *((0.5,) if form == "i4" else ()), first, second)


@pytest.mark.usefixtures("torch_warns_always")
@pytest.mark.parametrize("case", list(BETA_FIRST))
def test_deprecated_beta_first_products_compute_and_warn_like_torch(case: str) -> None:
    name, form = BETA_FIRST[case]
    results = []
    for m in (torch, ag):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = _beta_first_call(m, name, form)
        assert all(w.category is UserWarning and w.filename == __file__ for w in caught)
        said = [str(w.message).split(" (Triggered internally")[0] for w in caught]
        results.append((result.numpy(), said))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    assert len(results[0][1]) == 1 and results[1][1] == results[0][1]


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x, a, b: m.addmm(2, x, a, b, alpha=3),  # the deprecated form takes no keywords
        lambda m, x, a, b: m.addmm(2, x, a, b, beta=3),
        lambda m, x, a, b: m.addmm(x, 2, a, b),  # beta after input: not an overload
        lambda m, x, a, b: m.addmm(x, a, b, 2),
        lambda m, x, a, b: m.addmm(2, x, 3, a),
        lambda m, x, a, b: x.addmm(a, b, 2),
        lambda m, x, a, b: x.addmm(2, 3, a),
        lambda m, x, a, b: x.addmm_(2, a, b, beta=3),
    ],
)
def test_products_matching_no_overload_raise_type_error_like_torch(call: Any) -> None:
    for m in (torch, ag):
        with pytest.raises(TypeError):
            call(m, *_operands(m)["addmm"])
