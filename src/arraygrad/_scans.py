"""Differences, integrals and running reductions along one dimension: ``diff``, ``gradient``,
``trapezoid``/``trapz``, ``cumulative_trapezoid``, ``cummax``, ``cummin`` and ``logcumsumexp``.

The running reductions are inclusive scans in ``log2(n)`` steps (Hillis-Steele): step ``s``
combines each element with the one ``2^s`` places before it. ``cummax``/``cummin`` scan raw
(value, index) pairs and then gather the values at the indices, so the gradient goes to the
element each output came from; ``logcumsumexp`` scans Tensors with a stable ``logaddexp``, so its
gradient is the composition's.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _dtype, ops, return_types
from arraygrad._dims import is_one_dim, normalize_dim
from arraygrad._indexing import take_along
from arraygrad._out import written, written_each, written_exactly
from arraygrad._tensor import Tensor, c_ordered_result, describe

__all__ = [
    "cummax",
    "cummin",
    "cumulative_trapezoid",
    "diff",
    "gradient",
    "logcumsumexp",
    "trapezoid",
    "trapz",
]


def _part(x: Any, axis: int, start: int | None, stop: int | None) -> Any:
    """``x[..., start:stop, ...]`` along ``axis``: a raw array or, via the primitive, a Tensor."""
    key = (slice(None),) * axis + (slice(start, stop), Ellipsis)  # the Array API wants all axes
    if isinstance(x, Tensor):
        return ops.basic_getitem(x, key=key)
    return _backend.xp.getitem(x, key)  # not x[key]: arraygrad.compile records namespace calls


def diff(
    input: Tensor,
    n: int = 1,
    dim: int = -1,
    prepend: Tensor | None = None,
    append: Tensor | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The ``n``-th forward difference ``out[i] = x[i + 1] - x[i]`` along ``dim`` (applied ``n``
    times), after joining ``prepend`` and ``append`` to ``input`` there. Bool tensors give
    ``x[i + 1] != x[i]``.

    >>> import arraygrad
    >>> arraygrad.tensor([1, 4, 9, 16]).diff().tolist()
    [3, 5, 7]
    >>> arraygrad.diff(arraygrad.tensor([1.0, 4.0, 9.0]), n=2)
    tensor([2.])
    """
    if out is not None:
        return written("diff", out, diff, input, n, dim, prepend, append)
    if input.ndim == 0:
        raise RuntimeError(
            "diff expects input to be at least one-dimensional, got a 0-d tensor. Fix: "
            "reshape it, e.g. x.reshape(1)."
        )
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}. Fix: pass n >= 0.")
    axis = normalize_dim(dim, input.ndim)
    parts = [t for t in (prepend, input, append) if t is not None]
    if len(parts) > 1:
        from arraygrad._shape import cat

        input = cat(parts, dim=axis)
    out = input
    for _ in range(min(n, input._data.shape[axis])):
        later, earlier = _part(out, axis, 1, None), _part(out, axis, None, -1)
        if out.dtype is _dtype.bool_:
            out = ops.not_equal(later, earlier)
        else:
            out = ops.subtract(later, earlier)
    if n > input._data.shape[axis]:  # more differences than elements: nothing is left
        out = _part(out, axis, 0, 0)
    return out


def gradient(
    input: Tensor, *, spacing: Any = 1, dim: Any = None, edge_order: int = 1
) -> tuple[Tensor, ...]:
    """The derivative of the samples ``input`` along each dimension in ``dim`` (all by default),
    by finite differences, one tensor per dimension: second-order central differences inside,
    and first- (``edge_order=1``) or second-order one-sided differences at the two ends.

    ``spacing`` is the distance between samples: one number for every dimension, one number per
    dimension, or the sample coordinates, one 1-D tensor per dimension (unevenly spaced:
    ``f'(x_i) ~ a f_{i-1} + b f_i + c f_{i+1}`` with the weights of the quadratic through
    the three points, as in PyTorch and NumPy). Integer samples give float results.

    >>> import arraygrad
    >>> arraygrad.gradient(arraygrad.tensor([1.0, 4.0, 9.0, 16.0]))
    (tensor([3., 4., 6., 7.]),)
    >>> at = arraygrad.tensor([0.0, 1.0, 3.0])
    >>> arraygrad.gradient(arraygrad.tensor([1.0, 4.0, 9.0]), spacing=(at,))
    (tensor([3.0000, 2.8333, 2.5000]),)
    """
    if edge_order not in (1, 2):
        raise RuntimeError(
            f"torch.gradient only supports edge_order=1 and edge_order=2, got {edge_order}."
            " Fix: pass edge_order=1 or edge_order=2."
        )
    if is_one_dim(dim):
        dims = [dim]
    else:
        dims = list(range(input.ndim)) if dim is None else list(dim)
    axes = [normalize_dim(d, input.ndim) for d in dims]
    repeated = [axis for axis in axes if axes.count(axis) > 1]
    if repeated:
        raise RuntimeError(
            f"dim {repeated[0]} appears multiple times in the list of dims. Fix: name each "
            "dimension once."
        )
    steps = _gradient_spacing(spacing, len(axes), dim is None, input.ndim)
    for axis in axes:
        if input._data.shape[axis] < edge_order + 1:
            raise RuntimeError(
                "torch.gradient expected each dimension size to be at least edge_order+1, but "
                f"dimension {axis} of shape {list(input.shape)} has {input._data.shape[axis]} "
                f"samples for edge_order={edge_order}. Fix: lower edge_order or add samples."
            )
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        _check_gradient_integers(input)
        input = ops.astype(input, _dtype.get_default_dtype())
    return tuple(
        _gradient_along(input, axis, step, edge_order)
        for axis, step in zip(axes, steps, strict=True)
    )


