"""Finite-difference checks of reverse-mode gradients: :func:`gradcheck` and :func:`gradgradcheck`.

For a function ``f`` of tensors, the numerical Jacobian is built column by column with central
differences,

    J_num[k, j] = (f_j(x + eps·e_k) - f_j(x - eps·e_k)) / (2·eps),

and the analytical Jacobian row by row with one backward pass per output element,
``J_an[:, j] = vjp(f, e_j)``. The check passes when ``|J_an - J_num| <= atol + rtol·|J_num|``
everywhere. ``gradgradcheck`` applies the same check to the function that maps the inputs and a
cotangent to the gradient (computed with ``create_graph=True``), which tests second derivatives.

>>> import arraygrad
>>> x = arraygrad.tensor([1.0, 2.0], dtype=arraygrad.float64, requires_grad=True)
>>> gradcheck(lambda t: (t**3).sum(), (x,))
True
>>> gradgradcheck(lambda t: (t**3).sum(), (x,))
True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from arraygrad import _backend
from arraygrad._dtype import float64
from arraygrad._grad_mode import enable_grad
from arraygrad._tensor import Tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` and :func:`gradgradcheck` when the gradients do not match
    (with ``raise_exception=True``, the default); a RuntimeError, as PyTorch's.

    >>> import arraygrad
    >>> from arraygrad.autograd.gradcheck import GradcheckError
    >>> class Wrong(arraygrad.autograd.Function):  # d(x*x)/dx is 2x, not 1
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         return grad
    >>> x = arraygrad.tensor([1.0, 2.0], dtype=arraygrad.float64, requires_grad=True)
    >>> try:
    ...     arraygrad.autograd.gradcheck(Wrong.apply, (x,))
    ... except GradcheckError as error:
    ...     print(str(error)[:33])
    Jacobian mismatch for output 0 wi
    """


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if isinstance(value, Tensor):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _flat(array: Any) -> Any:
    return _backend.xp.reshape(array, (-1,))


def _is_float(tensor: Any) -> bool:
    return isinstance(tensor, Tensor) and tensor.dtype.is_floating_point


def _outputs_as_arrays(func: Callable[..., Any], inputs: Sequence[Any]) -> list[Any]:
    """Evaluate ``func`` and return its floating outputs as flat float64 arrays."""
    outs = _as_tuple(func(*inputs))
    xp = _backend.xp
    return [xp.astype(_flat(o._data), xp.float64) if _is_float(o) else None for o in outs]


def numerical_jacobian(
    func: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6
) -> list[list[Any]]:
    """``J[i][j]``: the (numel(input i), numel(output j)) central-difference Jacobian.

    Inputs that do not require grad get no entry (``J[i]`` is ``None``); so do outputs that are
    not floating point (``J[i][j]`` is ``None``).
    """
    xp = _backend.xp
    base = list(inputs)
    jacobians: list[list[Any]] = []
    for index, tensor in enumerate(base):
        if not (isinstance(tensor, Tensor) and tensor.requires_grad):
            jacobians.append(None)  # type: ignore[arg-type]
            continue
        original = tensor._data
        count = tensor.numel()
        columns: list[list[Any]] = []
        for k in range(count):
            values = []
            for delta in (eps, -eps):
                flat = xp.asarray(_flat(original), copy=True)
                flat[k] = flat[k] + delta
                moved = Tensor._wrap(xp.reshape(flat, tuple(original.shape)), tensor.requires_grad)
                trial = base[:index] + [moved] + base[index + 1 :]
                values.append(_outputs_as_arrays(func, trial))
            columns.append(
                [
                    None if plus is None else (plus - minus) / (2 * eps)
                    for plus, minus in zip(values[0], values[1], strict=True)
                ]
            )
        if not columns:  # an empty input: every Jacobian has zero rows
            outs = _outputs_as_arrays(func, base)
            per_output = [
                None if o is None else xp.zeros((0, o.shape[0]), dtype=xp.float64) for o in outs
            ]
        else:
            per_output = [
                None if columns[0][j] is None else xp.stack([column[j] for column in columns])
                for j in range(len(columns[0]))
            ]
        jacobians.append(per_output)
    return jacobians


