"""The second slice of complex ops: the other element-wise functions, var/std, norms, det /
inv / solve, cumsum, index_add, masked_fill and where on complex tensors, with values and
gradients against torch (complex128, random complex cotangents) and by finite differences on
the real and imaginary parts; and PyTorch's refusals (``arange`` of a complex dtype)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from oracle import check_against_torch, complex_numeric_gradient, outcome_in_each

import arraygrad as ag

RNG = np.random.default_rng(20260102)


def _complex(*shape: int, scale: float = 0.7) -> np.ndarray:
    # inside the unit disc's neighbourhood, off the branch cuts of asin, acosh, atanh, log
    return scale * (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape))


FUNCTIONS = [
    "tan",
    "sinh",
    "cosh",
    "asin",
    "acos",
    "atan",
    "asinh",
    "acosh",
    "atanh",
    "expm1",
    "log1p",
    "log2",
    "log10",
    "rsqrt",
    "exp2",
]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_functions_match_torch(name: str) -> None:
    check_against_torch(
        lambda z: getattr(ag, name)(z), lambda z: getattr(torch, name)(z), [_complex(2, 3)]
    )


@pytest.mark.parametrize("name", ["tan", "asin", "acosh", "atanh", "log10", "expm1"])
def test_functions_match_finite_differences(name: str) -> None:
    z0, weights = _complex(4), _complex(4)

    def loss(lib: Any, z: Any) -> Any:
        return (getattr(lib, name)(z) * lib.tensor(weights)).real.sum()

    z = ag.tensor(z0, requires_grad=True)
    loss(ag, z).backward()
    assert z.grad is not None
    numeric = complex_numeric_gradient(lambda v: float(loss(ag, ag.tensor(v))), z0)
    np.testing.assert_allclose(z.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


def test_function_methods_and_second_derivatives() -> None:
    z0 = _complex(3)
    grads = []
    for lib in (ag, torch):
        z = lib.tensor(z0, requires_grad=True)
        out = z.sinh().cosh().abs().sum() + (z.cumprod(0) * z.prod()).real.sum()
        first = lib.autograd.grad(out, z, create_graph=True)[0]
        second = lib.autograd.grad((first * first.conj()).real.sum(), z)[0]
        grads.append(second.detach().resolve_conj().numpy() if lib is torch else second.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)


REDUCTIONS = {
    "var": lambda lib, z: z.var(),
    "std": lambda lib, z: z.std(),
    "var_dim_keepdim": lambda lib, z: z.var(1, keepdim=True),
    "std_correction": lambda lib, z: z.std(0, correction=0),
    "std_keepdim": lambda lib, z: z.std(dim=(0, 1), keepdim=True),
    "var_mean": lambda lib, z: lib.var_mean(z, 1),
    "std_mean": lambda lib, z: lib.std_mean(z, 0, keepdim=True),
    "vector_norm": lambda lib, z: lib.linalg.vector_norm(z),
    "vector_norm_1": lambda lib, z: lib.linalg.vector_norm(z, 1, dim=1),
    "vector_norm_inf": lambda lib, z: lib.linalg.vector_norm(z, float("inf"), dim=0),
    "vector_norm_3": lambda lib, z: lib.linalg.vector_norm(z, 3, dim=0, keepdim=True),
    "norm": lambda lib, z: z.norm(),
    "linalg_norm": lambda lib, z: lib.linalg.norm(z[0]),
    "matrix_norm_fro": lambda lib, z: lib.linalg.matrix_norm(z[:, :3]),
    "cumsum": lambda lib, z: lib.cumsum(z, 0),
    "cumsum_method": lambda lib, z: z.cumsum(1),
    "cumsum_0d": lambda lib, z: z[0, 0].cumsum(0),
    "prod": lambda lib, z: z.prod(),
    "prod_dim": lambda lib, z: z.prod(1, keepdim=True),
    "prod_with_zeros": lambda lib, z: lib.where(z.real > 0, z, 0).prod(1),
    "cumprod": lambda lib, z: lib.cumprod(z, 1),
    "cumprod_with_zeros": lambda lib, z: lib.where(z.real > 0, z, 0).cumprod(0),
    "det": lambda lib, z: lib.linalg.det(z[:, :3]),
    "det_batched": lambda lib, z: lib.det(lib.stack([z[:, :3], z[:, 1:]])),
    "inv": lambda lib, z: lib.linalg.inv(z[:, :3]),
    "inverse": lambda lib, z: z[:, 1:].inverse(),
    "solve": lambda lib, z: lib.linalg.solve(z[:, :3], z[:, 2:]),
    "solve_vector": lambda lib, z: lib.linalg.solve(z[:, :3], z[:, 3]),
    "solve_right": lambda lib, z: lib.linalg.solve(z[:, :3], z[:2, 1:], left=False),
    "solve_broadcast": lambda lib, z: lib.linalg.solve(z[:, :3].expand(2, 3, 3), z[:, 2:]),
    "index_add": lambda lib, z: z[:, :3].index_add(1, lib.tensor([2, 0, 2]), z[:, 1:]),
    "index_add_alpha": lambda lib, z: z[:, :3].index_add(1, lib.tensor([1, 0]), z[:, 2:], alpha=2),
    "masked_fill": lambda lib, z: z.masked_fill(z.real > 0, 2j),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_ops_match_torch(name: str) -> None:
    fn = REDUCTIONS[name]
    check_against_torch(lambda z: fn(ag, z), lambda z: fn(torch, z), [_complex(3, 4)])


def test_index_add_complex_alpha_by_finite_differences() -> None:
    # (torch 2.13 multiplies the gradient by alpha, not by its conjugate: finite differences
    # are the reference here)
    z0, weights, alpha = _complex(3), _complex(3), 2 - 1j
    index = ag.tensor([2, 0, 2])

    def loss(z: Any) -> Any:
        out = ag.zeros(3, dtype=ag.complex128).index_add(0, index, z, alpha=alpha)
        return (out * ag.tensor(weights)).real.sum()

    z = ag.tensor(z0, requires_grad=True)
    loss(z).backward()
    assert z.grad is not None
    numeric = complex_numeric_gradient(lambda v: float(loss(ag.tensor(v))), z0)
    np.testing.assert_allclose(z.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "name", ["det", "inv", "solve", "var", "vector_norm_3", "prod_with_zeros", "cumprod"]
)
def test_linalg_and_statistics_by_finite_differences(name: str) -> None:
    fn = REDUCTIONS[name]
    z0 = _complex(3, 4)

    def loss(z: Any) -> Any:
        out = fn(ag, z)
        w = ag.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)) * (1 - 0.5j))
        return (out * w).real.sum() if out.is_complex() else (out * w.real).sum()

    z = ag.tensor(z0, requires_grad=True)
    loss(z).backward()
    assert z.grad is not None
    numeric = complex_numeric_gradient(lambda v: float(loss(ag.tensor(v))), z0)
    np.testing.assert_allclose(z.grad.numpy(), numeric, rtol=1e-5, atol=1e-7)


def test_real_results_have_the_real_dtype() -> None:
    z = ag.tensor(_complex(3, 4)).to(ag.complex64)
    assert z.var().dtype is ag.float32 and z.std(0).dtype is ag.float32
    assert ag.linalg.vector_norm(z).dtype is ag.float32
    assert ag.linalg.det(z[:, :3]).dtype is ag.complex64


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.arange(3, dtype=lib.cfloat),
        lambda lib: lib.arange(0, 2, 0.5, dtype=lib.cdouble),
    ],
)
def test_refusals_match_torch(call: Callable[[Any], Any]) -> None:
    outcome = outcome_in_each(call, (RuntimeError, NotImplementedError))
    assert isinstance(outcome[0], str) and outcome[0] == outcome[1], outcome


# --- the first slice's corners, against torch --------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.isreal(lib.tensor([1 + 0j, 1j, complex(2, -0.0)])),
        lambda lib: lib.tensor([1j, 2]).isreal(),
        lambda lib: float(lib.tensor(1.5 + 0j)),
        lambda lib: int(lib.tensor(2.7 + 0j)),
        lambda lib: int(lib.tensor(2 + 1j)),
        lambda lib: lib.tensor([1 + 1j, 2]).unique(),
        lambda lib: lib.complex(lib.ones(2), lib.ones(3)),
        lambda lib: lib.polar(lib.ones(2), lib.ones(3)),
        lambda lib: lib.linalg.vector_norm(lib.tensor([3.0]), dtype=lib.complex64),
        lambda lib: lib.linalg.vector_norm(lib.tensor([3 + 4j]), dtype=lib.complex128),
        lambda lib: lib.add(lib.tensor([1 + 1j]), lib.tensor([2j]), alpha=0.5),
    ],
)
def test_corners_match_torch(call: Callable[[Any], Any]) -> None:
    errors = (RuntimeError, NotImplementedError, TypeError)
    mine, theirs = outcome_in_each(call, errors)[::-1]
    if isinstance(theirs, str):
        assert mine == theirs
    elif isinstance(theirs, torch.Tensor):
        assert repr(mine) == repr(theirs).replace("torch.", "arraygrad.")
    else:
        assert mine == theirs and type(mine) is type(theirs)


def test_index_of_a_complex_tensor_is_refused_as_by_torch() -> None:
    for lib in (torch, ag):
        with pytest.raises(TypeError, match="only integer tensors of a single element"):
            [0, 1][lib.tensor(1 + 0j)]


def test_complex_parameters_take_the_complex_rules() -> None:
    # nn.Parameter is a Tensor subclass: its arithmetic and functions are the complex ones
    z0, w = _complex(3), _complex(3)
    grads = []
    for lib in (ag, torch):
        z = lib.nn.Parameter(lib.tensor(z0))
        loss = ((z * z - lib.tensor(w)).abs() ** 2).sum() + (lib.exp(z) / z).real.sum()
        loss.backward()
        assert z.grad is not None
        grads.append(z.grad.resolve_conj().numpy() if lib is torch else z.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)


FUNC = {
    "jvp": lambda lib, z, t: lib.func.jvp(lambda v: (v * v).sin(), (z,), (t,)),
    "jvp_real_output": lambda lib, z, t: lib.func.jvp(lambda v: (v * v).abs(), (z,), (t,)),
    "vjp": lambda lib, z, t: lib.func.vjp(lambda v: (v * v).sin(), z)[1](t),
    "grad": lambda lib, z, t: lib.func.grad(lambda v: (v * v * t).sin().abs().sum())(z),
    "vmap_grad": lambda lib, z, t: lib.func.vmap(lib.func.grad(lambda v: (v * v).abs()))(z),
    "autograd_jvp": lambda lib, z, t: lib.autograd.functional.jvp(lambda v: v.exp() * v, z, t),
    "autograd_vjp": lambda lib, z, t: lib.autograd.functional.vjp(lambda v: v.exp() * v, z, t),
    "autograd_hvp": lambda lib, z, t: lib.autograd.functional.hvp(
        lambda v: (v * v).abs().sum(), z, t
    ),
}


@pytest.mark.parametrize("name", sorted(FUNC))
def test_function_transforms_match_torch(name: str) -> None:
    z0, t0 = _complex(3), _complex(3)
    results = []
    for lib in (ag, torch):
        out = FUNC[name](lib, lib.tensor(z0), lib.tensor(t0))
        flat = out if isinstance(out, tuple) else (out,)
        results.append([np.asarray(o.detach().resolve_conj().numpy()) for o in flat])
    for mine, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, z: lib.func.jacfwd(lambda v: v * v)(z),
    ],
)
def test_jacobians_of_complex_inputs_are_refused_as_by_torch(call: Callable[..., Any]) -> None:
    for lib in (torch, ag):
        with pytest.raises(RuntimeError):
            call(lib, lib.tensor([1 + 1j, 2j]))


@pytest.mark.parametrize(
    ("real", "complex_"),
    [("float64", "complex64"), ("float32", "complex128"), ("float16", "complex64")],
)
def test_gradient_of_a_real_tensor_made_complex_has_its_dtype(real: str, complex_: str) -> None:
    # The real part of the complex gradient, in the real tensor's dtype as in PyTorch (it
    # had complex64's float32 for a float64 tensor); under create_graph too.
    def run(lib: Any) -> tuple[Any, Any]:
        x = lib.tensor([1.5, -2.0], dtype=getattr(lib, real), requires_grad=True)
        z = x.to(getattr(lib, complex_))
        (first,) = lib.autograd.grad(((z * (1 + 2j)) * x).real.sum(), x, create_graph=True)
        (second,) = lib.autograd.grad(first.sum(), x)
        return first, second

    for expected, actual in zip(run(torch), run(ag), strict=True):
        assert str(actual.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        np.testing.assert_array_equal(actual.detach().numpy(), expected.detach().numpy())
