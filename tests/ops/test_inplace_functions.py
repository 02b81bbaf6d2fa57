"""The top-level function forms of in-place ops (``arraygrad.sin_(x)``) and the ``<view>_copy``
functions, against torch 2.13.0 (values and VJPs) and finite differences. In-place forms run on
a clone, so that the gradient flows back through the write to the leaf."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib, same_shapes, shapes
from tests.oracle import (
    OpSpec,
    check_complex_gradient,
    outcome_in_each,
    run_gradcheck_case,
    run_torch_case,
)

INTEGERS = tuple(float(k) for k in range(-3, 4))
HALVES = tuple(k + 0.5 for k in range(-4, 4))


def _top(name: str, *args: Any, **kwargs: Any) -> Any:
    """``lib.<name>(x.clone(), *args, **kwargs)``: the function form on a clone."""
    return lambda x: getattr(lib(x), name)(x.clone(), *args, **kwargs)


def _unlike_torch(name: str) -> Any:
    """``arraygrad.<name>_(x.clone())``, torch's out-of-place ``x.<name>()``: torch 2.13 has no
    derivative for the in-place acosh_, asinh_ and atanh_ (its backward raises)."""

    def fn(x: Any) -> Any:
        if lib(x) is ag:
            return getattr(ag, name + "_")(x.clone())
        return getattr(x, name)()

    return fn


def _dims(min_dims: int) -> Any:
    return shapes(min_dims).map(lambda s: (s,))


OP_TABLE = {
    # element-wise, smooth where drawn
    "abs_": OpSpec(_top("abs_"), kinks=(0.0,)),
    "acos_": OpSpec(_top("acos_"), low=-0.9, high=0.9),
    "arccos_": OpSpec(_top("arccos_"), low=-0.9, high=0.9),
    "acosh_": OpSpec(_unlike_torch("acosh"), low=1.1, high=4.0),
    "arccosh_": OpSpec(_unlike_torch("arccosh"), low=1.1, high=4.0),
    "asin_": OpSpec(_top("asin_"), low=-0.9, high=0.9),
    "arcsin_": OpSpec(_top("arcsin_"), low=-0.9, high=0.9),
    "asinh_": OpSpec(_unlike_torch("asinh")),
    "arcsinh_": OpSpec(_unlike_torch("arcsinh")),
    "atan_": OpSpec(_top("atan_")),
    "arctan_": OpSpec(_top("arctan_")),
    "atanh_": OpSpec(_unlike_torch("atanh"), low=-0.9, high=0.9),
    "arctanh_": OpSpec(_unlike_torch("arctanh"), low=-0.9, high=0.9),
    "cos_": OpSpec(_top("cos_")),
    "cosh_": OpSpec(_top("cosh_")),
    "sin_": OpSpec(_top("sin_")),
    "sinh_": OpSpec(_top("sinh_")),
    "tan_": OpSpec(_top("tan_"), low=-1.2, high=1.2),
    "tanh_": OpSpec(_top("tanh_")),
    "sinc_": OpSpec(_top("sinc_")),
    "sigmoid_": OpSpec(_top("sigmoid_")),
    "deg2rad_": OpSpec(_top("deg2rad_")),
    "rad2deg_": OpSpec(_top("rad2deg_")),
    "erf_": OpSpec(_top("erf_")),
    "erfc_": OpSpec(_top("erfc_")),
    "exp_": OpSpec(_top("exp_")),
    "exp2_": OpSpec(_top("exp2_")),
    "expm1_": OpSpec(_top("expm1_")),
    "log_": OpSpec(_top("log_"), low=0.1),
    "log10_": OpSpec(_top("log10_"), low=0.1),
    "log1p_": OpSpec(_top("log1p_"), low=-0.9),
    "log2_": OpSpec(_top("log2_"), low=0.1),
    "logit_": OpSpec(_top("logit_"), low=0.05, high=0.95),
    "logit_:eps": OpSpec(_top("logit_", eps=0.2), low=0.25, high=0.75),
    "neg_": OpSpec(_top("neg_")),
    "reciprocal_": OpSpec(_top("reciprocal_"), low=0.5),
    "rsqrt_": OpSpec(_top("rsqrt_"), low=0.2),
    "sqrt_": OpSpec(_top("sqrt_"), low=0.1),
    "square_": OpSpec(_top("square_")),
    "nan_to_num_": OpSpec(_top("nan_to_num_", nan=1.0, posinf=2.0, neginf=-2.0)),
    "frac_": OpSpec(_top("frac_"), kinks=INTEGERS),
    # piecewise constant: the product with x keeps a gradient to compare
    "ceil_": OpSpec(lambda x: _top("ceil_")(x) * x, kinks=INTEGERS),
    "floor_": OpSpec(lambda x: _top("floor_")(x) * x, kinks=INTEGERS),
    "fix_": OpSpec(lambda x: _top("fix_")(x) * x, kinks=INTEGERS),
    "trunc_": OpSpec(lambda x: _top("trunc_")(x) * x, kinks=INTEGERS),
    "round_": OpSpec(lambda x: _top("round_")(x) * x, kinks=HALVES),
    "round_:decimals": OpSpec(lambda x: lib(x).round_(x * 0.37, decimals=1) + x, gradcheck=False),
    "zero_": OpSpec(lambda x: _top("zero_")(x) + x),
    "fill_": OpSpec(lambda x: _top("fill_", 2.5)(x) * x),
    "fill_:tensor": OpSpec(
        lambda x, v: lib(x).fill_(x.clone(), v.sum()) * x,
        arity=2,
        shapes=shapes().map(lambda s: (s, ())),
    ),
    "detach_": OpSpec(lambda x: _top("detach_")(x * 2) + x, gradcheck=False),
    "conj_physical_": OpSpec(_top("conj_physical_")),
    # clamps: the bounds inside the drawn range, kinks kept away from them
    "clamp_": OpSpec(_top("clamp_", -1.0, 1.5), kinks=(-1.0, 1.5)),
    "clamp_:min": OpSpec(_top("clamp_", min=0.5), kinks=(0.5,)),
    "clamp_:tensors": OpSpec(
        lambda x, lo, hi: lib(x).clamp_(x.clone(), lo - 1.0, hi + 1.0),
        arity=3,
        shapes=same_shapes(3),
        gradcheck=False,  # the bounds' kinks move with them
    ),
    "clip_": OpSpec(_top("clip_", max=0.5), kinks=(0.5,)),
    "clamp_max_": OpSpec(_top("clamp_max_", 0.5), kinks=(0.5,)),
    "clamp_min_": OpSpec(_top("clamp_min_", -0.5), kinks=(-0.5,)),
    # binary
    "xlogy_": OpSpec(
        lambda x, y: lib(x).xlogy_(x.clone(), y), arity=2, shapes=same_shapes(2), low=0.2
    ),
    "ldexp_": OpSpec(lambda x: lib(x).ldexp_(x.clone(), lib(x).tensor(3))),
    "addmv_": OpSpec(
        lambda x, m, v: lib(x).addmv_(x.clone(), m, v, beta=0.5, alpha=2.0),
        arity=3,
        shapes=st.tuples(st.integers(1, 4), st.integers(1, 4)).map(
            lambda nk: ((nk[0],), nk, (nk[1],))
        ),
    ),
    # the dropouts when not training: the identity, in place
    "alpha_dropout_": OpSpec(_top("alpha_dropout_", 0.5, False)),
    "feature_alpha_dropout_": OpSpec(_top("feature_alpha_dropout_", 0.3, False)),
    "feature_dropout_": OpSpec(_top("feature_dropout_", 0.5, False)),
    "as_strided_": OpSpec(
        lambda x: lib(x).as_strided_(x.clone().flatten(), (2, 2), (1, 2), 0) * 2,
        shapes=shapes(1, min_side=4).map(lambda s: (s,)),
    ),
    # copies of views
    "alias_copy": OpSpec(lambda x: lib(x).alias_copy(x)),
    "as_strided_copy": OpSpec(
        lambda x: lib(x).as_strided_copy(x, (2, 2), (1, 1), 1),
        shapes=shapes(1, min_side=4).map(lambda s: (s,)),
    ),
    "diagonal_copy": OpSpec(lambda x: lib(x).diagonal_copy(x, 1, -1, 0), shapes=_dims(2)),
    "expand_copy": OpSpec(lambda x: lib(x).expand_copy(x, (2, *x.shape))),
    "permute_copy": OpSpec(
        lambda x: lib(x).permute_copy(x, tuple(reversed(range(x.ndim)))), shapes=_dims(1)
    ),
    "select_copy": OpSpec(lambda x: lib(x).select_copy(x, -1, 0), shapes=_dims(1)),
    "slice_copy": OpSpec(lambda x: lib(x).slice_copy(x, -1, 1, None, 2), shapes=_dims(1)),
    "slice_copy:defaults": OpSpec(lambda x: lib(x).slice_copy(x), shapes=_dims(1)),
    "split_copy": OpSpec(lambda x: lib(x).split_copy(x, 2, -1), shapes=_dims(1)),
    "split_with_sizes_copy": OpSpec(
        lambda x: lib(x).split_with_sizes_copy(x, [1, x.shape[0] - 1]),
        shapes=shapes(1, min_side=2).map(lambda s: (s,)),
    ),
    "squeeze_copy": OpSpec(lambda x: lib(x).squeeze_copy(x[None])),
    "squeeze_copy:dims": OpSpec(lambda x: lib(x).squeeze_copy(x[None, None], (0, 1))),
    "t_copy": OpSpec(lambda x: lib(x).t_copy(x), max_dims=2),
    "transpose_copy": OpSpec(lambda x: lib(x).transpose_copy(x, 0, -1), shapes=_dims(1)),
    "unbind_copy": OpSpec(lambda x: lib(x).unbind_copy(x, -1), shapes=_dims(1)),
    "unfold_copy": OpSpec(lambda x: lib(x).unfold_copy(x, -1, 1, 1), shapes=_dims(1)),
    "unsqueeze_copy": OpSpec(lambda x: lib(x).unsqueeze_copy(x, 0)),
    "view_copy": OpSpec(lambda x: lib(x).view_copy(x, (-1,))),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(n for n in OP_TABLE if OP_TABLE[n].gradcheck))
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


def test_every_torch_in_place_function_and_view_copy_exists() -> None:
    # The dense ones: resize_as_sparse_ and the sparse and nested views' copies have no meaning
    # for arraygrad's tensors.
    skipped = {"resize_as_sparse_"}
    sparse = ("indices", "values", "crow_", "ccol_", "row_indices", "col_indices")
    wanted = [
        n
        for n in dir(torch)
        if not n.startswith("_")
        and (n.endswith("_copy") or (n.endswith("_") and callable(getattr(torch, n))))
        and n not in skipped
        and not n.startswith(sparse)
    ]
    assert [n for n in wanted if not hasattr(ag, n)] == []


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.sin_(m.tensor([0.5, 1.0])),
        lambda m: m.clamp_(m.tensor([-2.0, 3.0]), -1, 1),
        lambda m: m.fill_(m.zeros(3), 4),
        lambda m: m.zero_(m.ones(2)),
        lambda m: m.gcd_(m.tensor([4, 6]), m.tensor([6, 9])),
        lambda m: m.lcm_(m.tensor([4, 6]), m.tensor([6, 9])),
        lambda m: m.resize_as_(m.arange(6.0), m.ones(2, 2)),
        lambda m: m.as_strided_(m.arange(6.0), (2, 2), (1, 2), 1),
        lambda m: m.embedding_renorm_(
            m.tensor([[3.0, 4.0, 0.0], [0.1, 0.0, 0.0], [1.0, 1.0, 1.0]]),
            m.tensor([0, 1, 0]),
            0.5,
            2.0,
        ),
    ],
)
def test_in_place_functions_return_their_input_changed_as_torch(call: Any) -> None:
    theirs = call(torch)
    mine = call(ag)
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert tuple(mine.stride()) == tuple(theirs.stride())
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)


def test_in_place_function_returns_the_same_tensor_and_bumps_its_version() -> None:
    x = ag.tensor([0.5, 1.0])
    before = x._version
    assert ag.exp_(x) is x
    assert x._version == before + 1
    assert ag.clamp_max_(x, 2.0) is x


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.sin_(3.0),
        lambda m: m.sin_([1.0]),
        lambda m: m.permute_copy([1.0], (0,)),
        lambda m: m.sin_(m.tensor([1, 2])),  # a float result cannot be written into int64
        lambda m: m.sin_(m.ones(2, requires_grad=True)),  # a leaf that requires grad
        lambda m: m.clamp_(m.ones(2)),  # neither bound
        lambda m: m.permute_copy(m.ones(2, 3), (1,)),
        lambda m: m.expand_copy(m.ones(2, 3), (3,)),
        lambda m: m.slice_copy(m.ones(2, 3), 1, 0, 3, 0),
        lambda m: m.slice_copy(m.ones(2, 3), 5),
        lambda m: m.select_copy(m.ones(2, 3), 1, 3),
        lambda m: m.alpha_dropout_(m.ones(2), 1.5, False),
        lambda m: m.view_copy(m.ones(4), 4),  # sizes are one tuple
        lambda m: m.view_copy(m.ones(4)),
        lambda m: m.view_copy(m.ones(4), (4,), dtype=m.int32),
        lambda m: m.view_copy(m.ones(4), dtype=(4,)),
        lambda m: m.view_copy(m.ones(4)[::2], m.float16),
    ],
)
def test_errors_are_torchs(call: Any) -> None:
    theirs, mine = outcome_in_each(call, (RuntimeError, IndexError, TypeError))
    assert isinstance(theirs, str)
    assert mine == theirs


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.permute_copy(x, (1, 0)),
        lambda m, x: m.view_copy(x, (6,)),
        lambda m, x: m.alias_copy(x),
        lambda m, x: m.slice_copy(x),
        lambda m, x: m.unbind_copy(x)[0],
        lambda m, x: m.split_copy(x, 1)[1],
        lambda m, x: m.squeeze_copy(x),
        lambda m, x: m.detach_copy(x),
    ],
)
def test_view_copies_share_no_memory_and_are_contiguous(call: Any) -> None:
    for m in (torch, ag):
        x = m.arange(6.0).reshape(2, 3)
        y = call(m, x)
        assert y.is_contiguous()
        y.fill_(-1.0)
        assert float(x.min()) == 0.0, m.__name__


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.view_copy(x, dtype=m.int32),
        lambda m, x: m.view_copy(x, m.float16),
        lambda m, x: m.view_copy(x, dtype=m.float64),
        lambda m, x: m.view_copy(x, dtype=m.float32),
        lambda m, x: m.view_copy(x.t(), dtype=m.int32),
        lambda m, x: m.view_copy(x, dtype=m.int16, out=m.empty(0, dtype=m.int16)),
    ],
)
def test_view_copy_to_a_dtype_matches_torch(call: Any) -> None:
    seen = []
    for m in (torch, ag):
        x = m.arange(8.0).reshape(2, 4).requires_grad_()
        y = call(m, x)
        # PyTorch's dtype overload records no gradient, whatever the dtype
        assert y.is_contiguous() and not y.requires_grad and y.grad_fn is None
        seen.append((str(y.dtype).split(".")[-1], tuple(y.shape), y.numpy().tobytes()))
    assert seen[0] == seen[1]


def test_view_as_real_copy_matches_torch_with_its_gradient() -> None:
    rng = np.random.default_rng(0)
    z = (rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))).T  # not contiguous
    cotangent = rng.standard_normal((3, 2, 2))
    results = []
    for m in (torch, ag):
        v = m.tensor(z, requires_grad=True)
        pairs = m.view_as_real_copy(v)
        assert pairs.is_contiguous() and pairs.dtype == m.float64
        (pairs * m.tensor(cotangent)).sum().backward()
        results.append((pairs.detach().numpy(), v.grad.numpy()))
    for mine, theirs in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)
    # (a C-ordered z: the finite differences write through reshape(-1))
    check_complex_gradient(
        lambda v: ag.view_as_real_copy(v) * 2,
        np.ascontiguousarray(z),
        lambda *s: rng.standard_normal(s),
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.arange(12.0, dtype=m.float64).reshape(2, 3, 2),
        lambda m: m.arange(8.0).reshape(4, 2)[::2],  # even strides
        lambda m: m.tensor([1.0, 2.0])[None].expand(3, 2),  # stride 0
        lambda m: m.tensor([1.0, 2.0]),  # a 0-d result
    ],
)
def test_view_as_complex_copy_matches_torch_and_shares_no_memory(make: Any) -> None:
    theirs, mine = torch.view_as_complex_copy(make(torch)), ag.view_as_complex_copy(make(ag))
    assert mine.dtype == (ag.complex128 if theirs.dtype == torch.complex128 else ag.complex64)
    assert tuple(mine.shape) == tuple(theirs.shape) and mine.is_contiguous()
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    x = make(ag)
    ag.view_as_complex_copy(x).zero_()
    np.testing.assert_array_equal(x.numpy(), make(ag).numpy())


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.view_as_real_copy(m.ones(3)),  # not complex
        lambda m: m.view_as_complex_copy(m.ones(3, 3)),  # last dimension not 2
        lambda m: m.view_as_complex_copy(m.ones(2, 4)[:, ::2]),  # last stride not 1
        lambda m: m.view_as_complex_copy(m.ones(5)[1:].view(2, 2)),  # odd offset
        lambda m: m.view_as_complex_copy(m.ones(2, dtype=m.int64)),
        # torch has no derivative for it, and says so at the call
        lambda m: m.view_as_complex_copy(m.ones(3, 2, requires_grad=True)),
    ],
)
def test_complex_view_copies_errors_are_torchs(call: Any) -> None:
    theirs, mine = outcome_in_each(call, (RuntimeError, IndexError, TypeError))
    assert isinstance(theirs, str)
    assert mine == theirs


def test_view_as_complex_copy_of_an_input_requiring_grad_without_grad_mode() -> None:
    x = ag.ones(3, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"automatic differentiation.*detach"):
        ag.view_as_complex_copy(x)
    with ag.no_grad():
        assert not ag.view_as_complex_copy(x).requires_grad
    assert not ag.view_as_complex_copy(x.detach()).requires_grad


def test_detach_copy_has_no_gradient_to_give() -> None:
    # torch records a node whose backward raises ("derivative for aten::detach_copy is not
    # implemented"), as arraygrad's now (its copy did not require grad).
    for L in (torch, ag):
        copied = L.detach_copy(L.ones(3, requires_grad=True))
        assert copied.requires_grad
        with pytest.raises(RuntimeError, match="derivative for aten::detach_copy"):
            copied.sum().backward()


def test_dropouts_in_place_when_training() -> None:
    ag.manual_seed(0)
    x = ag.ones(100, 2, 3)
    out = ag.feature_dropout_(x, 0.5, True)
    assert out is x
    channels = x.numpy()
    # whole channels dropped together, the kept ones scaled by 2
    assert set(np.unique(channels)) <= {0.0, 2.0}
    assert np.all(channels.min(axis=2) == channels.max(axis=2))
    assert 60 < int((channels[..., 0] == 0).sum()) < 140
    y = ag.ones(1000)
    assert ag.alpha_dropout_(y, 0.5, True) is y
    assert len(np.unique(y.numpy())) == 2


@pytest.mark.parametrize("dtype", [None, "float32"])
def test_conj_physical_function_conjugates_in_place_as_torch(dtype: Any) -> None:
    def run(lib: Any) -> Any:
        if dtype is None:
            x = lib.tensor([0.5 + 1j, -2j, 3.0], requires_grad=True)
        else:
            x = lib.tensor([0.5, -2.0, 3.0], requires_grad=True)
        y = x * 1
        version = y._version
        out = lib.conj_physical_(y)
        (y * lib.arange(1.0, 4.0)).real.sum().backward() if dtype is None else y.sum().backward()
        return out is y, y._version - version, y.grad_fn.name(), y.tolist(), x.grad.tolist()

    assert run(ag) == run(torch)


# split_copy, split_with_sizes_copy and unbind_copy with out=, a list of tensors: each call
# builds its outs from (shape, dtype) pairs, then the outs are compared after it.
_PART_OUTS = {
    "split_copy exact": ("split_copy", (2,), [((2,), "f"), ((2,), "f"), ((1,), "f")]),
    # copy_'s rules: broadcast into out, converted to its dtype
    "split_copy broadcast": ("split_copy", (2,), [((3, 2), "f"), ((2,), "i"), ((1,), "b")]),
    "split_with_sizes_copy": ("split_with_sizes_copy", ([1, 4],), [((0,), "f"), ((0,), "f")]),
    "split_with_sizes_copy resized": (
        "split_with_sizes_copy",
        ([1, 4],),
        [((7,), "f"), ((0,), "f")],
    ),
    "unbind_copy": ("unbind_copy", (), [((0,), "f"), ((5,), "f")]),
    "unbind_copy dim": ("unbind_copy", (1,), [((3,), "f"), ((2, 1), "f"), ((0,), "f")]),
}
_KINDS = {"f": "float32", "i": "int64", "b": "bool"}


def _outs(m: Any, spec: Any) -> list[Any]:
    return [m.zeros(shape, dtype=getattr(m, _KINDS[kind])) for shape, kind in spec]


@pytest.mark.parametrize("case", list(_PART_OUTS))
def test_split_and_unbind_copies_write_out_lists_as_torch(case: str) -> None:
    name, args, spec = _PART_OUTS[case]
    seen = []
    for m in (torch, ag):
        x = m.arange(6.0).reshape(2, 3) if name == "unbind_copy" else m.arange(5.0)
        outs = _outs(m, spec)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert getattr(m, name)(x, *args, out=outs) is None
        # one resize warning per out that held other elements, at the caller
        assert all(w.filename == __file__ for w in caught)
        seen.append(([(tuple(o.shape), o.tolist()) for o in outs], len(caught)))
    assert seen[0] == seen[1]


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.split_copy(x, 2, out=[m.empty(2), m.empty(2)]),  # too few
        lambda m, x: m.split_copy(x, 2, out=[m.empty(2), m.empty(3), m.empty(1)]),  # no resize
        lambda m, x: m.split_copy(x, 2, out=m.empty(0)),  # not a list
        lambda m, x: m.split_copy(x, 2, out=[m.empty(2), None, m.empty(1)]),
        lambda m, x: m.split_copy(x, [1, 4]),  # one size only
        lambda m, x: m.split_copy(x, m.tensor(2.0)),
        lambda m, x: m.split_with_sizes_copy(x, [1, 4], out=[m.empty(0)]),
        lambda m, x: m.split_with_sizes_copy(x, [1, 4], out=[m.empty(0), m.empty(0).double()]),
        lambda m, x: m.unbind_copy(x, out=[m.empty(0)] * 4),
        lambda m, x: m.unbind_copy(x, out=[m.empty(0, dtype=m.int32)] * 5),
        lambda m, x: m.split_with_sizes_copy(x, [3, 2], out=[x[1:4], m.empty(0)]),  # overlap
    ],
)
def test_split_and_unbind_copies_out_errors_are_torchs(call: Any) -> None:
    def run(m: Any) -> Any:
        x = m.arange(5.0)
        call(m, x)
        return x.tolist()

    theirs, mine = outcome_in_each(run, (RuntimeError, TypeError))
    assert isinstance(theirs, str)
    assert mine == theirs


def test_split_copy_out_is_read_part_by_part_as_torch() -> None:
    # the outs are the input's own halves, swapped: the second part is read after the first
    # is written, so both halves end up as the first, as in PyTorch
    seen = []
    for m in (torch, ag):
        x = m.arange(6.0, requires_grad=True)
        with m.no_grad():
            y = x * 1
        for name, args in (("split_copy", (3,)), ("split_with_sizes_copy", ([3, 3],))):
            z = y.clone()
            getattr(m, name)(z, *args, out=[z[3:], z[:3]])
            seen.append(z.tolist())
        # an input that requires grad is written too, with no history
        outs = [m.empty(0), m.empty(0)]
        m.unbind_copy(x.view(2, 3), out=outs)
        seen.append([(o.tolist(), o.requires_grad, o.grad_fn is None) for o in outs])
    assert seen[:3] == seen[3:]
