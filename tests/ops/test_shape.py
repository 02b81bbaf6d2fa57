"""Shape ops (views, joins, splits, tiling, flips) against torch 2.13.0 and finite differences."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, cat_shapes, lib, same_shapes, shapes
from tests.oracle import (
    OpSpec,
    assert_like_torch_on,
    check_against_torch,
    run_gradcheck_case,
    run_torch_case,
    shape_cases,
)


def _one(min_dims: int = 0, min_side: int = 1) -> st.SearchStrategy:
    return shapes(min_dims, min_side=min_side).map(lambda s: (s,))


OP_TABLE = {
    "flatten": OpSpec(lambda x: x.flatten() * 2),
    "flatten_inner": OpSpec(lambda x: x.flatten(1), min_dims=2),
    "unflatten": OpSpec(lambda x: x.unflatten(0, (1, -1)), min_dims=1),
    "view_infer": OpSpec(lambda x: x.view(-1, 1)),
    "movedim": OpSpec(lambda x: x.movedim(0, -1), min_dims=1),
    "movedim_many": OpSpec(lambda x: lib(x).movedim(x, (0, 1), (2, 0)), min_dims=3),
    "expand": OpSpec(lambda x: x.expand(2, *x.shape)),
    "expand_as": OpSpec(lambda x, y: x.expand_as(x + y), arity=2),
    "repeat": OpSpec(lambda x: x.repeat(2, *([3] * x.ndim))),
    "repeat_same_rank": OpSpec(lambda x: x.repeat(*range(1, x.ndim + 1)), min_dims=1),
    "tile": OpSpec(lambda x: x.tile((2,))),
    "tile_fn": OpSpec(lambda x: lib(x).tile(x, (2, 1, 2))),
    "flip": OpSpec(lambda x: x.flip(0), min_dims=1),
    "flip_all": OpSpec(lambda x: lib(x).flip(x, list(range(x.ndim)))),
    "roll_flat": OpSpec(lambda x: x.roll(1)),
    "roll_dims": OpSpec(lambda x: lib(x).roll(x, (1, -2), (0, -1)), min_dims=2),
    "narrow": OpSpec(lambda x: x.narrow(-1, 1, x.shape[-1] - 1), min_dims=1),
    "narrow_fn": OpSpec(lambda x: lib(x).narrow(x, 0, -1, 1), min_dims=1),
    "cat": OpSpec(lambda x, y, z: lib(x).cat([x, y * 2, z.exp()], dim=0), shapes=cat_shapes()),
    "cat_last": OpSpec(
        lambda x, y: lib(x).cat((x, y, x), dim=-1), arity=2, shapes=same_shapes(2, 1)
    ),
    "concat_single": OpSpec(lambda x: lib(x).concat([x], 0) * 3, min_dims=1),
    "stack": OpSpec(lambda x, y: lib(x).stack([x, y], dim=-1), arity=2, shapes=same_shapes(2)),
    "stack_many": OpSpec(
        lambda x, y, z: lib(x).stack([x, y, z, x, y]), arity=3, shapes=same_shapes(3)
    ),
    "split": OpSpec(lambda x: x.split(2), min_dims=1),
    "split_sizes": OpSpec(lambda x: lib(x).split(x, [1, x.shape[-1] - 1], -1), min_dims=1),
    "chunk": OpSpec(lambda x: x.chunk(3, -1), min_dims=1),
    "unbind": OpSpec(lambda x: x.unbind(0), min_dims=1),
    "unbind_last": OpSpec(lambda x: lib(x).unbind(x, -1), min_dims=1),
    "clone": OpSpec(lambda x: x.clone() * x),
    "detach": OpSpec(lambda x: x.detach() * x, gradcheck=False),  # not smooth by design
    "T_square": OpSpec(lambda x: x.mT @ x, min_dims=2),
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


def test_views_share_memory_and_copies_do_not() -> None:
    x = ag.arange(6.0).reshape(2, 3)
    first, _ = x.split([1, 1])
    first[0, 0] = 10.0
    assert x[0, 0].item() == 10.0
    assert x.narrow(1, 1, 1)._base is x._base or x.narrow(1, 1, 1)._base is x
    flipped = x.flip(0)
    flipped[0, 0] = -1.0
    assert x[1, 0].item() == 3.0  # flip copies, as in PyTorch
    rolled = x.roll(1)
    rolled[0, 0] = -1.0
    assert x[1, 2].item() == 5.0


def test_cat_promotes_and_skips_legacy_empty() -> None:
    a = ag.ones(2, 2, dtype=ag.float32)
    b = ag.zeros(1, 2, dtype=ag.float64)
    out = ag.cat([a, ag.tensor([]), b])
    assert out.dtype is ag.float64 and tuple(out.shape) == (3, 2)
    many = [ag.full((1,), float(i), requires_grad=True) for i in range(37)]
    joined = ag.cat(many)
    assert joined.tolist() == [float(i) for i in range(37)]
    (joined * ag.arange(37.0)).sum().backward()
    assert [t.grad.item() for t in many] == [float(i) for i in range(37)]


def test_chunk_sizes_match_torch() -> None:
    for n, chunks in [(5, 3), (6, 4), (1, 3), (0, 2), (7, 7)]:
        mine = [tuple(c.shape) for c in ag.zeros(n).chunk(chunks)]
        theirs = [tuple(c.shape) for c in torch.zeros(n).chunk(chunks)]
        assert mine == theirs, (n, chunks)


def test_repeat_double_backward() -> None:
    data = np.random.default_rng(0).standard_normal((2, 3))
    check_against_torch(lambda x: x.repeat(2, 1, 2), None, [data])
    for module in (ag, torch):
        x = module.tensor(data, requires_grad=True)
        (g,) = module.autograd.grad((x.repeat(2, 2) ** 2).sum(), x, create_graph=True)
        (gg,) = module.autograd.grad(g.sum(), x)
        if module is ag:
            mine = gg.numpy()
        else:
            np.testing.assert_allclose(mine, gg.numpy())


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)]), RuntimeError),
        (lambda m: m.cat([m.ones(2, 3), m.ones(3)]), RuntimeError),
        (lambda m: m.cat([m.tensor(1.0), m.tensor(2.0)]), RuntimeError),
        (lambda m: m.cat([]), ValueError),
        (lambda m: m.stack([]), RuntimeError),
        (lambda m: m.stack([m.ones(2, 3), m.ones(2, 4)]), RuntimeError),
        (lambda m: m.ones(3).split([1, 1]), RuntimeError),
        (lambda m: m.ones(3).narrow(0, 1, 5), RuntimeError),
        (lambda m: m.ones(3).chunk(0), RuntimeError),
        (lambda m: m.ones(2, 3).repeat(2), RuntimeError),
        (lambda m: m.flip(m.ones(3), (0, 0)), RuntimeError),
        (lambda m: m.ones(3).unbind(1), IndexError),
        (lambda m: m.ones(3).movedim(0, 2), IndexError),
        (lambda m: m.roll(m.ones(3, 3), (1, 2), (0,)), RuntimeError),
        (lambda m: m.ones(6).unflatten(0, (4, -1)), RuntimeError),
    ],
)
def test_errors_match_torch(call: object, error: type) -> None:
    with pytest.raises(error):
        call(torch)  # type: ignore[operator]
    with pytest.raises(error) as info:
        call(ag)  # type: ignore[operator]
    assert len(str(info.value)) > 20


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.tensor(1.0).unflatten(0, (1,)),
        lambda m: m.tensor(1.0).unflatten(-1, (-1,)),
        lambda m: m.unflatten(m.tensor(1.0), 0, (1, 1)),
        lambda m: m.nn.Unflatten(0, (1, 2))(m.tensor(2.0)),
        lambda m: m.ones(3).unflatten(5, ()),  # the empty sizes first, then the dimension
        lambda m: m.ones(6).unflatten(-1, (4, -1)),  # the dimension as a number from 0
        lambda m: m.nn.Unflatten(-1, (4, -1))(m.ones(6)),
    ],
)
def test_unflatten_errors_match_torch(call: object) -> None:
    # A 0-d input raised IndexError (tuple index out of range) where PyTorch raises a
    # RuntimeError (modules fuzzer, seed 40276); nn.Unflatten now shares Tensor.unflatten.
    messages = []
    for m in (torch, ag):
        with pytest.raises(RuntimeError) as info:
            call(m)  # type: ignore[operator]
        messages.append(str(info.value).splitlines()[:2])
    assert messages[1][0] == messages[0][0]
    assert messages[1][1:2] == [] or messages[1][1].startswith(messages[0][1])


@pytest.mark.parametrize("dims", [(0, 1), (1, 1), (-2, 0), (1, 0), (0, 2)])
@pytest.mark.parametrize("module", [False, True])
def test_flatten_of_0d_checks_its_dims_as_torch(dims: tuple[int, int], module: bool) -> None:
    # A 0-d input returned shape [1] for any dims; PyTorch checks both against [-1, 0] first
    # (IndexError naming start_dim, then end_dim) (nn fuzzer, seed 1746).
    messages = []
    for m in (torch, ag):
        x = m.tensor(1.0)
        with pytest.raises(IndexError) as info:
            m.nn.Flatten(*dims)(x) if module else m.flatten(x, *dims)  # type: ignore[attr-defined]
        messages.append(str(info.value))
    assert messages[1] == messages[0]


@pytest.mark.parametrize("dims", [(0, 0), (0, -1), (-1, 0), (-1, -1)])
def test_flatten_of_0d_in_range_gives_one_element(dims: tuple[int, int]) -> None:
    assert ag.flatten(ag.tensor(2.0), *dims).tolist() == [2.0]


def test_cat_error_names_shapes_and_position() -> None:
    with pytest.raises(RuntimeError, match=r"tensor number 1.*\[2, 3\] and \[2, 4\]"):
        ag.cat([ag.ones(2, 3), ag.ones(2, 4)])


MISSING_SIZES = {
    "reshape_method": lambda m, x: x.reshape(),
    "permute_method": lambda m, x: x.permute(),
    "reshape_function": lambda m, x: m.reshape(x),
    "permute_function": lambda m, x: m.permute(x),
    "reshape_0d_method": lambda m, x: x.sum().reshape(),
    "permute_0d_method": lambda m, x: x.sum().permute(),
    # torch.reshape / torch.permute take one sequence, not the sizes one by one
    "reshape_function_sizes": lambda m, x: m.reshape(x, 3, 2),
    "permute_function_dims": lambda m, x: m.permute(x, 1, 0),
}


@pytest.mark.parametrize("name", sorted(MISSING_SIZES))
def test_missing_sizes_raise_type_error_as_torch(name: str) -> None:
    # x.reshape() read as reshape(()) and raised a RuntimeError about the element count (or,
    # for a 0-d x, returned it): PyTorch's TypeError says the sizes are missing.
    for m in (torch, ag):
        x = m.arange(6.0).view(2, 3)
        with pytest.raises(TypeError, match=r"reshape|permute|positional"):
            MISSING_SIZES[name](m, x)


def test_empty_sizes_give_0d_as_torch() -> None:
    # An empty sequence is a 0-d tensor's shape and order, as in PyTorch; and the one sequence
    # may be passed by its keyword to the functions.
    def run(m: object) -> list[object]:
        s = m.tensor(2.0, requires_grad=True)  # type: ignore[attr-defined]
        outs = [s.reshape(()), s.reshape([]), s.permute(()), s.permute([])]
        outs += [m.reshape(s, ()), m.permute(s, []), m.reshape(s, shape=[1, 1])]  # type: ignore[attr-defined]
        outs += [m.permute(m.ones(2, 3), dims=(1, 0))]  # type: ignore[attr-defined]
        return [(tuple(o.shape), o.grad_fn.name() if o.grad_fn else None) for o in outs]

    assert run(ag) == run(torch)


# Regression (emptygrid): roll of a 0-d tensor along dim 0 or -1 returned it (torch: IndexError)
# and roll with no shifts at all rolled nothing (torch: RuntimeError, "`shifts` required").
ROLL_CASES = [
    ("dim0", lambda L, x: L.roll(x, 1, 0), [(), (0,), (0, 3)]),
    ("dim_last", lambda L, x: x.roll((1,), (-1,)), [(), (3, 0)]),
    ("flat", lambda L, x: L.roll(x, 2), [(), (0,), (2, 0, 3)]),
    ("no_shifts", lambda L, x: L.roll(x, (), ()), [(2, 3), ()]),
]


@shape_cases(ROLL_CASES)
def test_roll_of_empty_and_0d_tensors_as_torch(call: Any, shape: tuple[int, ...]) -> None:
    assert_like_torch_on(call, shape)


def _user_warnings(lib: Any, expression: str, shape: tuple[int, ...]) -> list[str]:
    """The UserWarnings ``expression`` gives with ``x`` a float tensor of ``shape`` (torch's
    without the C++ location it appends)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        eval(expression, {"x": lib.zeros(shape)})
    return [str(w.message).split(" (Triggered")[0] for w in caught if w.category is UserWarning]