def analytical_jacobian(
    func: Callable[..., Any], inputs: Sequence[Any], check_grad_dtypes: bool = False
) -> list[list[Any]]:
    """``J[i][j]``, laid out as :func:`numerical_jacobian`, from one backward per output element."""
    from arraygrad.autograd import grad

    xp = _backend.xp
    with enable_grad():
        outputs = _as_tuple(func(*inputs))
    wrt = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    jacobians: list[Any] = [[None] * len(outputs) if i in wrt else None for i in range(len(inputs))]
    for j, out in enumerate(outputs):
        if not _is_float(out):
            continue
        rows: dict[int, list[Any]] = {i: [] for i in wrt}
        size = out.numel()
        for k in range(size):
            if not out.requires_grad:
                for i in wrt:
                    rows[i].append(xp.zeros(inputs[i].numel(), dtype=xp.float64))
                continue
            cotangent = xp.zeros(size, dtype=out._data.dtype)
            cotangent[k] = 1
            cotangent = Tensor._wrap(xp.reshape(cotangent, tuple(out._data.shape)))
            grads = grad(
                out,
                [inputs[i] for i in wrt],
                cotangent,
                retain_graph=True,
                allow_unused=True,
            )
            for i, g in zip(wrt, grads, strict=True):
                if g is None:
                    rows[i].append(xp.zeros(inputs[i].numel(), dtype=xp.float64))
                    continue
                if check_grad_dtypes and g.dtype != inputs[i].dtype:
                    raise GradcheckError(
                        f"Gradient has dtype mismatch: input {i} has dtype {inputs[i].dtype} but "
                        f"its gradient has dtype {g.dtype}"
                    )
                rows[i].append(xp.astype(_flat(g._data), xp.float64))
        for i in wrt:
            count = inputs[i].numel()
            # rows[i] is one row per output element; the layout is (input element, output element)
            stacked = (
                xp.stack(rows[i], axis=1) if rows[i] else xp.zeros((count, 0), dtype=xp.float64)
            )
            jacobians[i][j] = stacked
    return jacobians


def _format(array: Any) -> str:
    return repr(Tensor._wrap(array)).replace(", dtype=arraygrad.float64", "")


def _compare(
    numerical: list[list[Any]],
    analytical: list[list[Any]],
    atol: float,
    rtol: float,
    what: str = "",
) -> str | None:
    xp = _backend.xp
    for i, (num_row, an_row) in enumerate(zip(numerical, analytical, strict=True)):
        if num_row is None:
            continue
        for j, (num, an) in enumerate(zip(num_row, an_row, strict=True)):
            if num is None or an is None:
                continue
            if num.shape != an.shape or not bool(
                xp.all(xp.abs(an - num) <= atol + rtol * xp.abs(num))
            ):
                return (
                    f"{what}Jacobian mismatch for output {j} with respect to input {i},\n"
                    f"numerical:{_format(num)}\nanalytical:{_format(an)}\n"
                )
    return None


def _fast_check(
    func: Callable[..., Any], inputs: Sequence[Any], eps: float, atol: float, rtol: float
) -> str | None:
    """Compare ``vᵀ J u`` computed both ways, for random ``u`` (inputs) and ``v`` (outputs)."""
    from arraygrad.autograd import grad

    xp = _backend.xp
    wrt = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    directions = {
        i: _backend.random_normal(tuple(inputs[i]._data.shape), inputs[i]._data.dtype) for i in wrt
    }
    moved = []
    for sign in (1, -1):
        trial = [
            Tensor._wrap(t._data + sign * eps * directions[i], True) if i in directions else t
            for i, t in enumerate(inputs)
        ]
        moved.append(_outputs_as_arrays(func, trial))
    with enable_grad():
        outputs = _as_tuple(func(*inputs))
    for j, out in enumerate(outputs):
        if not _is_float(out) or moved[0][j] is None:
            continue
        numeric_ju = (moved[0][j] - moved[1][j]) / (2 * eps)
        v = _backend.random_normal(tuple(out._data.shape), out._data.dtype)
        numeric = float(xp.sum(numeric_ju * xp.astype(_flat(v), xp.float64)))
        analytic = 0.0
        if out.requires_grad:
            grads = grad(
                out, [inputs[i] for i in wrt], Tensor._wrap(v), retain_graph=True, allow_unused=True
            )
            for i, g in zip(wrt, grads, strict=True):
                if g is not None:
                    analytic += float(xp.sum(xp.astype(g._data, xp.float64) * directions[i]))
        if abs(analytic - numeric) > atol + rtol * abs(numeric):
            return (
                f"Jacobian mismatch for output {j} with respect to the inputs (fast mode: "
                f"v^T J u along random u, v),\nnumerical:{numeric!r}\nanalytical:{analytic!r}\n"
            )
    return None


def _check_forward(
    func: Callable[..., Any], inputs: Sequence[Any], eps: float, atol: float, rtol: float
) -> str | None:
    """Check ``J u`` from :func:`arraygrad.autograd.functional.jvp` against finite differences."""
    from arraygrad.autograd.functional import jvp

    wrt = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    directions = {
        i: _backend.random_normal(tuple(inputs[i]._data.shape), inputs[i]._data.dtype) for i in wrt
    }
    xp = _backend.xp

    def restricted(*chosen: Tensor) -> Any:
        full = list(inputs)
        for i, tensor in zip(wrt, chosen, strict=True):
            full[i] = tensor
        outs = _as_tuple(func(*full))
        return tuple(o for o in outs if _is_float(o))

    _, tangents = jvp(
        restricted,
        tuple(inputs[i] for i in wrt),
        tuple(Tensor._wrap(directions[i]) for i in wrt),
    )
    moved = []
    for sign in (1, -1):
        trial = [
            Tensor._wrap(t._data + sign * eps * directions[i], True) if i in directions else t
            for i, t in enumerate(inputs)
        ]
        moved.append([m for m in _outputs_as_arrays(func, trial) if m is not None])
    for j, tangent in enumerate(_as_tuple(tangents)):
        numeric = (moved[0][j] - moved[1][j]) / (2 * eps)
        analytic = xp.astype(_flat(tangent._data), xp.float64)
        if not bool(xp.all(xp.abs(analytic - numeric) <= atol + rtol * xp.abs(numeric))):
            return (
                f"Jacobian-vector product mismatch for output {j} (forward mode),\n"
                f"numerical:{_format(numeric)}\nanalytical:{_format(analytic)}\n"
            )
    return None


