"""complex64 / complex128 tensors: dtypes and promotion, creation, printing, the complex API
(parts, conjugates, views as real pairs, ``complex``, ``polar``), the element-wise ops,
reductions and matrix products with PyTorch's complex gradients (checked against torch with
random complex cotangents and by finite differences on the real and imaginary parts), and the
refusal of every other op."""

from __future__ import annotations

import math
import pickle
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from oracle import check_against_torch, complex_numeric_gradient, outcome_in_each

import arraygrad as ag

RNG = np.random.default_rng(20260101)


def _complex(*shape: int) -> np.ndarray:
    # away from 0 and the negative real axis, where log, sqrt, angle and abs have their kinks
    return RNG.uniform(0.3, 1.5, shape) + 1j * RNG.uniform(-1.0, 1.0, shape)


def _real(*shape: int) -> np.ndarray:
    return RNG.uniform(0.3, 1.5, shape)


# --- dtypes, promotion, creation -------------------------------------------------------------


def test_dtype_names_and_flags() -> None:
    assert ag.cfloat is ag.complex64 and ag.cdouble is ag.complex128
    assert repr(ag.complex64) == "arraygrad.complex64"
    assert ag.complex64.is_complex and not ag.complex64.is_floating_point
    assert ag.complex128.itemsize == torch.complex128.itemsize
    assert ag.tensor([1j]).is_complex() and not ag.tensor([1.0]).is_complex()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("float32", "complex64"),
        ("float64", "complex64"),
        ("float16", "complex64"),
        ("int64", "complex64"),
        ("bool", "complex128"),
        ("complex64", "complex128"),
    ],
)
def test_promote_types(first: str, second: str) -> None:
    expected = torch.promote_types(getattr(torch, first), getattr(torch, second))
    assert ag.promote_types(getattr(ag, first), getattr(ag, second)).name == str(expected)[6:]


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.ones(2, dtype=lib.float64) + lib.ones(2, dtype=lib.complex64),
        lambda lib: lib.ones(2) + lib.ones(2, dtype=lib.complex64),
        lambda lib: lib.ones(2, dtype=lib.int64) * lib.ones(2, dtype=lib.complex64),
        lambda lib: lib.ones(2, dtype=lib.float64) + lib.ones((), dtype=lib.complex64),
        lambda lib: lib.ones((), dtype=lib.float64) + lib.ones(2, dtype=lib.complex64),
        lambda lib: lib.ones(2, dtype=lib.complex64) - lib.ones((), dtype=lib.complex128),
        lambda lib: lib.ones(2) * 1j,
        lambda lib: lib.ones(2, dtype=lib.float64) * 1j,
        lambda lib: lib.ones(2, dtype=lib.int64) + 1j,
        lambda lib: lib.ones(2, dtype=lib.complex64) * 2.5,
        lambda lib: lib.ones(2, dtype=lib.complex64) / 2,
        lambda lib: lib.ones(2, dtype=lib.int64) / (1 + 1j),
        lambda lib: lib.tensor([1 + 2j]),
        lambda lib: lib.tensor(1j),
        lambda lib: lib.tensor([1, 2], dtype=lib.cdouble),
    ],
)
def test_promotion_matches_torch(make: Callable[[Any], Any]) -> None:
    mine, theirs = make(ag), make(torch)
    assert str(mine.dtype)[10:] == str(theirs.dtype)[6:]
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_default_complex_dtype_follows_the_default_float_dtype() -> None:
    ag.set_default_dtype(ag.float64)
    try:
        assert ag.tensor([1j]).dtype is ag.complex128
        assert (ag.ones(2, dtype=ag.float32) + 1j).dtype is ag.complex64  # the tensor's size
        assert (ag.ones(2, dtype=ag.int64) + 1j).dtype is ag.complex128
    finally:
        ag.set_default_dtype(ag.float32)
    assert ag.tensor([1j]).dtype is ag.complex64


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.zeros(2, 3, dtype=lib.cfloat),
        lambda lib: lib.ones(2, dtype=lib.cdouble),
        lambda lib: lib.full((2,), 1 + 2j),
        lambda lib: lib.full((2,), 1.5, dtype=lib.cfloat),
        lambda lib: lib.zeros_like(lib.ones(2), dtype=lib.cfloat),
        lambda lib: lib.ones_like(lib.tensor([1j])),
        lambda lib: lib.full_like(lib.tensor([1j, 2j]), 3 - 1j),
        lambda lib: lib.tensor([1.0, 2.0]).to(lib.cfloat),
        lambda lib: lib.tensor([1.0, 2.0]).cdouble(),
    ],
)
def test_creation_matches_torch(make: Callable[[Any], Any]) -> None:
    mine, theirs = make(ag), make(torch)
    assert str(mine.dtype)[10:] == str(theirs.dtype)[6:]
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_linspace_with_complex_ends() -> None:
    mine, theirs = ag.linspace(0, 1 + 2j, 5), torch.linspace(0, 1 + 2j, 5)
    assert mine.dtype is ag.complex64
    np.testing.assert_allclose(mine.numpy(), theirs.numpy())


