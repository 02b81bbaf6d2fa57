"""Tensor's other names and in-place forms (``_tensor_aliases.py``) against torch 2.13.0: values
and dtypes on integer and bool tensors, PyTorch's in-place rules (leaves, version counters,
dtype casts), in-place shape changes on shared memory, and misuse."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag


def _same(mine: Any, theirs: Any) -> None:
    assert str(mine.dtype).removeprefix("arraygrad.") == str(theirs.dtype).removeprefix("torch.")
    assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def _both(values: Any, **kwargs: Any) -> tuple[Any, Any]:
    dtype = kwargs.pop("dtype", None)
    return (
        ag.tensor(values, dtype=getattr(ag, dtype) if dtype else None),
        torch.tensor(values, dtype=getattr(torch, dtype) if dtype else None),
    )


NAN = float("nan")
VALUES = {
    "float": [0.5, -1.0, 2.0, NAN, 0.0],
    "int": [1, -3, 2, 0, 7],
    "bool": [True, False, True, False, True],
}
COMPARISONS = ["eq_", "ne_", "lt_", "le_", "gt_", "ge_"]
COMPARISONS += ["greater_", "greater_equal_", "less_", "less_equal_", "not_equal_"]


@pytest.mark.parametrize("kind", sorted(VALUES))
@pytest.mark.parametrize("method", COMPARISONS)
@pytest.mark.parametrize("other", [1, 0.5, "tensor"])
def test_in_place_comparisons_match_torch(kind: str, method: str, other: Any) -> None:
    a, ta = _both(VALUES[kind])
    if other == "tensor":
        b, tb = _both([0.5, -1.0, 3.0, 1.0, NAN])
    else:
        b = tb = other
    try:
        getattr(ta, method)(tb)
    except RuntimeError as theirs:  # a float operand written into a bool tensor
        with pytest.raises(type(theirs), match="can't be cast"):
            getattr(a, method)(b)
        return
    assert getattr(a, method)(b) is a
    _same(a, ta)
    assert a._version == ta._version == 1


@pytest.mark.parametrize("kind", sorted(VALUES))
@pytest.mark.parametrize("method", ["logical_and_", "logical_or_", "logical_xor_"])
def test_in_place_logical_ops_match_torch(kind: str, method: str) -> None:
    a, ta = _both(VALUES[kind])
    for other in ([True, True, False, False, True], [0.0, 2.0, NAN, 0.0, -1.0]):
        b, tb = _both(other)
        getattr(a, method)(b), getattr(ta, method)(tb)
        _same(a, ta)


@pytest.mark.parametrize("kind", sorted(VALUES))
def test_in_place_logical_not_matches_torch(kind: str) -> None:
    a, ta = _both(VALUES[kind])
    a.logical_not_(), ta.logical_not_()
    _same(a, ta)


@pytest.mark.parametrize("method", ["logical_and_", "logical_or_", "logical_xor_", "logical_not_"])
def test_in_place_logical_ops_are_unrecorded_as_torch(method: str) -> None:
    # torch 2.13 records nothing for logical_*_: the tensor keeps its history (the gradient of
    # what it held passes through unchanged), and an other that requires grad gets none
    said = []
    for lib in (torch, ag):
        a = lib.tensor([0.5, 0.0, -2.0], requires_grad=True)
        other = lib.tensor([1.0, 1.0, 0.0], requires_grad=True)
        x = a * 2
        node = x.grad_fn
        getattr(x, method)(*(() if method == "logical_not_" else (other,)))
        (x * 3).sum().backward()
        said.append((x.tolist(), x.grad_fn is node, a.grad.tolist(), other.grad, x._version))
    assert said[1] == said[0]


@pytest.mark.parametrize("method", ["logical_and_", "logical_not_"])
def test_in_place_logical_op_writes_a_leaf_that_requires_grad_as_torch(method: str) -> None:
    # (unrecorded, so torch takes such a leaf, where eq_ and the others raise)
    said = []
    for lib in (torch, ag):
        w = lib.tensor([0.5, 0.0], requires_grad=True)
        getattr(w, method)(*(() if method == "logical_not_" else (w.detach(),)))
        said.append((w.tolist(), w.requires_grad, w.grad_fn, w._version))
    assert said[1] == said[0]


def test_in_place_comparison_keeps_the_graph_like_torch() -> None:
    grads = []
    for lib in (ag, torch):
        x = lib.tensor([0.5, 2.0], requires_grad=True)
        y = lib.tensor([1.0, 1.0], requires_grad=True)
        h = x * 2
        h.lt_(y)
        assert h.requires_grad and h.grad_fn is not None
        (h * x).sum().backward()
        grads.append((h.tolist(), x.grad.tolist(), y.grad.tolist()))
    assert grads[0] == grads[1]


IN_PLACE = [
    lambda t: t.multiply_(2),
    lambda t: t.divide_(2),
    lambda t: t.divide_(2, rounding_mode="trunc"),
    lambda t: t.true_divide_(2),
    lambda t: t.subtract_(1, alpha=2),
    lambda t: t.negative_(),
    lambda t: t.eq_(1),
    lambda t: t.acos_(),
    lambda t: t.arcsinh_(),
    lambda t: t.arctan2_(t.detach() + 1),
    lambda t: t.tan_(),
    lambda t: t.lgamma_(),
    lambda t: t.polygamma_(1),
    lambda t: t.logit_(),
    lambda t: t.sgn_(),
    lambda t: t.fix_(),
    lambda t: t.cumsum_(0),
    lambda t: t.cumprod_(-1),
    lambda t: t.squeeze_(),
    lambda t: t.unsqueeze_(0),
    lambda t: t.t_(),
    lambda t: t.transpose_(0, 0),
    lambda t: t.swapaxes_(0, -1),
    lambda t: t.swapdims_(-1, 0),
]


@pytest.mark.parametrize("op", IN_PLACE)
def test_in_place_on_a_leaf_that_requires_grad_raises_like_torch(op: Any) -> None:
    tw = torch.tensor([0.25, 0.5], requires_grad=True)
    with pytest.raises(RuntimeError) as theirs:
        op(tw)
    w = ag.tensor([0.25, 0.5], requires_grad=True)
    with pytest.raises(type(theirs.value), match="a leaf Variable that requires grad"):
        op(w)
    assert w.tolist() == [0.25, 0.5] and w.is_leaf
    with ag.no_grad(), torch.no_grad():  # allowed without recording, as in torch
        op(w), op(tw)
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-6)
    assert w._version == tw._version == 1


@pytest.mark.parametrize(
    "op",
    [
        lambda t: t.true_divide_(2),
        lambda t: t.divide_(2),
        lambda t: t.acos_(),
        lambda t: t.lgamma_(),
        lambda t: t.logit_(),
    ],
)
def test_in_place_float_result_into_an_integer_tensor_raises_like_torch(op: Any) -> None:
    with pytest.raises(RuntimeError) as theirs:
        op(torch.tensor([1, 2]))
    with pytest.raises(type(theirs.value), match=r"can't be cast.*Fix:"):
        op(ag.tensor([1, 2]))


@pytest.mark.parametrize("method", ["cumsum_", "cumprod_"])
def test_in_place_scan_with_another_dtype_raises_like_torch(method: str) -> None:
    with pytest.raises(RuntimeError) as theirs:
        getattr(torch.ones(2, 3), method)(0, dtype=torch.int64)
    with pytest.raises(type(theirs.value), match=r"dtype.*should match.*Fix:"):
        getattr(ag.ones(2, 3), method)(0, dtype=ag.int64)
    a, ta = _both([[1, 2, 3], [4, 5, 6]])
    getattr(a, method)(1, dtype=ag.int64), getattr(ta, method)(1, dtype=torch.int64)
    _same(a, ta)


@pytest.mark.parametrize(
    "op",
    [
        lambda t: t.squeeze_(),
        lambda t: t.squeeze_(1),
        lambda t: t.squeeze_((0, 1)),
        lambda t: t.squeeze_(0, 1),
        lambda t: t.squeeze_(1, -1),
        lambda t: t.squeeze_(0),
        lambda t: t.unsqueeze_(-1),
        lambda t: t.unsqueeze_(3),
        lambda t: t.transpose_(0, 2),
        lambda t: t.swapaxes_(-1, 1),
        lambda t: t.swapdims_(1, 0),
    ],
)
def test_in_place_shape_changes_match_torch_and_share_memory(op: Any) -> None:
    values = np.arange(6.0).reshape(2, 1, 3)
    a, ta = ag.tensor(values), torch.tensor(values)
    view, tview = a[0], ta[0]
    assert op(a) is a
    op(ta)
    _same(a, ta)
    assert a._version == ta._version == view._version == tview._version == 1
    a.add_(1), ta.add_(1)  # writes through the new strides reach the old view
    _same(view, tview)


@pytest.mark.parametrize("values", [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [1.0, 2.0], 3.0])
def test_t_in_place_matches_torch(values: Any) -> None:
    a, ta = _both(values)
    a.t_(), ta.t_()
    _same(a, ta)


@pytest.mark.parametrize(
    "op, match",
    [
        (lambda t: t.t_(), "<= 2 dimensions"),
        (lambda t: t.transpose_(0, 3), "out of range"),
        (lambda t: t.unsqueeze_(4), "out of range"),
        (lambda t: t.squeeze_(-4), "out of range"),
        (lambda t: t.squeeze_(1, -4), "out of range"),
        (lambda t: t.squeeze_(1, -2), "dim 1 appears multiple times in the list of dims"),
        (lambda t: t.squeeze_((1,), 0), r"invalid combination of arguments - got \(tuple, int\)"),
        (lambda t: t.squeeze_(1, dim=0), r"invalid combination of arguments - got \(int, dim=int"),
    ],
)
def test_in_place_shape_misuse_raises_like_torch(op: Any, match: str) -> None:
    with pytest.raises(Exception) as theirs:
        op(torch.ones(2, 1, 3))
    a = ag.ones(2, 1, 3)
    with pytest.raises(type(theirs.value), match=match):
        op(a)
    assert tuple(a.shape) == (2, 1, 3) and a._version == 0


def test_in_place_shape_change_of_a_view_of_a_tensor_that_requires_grad_works_like_torch() -> None:
    grads = []
    for lib in (ag, torch):
        w = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        h = w * 1
        v = h[0:1]
        v.t_()
        (v * lib.tensor([[1.0], [2.0], [3.0]])).sum().backward()
        grads.append((tuple(v.shape), tuple(h.shape), h._version, w.grad.tolist()))
    assert grads[0] == grads[1]


@pytest.mark.parametrize(
    "op",
    [
        lambda v: v.unsqueeze_(0),
        lambda v: v.t_(),
        lambda v: v.squeeze_(),
        lambda v: v.transpose_(0, -1),
    ],
)
def test_in_place_shape_change_of_a_view_of_a_leaf_raises_like_torch(op: Any) -> None:
    with pytest.raises(Exception) as theirs:
        op(torch.ones(2, 1, 3, requires_grad=True)[0])
    a = ag.ones(2, 1, 3, requires_grad=True)
    view = a[0]
    with pytest.raises(type(theirs.value), match="view of a leaf Variable"):
        op(view)
    assert tuple(view.shape) == (1, 3) and view._version == a._version == 0
    # allowed without grad recording, as in torch
    with ag.no_grad(), torch.no_grad():
        op(view)
        expected = op(torch.ones(2, 1, 3, requires_grad=True)[0])
    assert tuple(view.shape) == tuple(expected.shape)


def test_gradient_flows_through_in_place_shape_changes_like_torch() -> None:
    grads = []
    for lib in (ag, torch):
        x = lib.tensor(np.arange(6.0).reshape(2, 1, 3), requires_grad=True)
        h = x * 1
        h.squeeze_(1).t_()
        h.unsqueeze_(0).swapdims_(0, 2)
        (h * lib.arange(6.0).reshape(h.shape)).sum().backward()
        grads.append((tuple(h.shape), x.grad.tolist()))
    assert grads[0] == grads[1]


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, a: a.greater(1),
        lambda m, a: a.greater_equal(1),
        lambda m, a: a.less(1),
        lambda m, a: a.less_equal(1),
        lambda m, a: a.not_equal(1),
        lambda m, a: a.multiply(3),
        lambda m, a: a.divide(2),
        lambda m, a: a.divide(2, rounding_mode="floor"),
        lambda m, a: a.subtract(1, alpha=3),
        lambda m, a: a.negative(),
        lambda m, a: a.where(a > 1, -a),
        lambda m, a: a.where(a > 1, 0),
    ],
)
@pytest.mark.parametrize("values", [[1, -3, 2, 0, 7], [], 5])
def test_other_names_on_integer_tensors_match_torch(fn: Any, values: Any) -> None:
    a, ta = _both(values)
    _same(fn(ag, a), fn(torch, ta))


def test_in_place_other_names_on_integer_tensors_match_torch() -> None:
    for op in (
        lambda t: t.multiply_(3),
        lambda t: t.subtract_(2, alpha=2),
        lambda t: t.negative_(),
        lambda t: t.divide_(2, rounding_mode="floor"),
    ):
        a, ta = _both([1, -3, 2, 0, 7])
        op(a), op(ta)
        _same(a, ta)
    a, ta = _both([1.0, -2.0])
    _same(ag.negative_(a), torch.negative_(ta))
    assert a._version == ta._version == 1


@pytest.mark.parametrize("dims", [(0, 2), ((0, 2),), ([0, 2],), (2, 0, 1)])
@pytest.mark.parametrize("method", ["squeeze", "squeeze_"])
def test_squeeze_of_several_dims_matches_torch_in_values_views_and_gradients(
    method: str, dims: tuple[Any, ...]
) -> None:
    seen = []
    for lib in (ag, torch):
        w = lib.tensor(np.arange(6.0).reshape(1, 2, 1, 3), requires_grad=True)
        h = w * 2
        view = h[:]
        out = getattr(view, method)(*dims)
        weights = lib.arange(out.numel(), dtype=lib.float64).reshape(out.shape)
        (out * weights).sum().backward()
        seen.append(
            (
                tuple(out.shape),
                tuple(view.shape),
                out.stride(),
                out._base is h,
                h._version,
                out.grad_fn.name(),
                out.tolist(),
                w.grad.tolist(),
            )
        )
    assert seen[0] == seen[1]
