"""Broadcasting, swaps, diagonals, select, flips, rotations and atleast_Nd (``_views``) against
torch 2.13.0 and finite differences."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib, shapes
from tests.oracle import (
    OpSpec,
    check_against_torch,
    gradcheck,
    run_gradcheck_case,
    run_torch_case,
)


def _pair(min_dims: int = 0, max_dims: int = 3) -> st.SearchStrategy:
    return st.tuples(shapes(min_dims, max_dims), shapes(min_dims, max_dims))


def _windows(x: Any) -> Any:
    # Overlapping windows of two over all of x's elements (empty for fewer than two).
    count = max(x.numel() - 1, 0)
    return x.as_strided((count, min(x.numel(), 2)), (1, 1))


OP_TABLE = {
    "as_strided_windows": OpSpec(_windows),
    "as_strided_offset": OpSpec(lambda x: lib(x).as_strided(x, (x.numel() // 2,), (1,), 1) * 2),
    "broadcast_to": OpSpec(lambda x: lib(x).broadcast_to(x, (2, *x.shape))),
    "broadcast_to_method": OpSpec(lambda x: x.broadcast_to((3, *([-1] * x.ndim))) * x),
    "broadcast_tensors": OpSpec(lambda x, y: lib(x).broadcast_tensors(x, y), arity=2),
    "broadcast_tensors_three": OpSpec(
        lambda x, y, z: lib(x).broadcast_tensors(x, y * 2, z.exp()), arity=3
    ),
    "swapaxes": OpSpec(lambda x: x.swapaxes(0, -1), min_dims=2),
    "swapdims": OpSpec(lambda x: lib(x).swapdims(x, -1, 0) * x.swapdims(0, -1)),
    "moveaxis": OpSpec(lambda x: lib(x).moveaxis(x, 0, -1), min_dims=2),
    "moveaxis_method": OpSpec(lambda x: x.moveaxis((0, 1), (-1, 0)), min_dims=3),
    "ravel": OpSpec(lambda x: lib(x).ravel(x)),
    "ravel_transposed": OpSpec(lambda x: x.mT.ravel(), min_dims=2),
    "diagonal": OpSpec(lambda x: x.diagonal(), min_dims=2),
    "diagonal_offset": OpSpec(lambda x: lib(x).diagonal(x, 1, -1, 0), min_dims=2),
    "diagonal_negative": OpSpec(lambda x: x.diagonal(-1, 2, 1), min_dims=3),
    "diagonal_far": OpSpec(lambda x: lib(x).diagonal(x, offset=5), min_dims=2),
    "select": OpSpec(lambda x: x.select(0, -1), min_dims=1),
    "select_fn": OpSpec(lambda x: lib(x).select(x, -1, 0) * 2, min_dims=1),
    "narrow_copy": OpSpec(lambda x: x.narrow_copy(-1, 0, 1), min_dims=1),
    "narrow_copy_fn": OpSpec(lambda x: lib(x).narrow_copy(x, 0, 0, 1) * x, min_dims=1),
    "fliplr": OpSpec(lambda x: lib(x).fliplr(x), min_dims=2),
    "flipud": OpSpec(lambda x: x.flipud(), min_dims=1),
    "rot90": OpSpec(lambda x: x.rot90(), min_dims=2),
    "rot90_k2": OpSpec(lambda x: lib(x).rot90(x, 2, (0, -1)), min_dims=2),
    "rot90_back": OpSpec(lambda x: x.rot90(-1, (1, 0)), min_dims=2),
    "rot90_k3_last": OpSpec(lambda x: lib(x).rot90(x, 3, [-1, -2]), min_dims=3),
    "rot90_full_turn": OpSpec(lambda x: x.rot90(4) * x, min_dims=2),
    "atleast_1d": OpSpec(lambda x: lib(x).atleast_1d(x)),
    "atleast_2d": OpSpec(lambda x, y: lib(x).atleast_2d(x, y * 2), arity=2),
    "atleast_3d": OpSpec(lambda x: lib(x).atleast_3d([x.exp(), x])),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=12)
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=8)
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


@settings(max_examples=40)
@given(given_shapes=st.lists(shapes(0, 4, min_side=0), max_size=4))
def test_broadcast_shapes_matches_torch(given_shapes: list[tuple[int, ...]]) -> None:
    try:
        expected: Any = tuple(torch.broadcast_shapes(*given_shapes))
    except RuntimeError:
        with pytest.raises(RuntimeError):
            ag.broadcast_shapes(*given_shapes)
        return
    result = ag.broadcast_shapes(*given_shapes)
    assert isinstance(result, ag.Size)
    assert tuple(result) == expected


def test_broadcast_shapes_ints_and_empty() -> None:
    for args in [(), (3,), (2, (3, 1)), ((2, 1), 4), ((0,), (1,)), ((1, 0), (5, 1))]:
        assert tuple(ag.broadcast_shapes(*args)) == tuple(torch.broadcast_shapes(*args)), args


def test_broadcast_tensors_list_and_views() -> None:
    assert ag.broadcast_tensors() == () == torch.broadcast_tensors()
    x = ag.arange(3.0)
    a, b = ag.broadcast_tensors(x, ag.zeros(2, 1))
    assert tuple(a.shape) == tuple(b.shape) == (2, 3)
    assert isinstance(ag.broadcast_tensors(x, x), tuple)


def test_results_on_integers_and_edge_shapes() -> None:
    ints = np.arange(24).reshape(2, 3, 4)
    calls = [
        lambda m, t: m.broadcast_to(t, (5, 2, 3, 4)),
        lambda m, t: m.ravel(t[0]),
        lambda m, t: m.ravel(t[0, 0, 0]),
        lambda m, t: m.diagonal(t, 0, 0, 2),
        lambda m, t: m.diagonal(t, -2, 2, 1),
        lambda m, t: m.diagonal(t, 7),
        lambda m, t: t.select(1, 2),
        lambda m, t: m.fliplr(t),
        lambda m, t: m.flipud(t[0, 0]),
        lambda m, t: m.rot90(t, 1, (2, 0)),
        lambda m, t: m.rot90(t, -3, (1, 2)),
        lambda m, t: m.atleast_3d(t[0]),
        lambda m, t: m.atleast_2d(t[0, 0, 0]),
        lambda m, t: m.atleast_3d(t[0, 0]),
        lambda m, t: m.swapaxes(t[0, 0, 0], 0, -1),
        lambda m, t: m.diagonal(m.zeros(0, 3)),
        lambda m, t: m.rot90(m.zeros(2, 0)),
    ]
    for position, call in enumerate(calls):
        mine, theirs = call(ag, ag.tensor(ints)), call(torch, torch.tensor(ints))
        assert mine.dtype == getattr(ag, str(theirs.dtype).split(".")[-1]), position
        assert tuple(mine.shape) == tuple(theirs.shape), position
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy(), err_msg=str(position))


def test_broadcast_to_method_takes_sizes_as_torch() -> None:
    for module in (ag, torch):
        x = module.ones(3)
        assert tuple(x.broadcast_to(2, 3).shape) == tuple(x.broadcast_to((2, -1)).shape) == (2, 3)


def test_atleast_return_types_match_torch() -> None:
    for module in (ag, torch):
        x = module.ones(2, 3)
        assert module.atleast_2d(x) is x  # already 2-D: the same tensor back
        assert isinstance(module.atleast_1d(x, x), tuple)
        assert isinstance(module.atleast_1d([x]), tuple) and len(module.atleast_1d([x])) == 1
        assert module.atleast_3d() == ()


def test_views_and_copies_share_memory_as_torch() -> None:
    x = ag.zeros(2, 3)
    x.select(0, 1)[0] = 5.0
    x.swapaxes(0, 1)[2, 0] = 7.0
    assert x.tolist() == [[0.0, 0.0, 7.0], [5.0, 0.0, 0.0]]
    copied = x.narrow_copy(1, 0, 1)
    copied[0, 0] = -1.0
    assert x[0, 0].item() == 0.0  # narrow_copy copies


def test_narrow_copy_negative_start_gradient_is_narrows() -> None:
    # torch 2.13's NarrowCopyBackward ignores the wrap of a negative start (its gradient of
    # narrow_copy(x, 0, -1, 1) is all zeros); arraygrad gives the true gradient, torch.narrow's.
    data = np.arange(1.0, 4.0)
    x = torch.tensor(data, requires_grad=True)
    (torch.narrow(x, 0, -1, 1) * 3).sum().backward()
    mine = ag.tensor(data, requires_grad=True)
    (ag.narrow_copy(mine, 0, -1, 1) * 3).sum().backward()
    np.testing.assert_array_equal(mine.grad.numpy(), x.grad.numpy())
    check_against_torch(lambda t: lib(t).narrow_copy(t, 0, 1, 2) * t[:2], None, [data])


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda m: m.broadcast_to(m.ones(3), (2, 2)), RuntimeError),
        (lambda m: m.broadcast_to(m.ones(2, 3), (3,)), RuntimeError),
        (lambda m: m.broadcast_shapes((2,), (3,)), RuntimeError),
        (lambda m: m.broadcast_shapes((-1,), (3,)), ValueError),
        (lambda m: m.broadcast_tensors(m.ones(2), m.ones(3)), RuntimeError),
        (lambda m: m.swapaxes(m.ones(2, 3), 0, 2), IndexError),
        (lambda m: m.moveaxis(m.ones(2, 3), 0, 2), IndexError),
        (lambda m: m.diagonal(m.ones(2, 3), 0, 0, 0), RuntimeError),
        (lambda m: m.diagonal(m.ones(2, 3), 0, 1, -1), RuntimeError),
        (lambda m: m.diagonal(m.ones(3)), IndexError),
        (lambda m: m.ones(2, 3).select(1, 3), IndexError),
        (lambda m: m.ones(2, 3).select(1, -4), IndexError),
        (lambda m: m.ones(2, 3).select(2, 0), IndexError),
        (lambda m: m.tensor(1.0).select(0, 0), IndexError),
        (lambda m: m.ones(2, 3).narrow_copy(1, 2, 2), RuntimeError),
        (lambda m: m.ones(2, 3).narrow_copy(1, 4, 0), IndexError),
        (lambda m: m.fliplr(m.ones(3)), RuntimeError),
        (lambda m: m.flipud(m.tensor(1.0)), RuntimeError),
        (lambda m: m.rot90(m.ones(3)), RuntimeError),
        (lambda m: m.rot90(m.ones(3, 3), 1, [0]), RuntimeError),
        (lambda m: m.rot90(m.ones(3, 3), 1, [0, 0]), RuntimeError),
        (lambda m: m.rot90(m.ones(3, 3), 1, [0, -2]), RuntimeError),
        (lambda m: m.rot90(m.ones(3, 3), 1, [0, 5]), IndexError),
        (lambda m: m.rot90(m.ones(3, 3), 1, [5, 5]), IndexError),
        (lambda m: m.rot90(m.ones(3, 3), 1, (0, 2)), IndexError),
        (lambda m: m.atleast_1d(1.0), TypeError),
        (lambda m: m.broadcast_to(m.ones(2), 8), TypeError),
        (lambda m: m.broadcast_shapes(2.0), RuntimeError),
        (lambda m: m.broadcast_tensors([m.ones(2), m.ones(2)]), TypeError),
        (lambda m: m.broadcast_tensors(m.ones(2), 1.0), TypeError),
    ],
)
def test_errors_match_torch(call: Any, error: type) -> None:
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error) as info:
        call(ag)
    assert len(str(info.value)) > 20


DIAGONAL_WRITES = [
    # (make, offset, dim1, dim2): layouts whose two dimensions flatten without a copy
    (lambda L: L.zeros(3, 3), 0, 0, 1),
    (lambda L: L.zeros(3, 4), 1, 0, 1),
    (lambda L: L.zeros(3, 4), -1, 1, 0),
    (lambda L: L.zeros(4, 3).t(), 1, 0, 1),  # a transposed block: its transpose's diagonal
    (lambda L: L.zeros(4, 3).t(), -2, 1, 0),
    (lambda L: L.zeros(2, 3, 4), 1, 1, 2),
    (lambda L: L.zeros(2, 3, 4), -1, 2, 1),
    (lambda L: L.zeros(2, 3, 4).permute(1, 2, 0), 0, 0, 1),
]


@pytest.mark.parametrize(("make", "offset", "dim1", "dim2"), DIAGONAL_WRITES)
def test_diagonal_is_a_view_that_writes_reach_as_in_torch(
    make: Any, offset: int, dim1: int, dim2: int
) -> None:
    # x.diagonal().fill_(1) used to write into a copy and leave x as it was.
    results = []
    for L in (torch, ag):
        x = make(L)
        diagonal = x.diagonal(offset, dim1, dim2)
        diagonal.add_(L.arange(1.0, 1.0 + diagonal.shape[-1]))
        x.diagonal(offset, dim1, dim2)[..., :1].fill_(-1.0)
        results.append(x.tolist())
    assert results[1] == results[0]


def test_gradient_through_a_write_to_a_diagonal_matches_torch() -> None:
    values = np.arange(1.0, 10.0)
    grads = []
    for L in (torch, ag):
        a = L.tensor(values, requires_grad=True)
        m = (a * 1).reshape(3, 3)
        m.diagonal().mul_(a[:3])
        (m * m).sum().backward()
        grads.append(a.grad.tolist())
    assert grads[1] == grads[0]


# Each view function as users call it; grad_fn must read as in PyTorch, which names the backward
# by the function called (x.t() is TBackward0) where arraygrad records a shared primitive.
GRAD_FN_NAMES = [
    "x.view(6)", "x.reshape(3, 2)", "x.t()", "x[0].t()", "x.T", "x.mT", "x.transpose(0, 1)",
    "x.swapaxes(0, 1)", "x.permute(0, 1)", "x.movedim(0, 1)", "x.expand(2, 3)",
    "x.expand(1, 2, 3)", "x.expand_as(x)", "lib.broadcast_to(x, (2, 2, 3))", "x.unsqueeze(0)",
    "x.squeeze()", "x.squeeze(0)", "x.squeeze((0, 1))", "x.flatten()", "x.unflatten(1, (3, 1))",
    "x[0]", "x[:, 1]", "x[:1]", "x[:]", "x[...]", "x[:, :]", "x[0, 1:]", "x[1:, 0]",
    "x[None, 0]", "x[0, None]", "x[..., None]", "x[:, None, 1:]", "x[::2]", "x[:, 0:3]",
    "x.narrow(0, 0, 2)", "x.select(1, -1)", "x.diagonal()", "x.diagonal(1)",
    "x.unfold(1, 2, 1)", "x.split(1)[0]", "x.split([1, 1])[1]", "x.chunk(2, 1)[0]",
    "x.unbind()[1]", "x.tensor_split(2)[0]", "x.H", "x.adjoint()", "x[True]", "x[0, True]",
    "x.t_()", "x.transpose_(0, 1)", "x.swapaxes_(0, 1)", "x.unsqueeze_(0)", "x.squeeze_()",
    "x[None].squeeze_(0)", "x[None].squeeze_((0, 1))",
]  # fmt: skip


@pytest.mark.parametrize("expression", GRAD_FN_NAMES)
def test_grad_fn_names_views_as_torch_does(expression: str) -> None:
    def name(module: Any) -> str:
        x = module.ones(2, 3, requires_grad=True) * 1
        return eval(expression, {"x": x, "lib": module}).grad_fn.name()

    assert name(ag) == name(torch)


# (input made from a leaf of 12 elements, size, stride, storage_offset): as_strided reads the
# memory of the input, which for a view is more than its own elements.
AS_STRIDED_CASES = [
    (lambda a: a.view(3, 4), (2, 6), (6, 1), None),  # non-overlapping
    (lambda a: a, (5, 4), (2, 1), None),  # overlapping windows (stride < size)
    (lambda a: a, (3, 3, 2), (2, 1, 1), 1),  # overlapping in two dimensions, an offset
    (lambda a: a.view(3, 4).t(), (2, 3), (1, 4), None),  # a transposed input
    (lambda a: a.view(3, 4).t(), (2, 2), (3, 1), 2),
    (lambda a: a[3:9], (3, 2), (1, 2), None),  # a slice: its own offset is the default
    (lambda a: a[5], (3,), (0,), None),  # a 0-d input, repeated
    (lambda a: a, (0, 3), (1, 1), 7),  # empty
]
# Cases that read memory outside the input's own elements: those get no gradient (PyTorch's
# too), where finite differences in the leaf see them, so these are compared with torch only.
OUTSIDE_CASES = [
    (lambda a: a[3:9], (4,), (3,), 0),
    (lambda a: a.view(3, 4)[1:, ::2], (2, 2), (4, 1), None),
    (lambda a: a[:4].expand(3, 4), (2, 3), (1, 1), 1),  # an input that repeats elements
]


def _as_strided_case(module: Any, case: Any, values: np.ndarray) -> tuple[Any, Any]:
    make, size, stride, offset = case
    leaf = module.tensor(values, requires_grad=True)
    return leaf, make(leaf * 1).as_strided(size, stride, offset)


@pytest.mark.parametrize("case", AS_STRIDED_CASES + OUTSIDE_CASES)
def test_as_strided_values_layout_and_gradient_match_torch(case: Any) -> None:
    rng = np.random.default_rng(0)
    values = rng.standard_normal(12)
    cotangent = rng.standard_normal(case[1])
    found = []
    for module in (torch, ag):
        leaf, out = _as_strided_case(module, case, values)
        out.backward(module.tensor(cotangent))
        found.append(
            (out.tolist(), out.stride(), out.storage_offset(), out.grad_fn.name(), leaf.grad)
        )
    (values_t, stride_t, offset_t, name_t, grad_t), (values_a, *rest) = found
    np.testing.assert_array_equal(values_a, values_t)
    if 0 not in case[1]:  # (arraygrad reports C-order strides and offset 0 when empty)
        assert tuple(rest[:2]) == (stride_t, offset_t)
    assert rest[2] == name_t
    np.testing.assert_allclose(rest[3].numpy(), grad_t.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", AS_STRIDED_CASES)
def test_as_strided_gradcheck(case: Any) -> None:
    make, size, stride, offset = case
    gradcheck(lambda a: make(a * 1).as_strided(size, stride, offset), [np.arange(12.0)])


def test_as_strided_is_a_view_of_its_inputs_memory() -> None:
    found = []
    for module in (torch, ag):
        x = module.zeros(8)
        part = x[2:]
        windows = part.as_strided((3, 2), (2, 1))  # from part's offset (2)
        windows[1].fill_(1.0)  # writes reach x
        x[2] = 5.0  # and x's writes show through
        found.append((x.tolist(), windows.tolist(), windows._base is x, x._version))
        assert windows._version == x._version
    assert found[1] == found[0]


def test_a_recorded_write_through_as_strided_matches_torch() -> None:
    grads = []
    for module in (torch, ag):
        a = module.arange(1.0, 9.0, requires_grad=True)
        x = a * 1
        view = x.as_strided((2, 2), (3, 1), 1)
        before = x[1:3] * 1  # read before the write: keeps the old values' gradient
        view.mul_(a[:4].view(2, 2))
        (x * x).sum().backward(retain_graph=True)
        (before.sum() + view.sum()).backward()
        grads.append(a.grad.tolist())
    assert grads[1] == grads[0]


@pytest.mark.parametrize("method", [True, False])
@pytest.mark.parametrize(
    "args",
    [
        ((2, 2), (-1, 1)),
        ((-1, 2), (1, 1)),
        ((3,), (1,), 8),
        ((2, 5), (5, 2)),
        ((3,), (1,), -1),
        ((2,), (1, 2)),
        ((2, 2), (1,)),
        ((2,), (1,), 1.5),
        (2.0, (1,)),
        ((2,), "a"),
    ],
)
def test_as_strided_errors_match_torch(args: Any, method: bool) -> None:
    def call(module: Any) -> Any:
        x = module.arange(10.0)
        return x.as_strided(*args) if method else module.as_strided(x, *args)

    with pytest.raises((RuntimeError, TypeError)) as theirs:
        call(torch)
    with pytest.raises(theirs.type) as mine:
        call(ag)
    assert str(mine.value).startswith(str(theirs.value))


def test_a_recorded_write_through_as_strided_of_a_fortran_ordered_base() -> None:
    # The region a write through a view covers was found, for a base not in C order, from the
    # view's steps replayed on positions in C order: as_strided's strides are the memory's, so
    # for a base in Fortran order that picked other elements. It is now read from the memory.
    results = []
    for library in (ag, torch):
        base = library.from_numpy(np.asfortranarray(np.arange(6.0).reshape(2, 3)))
        w = library.tensor(2.0, requires_grad=True)
        view = base.as_strided((2,), (1,))
        view.mul_(w)  # elements 0 and 1 of the memory: base[0, 0] and base[1, 0]
        (base * library.arange(6.0).reshape(2, 3)).sum().backward()
        results.append((base.tolist(), w.grad.item()))
    assert results[0] == results[1] == ([[0.0, 1.0, 2.0], [6.0, 4.0, 5.0]], 9.0)


def test_as_strided_of_an_as_strided_view_of_a_fortran_ordered_base() -> None:
    # The first view of a base in Fortran order was made from raw addresses, so it reported
    # storage_offset 0 and was taken for the start of its own memory: a second as_strided
    # read from the wrong place and checked its bounds against too little memory.
    data = np.random.default_rng(0).standard_normal((4, 6))
    cotangent = np.random.default_rng(1).standard_normal((5, 3))
    results = []
    for library in (ag, torch):
        base = library.from_numpy(np.asfortranarray(data)).requires_grad_()
        view = base.as_strided((3, 4), (1, 4), 1)
        second = view.as_strided((5, 3), (2, 3), 0)
        (grad,) = library.autograd.grad(second, base, library.tensor(cotangent))
        last = view.as_strided((20,), (1,), 2)[-1].item()  # inside the 24 elements of memory
        results.append(
            (view.storage_offset(), second.tolist(), view.as_strided((5,), (1,)).tolist(), last)
        )
        results[-1] += (grad.numpy(),)
    mine, theirs = results
    assert mine[:4] == theirs[:4]
    np.testing.assert_allclose(mine[4], theirs[4])


def _dtype_of(L: Any, name: str) -> Any:
    return getattr(L, name)


# (make the tensor from a library, the dtype to view it as): the same size, smaller and larger
# elements, complex and reduced floats, and layouts PyTorch accepts (transposed, sliced rows).
VIEW_DTYPE_CASES = [
    (lambda L: L.arange(6, dtype=L.float32).reshape(2, 3), "int32"),
    (lambda L: L.arange(6, dtype=L.float32).reshape(2, 3).t(), "int32"),
    (lambda L: L.arange(6, dtype=L.float32).reshape(2, 3), "int16"),
    (lambda L: L.arange(8, dtype=L.float32).reshape(2, 4), "float64"),
    (lambda L: L.arange(8, dtype=L.float32).reshape(2, 4), "complex64"),
    (lambda L: L.arange(8, dtype=L.float32).reshape(4, 2)[::2], "uint8"),
    (lambda L: L.arange(16, dtype=L.uint8).reshape(4, 4)[1:], "int32"),
    (lambda L: L.arange(16, dtype=L.uint8).reshape(4, 4)[:, 2:], "int16"),
    (lambda L: L.tensor([1.5, -2.0], dtype=L.float16), "bfloat16"),
    (lambda L: L.tensor([1.5, -2.0], dtype=L.bfloat16), "int16"),
    (lambda L: L.tensor([1 + 2j, 3 - 4j]), "float32"),
    (lambda L: L.tensor([0.0, -1.0], dtype=L.float64), "bool"),
    (lambda L: L.tensor(2.5), "int32"),
    (lambda L: L.zeros(0, 4, dtype=L.uint8), "int32"),
]


@pytest.mark.parametrize(("make", "name"), VIEW_DTYPE_CASES)
def test_view_dtype_reads_the_bytes_as_torch(make: Any, name: str) -> None:
    # x.view(dtype) used to raise a TypeError (sizes must be integers).
    expected = make(torch).view(_dtype_of(torch, name))
    mine = make(ag).view(_dtype_of(ag, name))
    assert str(mine.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
    assert tuple(mine.shape) == tuple(expected.shape)
    assert tuple(mine.stride()) == tuple(expected.stride())
    want = expected.reshape(-1).contiguous().view(torch.uint8)
    got = mine.reshape(-1).contiguous().view(ag.uint8)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert make(ag).view(dtype=_dtype_of(ag, name)).dtype == mine.dtype


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda L: L.tensor(1.0), "int16"),  # 0-d, other size
        (lambda L: L.ones(2, 3), "float64"),  # last size not divisible
        (lambda L: L.ones(2, 3).t(), "int16"),  # last stride not 1
        (lambda L: L.ones(2, 3)[:, :2], "float64"),  # stride(0) not divisible
        (lambda L: L.zeros(2, 4, dtype=L.uint8)[:, 1:3], "int16"),  # storage offset
        (lambda L: L.zeros(4, 2, dtype=L.int16)[:, ::2], "uint8"),  # last stride, smaller
        (lambda L: L.zeros(4, 0, dtype=L.uint8), "int32"),  # empty: C strides (1, 1)
    ],
)
def test_view_dtype_errors_match_torch(make: Any, name: str) -> None:
    with pytest.raises(RuntimeError) as theirs:
        make(torch).view(_dtype_of(torch, name))
    with pytest.raises(RuntimeError) as info:
        make(ag).view(_dtype_of(ag, name))
    assert str(info.value).startswith(str(theirs.value)) and "Fix:" in str(info.value)


def test_view_dtype_arguments_are_checked_as_torch() -> None:
    for L in (torch, ag):
        with pytest.raises(TypeError):
            L.ones(2).view(2, dtype=L.int32)
        with pytest.raises(TypeError):
            L.ones(2).view(dtype=3)


def test_view_dtype_shares_memory_and_version_but_not_history_as_torch() -> None:
    results = []
    for L in (torch, ag):
        z = L.zeros(2, 4)
        bits = z.view(L.int32)
        bits[0, 0] = 1065353216  # the bits of 1.0
        z[1, 1] = 2.0
        halves = z.view(L.int16)
        halves[0, 3] = 16256  # the upper half of 1.0's bits, on a little-endian machine
        versions = (bits._version, z._version, halves._version)
        y = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        a = y * 2
        same = a.view(L.float32)  # the same dtype: still outside autograd
        same.mul_(3)  # not recorded: a keeps its history, its values change
        (a * y).sum().backward()
        results.append(
            (
                z.tolist(),
                bits[1, 1].item(),
                versions,
                same.requires_grad,
                same.grad_fn is None,
                y.view(L.int32).requires_grad,
                a.tolist(),
                y.grad.tolist(),
            )
        )
    assert results[1] == results[0]


def test_view_dtype_refuses_elementwise_writes_into_repeated_elements_as_torch() -> None:
    for L in (torch, ag):
        expanded = L.zeros(1, 4).expand(3, 4)
        for name in ("int32", "int16", "float64"):
            with pytest.raises(RuntimeError, match="more than one element"):
                expanded.view(_dtype_of(L, name)).add_(1)
        unique = L.zeros(1, 4).expand(1, 4).view(L.int16)  # an expansion without repeats
        unique.add_(1)
        assert unique.tolist() == [[1] * 8]


def test_view_dtype_compiles() -> None:
    def low_bits(x: Any) -> Any:
        y = x * 2
        return (y.view(ag.int32) & 255).to(ag.float32) + y

    compiled = ag.compile(low_bits)
    for seed in range(3):
        x = ag.tensor(np.random.default_rng(seed).standard_normal(5).astype(np.float32))
        assert ag.equal(compiled(x), low_bits(x))