def test_empty_has_the_dtype() -> None:
    assert ag.empty(2, 3, dtype=ag.cfloat).dtype is ag.complex64
    assert ag.empty_like(ag.tensor([1j])).dtype is ag.complex64


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_randn_splits_variance_one_over_the_parts(dtype: str) -> None:
    ag.manual_seed(0)
    z = ag.randn(200_000, dtype=getattr(ag, dtype))
    assert z.dtype is getattr(ag, dtype)
    # E|z|^2 = 1, each part with variance 1/2 and mean 0, as torch draws them
    assert abs(float(ag.mean(ag.abs(z) ** 2)) - 1) < 0.01
    for part in (z.real, z.imag):
        assert abs(float(part.mean())) < 0.01
        assert abs(float(part.var()) - 0.5) < 0.01


def test_rand_draws_both_parts_uniformly() -> None:
    z = ag.rand(10_000, dtype=ag.cfloat)
    for part in (z.real, z.imag):
        assert float(part.min()) >= 0 and float(part.max()) < 1
        assert abs(float(part.mean()) - 0.5) < 0.02


# --- printing and conversions -------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        [1 + 2j, 3 - 1j],
        [1 + 20j, 3 - 1j],
        [100 + 2.5j, -3 - 1j],
        [1.5 + 20j, -3 - 1.25j],
        [0j, 1e-5 + 1e5j],
        [1 - 1j] * 30,
        [1.5 - 1.25j] * 12,
        [1 + 1j] * 2000,
        [complex(math.nan, 1.0), complex(1.0, math.inf)],
        1 + 2j,
    ],
)
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_repr_matches_torch(values: Any, dtype: str) -> None:
    mine = repr(ag.tensor(values, dtype=getattr(ag, dtype)))
    theirs = repr(torch.tensor(values, dtype=getattr(torch, dtype)))
    assert mine == theirs.replace("torch.", "arraygrad.")


def test_repr_of_negative_zero_parts_and_grad() -> None:
    x = ag.complex(ag.tensor([0.0, -0.0]), ag.tensor([-0.0, math.nan]))
    y = torch.complex(torch.tensor([0.0, -0.0]), torch.tensor([-0.0, math.nan]))
    assert repr(x) == repr(y)
    grads = [
        lib.tensor([[1 + 2j, 3 + 4j]], dtype=lib.complex128, requires_grad=True)
        for lib in (ag, torch)
    ]
    assert repr(grads[0]) == repr(grads[1]).replace("torch.", "arraygrad.")