# Regression (emptygrid): torch deprecates x.T but on matrices, and x.mT, x.mH, x.H and
# x.adjoint() of a 0-d tensor, with a UserWarning; arraygrad gave none. (torch warns once per
# process: set_warn_always makes it warn each time here.)
@pytest.mark.parametrize(
    ("expression", "shape"),
    [("x.T", ()), ("x.T", (3,)), ("x.T", (2, 0, 3)), ("x.T", (2, 3)), ("x.mT", ()),
     ("x.mT", (0, 3)), ("x.mH", ()), ("x.H", ()), ("x.adjoint()", ()), ("x.H", (0, 2))],
)  # fmt: skip
def test_deprecated_transposes_warn_as_torch(expression: str, shape: tuple[int, ...]) -> None:
    always = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    try:
        theirs = _user_warnings(torch, expression, shape)
    finally:
        torch.set_warn_always(always)
    assert _user_warnings(ag, expression, shape) == theirs


# The methods that take sizes one by one also take them as one sequence by keyword, as PyTorch's
# do (x.reshape(shape=(3, 2))); arraygrad refused the keyword, and x.view() read as view(()).
NAMED_SIZES = {
    "reshape": lambda x: x.reshape(shape=(3, 2)),
    "reshape_list": lambda x: x.reshape(shape=[6]),
    "view": lambda x: x.view(size=(6,)),
    "view_int": lambda x: x.view(size=6),
    "view_nothing": lambda x: x.view(),
    "permute": lambda x: x.permute(dims=(1, 0)),
    "expand": lambda x: x.expand(size=(2, 2, 3)),
    "expand_both": lambda x: x.expand((2, 3), size=(2, 3)),
    "repeat": lambda x: x.repeat(repeats=(1, 2)),
    "tile": lambda x: x.tile(dims=(2,)),
    "flip": lambda x: x.flip(dims=(0,)),
    "flip_int": lambda x: x.flip(dims=0),
}


