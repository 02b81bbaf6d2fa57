"""The two oracles every op is checked against: PyTorch 2.13.0 and finite differences.

``check_against_torch`` runs the same function on arraygrad and on torch from the same NumPy
inputs, compares the forward values, then pulls back the same random cotangent through both and
compares the input gradients. Where float32 results differ from torch's by more than the
tolerance, both are measured against torch in float64 on the same inputs, and arraygrad's pass
when they are no further from it than torch's (ill-conditioned inputs, such as a layer norm of
nearly equal values, make torch's own float32 error exceed any fixed tolerance; which inputs
hypothesis draws moves with the literals in the source). ``gradcheck`` compares arraygrad's
vector-Jacobian product with central finite differences in float64. ``strict_backend`` runs a
block on ``array_api_strict`` arrays, the standard and nothing more, to compare with the same
block on NumPy.
"""

from __future__ import annotations

import contextlib
import importlib
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraygrad as ag
from arraygrad._backend.lazy import FLOAT_WARNINGS

TOLERANCES = {np.float64: (1e-7, 1e-10), np.float32: (1e-5, 1e-6)}


@contextlib.contextmanager
def on_backend(name: str) -> Iterator[None]:
    """Compute on the array library ``name`` inside the block, on NumPy again after it."""
    ag.set_backend(name)
    try:
        yield
    finally:
        ag.set_backend("numpy")


def strict_backend() -> contextlib.AbstractContextManager[None]:
    """Compute on ``array_api_strict`` (the standard and nothing more) inside the block."""
    return on_backend("array_api_strict")


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, ag.Tensor):
        return np.asarray(value.detach().numpy())
    return value.detach().cpu().resolve_conj().numpy()  # torch's lazy conjugates materialised


def _differentiable(array: np.ndarray) -> bool:
    return np.issubdtype(array.dtype, np.inexact)  # floating and complex


def _cotangent(rng: np.random.Generator, out: Any, dtype: Any) -> np.ndarray:
    """A random cotangent for torch's output ``out``: standard normal in ``dtype``, with a
    standard normal imaginary part too where ``out`` is complex."""
    if out.is_complex():
        real = rng.standard_normal(out.shape)
        kind = np.complex64 if out.dtype == torch.complex64 else np.complex128
        return (real + 1j * rng.standard_normal(out.shape)).astype(kind)
    if np.issubdtype(dtype, np.complexfloating):  # a real output of complex inputs (abs)
        dtype = np.float32 if dtype == np.complex64 else np.float64
    return rng.standard_normal(out.shape).astype(dtype)


def outcome_in_each(
    fn: Callable[[Any], Any], errors: tuple[type[Exception], ...] = (RuntimeError, IndexError)
) -> tuple[Any, Any]:
    """``fn(lib)`` run with ``lib`` torch, then arraygrad: each one's result, or the name of
    the exception class of ``errors`` it raised (for tests that a call gives torch's values
    where torch computes and raises torch's exception where torch raises)."""
    outcomes = []
    for lib in (torch, ag):
        try:
            outcomes.append(fn(lib))
        except errors as error:
            outcomes.append(type(error).__name__)
    return outcomes[0], outcomes[1]


def dtype_outcomes(call: Callable[[Any, Any], Any], dtype: str) -> tuple[Any, Any]:
    """``call(lib, x)`` with ``x`` a (2, 3) tensor of ``dtype`` (a name both libraries have),
    in torch then arraygrad: each one's ``("OK", result dtype name)`` (of the first element of
    a tuple result), or ``(exception class name, message)``, for tables of calls that must
    take the dtypes torch takes and refuse the others as torch does."""
    outcomes = []
    for lib in (torch, ag):
        try:
            _, out = _called_on_example(call, lib, dtype)
        except Exception as error:  # the class and message are compared
            outcomes.append((type(error).__name__, str(error)))
            continue
        out = out[0] if isinstance(out, (tuple, list)) else out
        outcomes.append(("OK", str(out.dtype).split(".")[-1]))
    return outcomes[0], outcomes[1]


def _dtype_example(lib: Any, dtype: str) -> Any:
    if dtype == "bool":
        return lib.tensor([[True, False, True], [False, True, True]])
    return lib.tensor([[0.5, 1.0, 2.0], [3.0, 0.0, 1.5]]).to(getattr(lib, dtype))


