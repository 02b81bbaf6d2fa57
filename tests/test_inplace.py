"""In-place operations with PyTorch's rules: leaves, version counters and gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import assert_call_as_torch


def test_in_place_on_a_leaf_that_requires_grad_raises_and_leaves_it_usable() -> None:
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    for op in (lambda: w.add_(1), lambda: w.mul_(2), lambda: w.zero_()):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad") as error:
            op()
        assert "no_grad" in str(error.value)
    assert w.tolist() == [1.0, 2.0] and w.requires_grad
    (w * w).sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]
    with ag.no_grad():
        w -= 0.5 * w.grad
    assert w.tolist() == [0.0, 0.0] and w.is_leaf and w.requires_grad


def test_modifying_a_saved_tensor_raises_at_backward() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    z = h * h  # saves h
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as error:
        z.sum().backward()
    assert "MulBackward0" in str(error.value) and "version 1" in str(error.value)
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_modifying_a_saved_output_raises_at_backward() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_modifying_a_value_that_backward_does_not_need_is_fine_as_in_torch() -> None:
    for lib in (ag, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x + 1  # add saves nothing
        out = h.clone()
        h.add_(5)
        (out * 3).sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize(
    "update",
    [
        lambda h, v: h.add_(v),
        lambda h, v: h.sub_(v, alpha=2),
        lambda h, v: h.mul_(v),
        lambda h, v: h.div_(v),
        lambda h, v: h.clamp_(0.5, 2.5),
        lambda h, v: h.copy_(v),
        lambda h, v: h.fill_(3.0),
        lambda h, v: h.__iadd__(v),
        lambda h, v: h.__imul__(v),
    ],
)
def test_in_place_ops_on_non_leaves_have_torch_gradients(update: object) -> None:
    results = []
    for lib in (ag, torch):
        x = lib.tensor([0.3, 1.0, 2.0], requires_grad=True)
        v = lib.tensor([2.0, 3.0, 4.0], requires_grad=True)
        h = x * 1.5
        h = update(h, v)  # type: ignore[operator]
        (h * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        grads = [t.grad.tolist() if t.grad is not None else None for t in (x, v)]
        results.append((h.tolist(), grads))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)
    for mine, theirs in zip(results[0][1], results[1][1], strict=True):
        if theirs is None:
            assert mine is None or mine == [0.0, 0.0, 0.0]
        else:
            np.testing.assert_allclose(mine, theirs, rtol=1e-6)


def test_version_counter_is_shared_with_views() -> None:
    base = ag.zeros(2, 3)
    view = base[0]
    assert base._version == view._version == 0
    view.add_(1)
    assert base._version == 1 and view._version == 1
    assert base.tolist() == [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]


def test_in_place_keeps_dtype_and_rejects_unsafe_casts() -> None:
    t = ag.zeros(2, dtype=ag.int64)
    t += 2
    assert t.dtype is ag.int64 and t.tolist() == [2, 2]
    with pytest.raises(RuntimeError, match="can't be cast"):
        t.add_(1.5)
    assert t.tolist() == [2, 2]
    f = ag.zeros(2, dtype=ag.float32)
    f += ag.ones(2, dtype=ag.float64)
    assert f.dtype is ag.float32


def test_in_place_shape_change_is_rejected() -> None:
    t = ag.zeros(3)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        t.add_(ag.ones(2, 3))
    assert t.tolist() == [0.0, 0.0, 0.0]


def test_from_numpy_memory_is_updated_in_place() -> None:
    array = np.zeros(3)
    t = ag.from_numpy(array)
    t.add_(1)
    assert array.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_arithmetic_in_place_equals_out_of_place_bit_for_bit(op: str) -> None:
    rng = np.random.default_rng(0)
    start = rng.standard_normal((4, 5)).astype(np.float32)
    other = ag.tensor(rng.standard_normal((5,)).astype(np.float32))
    for operand in (other, 0.37, 3):
        expected = getattr(ag, op)(ag.tensor(start), operand)
        target = ag.tensor(start.copy())
        view = target[1]
        with ag.no_grad():
            getattr(target, f"{op}_")(operand)
        assert target.numpy().tobytes() == expected.numpy().tobytes()
        assert view.tolist() == expected[1].tolist() and target._version == view._version == 1


def test_optimizer_style_update_makes_no_temporary_of_the_parameters_size() -> None:
    import tracemalloc

    w = ag.zeros(256, 1024, requires_grad=True)  # 1 MiB
    w.grad = ag.ones(256, 1024)
    step = w.grad * 0.1
    tracemalloc.start()
    tracemalloc.reset_peak()
    with ag.no_grad():
        w -= step
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 * 1024, peak
    assert float(w[0, 0]) == pytest.approx(-0.1) and w.is_leaf and w.requires_grad


def test_fill_and_update_fast_paths_keep_torchs_recording_rules() -> None:
    for lib in (ag, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            w.zero_()  # recorded: a leaf that requires grad is refused
        with lib.no_grad():
            version = w._version
            w.zero_()
            w -= lib.tensor([0.5, 0.25])
            w -= 1
        assert w._version == version + 3 and w.tolist() == [-1.5, -1.25]
        with pytest.raises(RuntimeError, match="0-dim"):
            w.detach().fill_(lib.tensor([1.0]))
        # A tensor that requires nothing, updated by one that does, joins the graph.
        a = lib.zeros(2)
        a -= w * 2
        assert a.requires_grad and a.grad_fn is not None
        a.sum().backward()
        assert w.grad.tolist() == [-2.0, -2.0]
        b = (w * 1).detach().fill_(lib.tensor(3.0, requires_grad=True))
        assert b.requires_grad and b.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("target", ["float32", "float64", "int8", "int64", "bool"])
@pytest.mark.parametrize("source", ["float64", "int64", "bool", "float32"])
@pytest.mark.parametrize("method", ["fill_", "copy_"])
def test_fill_and_copy_from_a_0d_tensor_of_any_dtype_match_torch(
    target: str, source: str, method: str
) -> None:
    # A 0-d source used to be refused ("doesn't match the broadcast shape []") outside the
    # graph; it is written everywhere, converted to the target's dtype.
    results = []
    for lib in (torch, ag):
        x = lib.zeros(3, dtype=getattr(lib, target))
        getattr(x, method)(lib.tensor(3, dtype=getattr(lib, source)))
        results.append((x.tolist(), str(x.dtype).split(".")[-1]))
    assert results[0] == results[1]


# In-place changes between forward and backward: an error only where a rule that will run
# reads the changed value, as in PyTorch (which saves no more). Each was refused before.
SAVED_VALUES: dict[str, str] = {
    "pow_output": "a = leaf(); y = a ** 2; y.mul_(2.0); y.sum().backward()",
    "mul_by_number": "a = leaf(); y = a * 2; no_grad(lambda: a.mul_(3)); y.sum().backward()",
    "div_by_number": "a = leaf(); y = a / 2; no_grad(lambda: a.mul_(3)); y.sum().backward()",
    "mul_into_constant": "x = lib.zeros(3, dtype=lib.float64); b = leaf(); x.mul_(b); "
    "no_grad(lambda: b.mul_(2)); x.sum().backward()",
    "masked_fill_input": "a = leaf(); y = a.masked_fill(a > 1, 0.0); "
    "no_grad(lambda: a.mul_(2)); y.sum().backward()",
    "matmul_weight": "a = leaf(); w = lib.ones(3, 2, dtype=lib.float64); y = a @ w; "
    "no_grad(lambda: a.mul_(2)); y.sum().backward()",
    # still refused, in both: the changed value is read
    "mul_both_require_grad": "a = leaf(); b = leaf(); y = a * b; no_grad(lambda: a.mul_(3)); "
    "y.sum().backward()",
    "pow_tensor_exponent_output": "a = leaf(); e = leaf(); y = a ** e; y.mul_(2.0); "
    "y.sum().backward()",
    "matmul_input": "a = leaf(); w = leaf().view(3, 1); y = a.view(1, 3) @ w; "
    "no_grad(lambda: a.mul_(2)); y.sum().backward()",
}


@pytest.mark.parametrize("name", sorted(SAVED_VALUES))
def test_in_place_changes_before_backward_raise_only_where_torch_raises(name: str) -> None:
    def run(lib: Any) -> Any:
        leaves: list[Any] = []

        def leaf() -> Any:
            leaves.append(lib.tensor([0.5, 1.5, 2.0], dtype=lib.float64, requires_grad=True))
            return leaves[-1]

        def no_grad(write: Any) -> None:
            with lib.no_grad():
                write()

        try:
            exec(SAVED_VALUES[name], {"lib": lib, "leaf": leaf, "no_grad": no_grad})
        except RuntimeError as error:
            assert "modified by an inplace operation" in str(error)
            return "refused"
        return [t.grad.tolist() for t in leaves]

    assert run(ag) == run(torch)


@pytest.mark.parametrize(
    ("target", "source"), [((2, 4), (3,)), ((3,), (2, 3)), ((2, 3), (3,)), ((2, 3), (1, 3))]
)
def test_copy_broadcasts_the_source_or_raises_like_torch(target: Any, source: Any) -> None:
    # A source that does not broadcast to the target raised NumPy's ValueError.
    outcomes = []
    for lib in (torch, ag):
        try:
            outcomes.append(lib.zeros(*target).copy_(lib.ones(*source)).tolist())
        except RuntimeError as error:
            outcomes.append(type(error).__name__)
            assert lib is torch or "Fix:" in str(error)
    assert outcomes[1] == outcomes[0]


def test_no_inplace_maximum_or_minimum_as_in_torch() -> None:
    # torch.Tensor has no maximum_/minimum_: code written against arraygrad must run on torch.
    for name in ("maximum_", "minimum_"):
        assert not hasattr(torch.Tensor, name)
        assert not hasattr(ag.Tensor, name)


def _other(dtype: str) -> Any:
    """A (2, 3) operand of ``dtype`` without zeros (no integer division by zero)."""
    return lambda lib: lib.tensor([[1.5, 2.0, 3.0], [1.0, 2.0, 4.0]]).to(getattr(lib, dtype))


def _complex_tensor(lib: Any) -> Any:
    return lib.tensor([[0.5 + 1j, -2.0, 3j], [1.5 - 0.5j, 0j, 4 + 4j]], dtype=lib.complex64)


# (method call, dtype of self): an in-place method on a dtype (found by /tmp/helpers'
# inplacegrid sweep of Tensor methods against torch)
IN_PLACE_ON_DTYPES = [
    # A binary op's promoted dtype that self cannot hold is refused before its kernel is
    # looked for: RuntimeError, not the kernel's NotImplementedError.
    *[
        (lambda lib, x, name=name, other=other: getattr(x, name)(_other(other)(lib)), dtype)
        for name, other, dtype in [
            ("gcd_", "float64", "int64"),
            ("lcm_", "float32", "int32"),
            ("hypot_", "int64", "bool"),
            ("igamma_", "int64", "bool"),
            ("igammac_", "uint8", "bool"),
            ("nextafter_", "int32", "bool"),
            ("fmod_", "complex64", "float64"),
            ("remainder_", "complex64", "float32"),
            ("floor_divide_", "complex64", "float64"),
            ("atan2_", "complex64", "float64"),
            ("arctan2_", "complex64", "float16"),
            ("copysign_", "complex64", "float64"),
            ("xlogy_", "complex64", "float64"),
            ("gcd_", "float64", "complex64"),  # castable: the kernel's NotImplementedError
            ("gcd_", "int64", "complex64"),
        ]
    ],
    *[
        (lambda lib, x, name=name: getattr(x, name)(1 + 2j), "float64")
        for name in ("bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_left_shift_")
    ],
    # ... and clamp_'s bounds (a number bound of clamp_min_ and clamp_max_ does not promote)
    *[
        (lambda lib, x, name=name, bound=bound: getattr(x, name)(bound(lib)), dtype)
        for name in ("clamp_", "clip_", "clamp_min_", "clamp_max_")
        for bound in (_other("complex64"), lambda lib: 1 + 2j, _other("float32"))
        for dtype in ("float64", "int64", "bool")
    ],
    (lambda lib, x: x.clamp_(None, _other("complex64")(lib)), "int32"),
    # In self's dtype: no bool kernel; integers wrap around as PyTorch's do.
    *[
        (lambda lib, x, name=name, dim=dim: getattr(x, name)(dim).mul_(3), dtype)
        for name in ("cumsum_", "cumprod_")
        for dim, dtype in [(0, "bool"), (1, "uint8"), (1, "float16"), (0, "complex64")]
    ],
    (lambda lib, x: x.mul_(100).to(lib.int8).cumprod_(1), "float32"),
    # complex values
    (lambda lib, x: _complex_tensor(lib).sgn_(), "float64"),
    (lambda lib, x: x.sgn_(), "float32"),
    (lambda lib, x: _complex_tensor(lib).conj_physical_(), "float64"),
    (lambda lib, x: x.conj_physical_(), "float64"),
    (lambda lib, x: _complex_tensor(lib).absolute_(), "float64"),
    (lambda lib, x: x.ldexp_(_other("float64")(lib)), "complex64"),
    (lambda lib, x: x.ldexp_(_other("int32")(lib)), "complex64"),
    (lambda lib, x: x.ldexp(_other("float64")(lib)), "complex64"),
    # a kernel missing for a reduction's index operands: the kernel's error
    (lambda lib, x: x.index_reduce_(0, lib.tensor([1, 0]), x.clone(), "mean"), "bool"),
]


@pytest.mark.parametrize("call, dtype", IN_PLACE_ON_DTYPES)
def test_in_place_methods_on_each_dtype_as_torch(call: Any, dtype: str) -> None:
    assert_call_as_torch(call, dtype)