@pytest.mark.parametrize("name", sorted(NAMED_SIZES))
def test_sizes_by_keyword_as_torch(name: str) -> None:
    outcomes = []
    for m in (torch, ag):
        x = m.arange(6.0).view(2, 3)
        try:
            result = NAMED_SIZES[name](x)
        except TypeError:
            outcomes.append("TypeError")
        else:
            outcomes.append((tuple(result.shape), result.tolist()))
    assert outcomes[1] == outcomes[0]


# A negative size left once -1 kept the existing dimensions (-1 in a new leading dimension, or
# -2 anywhere) reached NumPy, whose ValueError ("negative dimensions are not allowed") leaked;
# PyTorch raises a RuntimeError, for expand and broadcast_to alike.
NEGATIVE_EXPANDED_SIZES = {
    "leading_minus_one": lambda m: m.arange(4.0).expand(-1, 4),
    "second_leading_minus_one": lambda m: m.arange(4.0).expand(2, -1, 4),
    "minus_one_after_minus_three": lambda m: m.arange(4.0).expand(-3, -1, 4),
    "leading_minus_five": lambda m: m.arange(4.0).expand(-5, 4),
    "singleton_to_minus_two": lambda m: m.ones(1).expand(3, -2),
    "broadcast_to": lambda m: m.broadcast_to(m.arange(4.0), (-1, 4)),
    "broadcast_to_method": lambda m: m.arange(4.0).broadcast_to((2, -1, 4)),
}