def _check_gradient_integers(input: Tensor) -> None:
    """PyTorch's RuntimeErrors for the samples its gradient refuses: uint8 ones (whose
    differences would wrap) and bool ones (which have no subtraction)."""
    if input.dtype is _dtype.uint8:
        raise RuntimeError(
            f"torch.gradient does not support uint8 input ({describe(input)}). Fix: convert "
            "the samples first, e.g. x.long() or x.float()."
        )
    if input.dtype is _dtype.bool_:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported: "
            f"torch.gradient of {describe(input)}. Fix: convert the samples first, e.g. "
            "x.float()."
        )


def _gradient_spacing(spacing: Any, count: int, all_dims: bool, ndim: int) -> list[Any]:
    """One step per differentiated dimension: a number, or a 1-D tensor of coordinates."""
    if isinstance(spacing, Tensor) and spacing.ndim == 0:
        spacing = spacing.item()  # a 0-d tensor is a number, as in torch
    if not isinstance(spacing, (list, tuple)):
        return [spacing] * count
    if len(spacing) != count:
        given = "since dim argument was not given" if all_dims else "and dim arguments"
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
            f"equal to the number of dimensions differentiated ({count} of the tensor's "
            f"{ndim}), {given}, but got a spacing argument of length {len(spacing)}."
            " Fix: pass one spacing per differentiated dimension, or a "
            "scalar."
        )
    for step in spacing:
        if isinstance(step, Tensor) and step.ndim != 1:
            raise RuntimeError(
                "torch.gradient expected each element of spacing to have one dimension, but got "
                f"an element with {step.ndim} dimensions! Fix: pass 1-D coordinate tensors."
            )
    return list(spacing)


def _gradient_along(input: Tensor, axis: int, step: Any, edge_order: int) -> Tensor:
    from arraygrad._shape import cat

    def part(start: int | None, stop: int | None) -> Tensor:
        return _part(input, axis, start, stop)

    if not isinstance(step, Tensor):  # evenly spaced samples
        center = (part(2, None) - part(None, -2)) / step / 2
        if edge_order == 1:
            first = (part(1, 2) - part(0, 1)) / step
            last = (part(-1, None) - part(-2, -1)) / step
        else:
            first = (part(0, 1) * -1.5 + part(1, 2) * 2 - part(2, 3) * 0.5) / step
            last = (part(-3, -2) * 0.5 + part(-2, -1) * -2 + part(-1, None) * 1.5) / step
        return cat([first, center, last], dim=axis)
    # Coordinates: the weights of the parabola through each three neighbouring samples.
    if not step.dtype.is_floating_point:  # the weights are then in the default dtype
        step = ops.astype(step, _dtype.get_default_dtype())
    dx = diff(step)
    shape = [1] * input.ndim
    shape[axis] = -1

    def along(weights: Tensor) -> Tensor:
        return weights.reshape(shape)

    left, right = dx[:-1], dx[1:]
    a = along(-right / (left * (left + right)))
    b = along((right - left) / (left * right))
    c = along(left / (right * (left + right)))
    center = a * part(None, -2) + b * part(1, -1) + c * part(2, None)
    if edge_order == 1:
        first = (part(1, 2) - part(0, 1)) / dx[0]
        last = (part(-1, None) - part(-2, -1)) / dx[-1]
    else:
        h0, h1 = dx[0], dx[1]
        first = (
            -(2.0 * h0 + h1) / (h0 * (h0 + h1)) * part(0, 1)
            + (h0 + h1) / (h0 * h1) * part(1, 2)
            + -h0 / (h1 * (h0 + h1)) * part(2, 3)
        )
        h1, h0 = dx[-1], dx[-2]
        last = (
            h1 / (h0 * (h1 + h0)) * part(-3, -2)
            + -(h1 + h0) / (h1 * h0) * part(-2, -1)
            + (2 * h1 + h0) / (h1 * (h1 + h0)) * part(-1, None)
        )
    return cat([first, center, last], dim=axis)


