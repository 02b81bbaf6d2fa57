"""Finite-difference checks of reverse-mode gradients: :func:`gradcheck` and :func:`gradgradcheck`.

For a function ``f`` of tensors, the numerical Jacobian is built column by column with central
differences,

    J_num[k, j] = (f_j(x + eps·e_k) - f_j(x - eps·e_k)) / (2·eps),

and the analytical Jacobian row by row with one backward pass per output element,
``J_an[:, j] = vjp(f, e_j)``. The check passes when ``|J_an - J_num| <= atol + rtol·|J_num|``
everywhere. Complex inputs and outputs are checked as PyTorch checks them (see
:mod:`arraygrad.autograd._gradcheck_complex`): each complex output as its real and its imaginary
part, each complex input moved along its real and its imaginary part. ``gradgradcheck`` applies
the same check to the function that maps the inputs and a cotangent to the gradient (computed
with ``create_graph=True``), which tests second derivatives.

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
from arraygrad._dtype import complex128, float64
from arraygrad._grad_mode import enable_grad
from arraygrad._tensor import Tensor
from arraygrad.autograd._gradcheck_complex import (
    complex_fix,
    is_checked,
    prefix,
    split_inputs,
    split_outputs,
)

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


def _wide(tensor: Tensor) -> Any:
    """``tensor``'s values, flat, in float64 (complex128 when complex): the Jacobians' dtypes."""
    xp = _backend.xp
    return xp.astype(_flat(tensor._data), xp.complex128 if tensor.dtype.is_complex else xp.float64)


def _zeros(count: int, like: Tensor) -> Any:
    xp = _backend.xp
    return xp.zeros(count, dtype=xp.complex128 if like.dtype.is_complex else xp.float64)


def _outputs_as_arrays(func: Callable[..., Any], inputs: Sequence[Any]) -> list[Any]:
    """Evaluate ``func`` and return its floating and complex outputs as flat wide arrays."""
    return [_wide(o) if is_checked(o) else None for o in _as_tuple(func(*inputs))]


def _directional(
    func: Callable[..., Any], inputs: Sequence[Any], directions: dict[int, Any], eps: float
) -> list[Any]:
    """``(f(x + eps·d) - f(x - eps·d)) / (2·eps)`` per output, each input ``i`` moved by
    ``directions[i]`` (an imaginary direction moves a complex input's imaginary part)."""
    moved = []
    for sign in (1, -1):
        trial = [
            Tensor._wrap(t._data + sign * eps * directions[i], True) if i in directions else t
            for i, t in enumerate(inputs)
        ]
        moved.append(_outputs_as_arrays(func, trial))
    return _central(moved, eps)


def _central(moved: list[list[Any]], eps: float) -> list[Any]:
    """Per output, the central difference of the outputs at ``+eps`` and at ``-eps``."""
    return [
        None if plus is None else (plus - minus) / (2 * eps)
        for plus, minus in zip(moved[0], moved[1], strict=True)
    ]


def _steps(tensor: Tensor) -> tuple[Any, ...]:
    # A complex input is moved along its real and its imaginary axis: two derivatives per element.
    return (1, 1j) if tensor.dtype.is_complex else (1,)


def _combined(parts: list[list[Any]]) -> list[Any]:
    """Per output, ``ds/dx`` (and ``+ i·ds/dy`` for a complex input) from the derivatives along
    each of :func:`_steps`."""
    if len(parts) == 1:
        return parts[0]
    return [None if dx is None else dx + 1j * dy for dx, dy in zip(parts[0], parts[1], strict=True)]


def numerical_jacobian(
    func: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6
) -> list[list[Any]]:
    """``J[i][j]``: the (numel(input i), numel(output j)) central-difference Jacobian.

    Inputs that do not require grad get no entry (``J[i]`` is ``None``); so do outputs that are
    neither floating point nor complex (``J[i][j]`` is ``None``). The outputs must be real: for
    a complex input ``z = x + iy`` row ``k`` is ``ds/dx_k + i·ds/dy_k`` (complex128).
    """
    xp = _backend.xp
    base = list(inputs)
    jacobians: list[list[Any]] = []
    for index, tensor in enumerate(base):
        if not (isinstance(tensor, Tensor) and tensor.requires_grad):
            jacobians.append(None)  # type: ignore[arg-type]
            continue
        original = tensor._data
        columns: list[list[Any]] = []
        for k in range(tensor.numel()):
            parts = []
            for step in _steps(tensor):
                moved = []
                for delta in (step * eps, -step * eps):
                    # element k alone is moved: the others keep their bits (even a -0.0)
                    flat = xp.asarray(_flat(original), copy=True)
                    flat[k] = flat[k] + delta
                    trial = Tensor._wrap(xp.reshape(flat, tuple(original.shape)), True)
                    moved.append(
                        _outputs_as_arrays(func, [*base[:index], trial, *base[index + 1 :]])
                    )
                parts.append(_central(moved, eps))
            columns.append(_combined(parts))
        if not columns:  # an empty input: every Jacobian has zero rows
            wide = xp.complex128 if tensor.dtype.is_complex else xp.float64
            per_output = [
                None if o is None else xp.zeros((0, o.shape[0]), dtype=wide)
                for o in _outputs_as_arrays(func, base)
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
        if not is_checked(out):
            continue
        rows: dict[int, list[Any]] = {i: [] for i in wrt}
        size = out.numel()
        for k in range(size):
            if not out.requires_grad:
                for i in wrt:
                    rows[i].append(_zeros(inputs[i].numel(), inputs[i]))
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
                    rows[i].append(_zeros(inputs[i].numel(), inputs[i]))
                    continue
                if check_grad_dtypes and g.dtype != inputs[i].dtype:
                    raise GradcheckError(
                        f"Gradient has dtype mismatch: input {i} has dtype {inputs[i].dtype} but "
                        f"its gradient has dtype {g.dtype}"
                    )
                row = _wide(g)
                rows[i].append(xp.astype(row, xp.complex128) if inputs[i].dtype.is_complex else row)
        for i in wrt:
            # rows[i] is one row per output element; the layout is (input element, output element)
            wide = _zeros(0, inputs[i]).dtype
            jacobians[i][j] = (
                xp.stack(rows[i], axis=1) if rows[i] else xp.zeros((inputs[i].numel(), 0), wide)
            )
    return jacobians


def _format(array: Any) -> str:
    return repr(Tensor._wrap(array)).replace(", dtype=arraygrad.float64", "")


def _fix(inputs: Sequence[Any], i: int) -> str:
    return (
        f"Fix: the gradient computed for input {i} is wrong where the two differ (rows are the "
        "input's elements, columns the output's); check the backward of the operation or of the "
        f"custom autograd.Function that produces output from input {i}."
        f"{complex_fix(inputs, i)}\n"
    )


def _compare(
    numerical: list[list[Any]],
    analytical: list[list[Any]],
    atol: float,
    rtol: float,
    inputs: Sequence[Any],
    prefixes: dict[int, str],
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
                    f"{prefixes.get(j, '')}Jacobian mismatch for output {j} with respect to "
                    f"input {i},\nnumerical:{_format(num)}\nanalytical:{_format(an)}\n"
                    + _fix(inputs, i)
                )
    return None


def _fast_check(
    func: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float,
    atol: float,
    rtol: float,
    prefixes: dict[int, str],
) -> str | None:
    """Compare ``vᵀ J u`` computed both ways, for random ``u`` (per input) and ``v`` (per output).

    A complex input gets two real directions, ``u_r`` for its real part and ``u_i`` for its
    imaginary part: numerically ``vᵀ(ds/dx·u_r) + i·vᵀ(ds/dy·u_i)``, analytically
    ``Re(g)·u_r + i·Im(g)·u_i`` for the gradient ``g`` of ``vᵀ s``, as PyTorch's fast mode.
    """
    from arraygrad.autograd import grad

    xp = _backend.xp
    wrt = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    directions: dict[int, list[Any]] = {}
    derivatives: dict[int, list[Any]] = {}
    for i in wrt:
        shape, native = tuple(inputs[i]._data.shape), inputs[i]._data.dtype
        # real-valued draws also for a complex input: one per part, moved by step 1 or 1j
        parts = [xp.real(_backend.random_normal(shape, native)) for _ in _steps(inputs[i])]
        directions[i] = parts
        derivatives[i] = _combined(
            [
                _directional(func, inputs, {i: step * part}, eps)
                for step, part in zip(_steps(inputs[i]), parts, strict=True)
            ]
        )
    with enable_grad():
        outputs = _as_tuple(func(*inputs))
    for j, out in enumerate(outputs):
        if not is_checked(out):
            continue
        v = _backend.random_normal(tuple(out._data.shape), out._data.dtype)
        grads: Sequence[Any] = [None] * len(wrt)
        if out.requires_grad:
            grads = grad(
                out, [inputs[i] for i in wrt], Tensor._wrap(v), retain_graph=True, allow_unused=True
            )
        for i, g in zip(wrt, grads, strict=True):
            ju = derivatives[i][j]
            if ju is None:
                continue
            numeric = complex(xp.sum(ju * xp.astype(_flat(v), xp.float64)))
            analytic = 0j
            if g is not None:
                wide = xp.reshape(_wide(g), tuple(inputs[i]._data.shape))
                analytic = complex(xp.sum(xp.real(wide) * directions[i][0]))
                if len(directions[i]) == 2:
                    analytic += 1j * float(xp.sum(xp.imag(wide) * directions[i][1]))
            if abs(analytic - numeric) > atol + rtol * abs(numeric):
                shown = (
                    (numeric, analytic)
                    if inputs[i].dtype.is_complex
                    else (
                        numeric.real,
                        analytic.real,
                    )
                )
                return (
                    f"{prefixes.get(j, '')}Jacobian mismatch for output {j} with respect to "
                    f"input {i},\nnumerical:{shown[0]!r}\nanalytical:{shown[1]!r}\n"
                    "(fast mode: v^T J u along random directions u, v; run with fast_mode=False "
                    "to see the whole Jacobians)\n" + _fix(inputs, i)
                )
    return None


def _check_forward(
    func: Callable[..., Any], inputs: Sequence[Any], eps: float, atol: float, rtol: float
) -> str | None:
    """Check ``J u`` from :func:`arraygrad.autograd.functional.jvp` against finite differences.

    The inputs are real here (complex ones are split by :func:`split_inputs`); outputs may be
    complex, as a forward-mode tangent of a real input may be.
    """
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
        return tuple(o for o in outs if is_checked(o))

    _, tangents = jvp(
        restricted,
        tuple(inputs[i] for i in wrt),
        tuple(Tensor._wrap(directions[i]) for i in wrt),
    )
    moved = [m for m in _directional(func, inputs, directions, eps) if m is not None]
    for j, tangent in enumerate(_as_tuple(tangents)):
        numeric = moved[j]
        analytic = _wide(tangent)
        if not bool(xp.all(xp.abs(analytic - numeric) <= atol + rtol * xp.abs(numeric))):
            return (
                f"Jacobian-vector product mismatch for output {j} (forward mode),\n"
                f"numerical:{_format(numeric)}\nanalytical:{_format(analytic)}\n"
                "Fix: the forward-mode derivative (here the derivative of the backward, as "
                "arraygrad computes Jacobian-vector products by two backward passes) is wrong; "
                "check the backward of the operations between the inputs and this output.\n"
            )
    return None


def _check_backward(
    func: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float,
    atol: float,
    rtol: float,
    check_grad_dtypes: bool,
    fast_mode: bool,
) -> str | None:
    """The backward-mode check; a function with complex outputs is checked as two real ones,
    the imaginary parts of its complex outputs first, as PyTorch's."""
    outputs = _as_tuple(func(*inputs))
    complex_outputs = [j for j, o in enumerate(outputs) if is_checked(o) and o.dtype.is_complex]
    checks: list[tuple[Callable[..., Any], dict[int, str]]] = [(func, {})]
    if complex_outputs:
        real_fn, imag_fn = split_outputs(func)
        checks = [
            (imag_fn, dict.fromkeys(complex_outputs, prefix("imaginary", "outputs"))),
            (real_fn, dict.fromkeys(complex_outputs, prefix("real", "outputs"))),
        ]
    for checked, prefixes in checks:
        if fast_mode:
            failure = _fast_check(checked, inputs, eps, atol, rtol, prefixes)
        else:
            numerical = numerical_jacobian(checked, inputs, eps)
            analytical = analytical_jacobian(checked, inputs, check_grad_dtypes)
            failure = _compare(numerical, analytical, atol, rtol, inputs, prefixes)
        if failure is not None:
            return failure
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

    Every floating or complex input with ``requires_grad=True`` is perturbed by ``±eps`` element
    by element, a complex one along its real and its imaginary part (use float64 or complex128:
    in single precision the differences are dominated by rounding); a complex output is checked
    as two real ones, its imaginary part first, then its real part, as PyTorch's gradcheck.
    Returns ``True`` when analytical and numerical Jacobians agree within
    ``atol + rtol·|numerical|``; otherwise raises :class:`GradcheckError` naming the output and
    input (or returns ``False`` when ``raise_exception=False``). ``fast_mode`` compares
    ``vᵀ J u`` for random ``u``, ``v`` per input instead of whole Jacobians;
    ``check_forward_ad`` also checks Jacobian-vector products (arraygrad computes them by the
    double-VJP method). ``nondet_tol``, ``check_undefined_grad``, ``check_batched_grad``,
    ``check_batched_forward_grad`` and ``masked`` are accepted for PyTorch compatibility:
    arraygrad's backward is deterministic and has no batching rules, so the ordinary check
    covers them.

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
        if (
            isinstance(tensor, Tensor)
            and tensor.requires_grad
            and tensor.dtype not in (float64, complex128)
        ):
            wanted = "complex128" if tensor.dtype.is_complex else "float64"
            warnings.warn(
                f"Input #{index} requires gradient and is not a double precision floating point "
                "or complex. This check will likely fail if all the inputs are not of double "
                f"precision floating point or complex. Input #{index} has dtype {tensor.dtype}. "
                f"Fix: create it with dtype=arraygrad.{wanted}.",
                UserWarning,
                stacklevel=2,
            )
    checked = _differentiable_outputs(func, tupled)
    failure = None
    if checked is None:  # (as PyTorch: then that is all it checks)
        failure = _nonzero_numerical(func, tupled, eps)
    elif check_backward_ad:
        failure = _check_backward(checked, tupled, eps, atol, rtol, check_grad_dtypes, fast_mode)
    if failure is None and check_forward_ad and checked is not None:
        func = checked
        if any(isinstance(t, Tensor) and t.requires_grad and t.dtype.is_complex for t in tupled):
            for part, split, args in split_inputs(func, tupled):
                failure = _check_forward(split, args, eps, atol, rtol)
                if failure is not None:
                    failure = prefix(part, "inputs") + failure
                    break
        else:
            failure = _check_forward(func, tupled, eps, atol, rtol)
    if failure is None:
        return True
    if raise_exception:
        raise GradcheckError(failure)
    return False


def _differentiable_outputs(func: Callable[..., Any], inputs: Sequence[Any]) -> Any:
    """``func`` with only its outputs that require grad, those PyTorch's gradcheck checks and
    numbers (a detached or integer output is skipped); None where there are none."""
    with enable_grad():
        outputs = _as_tuple(func(*inputs))
    kept = [j for j, o in enumerate(outputs) if isinstance(o, Tensor) and o.requires_grad]
    if len(kept) == len(outputs):
        return func
    if not kept:
        return None
    return lambda *args: tuple(_as_tuple(func(*args))[j] for j in kept)


def _nonzero_numerical(func: Callable[..., Any], inputs: Sequence[Any], eps: float) -> str | None:
    """PyTorch's check where no output requires grad: the numerical Jacobians must be zero."""
    for row in numerical_jacobian(func, inputs, eps):
        if any(j is not None and bool(_backend.xp.any(j != 0)) for j in row or ()):
            return (
                "Numerical gradient for function expected to be zero\nFix: no output requires "
                "grad, yet they move with the inputs: keep them in the graph (no detach()).\n"
            )
    return None


def _random_cotangent(output: Tensor) -> Tensor:
    """Normal draws shaped as ``output``; a complex output's get an imaginary part too, as the
    random ``grad_outputs`` of PyTorch's gradgradcheck do."""
    shape, native = tuple(output._data.shape), output._data.dtype
    values = _backend.random_normal(shape, native)
    if output.dtype.is_complex:  # (a draw in a complex dtype has a zero imaginary part)
        values = values + 1j * _backend.random_normal(shape, native)
    return Tensor._wrap(values, True)


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
    differentiable = [i for i, o in enumerate(outputs) if is_checked(o) and o.requires_grad]
    if grad_outputs is None:
        cotangents = [_random_cotangent(outputs[i]) for i in differentiable]
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