@pytest.mark.parametrize("name", sorted(NEGATIVE_EXPANDED_SIZES))
def test_negative_expanded_sizes_raise_as_torch(name: str) -> None:
    messages = []
    for m in (torch, ag):
        with pytest.raises(RuntimeError) as info:
            NEGATIVE_EXPANDED_SIZES[name](m)
        messages.append(str(info.value))
    assert messages[1].startswith(messages[0]), messages  # torch's words, then the sizes, a fix
    assert "Fix:" in messages[1]


def test_minus_one_keeps_existing_dimensions_beside_new_ones_as_torch() -> None:
    outcomes = [
        m.arange(3.0).view(3, 1).expand(2, -1, 4).broadcast_to((2, 3, 4)).sum().item()
        for m in (torch, ag)
    ]
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize(
    ("shape", "dims"),
    [((2, 3), (0, 0)), ((2, 3), (1, -1)), ((2, 3), (0, 2)), ((2, 3), (0, -3)), ((2, 3), (0,)),
     ((2, 3), (0, 1, 2)), ((2, 3), (0, 1, 5)), ((2, 3, 4), (2, 0, 2)), ((), (0,)), ((), (-1,))],
)  # fmt: skip
def test_permute_errors_as_torch(shape: tuple, dims: tuple) -> None:
    # Regression: repeated dims were refused with the words of a wrong count of dims, and a
    # wrong count with a dim out of range gave IndexError where torch checks the count first.
    raised = []
    for module in (torch, ag):
        for form in ("L.permute(L.zeros(shape), dims)", "L.zeros(shape).permute(*dims)"):
            with pytest.raises((RuntimeError, IndexError)) as error:
                eval(form, {"L": module, "shape": shape, "dims": dims})
            raised.append(error.value)
    for theirs, mine in zip(raised[:2], raised[2:], strict=True):
        assert type(mine) is type(theirs), (theirs, mine)
        assert str(mine).startswith(str(theirs).rstrip(".")), (theirs, mine)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.squeeze(x, None),
        lambda m, x: m.squeeze(x, dim=None),
        lambda m, x: x.squeeze(None),
        lambda m, x: x.squeeze(dim=None),
        lambda m, x: x.clone().squeeze_(None),
        lambda m, x: x.clone().squeeze_(dim=None),
        lambda m, x: m.squeeze_copy(x, None),
    ],
)
def test_squeeze_of_dim_none_is_torchs_type_error(call: Any) -> None:
    # None is none of squeeze's overloads (leaving dim out squeezes every dimension of size 1)
    said = []
    for m in (torch, ag):
        with pytest.raises(TypeError) as caught:
            call(m, m.ones(1, 2, 1))
        # (the first line, but whether dim came by keyword, which arraygrad's functions
        # cannot tell: torch's "got (Tensor, dim=NoneType)")
        said.append(str(caught.value).split("\n")[0].replace("Tensor, dim=", "Tensor, "))
    assert said[1] == said[0]