def test_python_values() -> None:
    z = ag.tensor([1 + 2j, -3j])
    assert z.tolist() == [1 + 2j, -3j]
    assert ag.tensor(1 + 2j).item() == 1 + 2j
    assert complex(ag.tensor(1 + 2j)) == 1 + 2j
    assert z.numpy().dtype == np.complex64
    assert outcome_in_each(lambda lib: float(lib.tensor(1 + 2j))) == ("RuntimeError",) * 2


def test_float_of_complex_warns_and_keeps_the_real_part() -> None:
    with pytest.warns(UserWarning, match="Casting complex values to real discards the imaginary"):
        x = ag.tensor([1 + 2j, 3 - 1j]).float()
    assert x.dtype is ag.float32 and x.tolist() == [1.0, 3.0]


def test_saving(tmp_path: Any) -> None:
    z = ag.tensor([1 + 2j, 3 - 1j], dtype=ag.cdouble)
    ag.save({"z": z}, tmp_path / "z.npz")
    loaded = ag.load(tmp_path / "z.npz")["z"]
    assert loaded.dtype is ag.complex128 and loaded.tolist() == z.tolist()
    with pytest.raises(TypeError, match="complex128 tensors cannot be saved"):
        ag.save({"z": z}, tmp_path / "z.safetensors")


# --- parts, conjugates, views as pairs ---------------------------------------------------------


def test_parts_and_conjugates() -> None:
    z = ag.tensor([1 + 2j, 3 - 1j])
    assert z.real.tolist() == [1.0, 3.0] and z.imag.tolist() == [2.0, -1.0]
    assert z.real.dtype is ag.float32
    assert ag.conj(z).tolist() == [1 - 2j, 3 + 1j]
    assert z.conj_physical().tolist() == [1 - 2j, 3 + 1j]
    # arraygrad materialises conjugates: never a lazy conjugate bit
    assert not z.conj().is_conj() and ag.resolve_conj(z) is z
    assert z.sgn().tolist() == pytest.approx([(1 + 2j) / 5**0.5, (3 - 1j) / 10**0.5])
    m = ag.tensor([[1 + 1j, 2 - 3j]])
    assert m.mH.tolist() == [[1 - 1j], [2 + 3j]] and m.adjoint().tolist() == m.mH.tolist()


def test_view_as_real_and_complex() -> None:
    z = ag.tensor([[1 + 2j, 3 - 1j]])
    assert ag.view_as_real(z).tolist() == [[[1.0, 2.0], [3.0, -1.0]]]
    assert ag.view_as_complex(ag.view_as_real(z)).tolist() == z.tolist()
    # pairs need not be next to each other across the other dimensions (even strides)
    pairs = np.arange(18.0).reshape(3, 3, 2)
    for lib in (ag, torch):
        every_other = lib.tensor(pairs)[:, ::2]
        assert (
            lib.view_as_complex(every_other).tolist()
            == (pairs[:, ::2, 0] + 1j * pairs[:, ::2, 1]).tolist()
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.view_as_real(lib.ones(2)),
        lambda lib: lib.view_as_complex(lib.ones(2, 3)),
        lambda lib: lib.view_as_complex(lib.ones(4, 2).t()),
        lambda lib: lib.view_as_complex(lib.ones(3, 2).t().contiguous().t()),
        lambda lib: lib.view_as_complex(lib.ones(2, 4)[:, 1:3]),
        lambda lib: lib.view_as_complex(lib.ones(9)[1:].view(4, 2)),
        lambda lib: lib.view_as_complex(lib.ones(3, 2, dtype=lib.long)),
        lambda lib: lib.complex(lib.ones(2), lib.ones(2, dtype=lib.float64)),
        lambda lib: lib.complex(lib.ones(2, dtype=lib.long), lib.ones(2, dtype=lib.long)),
        lambda lib: lib.polar(lib.ones(2), lib.ones(2, dtype=lib.float64)),
        lambda lib: lib.tensor([1 + 1j], requires_grad=True).sum().backward(),
    ],
)
def test_errors_match_torch(call: Callable[[Any], Any]) -> None:
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError) as mine:
        call(ag)
    expected = str(theirs.value).split(" (Triggered")[0].rstrip(".")
    assert str(mine.value).startswith(expected.replace("torch.", "arraygrad."))