def gradcheck(
    func: Callable[..., Tensor | Sequence[Tensor]],
    inputs: Tensor | Sequence[Tensor],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against central finite differences.

    Every floating input with ``requires_grad=True`` is perturbed by ``±eps`` element by element
    (use float64: in float32 the differences are dominated by rounding). Returns ``True`` when
    analytical and numerical Jacobians agree within ``atol + rtol·|numerical|``; otherwise raises
    :class:`GradcheckError` naming the output and input (or returns ``False`` when
    ``raise_exception=False``). ``fast_mode`` compares ``vᵀ J u`` for random ``u``, ``v`` instead
    of whole Jacobians; ``check_forward_ad`` also checks Jacobian-vector products (arraygrad
    computes them by the double-VJP method). ``nondet_tol``, ``check_undefined_grad``,
    ``check_batched_grad``, ``check_batched_forward_grad`` and ``masked`` are accepted for
    PyTorch compatibility: arraygrad's backward is deterministic and has no batching rules, so
    the ordinary check covers them.

    >>> import arraygrad
    >>> x = arraygrad.tensor([0.5, 1.5], dtype=arraygrad.float64, requires_grad=True)
    >>> gradcheck(lambda t: t.sin() * t, (x,))
    True
    """
    del nondet_tol, check_undefined_grad, check_batched_grad, check_batched_forward_grad, masked
    tupled = _as_tuple(inputs)
    if not any(isinstance(t, Tensor) and t.requires_grad for t in tupled):
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them "
            "have requires_grad=True. Fix: create the inputs to check with requires_grad=True."
        )
    for index, tensor in enumerate(tupled):
        if isinstance(tensor, Tensor) and tensor.requires_grad and tensor.dtype is not float64:
            warnings.warn(
                f"Input #{index} requires gradient and is not a double precision floating point. "
                "This check will likely fail if all the inputs are not of double precision "
                "floating point.",
                UserWarning,
                stacklevel=2,
            )
    failure = None
    if check_backward_ad:
        if fast_mode:
            failure = _fast_check(func, tupled, eps, atol, rtol)
        else:
            numerical = numerical_jacobian(func, tupled, eps)
            analytical = analytical_jacobian(func, tupled, check_grad_dtypes)
            failure = _compare(numerical, analytical, atol, rtol)
    if failure is None and check_forward_ad:
        failure = _check_forward(func, tupled, eps, atol, rtol)
    if failure is None:
        return True
    if raise_exception:
        raise GradcheckError(failure)
    return False


def gradgradcheck(
    func: Callable[..., Tensor | Sequence[Tensor]],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """Check second derivatives: :func:`gradcheck` of ``(inputs, v) -> vjp(func, v)``.

    The gradient of ``func`` with respect to its inputs, for cotangents ``grad_outputs`` (drawn
    from a normal distribution when not given), is computed with ``create_graph=True`` and then
    differentiated again, with respect to both the inputs and the cotangents.

    >>> import arraygrad
    >>> x = arraygrad.tensor([0.5, 1.5], dtype=arraygrad.float64, requires_grad=True)
    >>> gradgradcheck(lambda t: t.exp() * t, (x,))
    True
    """
    from arraygrad.autograd import grad

    del gen_non_contig_grad_outputs
    tupled = _as_tuple(inputs)
    with enable_grad():
        outputs = _as_tuple(func(*tupled))
    differentiable = [i for i, o in enumerate(outputs) if _is_float(o) and o.requires_grad]
    if grad_outputs is None:
        cotangents = [
            Tensor._wrap(
                _backend.random_normal(tuple(outputs[i]._data.shape), outputs[i]._data.dtype),
                True,
            )
            for i in differentiable
        ]
    else:
        cotangents = list(_as_tuple(grad_outputs))
    count = len(tupled)
    wrt = [i for i, t in enumerate(tupled) if isinstance(t, Tensor) and t.requires_grad]

    def first_derivative(*args: Any) -> tuple[Tensor, ...]:
        primal, vs = args[:count], args[count:]
        outs = _as_tuple(func(*primal))
        chosen = [outs[i] for i in differentiable]
        grads = grad(
            chosen,
            [primal[i] for i in wrt],
            list(vs),
            create_graph=True,
            allow_unused=True,
        )
        return tuple(g for g in grads if g is not None)

    return gradcheck(
        first_derivative,
        (*tupled, *cotangents),
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        check_grad_dtypes=check_grad_dtypes,
        check_forward_ad=check_fwd_over_rev,
        check_backward_ad=check_rev_over_rev,
        fast_mode=fast_mode,
    )