@pytest.mark.parametrize("shifts", [[1], [True], [[1]], [1, 2], [1.0]])
@pytest.mark.parametrize("method", [False, True])
def test_roll_reads_tensor_shifts_as_torch(shifts: Any, method: bool) -> None:
    # (torch's int list reads a one-element integer tensor as the int; others are TypeErrors)
    said = []
    for m in (torch, ag):
        x, s = m.arange(6.0).reshape(2, 3), m.tensor(shifts[0] if len(shifts) == 1 else shifts)
        try:
            said.append((x.roll(s) if method else m.roll(x, s)).tolist())
        except TypeError as error:
            said.append(str(error).split(". Fix")[0])
    assert said[1] == said[0]


@pytest.mark.parametrize("sizes", [0, 4, [2, 2], [4], True])
@pytest.mark.parametrize("method", [False, True])
def test_unflatten_refuses_tensor_sizes_as_torch(sizes: Any, method: bool) -> None:
    said = []
    for m in (torch, ag):
        x = m.arange(8.0).reshape(2, 4)
        with pytest.raises((TypeError, RuntimeError)) as caught:
            x.unflatten(1, m.tensor(sizes)) if method else m.unflatten(x, 1, m.tensor(sizes))
        said.append((caught.type, str(caught.value).split(". Fix")[0].split(" (shape")[0]))
    assert said[1] == said[0]