# --- values and gradients against torch ------------------------------------------------------

UNARY = {
    "neg": lambda lib, z: -z,
    "exp": lambda lib, z: lib.exp(z),
    "log": lambda lib, z: lib.log(z),
    "sqrt": lambda lib, z: lib.sqrt(z),
    "sin": lambda lib, z: lib.sin(z),
    "cos": lambda lib, z: lib.cos(z),
    "tanh": lambda lib, z: lib.tanh(z),
    "sigmoid": lambda lib, z: lib.sigmoid(z),
    "reciprocal": lambda lib, z: lib.reciprocal(z),
    "square": lambda lib, z: lib.square(z),
    "pow_int": lambda lib, z: z**3,
    "pow_float": lambda lib, z: z**1.5,
    "pow_complex": lambda lib, z: z ** (0.5 - 1j),
    "rpow": lambda lib, z: 2.0**z,
    "abs": lambda lib, z: lib.abs(z),
    "angle": lambda lib, z: lib.angle(z),
    "sgn": lambda lib, z: lib.sgn(z),
    "conj": lambda lib, z: lib.conj(z) * 1,
    "conj_physical": lambda lib, z: lib.conj_physical(z),
    "real": lambda lib, z: z.real * 1,
    "imag": lambda lib, z: z.imag * 1,
    "view_as_real": lambda lib, z: lib.view_as_real(z) * 1,
    "sum": lambda lib, z: z.sum(),
    "sum_dim": lambda lib, z: z.sum(0),
    "mean": lambda lib, z: z.mean(),
    "mean_dim": lambda lib, z: z.mean(1, keepdim=True),
    "scalar_ops": lambda lib, z: (z * 2.5 + (1 - 2j)) / (3 + 1j) - 0.5,
    "shapes": lambda lib, z: z.t().reshape(-1).flip(0)[1:4].unsqueeze(1).expand(3, 2),
    "index": lambda lib, z: z[[0, 1, 1], [2, 0, 0]],
    "cat_stack": lambda lib, z: lib.stack([lib.cat([z, z * 1j]), lib.cat([z, z])]),
    "clone_where": lambda lib, z: lib.where(z.real > 0.8, z.clone(), z * z),
    "to_complex128": lambda lib, z: z.to(lib.complex64).to(lib.complex128),
    "float": lambda lib, z: z.to(lib.float64),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_and_gradients(name: str) -> None:
    fn = UNARY[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # .to(float64): the discarded imaginary
        check_against_torch(lambda z: fn(ag, z), lambda z: fn(torch, z), [_complex(2, 3)])


BINARY = {
    "add": lambda lib, a, b: a + b,
    "sub": lambda lib, a, b: a - b,
    "mul": lambda lib, a, b: a * b,
    "div": lambda lib, a, b: a / b,
    "pow": lambda lib, a, b: a**b,
    "add_alpha": lambda lib, a, b: lib.add(a, b, alpha=2),
    "matmul": lambda lib, a, b: a @ b.mT,
    "mm": lambda lib, a, b: lib.mm(a, b.t()),
    "mv": lambda lib, a, b: lib.mv(a, b[0]),
    "dot_like": lambda lib, a, b: a[0] @ b[1],
    "bmm": lambda lib, a, b: lib.bmm(a.unsqueeze(0), b.t().unsqueeze(0)),
    "linear": lambda lib, a, b: lib.nn.functional.linear(a, b),
    "einsum": lambda lib, a, b: lib.einsum("ij,kj->ik", a, b),
    "tensordot": lambda lib, a, b: lib.tensordot(a, b.t(), 1),
    "vdot": lambda lib, a, b: lib.vdot(a[0], b[1]),
    "trace": lambda lib, a, b: lib.trace(a @ b.t()),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_values_and_gradients(name: str) -> None:
    fn = BINARY[name]
    check_against_torch(
        lambda a, b: fn(ag, a, b), lambda a, b: fn(torch, a, b), [_complex(2, 3), _complex(2, 3)]
    )


MIXED = {
    "mul": lambda lib, x, z: x * z,
    "div_add": lambda lib, x, z: z / x + x,
    "real_base": lambda lib, x, z: x**z,
    "real_exponent": lambda lib, x, z: z**x,
    # matrix products do not promote (torch's rule): the real operand is converted first
    "matmul": lambda lib, x, z: x.to(z.dtype) @ z.mT,
    "complex": lambda lib, x, z: lib.complex(x, x * 2) * z,
    "polar": lambda lib, x, z: lib.polar(x, x - 1) * z,
    "view_as_complex": lambda lib, x, z: lib.view_as_complex(lib.stack([x, x * x], -1)) * z,
}


@pytest.mark.parametrize("name", sorted(MIXED))
def test_real_and_complex_operands(name: str) -> None:
    # the real operand's gradient is real: the real part of what arrives at the promotion
    fn = MIXED[name]
    check_against_torch(
        lambda x, z: fn(ag, x, z), lambda x, z: fn(torch, x, z), [_real(2, 3), _complex(2, 3)]
    )


def test_real_operand_gets_a_real_gradient() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    z = ag.tensor([1 + 1j, 2 - 1j], requires_grad=True)
    (x * z).abs().sum().backward()
    assert x.grad is not None and x.grad.dtype is ag.float32
    assert z.grad is not None and z.grad.dtype is ag.complex64


def test_complex64_gradients_stay_complex64() -> None:
    z = ag.tensor([1 + 1j, 2 - 1j], requires_grad=True)
    (z * 2.0 * ag.tensor(3.0) / 2).exp().abs().sum().backward()
    assert z.grad is not None and z.grad.dtype is ag.complex64


# --- finite differences on the real and imaginary parts -----------------------------------------


@pytest.mark.parametrize(
    "name", ["exp", "log", "sqrt", "tanh", "sgn", "abs", "angle", "pow_complex"]
)
def test_gradients_match_finite_differences(name: str) -> None:
    fn = UNARY[name]
    z0 = _complex(4)
    weights = _complex(4)

    def loss_of(lib: Any, z: Any) -> Any:
        out = fn(lib, z)
        if out.is_complex():
            return (out * lib.tensor(weights)).real.sum()
        return (out * lib.tensor(weights.real)).sum()

    z = ag.tensor(z0, requires_grad=True)
    loss_of(ag, z).backward()
    assert z.grad is not None
    numeric = complex_numeric_gradient(lambda v: float(loss_of(ag, ag.tensor(v))), z0)
    np.testing.assert_allclose(z.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


def test_product_gradient_by_finite_differences() -> None:
    a0, b0, w = _complex(3), _complex(3), _complex(3)
    a, b = ag.tensor(a0, requires_grad=True), ag.tensor(b0, requires_grad=True)
    ((a * b / (a + 2)) * ag.tensor(w)).real.sum().backward()

    def loss(x: np.ndarray, y: np.ndarray) -> float:
        return float(np.sum(((x * y / (x + 2)) * w).real))

    assert a.grad is not None and b.grad is not None
    np.testing.assert_allclose(a.grad.numpy(), complex_numeric_gradient(lambda v: loss(v, b0), a0))
    np.testing.assert_allclose(b.grad.numpy(), complex_numeric_gradient(lambda v: loss(a0, v), b0))


# --- comparisons -------------------------------------------------------------------------------


def test_comparisons() -> None:
    a = ag.tensor([1 + 2j, 3 - 1j, complex(math.nan, 0)])
    b = ag.tensor([1 + 2j, 3 + 1j, complex(math.nan, 0)])
    assert (a == b).tolist() == [True, False, False]
    assert (a != b).tolist() == [False, True, True]
    assert ag.isclose(a, b + 1e-9, equal_nan=True).tolist() == [True, False, True]
    assert ag.allclose(a[:1], b[:1] + 1e-9j)
    assert not ag.allclose(a[:2], b[:2])  # the imaginary parts differ: not discarded
    assert ag.isnan(a).tolist() == [False, False, True]
    assert ag.isinf(ag.tensor([complex(1, math.inf), 1j])).tolist() == [True, False]
    assert ag.isfinite(ag.tensor([complex(1, math.inf), 1j])).tolist() == [False, True]


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, z: z < z,
        lambda lib, z: z % z,
        lambda lib, z: z // z,
        lambda lib, z: z.max(),
        lambda lib, z: z.amax(),
        lambda lib, z: z.sign(),
        lambda lib, z: lib.relu(z),
        lambda lib, z: z.floor(),
        lambda lib, z: z.clamp(0, 1),
        lambda lib, z: lib.atan2(z, z),
        lambda lib, z: lib.erf(z),
        lambda lib, z: z.lgamma(),
        lambda lib, z: lib.nn.functional.mse_loss(z, z),
    ],
)
def test_ops_torch_refuses_are_refused(call: Callable[[Any, Any], Any]) -> None:
    with pytest.raises(NotImplementedError):
        call(torch, torch.tensor([1 + 1j, 2 - 1j]))
    with pytest.raises(NotImplementedError):
        call(ag, ag.tensor([1 + 1j, 2 - 1j]))


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, z: z.sort(),
        lambda lib, z: z.argsort(),
        lambda lib, z: z.argmax(),
        lambda lib, z: lib.maximum(z, z),
        lambda lib, z: z.abs_(),
    ],
)
def test_runtime_errors_torch_raises(call: Callable[[Any, Any], Any]) -> None:
    outcome = outcome_in_each(
        lambda lib: call(lib, lib.tensor([1 + 1j, 2 - 1j])), (RuntimeError, NotImplementedError)
    )
    assert outcome == ("RuntimeError", "RuntimeError")