def _called_on_example(call: Callable[[Any, Any], Any], lib: Any, dtype: str) -> tuple[Any, Any]:
    """``x``, the (2, 3) example of ``dtype`` in ``lib``, and ``call(lib, x)``."""
    x = _dtype_example(lib, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecations of what is compared
        return x, call(lib, x)


def _values(t: Any) -> np.ndarray:
    return np.asarray(t.detach().tolist(), dtype=complex if t.dtype.is_complex else float)


def assert_call_as_torch(call: Callable[[Any, Any], Any], dtype: str, rtol: float = 1e-6) -> None:
    """``call(lib, x)`` with ``x`` the (2, 3) tensor of ``dtype`` of :func:`dtype_outcomes`, in
    torch then arraygrad: torch's exception class where it raises, else its result's dtype
    and values (NaN equal to NaN) and, for an in-place method, that it returns ``x`` and what
    ``x`` holds after it."""
    outcomes: list[Any] = []
    for lib in (torch, ag):
        try:
            x, out = _called_on_example(call, lib, dtype)
        except Exception as error:  # the class is compared
            outcomes.append(type(error).__name__)
            continue
        outcomes.append((str(out.dtype).split(".")[-1], out is x, _values(out), _values(x)))
    theirs, mine = outcomes
    if isinstance(theirs, str) or isinstance(mine, str):
        assert mine == theirs, (theirs, mine)
        return
    assert mine[:2] == theirs[:2], (theirs[:2], mine[:2])
    for their_values, my_values in zip(theirs[2:], mine[2:], strict=True):
        np.testing.assert_allclose(my_values, their_values, rtol=rtol, equal_nan=True)


def assert_refused_as_torch(call: Callable[[Any, Any], Any], dtype: str) -> None:
    """:func:`dtype_outcomes`: torch's result dtype where it computes, its exception class
    where it refuses (and its ``"kernel" not implemented for 'Dtype'`` first)."""
    theirs, mine = dtype_outcomes(call, dtype)
    assert mine[0] == theirs[0], (theirs, mine)
    if theirs[0] == "OK":
        assert mine == theirs
        return
    if theirs[0] == "NotImplementedError":
        assert mine[1].startswith(theirs[1]), (theirs, mine)


def grad_fn_names(expression: str, **values: Any) -> tuple[str, str]:
    """The ``grad_fn`` name of ``expression`` evaluated in arraygrad and in torch: ``x`` is a
    (2, 3) float32 leaf that requires grad, ``lib`` the library, ``values`` more names (each a
    function of the library)."""
    names = []
    for lib in (ag, torch):
        x = lib.tensor([[0.5, -1.0, 2.0], [0.25, 3.0, -0.5]], requires_grad=True)
        scope = {"x": x, "lib": lib, **{key: make(lib) for key, make in values.items()}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's deprecations of what is compared
            names.append(eval(expression, scope).grad_fn.name())
    return names[0], names[1]


def raised_by(fn: Callable[[], Any]) -> tuple[type, str] | None:
    """The class and message of the exception ``fn()`` raises (``None`` if none), for tests
    that compare them with torch's."""
    try:
        fn()
    except Exception as error:  # the class and message are compared
        return type(error), str(error)
    return None


def _call_recording(lib: Any, call: Callable[..., Any], arrays: Sequence[np.ndarray]) -> Any:
    """``call(lib, *leaves)`` on float64 leaves made from ``arrays`` (requiring grad): the
    leaves, the outputs (a tuple) or the exception class raised, and the warnings caught."""
    leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # (arraygrad's own filter, which "always" replaced: NumPy's floating-point warnings
        # in its modules, where PyTorch gives inf or nan silently)
        warnings.filterwarnings(
            "ignore", message=FLOAT_WARNINGS, category=RuntimeWarning, module=r"arraygrad\."
        )
        try:
            out: Any = _as_tuple(call(lib, *leaves))
        except Exception as error:  # the class is compared
            out = type(error)
    return leaves, out, caught


def assert_like_torch_on(call: Callable[..., Any], *shapes: tuple[int, ...]) -> None:
    """``call(lib, *xs)`` with float64 leaves ``xs`` of ``shapes`` (values in (0.2, 0.8), the
    same in both libraries) behaves in arraygrad as in torch: the same exception class, or
    outputs of the same shapes, dtypes and values (nan where torch has nan), torch's
    UserWarnings and no NumPy RuntimeWarning; then the same input gradients for a random
    cotangent (an empty or unreached input's may be None in one and zeros in the other). For
    empty and 0-d shapes, where libraries differ most."""
    rng = np.random.default_rng(0)
    arrays = [rng.uniform(0.2, 0.8, shape) for shape in shapes]
    th_leaves, theirs, th_warned = _call_recording(torch, call, arrays)
    ag_leaves, mine, ag_warned = _call_recording(ag, call, arrays)
    if isinstance(theirs, type) or isinstance(mine, type):
        refused = isinstance(mine, type) and isinstance(theirs, type)
        assert refused and issubclass(mine, theirs), (theirs, mine)
        return
    assert not [w for w in ag_warned if w.category is RuntimeWarning], ag_warned[0].message
    wanted = {str(w.message)[:40] for w in th_warned if w.category is UserWarning}
    assert wanted <= {str(w.message)[:40] for w in ag_warned}, (wanted, ag_warned)
    assert len(mine) == len(theirs)
    for m, t in zip(mine, theirs, strict=True):
        assert tuple(m.shape) == tuple(t.shape), (m.shape, t.shape)
        assert str(m.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (m.dtype, t.dtype)
        np.testing.assert_allclose(_to_numpy(m), _to_numpy(t), rtol=1e-7, atol=1e-10)
    outs = [i for i, t in enumerate(theirs) if t.requires_grad]
    assert outs == [i for i, m in enumerate(mine) if m.requires_grad]
    if not outs:
        return
    cotangents = [_cotangent(rng, theirs[i], np.float64) for i in outs]
    th_grads = torch.autograd.grad(
        [theirs[i] for i in outs],
        th_leaves,
        [torch.tensor(c) for c in cotangents],
        allow_unused=True,
    )
    ag_grads = ag.autograd.grad(
        [mine[i] for i in outs], ag_leaves, [ag.tensor(c) for c in cotangents], allow_unused=True
    )
    for m, t, array in zip(ag_grads, th_grads, arrays, strict=True):
        expected = np.zeros(array.shape) if t is None else _to_numpy(t)
        got = np.zeros(array.shape) if m is None else _to_numpy(m)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-10)


def shape_cases(table: Sequence[tuple[str, Callable[..., Any], Sequence[Any]]]) -> Any:
    """pytest's parametrize over ``(call, shape)`` for each shape of each ``(name, call,
    shapes)`` row of ``table`` (named ``name-shape``): the rows of :func:`assert_like_torch_on`
    tables."""
    cases = [
        pytest.param(call, shape, id=f"{name}-{shape}")
        for name, call, shapes in table
        for shape in shapes
    ]
    return pytest.mark.parametrize(("call", "shape"), cases)


def check_against_torch(
    ag_fn: Callable[..., Any],
    torch_fn: Callable[..., Any] | None,
    inputs: Sequence[np.ndarray],
    *,
    rtol: float | None = None,
    atol: float | None = None,
    grad: bool = True,
    seed: int = 0,
) -> None:
    """Assert ``ag_fn`` and ``torch_fn`` agree in values and in VJPs on ``inputs``.

    ``torch_fn`` defaults to ``ag_fn`` itself, called with the ``torch`` module's tensors (the
    functions are written against the shared API). Floating inputs require grad; the cotangent
    is drawn from a seeded normal distribution and shared by both libraries.
    """
    torch_fn = torch_fn or ag_fn
    dtype = next((a.dtype.type for a in inputs if _differentiable(a)), np.float64)
    default_rtol, default_atol = TOLERANCES.get(dtype, (1e-7, 1e-10))
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol

    ag_inputs = [ag.tensor(a, requires_grad=grad and _differentiable(a)) for a in inputs]
    th_inputs = [torch.tensor(a, requires_grad=grad and _differentiable(a)) for a in inputs]
    ag_out = _as_tuple(ag_fn(*ag_inputs))
    th_out = _as_tuple(torch_fn(*th_inputs))
    assert len(ag_out) == len(th_out)
    # torch in float64 on the same inputs, computed only if a float32 comparison fails
    exact = _Exact(torch_fn, inputs, grad, seed)
    for position, (mine, theirs) in enumerate(zip(ag_out, th_out, strict=True)):
        assert tuple(mine.shape) == tuple(theirs.shape), (mine.shape, theirs.shape)
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], (
            mine.dtype,
            theirs.dtype,
        )
        _assert_close(mine, theirs, exact, rtol, atol, position, "output")
    if not grad:
        return
    wrt = [i for i, a in enumerate(inputs) if _differentiable(a)]
    outs = [i for i, o in enumerate(th_out) if o.requires_grad]
    if not wrt or not outs:
        return
    rng = np.random.default_rng(seed)
    cotangents = [_cotangent(rng, th_out[i], inputs[wrt[0]].dtype) for i in outs]
    th_grads = torch.autograd.grad(
        [th_out[i] for i in outs],
        [th_inputs[i] for i in wrt],
        [torch.tensor(c) for c in cotangents],
        allow_unused=True,
    )
    ag_grads = ag.autograd.grad(
        [ag_out[i] for i in outs],
        [ag_inputs[i] for i in wrt],
        [ag.tensor(c) for c in cotangents],
        allow_unused=True,
    )
    for index, mine, theirs in zip(wrt, ag_grads, th_grads, strict=True):
        if theirs is None:
            assert mine is None or np.all(_to_numpy(mine) == 0), f"input {index}"
            continue
        assert mine is not None, f"arraygrad gave no gradient for input {index}"
        assert tuple(mine.shape) == tuple(theirs.shape)
        _assert_close(mine, theirs, exact, rtol, atol, index, "input")


class _Exact:
    """torch's outputs and input gradients in float64, for inputs given in a lower precision:
    what :func:`_assert_close` measures both libraries' float32 errors against. Computed once,
    when first asked for, with the cotangent :func:`check_against_torch` used (drawn by the
    same seeded generator at float64)."""

    def __init__(
        self, torch_fn: Callable[..., Any], inputs: Sequence[np.ndarray], grad: bool, seed: int
    ) -> None:
        self._fn, self._inputs, self._grad, self._seed = torch_fn, inputs, grad, seed
        self._results: tuple[list[np.ndarray], dict[int, np.ndarray]] | None = None
        # Only float16/float32 inputs have a more precise reference to compare with.
        self.available = any(_differentiable(a) and a.dtype.itemsize < 8 for a in inputs)

    def get(self) -> tuple[list[np.ndarray], dict[int, np.ndarray]]:
        if self._results is None:
            wide = [a.astype(np.float64) if _differentiable(a) else a for a in self._inputs]
            xs = [torch.tensor(a, requires_grad=self._grad and _differentiable(a)) for a in wide]
            out = _as_tuple(self._fn(*xs))
            wrt = [i for i, a in enumerate(wide) if _differentiable(a)]
            outs = [i for i, o in enumerate(out) if o.requires_grad]
            grads: dict[int, np.ndarray] = {}
            if self._grad and wrt and outs:
                rng = np.random.default_rng(self._seed)
                # the float32 cotangent the check used, widened exactly
                dtype = self._inputs[wrt[0]].dtype
                vs = [rng.standard_normal(out[i].shape).astype(dtype) for i in outs]
                found = torch.autograd.grad(
                    [out[i] for i in outs],
                    [xs[i] for i in wrt],
                    [torch.tensor(v.astype(np.float64)) for v in vs],
                    allow_unused=True,
                )
                grads = {i: _to_numpy(g) for i, g in zip(wrt, found, strict=True) if g is not None}
            self._results = ([_to_numpy(o) for o in out], grads)
        return self._results


def _assert_close(
    mine: Any, theirs: Any, exact: _Exact, rtol: float, atol: float, index: int, kind: str
) -> None:
    """``mine`` within tolerance of ``theirs`` (torch's), or, in float32, no further from
    torch's float64 result than ``theirs`` is (plus the tolerance), element by element."""
    a, t = _to_numpy(mine), _to_numpy(theirs)
    try:
        np.testing.assert_allclose(a, t, rtol=rtol, atol=atol, err_msg=f"{kind} {index}")
    except AssertionError:
        if not exact.available or not np.issubdtype(a.dtype, np.floating):
            raise
        values, grads = exact.get()
        reference = values[index] if kind == "output" else grads.get(index)
        if reference is None or reference.shape != a.shape:
            raise
        mine_error = np.abs(a.astype(np.float64) - reference)
        torch_error = np.abs(t.astype(np.float64) - reference)
        slack = atol + rtol * np.abs(reference)
        # NaN anywhere: no measure of closeness, the plain comparison's verdict stands
        if not np.all(mine_error <= torch_error + slack):
            raise


def _higher_derivatives(
    module: Any, fn: Callable[..., Any], arrays: Sequence[np.ndarray], order: int
) -> list[list[np.ndarray]]:
    # Orders 1..order: each one the gradient of the sum of the previous order's gradients.
    xs = [module.tensor(a, requires_grad=True) for a in arrays]
    total = fn(*xs).sum()
    results = []
    for _ in range(order):
        grads = module.autograd.grad(total, xs, create_graph=True, allow_unused=True)
        grads = [module.zeros_like(x) if g is None else g for g, x in zip(grads, xs, strict=True)]
        # torch's efficient zero tensors cannot become NumPy arrays; their values are zeros.
        results.append(
            [np.zeros(tuple(g.shape)) if _is_zero_tensor(g) else _to_numpy(g) for g in grads]
        )
        linked = [g.sum() for g in grads if g.requires_grad]
        if not linked:
            break
        total = sum(linked[1:], linked[0])
    return results


def _is_zero_tensor(value: Any) -> bool:
    return bool(getattr(value, "_is_zerotensor", lambda: False)())


def check_higher_derivatives_against_torch(
    fn: Callable[..., Any], inputs: Sequence[np.ndarray], order: int = 3
) -> None:
    """Assert arraygrad's derivatives of ``fn`` up to ``order`` equal torch's, nan for nan.

    For kinks and domain edges: the inputs are float64 points on and beside them. Order k is
    the gradient of the summed order k - 1 gradients, taken with ``create_graph=True``.
    """
    theirs = _higher_derivatives(torch, fn, inputs, order)
    mine = _higher_derivatives(ag, fn, inputs, order)
    assert len(mine) == len(theirs), (len(mine), len(theirs))
    for k, (mine_k, theirs_k) in enumerate(zip(mine, theirs, strict=True), start=1):
        for index, (a, b) in enumerate(zip(mine_k, theirs_k, strict=True)):
            np.testing.assert_allclose(
                a, b, rtol=1e-7, atol=1e-10, err_msg=f"order {k}, input {index}"
            )


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[np.ndarray],
    *,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
    seed: int = 0,
) -> None:
    """Assert arraygrad's VJP of ``fn`` matches central finite differences (float64 inputs).

    With a random cotangent ``v``, the scalar ``v · fn(x)`` is differentiated numerically in each
    input element and compared with ``autograd.grad`` of the same scalar. ``atol`` is raised to
    the rounding floor of the finite differences where that is higher: the scalar sums terms
    ``v_i fn(x)_i`` whose rounding, about ``eps_64 · sum |v_i fn(x)_i|`` per evaluation, is
    divided by the step ``2 eps`` (outputs of size 100, as squared singular values, make it
    1e-7).
    """
    rng = np.random.default_rng(seed)
    arrays = [np.array(a, dtype=np.float64) if _differentiable(a) else a for a in inputs]
    wrt = [i for i, a in enumerate(arrays) if _differentiable(a)]
    probe = _as_tuple(fn(*[ag.tensor(a) for a in arrays]))
    cotangents = [rng.standard_normal(tuple(o.shape)) for o in probe]
    size = sum(
        float(np.sum(np.abs(_to_numpy(o) * c))) for o, c in zip(probe, cotangents, strict=True)
    )
    atol = max(atol, 8 * float(np.finfo(np.float64).eps) * size / eps)

    def scalar(values: list[np.ndarray]) -> float:
        outs = _as_tuple(fn(*[ag.tensor(a) for a in values]))
        return float(sum(np.sum(_to_numpy(o) * c) for o, c in zip(outs, cotangents, strict=True)))

    tensors = [ag.tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
    outs = _as_tuple(fn(*tensors))
    total = sum(
        (o * ag.tensor(c)).sum() for o, c in zip(outs, cotangents, strict=True) if o.requires_grad
    )
    if not isinstance(total, ag.Tensor):
        return
    analytic = ag.autograd.grad(total, [tensors[i] for i in wrt], allow_unused=True)
    for index, grad in zip(wrt, analytic, strict=True):
        # C order whatever the input's: ``reshape(-1)`` must be a view of it, and its flat
        # index k must be that of ``a.copy()`` (C order) below
        numeric = np.zeros(arrays[index].shape, arrays[index].dtype)
        flat = numeric.reshape(-1)
        for k in range(flat.size):
            plus = [a.copy() for a in arrays]
            minus = [a.copy() for a in arrays]
            plus[index].reshape(-1)[k] += eps
            minus[index].reshape(-1)[k] -= eps
            flat[k] = (scalar(plus) - scalar(minus)) / (2 * eps)
        mine = np.zeros_like(numeric) if grad is None else _to_numpy(grad)
        np.testing.assert_allclose(
            mine, numeric, rtol=rtol, atol=atol, err_msg=f"gradcheck input {index}"
        )


def complex_numeric_gradient(
    loss: Callable[[np.ndarray], float], z: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """Central differences of the real ``loss`` at the complex ``z`` along each element's real
    and imaginary parts, combined as PyTorch's gradient of a real loss, ``dL/dx + i dL/dy``."""
    grad = np.zeros(z.shape, z.dtype)  # C order, as ``z.copy()``: reshape(-1) views both
    for k in range(z.size):
        for step, unit in ((eps, 1.0), (eps * 1j, 1j)):
            plus, minus = z.copy(), z.copy()
            plus.reshape(-1)[k] += step
            minus.reshape(-1)[k] -= step
            grad.reshape(-1)[k] += unit * (loss(plus) - loss(minus)) / (2 * eps)
    return grad


def check_complex_gradient(
    fn: Callable[[Any], Any],
    z0: np.ndarray,
    draw: Callable[..., np.ndarray],
    *,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> None:
    """Assert arraygrad's gradient at the complex ``z0`` of the real loss ``sum_k Re(out_k w_k)``
    over ``fn``'s outputs (a tensor or a tuple; ``w_k = draw(*shape)``, its real part for a
    real output) matches :func:`complex_numeric_gradient`."""
    weights: list[np.ndarray] = []

    def loss(z: Any) -> Any:
        out = fn(z)
        parts = out if isinstance(out, tuple) else (out,)
        if not weights:
            weights.extend(draw(*p.shape) for p in parts)
        total = ag.tensor(0.0, dtype=ag.float64)
        for p, w in zip(parts, weights, strict=True):
            w_t = ag.tensor(w)
            total = total + ((p * w_t).real.sum() if p.is_complex() else (p * w_t.real).sum())
        return total

    z = ag.tensor(z0, requires_grad=True)
    loss(z).backward()
    assert z.grad is not None
    numeric = complex_numeric_gradient(lambda v: float(loss(ag.tensor(v))), z0)
    np.testing.assert_allclose(z.grad.numpy(), numeric, rtol=rtol, atol=atol)


def arrays_for_shapes(
    draw: Any,
    shapes: Sequence[tuple[int, ...]],
    dtype: Any = np.float64,
    low: float = -3.0,
    high: float = 3.0,
) -> list[np.ndarray]:
    """Draw one array per shape with finite values in ``[low, high]``."""
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)
    return [
        draw(hnp.arrays(np.float64, shape, elements=elements)).astype(dtype) for shape in shapes
    ]


def broadcast_shapes(num_shapes: int, min_dims: int = 0, max_dims: int = 3) -> Any:
    """A strategy of ``num_shapes`` mutually broadcastable shapes (including 0-d and size 1)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=4
    ).map(lambda result: result.input_shapes)


@dataclass(frozen=True)
class OpSpec:
    """One row of an op table: how to test an op against torch and finite differences.

    ``fn`` is written against the API torch and arraygrad share, so it runs on either library's
    tensors. Inputs are ``arity`` float arrays of mutually broadcastable shapes drawn by
    hypothesis (or ``shapes``, a strategy of a tuple of shapes, when the op needs specific ones),
    with values in ``[low, high]``. ``kinks`` are points where the op is not differentiable:
    finite differences stay ``kink_margin`` away from them (PyTorch's choice there is tested
    separately). ``min_dims`` / ``max_dims`` bound the drawn ranks.
    """

    fn: Callable[..., Any]
    arity: int = 1
    low: float = -3.0
    high: float = 3.0
    shapes: Any = None
    kinks: tuple[float, ...] = ()
    kink_margin: float = 1e-3
    min_dims: int = 0
    max_dims: int = 3
    gradcheck: bool = True
    rtol: float | None = None
    atol: float | None = None


def draw_inputs(spec: OpSpec, draw: Any, dtype: Any, *, max_dims: int | None = None) -> list:
    """Draw the inputs of ``spec`` for one example."""
    if spec.shapes is not None:
        shapes = draw(spec.shapes)
    else:
        top = spec.max_dims if max_dims is None else min(spec.max_dims, max_dims)
        shapes = draw(broadcast_shapes(spec.arity, spec.min_dims, max(top, spec.min_dims)))
    arrays = arrays_for_shapes(draw, shapes, dtype, spec.low, spec.high)
    for array in arrays:
        for kink in spec.kinks:  # finite differences are meaningless across a kink
            array[np.abs(array - kink) < spec.kink_margin] = kink + 0.5
    return arrays


def fixed_shapes(*shapes: tuple[int, ...]) -> Any:
    """The strategy of an op-table row whose inputs always have ``shapes``."""
    return st.just(shapes)


def shapes_of(build: Callable[..., Any], count: int) -> Any:
    """A strategy of the shapes ``build(*sizes)`` gives for ``count`` sizes drawn in [1, 4]."""
    return st.tuples(*[st.integers(1, 4)] * count).map(lambda sizes: build(*sizes))


def fixed_shapes_settings() -> settings:
    """Hypothesis settings for the torch comparison of an op table whose rows have fixed
    shapes (convolutions, pooling): more examples only draw other values, which these ops
    treat alike, so a third of the profile's examples (at least 8)."""
    return settings(max_examples=max(8, settings.default.max_examples // 3))


def run_torch_case(spec: OpSpec, draw: Any, dtype: Any) -> None:
    """Compare ``spec`` with torch on one drawn example."""
    check_against_torch(
        spec.fn, None, draw_inputs(spec, draw, dtype), rtol=spec.rtol, atol=spec.atol
    )


def run_gradcheck_case(spec: OpSpec, draw: Any) -> None:
    """Finite-difference check of ``spec`` on one drawn example (float64, small shapes)."""
    if spec.gradcheck:
        gradcheck(spec.fn, draw_inputs(spec, draw, np.float64, max_dims=2))


TESTS_DIR = Path(__file__).resolve().parent


def op_table_modules() -> list[Path]:
    """The test modules that declare an ``OP_TABLE`` (ops and nn.functional)."""
    return sorted(
        [*TESTS_DIR.glob("ops/test_*.py"), *TESTS_DIR.glob("nn/test_functional*.py")], key=str
    )


def all_op_tables() -> dict[str, OpSpec]:
    """Every op-table row of the suite, keyed ``"<module stem>:<row>"``."""
    rows: dict[str, OpSpec] = {}
    for path in op_table_modules():
        name = ".".join(path.relative_to(TESTS_DIR.parent).with_suffix("").parts)
        module = importlib.import_module(name)
        for key, spec in getattr(module, "OP_TABLE", {}).items():
            rows[f"{path.stem}:{key}"] = spec
    return rows


def same_state(model: Any, eager_model: Any) -> bool:
    """Whether two modules' parameters, their ``.grad`` and buffers are equal bit for bit (a
    compiled step's model against the eager one's)."""
    mine, theirs = model.state_dict(), eager_model.state_dict()
    grads = [
        (p.grad, q.grad) for p, q in zip(model.parameters(), eager_model.parameters(), strict=True)
    ]
    return all(
        p.detach().numpy().tobytes() == q.detach().numpy().tobytes()
        for p, q in [*zip(mine.values(), theirs.values(), strict=True), *grads]
        if p is not None or q is not None
    ) and all((p is None) == (q is None) for p, q in grads)