def trapezoid(
    y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1
) -> Tensor:
    """The trapezoidal rule along ``dim``: ``sum((y[i] + y[i + 1]) / 2 * (x[i + 1] - x[i]))``,
    with sample points ``x`` (1-D along ``dim``, or any shape whose spacings along ``dim``
    broadcast against ``y``'s) or a constant spacing ``dx`` (1 by default).
    Integer ``y`` integrates to the default float dtype, complex ``y`` to its own dtype; no
    samples along ``dim`` give zeros in ``y``'s dtype (bool too), as PyTorch's.

    >>> import arraygrad
    >>> arraygrad.trapezoid(arraygrad.tensor([1.0, 2.0, 4.0]), dx=2.0)
    tensor(9.)
    """
    if x is not None and dx is not None:
        raise TypeError(
            "trapezoid() received an invalid combination of arguments: pass the sample points "
            "x or the spacing dx, not both."
        )
    from arraygrad._division import div
    from arraygrad._math import mul, sub
    from arraygrad._reduction import sum as _sum

    axis = normalize_dim(dim, y.ndim)
    if y._data.shape[axis] == 0:  # PyTorch's first check: zeros of y's dtype, outside the graph
        kept = tuple(s for i, s in enumerate(y._data.shape) if i != axis)
        return Tensor._wrap(_backend.xp.zeros(kept, dtype=y._data.dtype))
    if y.dtype is _dtype.bool_ or (x is not None and x.dtype is _dtype.bool_):
        where = "`y`" if x is None else "`x` or `y`"
        raise RuntimeError(
            f"trapezoid: received a bool input for {where}, but bool is not supported. Fix: "
            "convert it first, e.g. y.float()."
        )

    size = y._data.shape[axis]
    if x is None:
        # PyTorch's form for a constant spacing: (sum(y) - (y[0] + y[-1]) / 2) * dx.
        spacing = 1.0 if dx is None else dx
        ends = ops.add(_part(y, axis, 0, 1), _part(y, axis, size - 1, size))
        ends = ops.reshape(ends, shape=tuple(s for i, s in enumerate(y.shape) if i != axis))
        inner = sub(_sum(y, axis), mul(_inexact(ends), 0.5))
        return mul(inner, spacing)
    if x.ndim == 1:  # the spacings lie along dim of y
        if x.shape[0] != size:
            raise RuntimeError(
                f"trapezoid: There must be one `x` value for each sample point, got "
                f"{x.shape[0]} x values for {size} samples along dim {dim} ({describe(y)}). "
                f"Fix: pass x with {size} points."
            )
        view = [1] * y.ndim
        view[axis] = size
        x = ops.reshape(x, shape=tuple(view))
    elif x.ndim < y.ndim:  # PyTorch lines x up with y's last dimensions
        x = ops.reshape(x, shape=(1,) * (y.ndim - x.ndim) + tuple(x.shape))
    # As PyTorch (and NumPy): x is sliced along y's dim and not broadcast to y first; the
    # spacings broadcast against the heights only after the differences are taken.
    spacings = sub(_part(x, axis, 1, None), _part(x, axis, None, -1))
    heights = ops.add(_part(y, axis, 1, None), _part(y, axis, None, -1))
    return div(_sum(mul(spacings, heights), axis), 2.0)


def _inexact(y: Tensor) -> Tensor:
    """Samples ``y`` in a float dtype (integers in the default one); complex ones as they are."""
    from arraygrad._math import _floating

    return y if y.dtype.is_complex else _floating(y)