@pytest.mark.parametrize(
    "call",
    [
        lambda z: ag.logsumexp(z, 0),
    ],
)
def test_ops_arraygrad_lacks_say_so(call: Callable[[Any], Any]) -> None:
    with pytest.raises(NotImplementedError, match="not supported for complex tensors in arraygrad"):
        call(ag.tensor([1 + 1j, 2 - 1j]))


# --- linalg.eig / eigvals -----------------------------------------------------------------------


def _gauge_free(lib: Any, a: Any) -> Any:
    # eigenvalues and |eigenvectors|: what does not depend on the vectors' free phases
    values, vectors = lib.linalg.eig(a)
    return values * (1 + 0.5j), vectors.abs()


@pytest.mark.parametrize("kind", ["real", "complex"])
def test_eig_values_and_gradients(kind: str) -> None:
    data = RNG.standard_normal((2, 4, 4))
    if kind == "complex":
        data = data + 1j * RNG.standard_normal((2, 4, 4))
    check_against_torch(
        lambda a: _gauge_free(ag, a), lambda a: _gauge_free(torch, a), [data], atol=1e-8
    )
    check_against_torch(
        lambda a: ag.linalg.eigvals(a), lambda a: torch.linalg.eigvals(a), [data], atol=1e-8
    )


def test_eig_decomposes() -> None:
    a = ag.tensor(RNG.standard_normal((5, 5)))
    values, vectors = ag.linalg.eig(a)
    assert values.dtype is ag.complex128 and vectors.dtype is ag.complex128
    np.testing.assert_allclose(
        (a.to(ag.cdouble) @ vectors).numpy(), (vectors * values).numpy(), atol=1e-10
    )
    np.testing.assert_allclose(vectors.abs().pow(2).sum(0).numpy(), np.ones(5))


