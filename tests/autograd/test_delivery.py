"""How backward hands a leaf its first ``.grad``: laid out by PyTorch's "gradient layout
contract" (the leaf's strides where it is dense, C order otherwise), kept without a copy where
the engine's array already obeys it, and with a graph (``create_graph=True``) through
``CopyBackwards`` or ``CloneBackward0`` as PyTorch's ``clone_obey_contract``; compared with
torch 2.13."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

# Each makes a leaf (float64, values from arange so both libraries hold the same) and runs a
# backward to it; the case's name says the leaf's layout and the way its gradient comes.
Case = Callable[[Any], Any]


def _values(lib: Any, *shape: int) -> Any:
    return lib.arange(float(np.prod(shape)), dtype=lib.float64).reshape(shape)


def _transposed_through_matmul(lib: Any) -> Any:
    w = _values(lib, 4, 3).t().detach().requires_grad_()
    (_values(lib, 5, 3) @ w).sum().backward()
    return w


def _transposed_through_mul(lib: Any) -> Any:
    w = _values(lib, 4, 3).t().detach().requires_grad_()
    (w * 2).sum().backward()
    return w


def _transposed_through_sum(lib: Any) -> Any:
    # sum's rule broadcasts the output gradient: not fresh, so copied into the leaf's layout
    w = _values(lib, 4, 3).t().detach().requires_grad_()
    w.sum().backward()
    return w


def _transposed_twice(lib: Any) -> Any:
    # the second backward adds into the first .grad in place: its layout stays
    w = _values(lib, 4, 3).t().detach().requires_grad_()
    (w * 2).sum().backward()
    (w * 3).sum().backward()
    return w


def _channels_last_conv_weight(lib: Any) -> Any:
    w = _values(lib, 4, 3, 3, 3).to(memory_format=lib.channels_last).requires_grad_()
    lib.nn.functional.conv2d(_values(lib, 2, 3, 6, 6), w).sum().backward()
    return w


def _channels_last_with_a_one_channel(lib: Any) -> Any:
    # the gradient of mul obeys already (an axis of one element's stride is not looked at)
    w = _values(lib, 2, 1, 3, 3).to(memory_format=lib.channels_last).requires_grad_()
    (w * 2).sum().backward()
    return w


def _permuted_3d(lib: Any) -> Any:
    w = _values(lib, 2, 3, 4).permute(2, 0, 1).detach().requires_grad_()
    (w.exp() * _values(lib, 4, 2, 3)).sum().backward()
    return w


def _through_a_hook(lib: Any) -> Any:
    # a hook's result is the user's tensor: copied, into the leaf's layout
    w = _values(lib, 4, 3).t().detach().requires_grad_()
    w.register_hook(lambda g: g * 1)
    (w * 2).sum().backward()
    return w


def _sliced(lib: Any) -> Any:
    # a leaf with gaps is not dense: its gradient is C-ordered
    w = _values(lib, 4, 6)[:, ::2].detach().requires_grad_()
    (w * 2).sum().backward()
    return w


def _expanded(lib: Any) -> Any:
    w = _values(lib, 3, 1).expand(3, 4).detach().requires_grad_()
    (w * 2).sum().backward()
    return w


CASES = [
    _transposed_through_matmul,
    _transposed_through_mul,
    _transposed_through_sum,
    _transposed_twice,
    _channels_last_conv_weight,
    _channels_last_with_a_one_channel,
    _permuted_3d,
    _through_a_hook,
    _sliced,
    _expanded,
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__.strip("_"))
def test_a_first_grad_is_laid_out_as_torch_lays_it_out(case: Case) -> None:
    ours, theirs = case(ag), case(torch)
    assert ours.grad.stride() == theirs.grad.stride()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_an_obeying_fresh_gradient_is_kept_and_an_other_layout_copied() -> None:
    # The engine's own array for a C-ordered leaf becomes .grad as it is (no copy); a
    # transposed leaf's gradient, computed in C order, is copied into its layout.
    w = ag.ones(3, 4, dtype=ag.float64, requires_grad=True)
    (w * 2).sum().backward()
    assert w.grad.is_contiguous()
    t = ag.ones(4, 3, dtype=ag.float64).t().detach().requires_grad_()
    (t * 2).sum().backward()
    assert t.grad.stride() == t.stride() == (1, 3)
    assert not t.grad.is_contiguous()


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")
@pytest.mark.parametrize(
    "make",
    [
        lambda lib: _values(lib, 3),
        lambda lib: _values(lib, 4, 3).t(),
        lambda lib: _values(lib, 3, 1).expand(3, 4),
        lambda lib: _values(lib, 4, 6)[:, ::2],
    ],
    ids=["contiguous", "transposed", "expanded", "sliced"],
)
def test_a_first_grad_with_a_graph_is_copied_as_torch_copies_it(make: Case) -> None:
    results = []
    for lib in (ag, torch):
        w = make(lib).detach().requires_grad_()
        (w**3).sum().backward(create_graph=True)
        first = w.grad
        name = first.grad_fn.name().removeprefix("torch::autograd::")
        results.append((name, first.stride(), first.tolist()))
        first.sum().backward()  # second order, through the copy
        results.append((w.grad.stride(), w.grad.tolist()))
    assert results[:2] == results[2:]


def test_a_grad_dtype_leaf_gets_its_layout_in_the_gradient_dtype() -> None:
    # The leaf's strides are taken in elements: a float32 gradient of a float64 leaf has the
    # leaf's element strides, not its byte strides.
    results = []
    for lib in (ag, torch):
        w = _values(lib, 4, 3).t().detach().requires_grad_()
        w.grad_dtype = lib.float32
        (w * 2).sum().backward()
        results.append((w.grad.dtype == lib.float32, w.grad.stride(), w.grad.tolist()))
    assert results[0] == results[1]


@pytest.mark.filterwarnings("error")  # (a fallback to eager warns)
def test_a_compiled_step_replays_the_layout_copy() -> None:
    # The copy into the leaf's layout is a step of a compiled program, so replays give each
    # call's .grad the leaf's strides and new values.
    w = ag.ones(4, 3, dtype=ag.float64).t().detach().requires_grad_()

    @ag.compile
    def step(x: ag.Tensor) -> ag.Tensor:
        w.grad = None
        loss = (w * x).sum()
        loss.backward()
        return loss

    for scale in (1.0, 2.0, 3.0):
        x = ag.full((3, 4), scale, dtype=ag.float64)
        step(x)
        assert w.grad.stride() == (1, 3)
        np.testing.assert_array_equal(w.grad.numpy(), np.full((3, 4), scale))


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")
@pytest.mark.parametrize("create_graph", [False, True], ids=["plain", "create_graph"])
@pytest.mark.parametrize("requested", [False, True], ids=["retain_grad", "inputs"])
def test_a_retained_grad_is_c_ordered_whatever_the_tensors_layout(
    create_graph: bool, requested: bool
) -> None:
    # The layout contract is a leaf's: PyTorch's retains_grad hook (which backward(inputs=)
    # uses for a computed tensor too) clones in C order, CloneBackward0 with a graph. A
    # transposed computed tensor's .grad once took its strides.
    results = []
    for lib in (ag, torch):
        x = _values(lib, 3, 4).requires_grad_()
        y = (x * 2).t()
        if not requested:
            y.retain_grad()
        (y * y).sum().backward(create_graph=create_graph, inputs=[y] if requested else None)
        node = y.grad.grad_fn
        name = None if node is None else node.name()
        results.append((y.grad.stride(), y.grad.is_contiguous(), name, y.grad.tolist()))
    assert results[0] == results[1]


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_a_first_grad_with_a_graph_copies_the_parts_summed_as_torch() -> None:
    # PyTorch's AccumulateGrad sums a leaf's parts first, then copies the total into the new
    # .grad (clone_obey_contract): CopyBackwards, not the first part's copy plus the rest
    seen = []
    for m in (torch, ag):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * x + x * 3).sum().backward(create_graph=True)
        # (torch's name() is "torch::autograd::CopyBackwards")
        seen.append((x.grad.grad_fn.name().removeprefix("torch::autograd::"), x.grad.tolist()))
    assert seen[1] == seen[0]