def trapz(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """PyTorch's older name for :func:`trapezoid`, the trapezoidal rule along ``dim``:
    ``sum((y[i] + y[i + 1]) / 2 * (x[i + 1] - x[i]))``, with sample points ``x`` or a constant
    spacing ``dx`` (1 by default).

    >>> import arraygrad
    >>> arraygrad.trapz(arraygrad.tensor([1.0, 2.0, 4.0]), arraygrad.tensor([0.0, 1.0, 3.0]))
    tensor(7.5000)
    """
    return trapezoid(y, x, dx=dx, dim=dim)


def _neighbours(a: Tensor, axis: int) -> tuple[Tensor, Tensor]:
    """``a[:-1]`` and ``a[1:]`` along ``axis``, with explicit bounds (the Array API leaves a
    negative stop out of bounds for an empty axis unspecified)."""
    size = a._data.shape[axis]
    return _part(a, axis, 0, max(size - 1, 0)), _part(a, axis, min(1, size), size)


def cumulative_trapezoid(
    y: Tensor, x: Tensor | None = None, *, dx: Any = None, dim: int = -1
) -> Tensor:
    """The running trapezoidal rule along ``dim``: element ``i`` is
    ``sum_{j <= i} (y[j] + y[j + 1]) / 2 * (x[j + 1] - x[j])``, so the result has one element
    fewer than ``y`` along ``dim`` (its last is :func:`trapezoid`). Sample points ``x`` are 1-D
    (along ``dim``) or broadcast against ``y``; without them the spacing is ``dx`` (1 by
    default). Integer inputs integrate to the default float dtype. Composed as PyTorch does it:
    ``cumsum((y[:-1] + y[1:]) * (x[1:] - x[:-1])) / 2``, or ``cumsum(dx / 2 * (y[:-1] + y[1:]))``.

    >>> import arraygrad
    >>> arraygrad.cumulative_trapezoid(arraygrad.tensor([1.0, 2.0, 4.0]), dx=2.0)
    tensor([3., 9.])
    """
    if x is not None and dx is not None:
        raise TypeError(
            "cumulative_trapezoid() received an invalid combination of arguments: pass the "
            "sample points x or the spacing dx, not both."
        )
    from arraygrad._division import div
    from arraygrad._math import add, mul, sub
    from arraygrad._reduction import cumsum

    axis = normalize_dim(dim, y.ndim)
    if y.ndim == 0:
        raise IndexError(
            "slice() cannot be applied to a 0-dim tensor."
            " Fix: pass a tensor of at least one dimension (e.g. "
            "y.reshape(1))."
        )
    if y.dtype is _dtype.bool_ or (x is not None and x.dtype is _dtype.bool_):
        inputs = "`y`" if x is None else "`x` or `y`"
        raise RuntimeError(
            f"cumulative_trapezoid: received a bool input for {inputs}, but bool is not "
            "supported. Fix: convert it, e.g. y.float()."
        )
    heights = add(*_neighbours(y, axis))
    if x is None:
        if isinstance(dx, Tensor):
            dx = dx.item()
        if isinstance(dx, (bool, complex)):
            raise RuntimeError(
                "cumulative_trapezoid: Currently, we only support dx as a real number."
                " Fix: pass dx as a float."
            )
        return cumsum(mul(heights, (1.0 if dx is None else float(dx)) / 2.0), axis)
    size = y._data.shape[axis]
    if x.ndim == 1:  # the points lie along dim of y
        if x.shape[0] != size:
            raise RuntimeError(
                f"cumulative_trapezoid: There must be one `x` value for each sample point, got "
                f"{x.shape[0]} x values for {size} samples along dim {dim} ({describe(y)}). "
                f"Fix: pass x with {size} points."
            )
        view = [1] * y.ndim
        view[axis] = size
        x = ops.reshape(x, shape=tuple(view))
    elif x.ndim < y.ndim:  # PyTorch lines x up with y's last dimensions
        x = ops.reshape(x, shape=(1,) * (y.ndim - x.ndim) + tuple(x.shape))
    before, after = _neighbours(x, axis)
    spacings = sub(after, before)
    return div(cumsum(mul(heights, spacings), axis), 2.0)


# --- running extrema -----------------------------------------------------------------------------


def _running_index(data: Any, axis: int, largest: bool) -> Any:
    """The index of the running maximum (minimum) along ``axis``, PyTorch's way: a later element
    takes over when it is NaN or at least as large (small), unless the running one is NaN."""
    if _backend.is_numpy:  # one pass of NumPy's accumulate instead of log2(n) steps
        found = _backend.running_extremum_index(data, axis, largest)
        if found is not None:
            return found
    xp = _backend.xp
    n = data.shape[axis]
    view = [1] * data.ndim
    view[axis] = n
    index = xp.broadcast_to(xp.reshape(xp.arange(n, dtype=xp.int64), tuple(view)), data.shape)
    values = xp.astype(data, xp.int8) if data.dtype == xp.bool else data
    floating = _backend.is_real_floating(values.dtype)
    step = 1
    while step < n:
        a_val, b_val = _part(values, axis, None, -step), _part(values, axis, step, None)
        a_idx, b_idx = _part(index, axis, None, -step), _part(index, axis, step, None)
        wins = xp.greater_equal(b_val, a_val) if largest else xp.less_equal(b_val, a_val)
        if floating:
            a_number = xp.logical_not(xp.isnan(a_val))
            wins = xp.logical_or(xp.isnan(b_val), xp.logical_and(a_number, wins))
        head = (_part(values, axis, None, step), _part(index, axis, None, step))
        values = xp.concat([head[0], xp.where(wins, b_val, a_val)], axis=axis)
        index = xp.concat([head[1], xp.where(wins, b_idx, a_idx)], axis=axis)
        step *= 2
    return index


def _cumulative_extremum(name: str, input: Tensor, dim: int) -> Any:
    axis = normalize_dim(dim, input.ndim)
    if input.dtype.is_complex:  # complex numbers have no order (checked after the dim)
        raise NotImplementedError(
            f"\"{name}_cpu\" not implemented for '{_dtype.torch_type_name(input.dtype)}': got a "
            f"{describe(input)}, and complex numbers have no order. Fix: take a real key, e.g. "
            "x.abs() or x.real."
        )
    x = input if input.ndim else ops.reshape(input, shape=(1,))
    index = _running_index(x._data, axis, largest=name == "cummax")
    values = take_along(x, index, axis)
    if input.ndim == 0:
        values, index = ops.reshape(values, shape=()), _backend.xp.reshape(index, ())
    indices = Tensor._wrap(_backend.xp.asarray(index, copy=True))
    return getattr(return_types, name)(values, indices)


def cummax(input: Tensor, dim: int, *, out: tuple[Tensor, ...] | None = None) -> Any:
    """``(values, indices)`` of the running maximum along ``dim``; NaN, once met, is the
    maximum. A tie moves the index to the later element. The gradient goes to the element
    each value came from.

    >>> import arraygrad
    >>> arraygrad.tensor([1.0, 3.0, 2.0, 3.0]).cummax(0).indices.tolist()
    [0, 1, 1, 3]
    """
    if out is not None:
        return written_each("cummax", out, cummax, input, dim)
    return _cumulative_extremum("cummax", input, dim)


def cummin(input: Tensor, dim: int, *, out: tuple[Tensor, ...] | None = None) -> Any:
    """``(values, indices)`` of the running minimum along ``dim`` (see :func:`cummax`).

    >>> import arraygrad
    >>> arraygrad.tensor([3.0, 1.0, 2.0]).cummin(0).values.tolist()
    [3.0, 1.0, 1.0]
    """
    if out is not None:
        return written_each("cummin", out, cummin, input, dim)
    return _cumulative_extremum("cummin", input, dim)


# --- logcumsumexp --------------------------------------------------------------------------------


@c_ordered_result
def logcumsumexp(input: Tensor, dim: int, *, out: Tensor | None = None) -> Tensor:
    """``log(cumsum(exp(input)))`` along ``dim``, without overflow or underflow: partial results
    are combined pairwise with the stable ``logaddexp`` primitive, so values of any magnitude
    (1e4 in float32, or far apart) stay finite and exact.

    >>> import arraygrad
    >>> arraygrad.tensor([10000.0, 10000.0, -10000.0]).logcumsumexp(0)
    tensor([10000.0000, 10000.6934, 10000.6934])
    """
    if out is not None:
        return written_exactly("logcumsumexp", out, logcumsumexp, input, dim)
    axis = normalize_dim(dim, input.ndim)  # (checked before the dtype, as PyTorch does)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f'"logcumsumexp_out_cpu" not implemented for '
            f"'{_dtype.torch_type_name(input.dtype)}': logcumsumexp needs floating point "
            f"values, got a {describe(input)}. Fix: convert the input with .float()."
        )
    out = input if input.ndim else ops.reshape(input, shape=(1,))
    n = out._data.shape[axis]
    step = 1
    while step < n:
        combined = ops.logaddexp(_part(out, axis, None, -step), _part(out, axis, step, None))
        out = ops.concat(_part(out, axis, None, step), combined, axis=axis)
        step *= 2
    if step == 1:  # nothing to combine: a copy, as PyTorch returns a new tensor
        out = ops.clone(out)
    return ops.reshape(out, shape=()) if input.ndim == 0 else out