def test_eig_phase_dependent_loss_raises() -> None:
    data = RNG.standard_normal((3, 3))
    for lib in (torch, ag):
        a = lib.tensor(data, requires_grad=True)
        vectors = lib.linalg.eig(a).eigenvectors
        with pytest.raises(RuntimeError, match="specified up to multiplication by e"):
            lib.autograd.grad(vectors.imag.sum(), a)


def test_eig_second_derivative_refuses() -> None:
    a = ag.tensor(RNG.standard_normal((3, 3)), requires_grad=True)
    (grad,) = ag.autograd.grad(ag.linalg.eigvals(a).abs().sum(), a, create_graph=False)
    assert grad.shape == (3, 3)
    with pytest.raises(NotImplementedError, match=r"second derivatives of linalg\.eig"):
        ag.autograd.grad(ag.linalg.eigvals(a).abs().sum(), a, create_graph=True)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.linalg.eig(lib.ones(2, 3)),
        lambda lib: lib.linalg.eig(lib.ones(3)),
    ],
)
def test_eig_errors_match_torch(call: Callable[[Any], Any]) -> None:
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError) as mine:
        call(ag)
    assert str(mine.value) == str(theirs.value)


# --- second derivatives (create_graph) -----------------------------------------------------------


@pytest.mark.parametrize(
    "loss",
    [
        lambda lib, z: (z * z * z).abs().sum(),
        lambda lib, z: lib.exp(z).abs().sum(),
        lambda lib, z: lib.sin(z).real.sum() + lib.cos(z).imag.sum(),
        lambda lib, z: (z.abs() ** 3).sum() + lib.angle(z * z).sum(),
        lambda lib, z: (1 / z).imag.sum() + lib.sgn(z * z).real.sum(),
        lambda lib, z: (lib.log(z) * lib.sqrt(z) * lib.tanh(z)).real.sum(),
        lambda lib, z: (z ** (0.5 + 1j)).abs().sum(),
        lambda lib, z: (z[:, None] @ z[None, :] @ z).abs().sum(),
        lambda lib, z: lib.fft.fft(z * z).abs().sum() + lib.fft.irfft(z * z, n=5).pow(2).sum(),
    ],
)
def test_second_derivatives_match_torch(loss: Callable[[Any, Any], Any]) -> None:
    data, direction = _complex(3), _complex(3)
    results = []
    for lib in (ag, torch):
        z = lib.tensor(data, requires_grad=True)
        (grad,) = lib.autograd.grad(loss(lib, z), z, create_graph=True)
        (second,) = lib.autograd.grad((grad * lib.tensor(direction)).real.sum(), z)
        results.append(second.detach().resolve_conj().numpy() if lib is torch else second.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-7, atol=1e-10)


def test_unpickled_complex_arrays_take_the_complex_rules() -> None:
    # NumPy's unpickled arrays (DataLoader workers', torch.save files') carry dtype objects
    # equal to its builtin ones but not the same objects; arraygrad knew complex dtypes by the
    # identity of the first such object met, so after a builtin complex128 one these took the
    # real rules (no conjugate in the gradient of z * w) or were refused (tan).
    ag.tan(ag.tensor(np.array([0.3 + 0.1j])))  # the builtin complex128 dtype object met first
    values = np.array([0.3 + 0.1j, 1 - 2j]), np.array([2 + 1j, 0.5j])
    arrays = [pickle.loads(pickle.dumps(v)) for v in values]
    assert arrays[0].dtype is not np.dtype(np.complex128)  # (what NumPy gives, the premise)
    grads = []
    for lib, make in ((ag, ag.from_numpy), (torch, torch.tensor)):
        z, w = (make(a).requires_grad_() for a in arrays)
        (lib.tan(z) * w).real.sum().backward()
        grads.append((z.grad.numpy(), w.grad.numpy()))
    for mine, theirs in zip(*grads, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)