@pytest.mark.parametrize(
    "sizes",
    [
        lambda m: (m.tensor([2, 2]), 2),
        lambda m: [m.tensor(2.0), 2],
        lambda m: (2, m.tensor([2, 2])),
        lambda m: (2, 2, m.tensor(1.0)),
        lambda m: (m.tensor(True), 4),
        lambda m: (4, m.tensor([True])),
        lambda m: (m.tensor(True), m.tensor(2.0)),
        lambda m: (2.5, 2),
        lambda m: (2, 2.5),
        lambda m: (None, 2),
        lambda m: (True, 4),
        lambda m: (m.tensor([[2]]), 2),  # read, as the ones below
        lambda m: (2, m.tensor(2, dtype=m.uint8)),
        lambda m: (4, True),
    ],
)
@pytest.mark.parametrize("method", [False, True])
def test_unflatten_reads_or_refuses_each_size_as_torch(sizes: Any, method: bool) -> None:
    # Regression: tensors and floats among the sizes were read with int() (a float tensor, a
    # bool one as 1) or failed with a ValueError; torch's parser reads one-element integer
    # tensors, trips an internal assert on a bool one, and refuses the rest with a TypeError
    # worded by whether the element is the first.
    said = []
    for m in (torch, ag):
        x = m.arange(8.0).reshape(2, 4)
        try:
            found = x.unflatten(1, sizes(m)) if method else m.unflatten(x, 1, sizes(m))
            said.append(tuple(found.shape))
        except (TypeError, RuntimeError) as error:
            said.append((type(error), str(error)))
    if isinstance(said[0], tuple) and isinstance(said[0][0], type):
        assert said[1][0] is said[0][0] and said[1][1].startswith(said[0][1])
        assert "Fix:" in said[1][1]
    else:
        assert said[1] == said[0]


@pytest.mark.parametrize("dims", [(1, False), (2, False), (2, True), (0, False), (True, 2)])
@pytest.mark.parametrize("method", ["squeeze", "squeeze_"])
def test_squeeze_reads_a_later_bool_dim_as_an_int_as_torch(dims: Any, method: str) -> None:
    # (torch's parser reads a bool after the first int of an int list as an int)
    said = []
    for m in (torch, ag):
        try:
            said.append(tuple(getattr(m.ones(1, 3, 1), method)(*dims).shape))
        except (TypeError, RuntimeError) as error:
            said.append(type(error))
    assert said[1] == said[0]


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.squeeze(False),
        lambda x: x.squeeze(None),
        lambda x: x.squeeze(dim=True),
        lambda x: x.squeeze(dim=None),
        lambda x: x.clone().squeeze_(True),
        lambda x: x.clone().squeeze_(dim=False),
        lambda x: (torch if isinstance(x, torch.Tensor) else ag).squeeze(x, False),
        lambda x: (torch if isinstance(x, torch.Tensor) else ag).squeeze(x, None),
        lambda x: (torch if isinstance(x, torch.Tensor) else ag).squeeze_copy(x, True),
    ],
)
def test_squeeze_refuses_a_bool_or_none_dim_in_torchs_words(call: Any) -> None:
    # Regression: a lone bool dim raised "argument 'dim' must be int, not bool", and a lone
    # None left out torch's reasons; torch's parser lists each form with why it refused.
    said = []
    for m in (torch, ag):
        with pytest.raises(TypeError) as caught:
            call(m.ones(2, 1, 3))
        said.append(str(caught.value))
    assert said[1].startswith(said[0]) and "Fix:" in said[1]
