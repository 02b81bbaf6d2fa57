"""Reduction and scan primitives: sums, products, extrema, norms, cumulative sums and products,
and the index-valued ``mode_index`` and ``search_rows`` (a binary search per row).

``axis`` is ``None`` (all axes) or a tuple of non-negative ints for the reductions (the PyTorch
layer normalises ``dim``), a single non-negative int for the scans, and one or ``None`` (the
index into the flattened array) for ``argmax``/``argmin``.
Gradients follow PyTorch: ties of ``max``/``min`` share the gradient evenly, ``prod`` and
``cumulative_prod`` are exact in the presence of zeros (no division by zero).
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend
from arraygrad._primitive import Primitive, on_raw_arrays


def _restore_reduced(ns: Any, g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """Broadcast the gradient of a reduction back over the reduced axes of ``shape``."""
    if axis is not None and not keepdims:
        g = ns.reshape(g, shape=tuple(1 if i in axis else size for i, size in enumerate(shape)))
    # A full reduction's g is 0-d (or kept as all ones): it broadcasts as it is.
    return ns.broadcast_to(g, shape=shape)


def _count(shape: tuple[int, ...], axis: Any) -> int:
    return math.prod(shape if axis is None else (shape[i] for i in axis))


def _sum_vjp(ns: Any, g: Any, out: Any, x: Any, *, axis: Any = None, keepdims: bool = False) -> Any:
    return _restore_reduced(ns, g, tuple(x.shape), axis, keepdims)


def _mean_vjp(
    ns: Any, g: Any, out: Any, x: Any, *, axis: Any = None, keepdims: bool = False
) -> Any:
    shape = tuple(x.shape)
    # The 0-d gradient of a full mean (a loss): NumPy divides its scalar g[()] six times faster
    # than the 0-d array, with the same bits (other libraries give a 0-d array again). Only
    # for raw arrays: a Tensor g (create_graph) must stay in the graph.
    raw_0d = not g.shape and g.__class__ is _backend.array_type
    if raw_0d:
        g = g[()]
    return _restore_reduced(ns, g / _count(shape, axis), shape, axis, keepdims)


# ``axis`` is None or a tuple of non-negative ints (the PyTorch layer normalises ``dim``). The
# defaults are the reduction over everything, which ``loss = (...).mean()`` records without
# parameters: the engine then calls the rule positionally, its cheapest call.
def _in_dtype_of(xp: Any, result: Any, x: Any) -> Any:
    """``result`` in ``x``'s dtype: the Array API sums and multiplies small integers in the
    default integer dtype (NumPy: uint8 in uint64, which arraygrad has not), PyTorch in the
    input's own. Integer sums and products wrap the same way in either, so a cast after is
    exact; the PyTorch layer has already cast to ``dtype=`` or int64 where it should."""
    return result if result.dtype == x.dtype else xp.astype(result, x.dtype)


# PyTorch's reductions over a dim and its scans allocate C-ordered results whatever the input's
# layout; NumPy's follow the input's ('K'), so that a reduction of a transposed tensor would not
# view(-1) where PyTorch's does. Full reductions (0-d) have no layout: they skip the check.
_c = _backend.c_ordered


sum = Primitive(
    "sum",
    forward=lambda xp, x, *, axis=None, keepdims=False: (
        _in_dtype_of(xp, xp.sum(x, axis=axis, keepdims=keepdims), x)
        if axis is None
        else _c(_in_dtype_of(xp, xp.sum(x, axis=axis, keepdims=keepdims), x))
    ),
    vjp=(_sum_vjp,),
    reads_inputs=False,
)
mean = Primitive(
    "mean",
    forward=lambda xp, x, *, axis=None, keepdims=False: (
        xp.mean(x, axis=axis, keepdims=keepdims)
        if axis is None
        else _c(xp.mean(x, axis=axis, keepdims=keepdims))
    ),
    vjp=(_mean_vjp,),
    reads_inputs=False,
)


def _may_read_values(ns: Any) -> bool:
    """Whether a rule may switch on values read into Python: on the raw arrays of an eager
    library, not on Tensors under ``create_graph`` (one formula for every value) nor on a lazy
    library's arrays (Dask's, which would be computed to be read)."""
    return not _backend.is_lazy and on_raw_arrays(ns)


def _keep(ns: Any, value: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """A reduction's result reshaped as if computed with ``keepdims=True`` (it broadcasts)."""
    if keepdims:
        return value
    axes = range(len(shape)) if axis is None else axis
    return ns.reshape(value, shape=tuple(1 if i in axes else n for i, n in enumerate(shape)))


def _slice(ns: Any, value: Any, axis: int, part: slice) -> Any:
    """``value[..., part, ...]`` with ``part`` applied along ``axis``."""
    # The trailing Ellipsis: the Array API requires a key to account for every axis.
    return ns.getitem(value, key=(slice(None),) * axis + (part, Ellipsis))


def _flip(ns: Any, value: Any, axis: int) -> Any:
    return _slice(ns, value, axis, slice(None, None, -1))


def _scan(ns: Any, name: str, x: Any, axis: int, wide: bool, **params: Any) -> Any:
    """``ns.<name>(x, axis=axis)`` (a cumulative sum or product); with ``wide`` (set for a
    float32 or complex64 ``x`` only), accumulated in double and each result rounded once to
    ``x``'s dtype, as PyTorch's CPU kernels scan float32 and complex64 (a float32 scan of 1,000
    values differs from theirs in the last bits of most results). On Tensors
    (``create_graph``) the primitive itself does so."""
    if not wide:
        return getattr(ns, name)(x, axis=axis, **params)
    if not on_raw_arrays(ns):
        return getattr(ns, name)(x, axis=axis, wide=True, **params)
    wider = ns.float64 if x.dtype == ns.float32 else ns.complex128
    return ns.astype(getattr(ns, name)(x, axis=axis, dtype=wider, **params), x.dtype)


def _reverse_cumsum(ns: Any, value: Any, axis: int, wide: bool = False) -> Any:
    """Sums from each position to the end along ``axis`` (the adjoint of a cumulative sum).

    Flipping, not ``total - cumsum``, which would cancel catastrophically.
    """
    return _flip(ns, _scan(ns, "cumulative_sum", _flip(ns, value, axis), axis, wide), axis)


def _exclusive_prod(ns: Any, x: Any, axis: int) -> Any:
    """For each element, the product of all the others along ``axis``, without division."""
    before = _slice(
        ns, ns.cumulative_prod(x, axis=axis, include_initial=True), axis, slice(None, -1)
    )
    after = _slice(
        ns,
        ns.cumulative_prod(_flip(ns, x, axis), axis=axis, include_initial=True),
        axis,
        slice(None, -1),
    )
    return before * _flip(ns, after, axis)


def _prod_vjp(ns: Any, g: Any, out: Any, x: Any, *, axis: Any, keepdims: bool) -> Any:
    # PyTorch: g * prod / x where the product is non-zero; where it is zero, the product of the
    # other elements (non-zero only at a lone zero), computed by prefix and suffix products.
    shape = tuple(x.shape)
    if not shape:
        return g
    g = _keep(ns, g, shape, axis, keepdims)
    out = _keep(ns, out, shape, axis, keepdims)
    zero = x == 0
    if _may_read_values(ns) and not bool(ns.any(zero)):
        # PyTorch's own switch, taken in Python: without a zero, the where() below picks this
        # (its safe_x is x), so the prefix and suffix products need not be made at all.
        return g * (out / x)
    if axis is None:
        others = ns.reshape(_exclusive_prod(ns, ns.reshape(x, shape=(-1,)), 0), shape=shape)
    else:
        others = _exclusive_prod(ns, x, axis[0])
    # PyTorch switches on whether the input holds a zero anywhere, not on the product being 0:
    # a product that underflowed to 0 still gives 0 / x (0), and with a zero in the input
    # every slice gets the products of the others (inf * 0 is nan, whose nan / x would spread
    # to the inf's own gradient; an inf's slice without a zero gets the others, not inf / inf).
    safe_x = ns.where(zero, 1.0, x)
    has_zero = ns.any(zero, axis=None, keepdims=False)
    grad = ns.where(has_zero, g * others, g * (out / safe_x))  # PyTorch's order: no underflow
    if axis is None and on_raw_arrays(ns):
        # PyTorch's product of all elements, outside create_graph: two zeros or more send back
        # zeros (each product of the others holds a zero), also where an inf made others nan.
        several = ns.sum(ns.astype(zero, x.dtype), axis=None, keepdims=False) > 1
        grad = ns.where(several, ns.zeros_like(grad), grad)
    return grad


# ``axis`` is None or a one-element tuple (torch.prod reduces one dim or all).
prod = Primitive(
    "prod",
    forward=lambda xp, x, *, axis, keepdims: _c(
        _in_dtype_of(xp, xp.prod(x, axis=axis, keepdims=keepdims), x)
    ),
    vjp=(_prod_vjp,),
    reads_output=True,
)


def _extremum_vjp(ns: Any, g: Any, out: Any, x: Any, *, axis: Any, keepdims: bool) -> Any:
    # Every element equal to the extremum gets an equal share of the gradient (PyTorch's amax).
    shape = tuple(x.shape)
    hit = ns.astype(x == _keep(ns, out, shape, axis, keepdims), x.dtype)
    count = ns.sum(hit, axis=axis, keepdims=True)
    return _keep(ns, g, shape, axis, keepdims) * hit / count


# The Array API's max/min are PyTorch's amax/amin (values only).
max = Primitive(
    "amax",
    forward=lambda xp, x, *, axis, keepdims: _c(xp.max(x, axis=axis, keepdims=keepdims)),
    vjp=(_extremum_vjp,),
    reads_output=True,
)
min = Primitive(
    "amin",
    forward=lambda xp, x, *, axis, keepdims: _c(xp.min(x, axis=axis, keepdims=keepdims)),
    vjp=(_extremum_vjp,),
    reads_output=True,
)

# Not differentiable: indices and truth values.
argmax = Primitive(
    "argmax",
    forward=lambda xp, x, *, axis, keepdims: _c(xp.argmax(x, axis=axis, keepdims=keepdims)),
    vjp=None,
)
argmin = Primitive(
    "argmin",
    forward=lambda xp, x, *, axis, keepdims: _c(xp.argmin(x, axis=axis, keepdims=keepdims)),
    vjp=None,
)
all = Primitive(
    "all",
    forward=lambda xp, x, *, axis, keepdims: _c(xp.all(x, axis=axis, keepdims=keepdims)),
    vjp=None,
)
any = Primitive(
    "any",
    forward=lambda xp, x, *, axis, keepdims: _c(xp.any(x, axis=axis, keepdims=keepdims)),
    vjp=None,
)


def _longest_runs(xp: Any, x: Any, order: Any, axis: int) -> tuple[Any, Any]:
    # Where in ``order`` (keepdims layout) the first longest run of equal values of ``x``
    # sorted by it ends, and that run's length. NaN equals nothing (each is a run of one, as
    # in PyTorch's scan with !=).
    n = x.shape[axis]

    def part(a: Any, start: int | None, stop: int | None) -> Any:
        return a[(slice(None),) * axis + (slice(start, stop), Ellipsis)]

    ordered = xp.take_along_axis(x, order, axis=axis)
    view = [1] * x.ndim
    view[axis] = n
    position = xp.broadcast_to(xp.reshape(xp.arange(n, dtype=xp.int64), tuple(view)), x.shape)
    head = xp.ones(part(x, 0, 1).shape, dtype=xp.bool)
    changed = xp.concat([head, part(ordered, 1, None) != part(ordered, None, -1)], axis=axis)
    # The latest start so far: a running maximum of the start positions, by doubling.
    start = xp.where(changed, position, xp.zeros_like(position))
    step = 1
    while step < n:
        earlier = xp.concat([part(start, 0, step), part(start, None, -step)], axis=axis)
        start = xp.maximum(start, earlier)
        step *= 2
    run = position - start
    best = xp.argmax(run, axis=axis, keepdims=True)
    return best, xp.take_along_axis(run, best, axis=axis) + 1


def _mode_index(xp: Any, x: Any, *, axis: int) -> Any:
    # The index (keepdims layout) of PyTorch's mode along ``axis``: sort, find where each run of
    # equal values starts, and take the first place reaching the longest run: the end of the
    # smallest most frequent value. Which of its occurrences ends the run is the order
    # PyTorch's std::sort leaves equal values in: stable up to 16 elements (an insertion sort,
    # as the stable argsort here), not past that, nor where a NaN sits. Those rows, and only
    # those (a Python replay), are ordered as std::sort orders them (on NumPy; other
    # libraries' keep the stable order, NaN first). One primitive: the raw operators on
    # indices are recorded by arraygrad.compile as part of it.
    n = x.shape[axis]
    order = _backend.stable_argsort(xp, x, axis, False)  # NaNs last, in their order
    best, length = _longest_runs(xp, x, order, axis)
    replay = xp.zeros(best.shape, dtype=xp.bool)
    if _backend.is_real_floating(x.dtype):
        replay = xp.any(xp.isnan(x), axis=axis, keepdims=True)
    if n > 16:  # (a NaN row's lengths may be wrong; it is replayed whatever they are)
        replay = replay | (length > 1)
    replayed = _backend.rows_as_std_sort(x, axis, order, xp.squeeze(replay, axis=axis))
    if replayed is None and _backend.is_real_floating(x.dtype):
        last = xp.astype(~xp.isnan(xp.take_along_axis(x, order, axis=axis)), xp.int8)
        order = xp.take_along_axis(order, xp.argsort(last, axis=axis, stable=True), axis=axis)
        best, _ = _longest_runs(xp, x, order, axis)
    elif replayed is not None and replayed is not order:
        order = replayed
        best, _ = _longest_runs(xp, x, order, axis)
    return xp.take_along_axis(order, best, axis=axis)


# Not differentiable: the index of the most frequent value along ``axis`` (n > 0).
mode_index = Primitive("mode_index", forward=_mode_index, vjp=None)


def _searchsorted(xp: Any, boundaries: Any, values: Any, *, right: bool) -> Any:
    # PyTorch's binary search, run for every value at once: rows of sorted ``boundaries``
    # (R, n), ``values`` (R, m) of one dtype. A comparison with NaN is false, so the search
    # steps right past a NaN, where NumPy's searchsorted orders NaN last; the same steps give
    # PyTorch's result for NaN values and NaN boundaries too. ``n.bit_length()`` halvings
    # empty every range.
    n = boundaries.shape[-1]
    floating = _backend.is_real_floating(boundaries.dtype)
    if boundaries.shape[0] == 1 and not (
        floating and bool(xp.any(xp.isnan(boundaries)) | xp.any(xp.isnan(values)))
    ):
        # Without NaN both searches agree: the library's own one is faster. (The values read
        # make this primitive one opaque step for arraygrad.compile, replayed whole.)
        side = "right" if right else "left"
        found = xp.searchsorted(boundaries[0, :], values[0, :], side=side)
        return xp.reshape(xp.astype(found, xp.int64), values.shape)
    start = xp.zeros(values.shape, dtype=xp.int64)
    end = xp.full(values.shape, n, dtype=xp.int64)
    for _ in range(n.bit_length()):
        mid = start + (end - start) // 2
        probe = xp.take_along_axis(boundaries, xp.minimum(mid, n - 1), axis=-1)
        stop = probe > values if right else probe >= values
        active = start < end
        start = xp.where(active & ~stop, mid + 1, start)
        end = xp.where(active & stop, mid, end)
    return start


# Not differentiable: insertion points of (R, m) values in the rows of (R, n) boundaries. (Not
# named searchsorted: the Array API's function of that name takes one 1-D sequence.)
search_rows = Primitive("searchsorted", forward=_searchsorted, vjp=None)


# Scans: ``axis`` is one non-negative int (the PyTorch layer reshapes 0-d tensors to 1-d);
# ``wide``: accumulated in double (the PyTorch layer sets it for float32 and complex64, not for
# the float32 that float16 and bfloat16 scans are computed in, whose kernels accumulate in it).
cumulative_sum = Primitive(
    "cumsum",
    forward=lambda xp, x, *, axis, wide=False: _c(
        _in_dtype_of(xp, _scan(xp, "cumulative_sum", x, axis, wide), x)
    ),
    vjp=(lambda ns, g, out, x, *, axis, wide=False: _reverse_cumsum(ns, g, axis, wide),),
    reads_inputs=False,
)


def _cumprod_vjp(
    ns: Any,
    g: Any,
    out: Any,
    x: Any,
    *,
    axis: int,
    include_initial: bool = False,
    wide: bool = False,
) -> Any:
    # With z the first zero along the axis (PyTorch's cumprod_backward):
    #   k < z:  sum_{i >= k} g_i y_i / x_k          (no zero divides)
    #   k == z: sum_{i >= z} g_i prod_{j <= i, j != z} x_j   (a cumprod with x_z set to 1)
    #   k > z:  0                                   (every product involved contains x_z = 0)
    if include_initial:  # the leading 1 depends on nothing
        g = _slice(ns, g, axis, slice(1, None))
        out = _slice(ns, out, axis, slice(1, None))
    zero = x == 0
    if _may_read_values(ns) and not bool(ns.any(zero)):
        # No zero (PyTorch's own switch): every position is before the first, where the
        # where()s below pick exactly this.
        return _reverse_cumsum(ns, g * out, axis, wide) / x
    seen = ns.cumulative_sum(ns.astype(zero, x.dtype), axis=axis)
    before = seen == 0
    first = zero & (seen == 1)
    up_to_first = _reverse_cumsum(ns, g * out, axis, wide) / ns.where(before, x, 1.0)
    partial = _scan(ns, "cumulative_prod", ns.where(first, 1.0, x), axis, wide)
    at_first = _reverse_cumsum(ns, g * partial, axis, wide)
    return ns.where(before, up_to_first, ns.where(first, at_first, 0.0))


cumulative_prod = Primitive(
    "cumprod",
    forward=lambda xp, x, *, axis, include_initial=False, wide=False: _c(
        _in_dtype_of(
            xp, _scan(xp, "cumulative_prod", x, axis, wide, include_initial=include_initial), x
        )
    ),
    vjp=(_cumprod_vjp,),
    reads_output=True,
)


def _vector_norm(xp: Any, x: Any, *, ord: float, axis: Any, keepdims: bool) -> Any:
    a = xp.abs(x)
    if ord == math.inf:
        return xp.max(a, axis=axis, keepdims=keepdims)
    if ord == -math.inf:
        return xp.min(a, axis=axis, keepdims=keepdims)
    if ord == 0:
        return xp.sum(xp.astype(a != 0, x.dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return xp.sum(a, axis=axis, keepdims=keepdims)
    if ord == 2:
        return xp.sqrt(xp.sum(a * a, axis=axis, keepdims=keepdims))
    return xp.sum(a**ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _vector_norm_vjp(
    ns: Any, g: Any, out: Any, x: Any, *, ord: float, axis: Any, keepdims: bool
) -> Any:
    # PyTorch's linalg_vector_norm_backward, case by case. Where the norm is 0 the gradient is
    # 0 (not 0/0); elements equal to an inf-norm share its gradient evenly. As in PyTorch, the
    # 0/0 (or 0 ** negative) is computed and then masked, so a second derivative there is nan,
    # as PyTorch's is (the masked branch's derivative is 0 / 0 or 0 * inf).
    if ord == 0:
        return None  # piecewise constant: PyTorch leaves the input without a gradient
    shape = tuple(x.shape)
    g = _keep(ns, g, shape, axis, keepdims)
    norm = _keep(ns, out, shape, axis, keepdims)
    if ord == 1:
        return g * ns.sign(x)
    if ord in (math.inf, -math.inf):
        hit = ns.astype(ns.abs(x) == norm, x.dtype)
        return ns.sign(x) * hit * g / ns.sum(hit, axis=axis, keepdims=True)
    zero_norm = norm == 0
    if ord == 2:
        return g * ns.where(zero_norm, 0.0, x / norm)
    a = ns.abs(x)
    if ord < 1:
        scaled = ns.sign(x) * ns.where(x == 0, 0.0, a ** (ord - 1))
        return scaled * g * norm ** (1 - ord)
    scale = ns.where(zero_norm, 0.0, g / norm ** (ord - 1))
    if ord < 2:
        return ns.sign(x) * a ** (ord - 1) * scale
    return x * a ** (ord - 2) * scale


vector_norm = Primitive(
    "linalg_vector_norm",
    forward=lambda xp, x, **params: _c(_vector_norm(xp, x, **params)),
    vjp=(_vector_norm_vjp,),
    reads_output=True,
)


def _deviation_std(xp: Any, d: Any, *, axis: Any, keepdims: bool, divisor: float) -> Any:
    # The 2-norm of the deviations scaled by 1 / sqrt(divisor): the bits of vector_norm's
    # forward (|d| * |d| is d * d) times that factor.
    return xp.sqrt(xp.sum(d * d, axis=axis, keepdims=keepdims)) * (1.0 / math.sqrt(divisor))


def _deviation_std_vjp(
    ns: Any, g: Any, out: Any, d: Any, *, axis: Any, keepdims: bool, divisor: float
) -> Any:
    # PyTorch's std_backward: var_backward of grad / (2 * std), masked to 0 where std is 0.
    # The mask covers the quotient, so at zero spread the derivative through the std (and d)
    # is 0 and the one through g is 0 / 0 = nan, as PyTorch's; the 2-norm's rule, which
    # masks d / norm instead, would give the reverse.
    shape = tuple(d.shape)
    g = _keep(ns, g, shape, axis, keepdims)
    std = _keep(ns, out, shape, axis, keepdims)
    return (2.0 / divisor) * ns.where(std == 0, 0.0, g / (std * 2)) * d


# ``deviation_std(d) = sqrt(sum(d**2) / divisor)`` over ``axis``, for deviations ``d`` from the
# mean (divisor > 0): std's primitive, whose rule is PyTorch's std_backward.
deviation_std = Primitive(
    "std",
    forward=lambda xp, x, **params: _c(_deviation_std(xp, x, **params)),
    vjp=(_deviation_std_vjp,),
    reads_output=True,
)


def _spread_var(xp: Any, x: Any, *, axis: Any, keepdims: bool, divisor: float) -> Any:
    # (the result is inf or nan whatever the rounding: |d| * |d| serves real and complex x)
    spread = xp.abs(x - xp.mean(x, axis=axis, keepdims=True))
    # (the builtin max is shadowed here by the amax primitive)
    return xp.sum(spread * spread, axis=axis, keepdims=keepdims) / (divisor if divisor > 0 else 0.0)


def _spread_var_vjp(
    ns: Any, g: Any, out: Any, x: Any, *, axis: Any, keepdims: bool, divisor: float
) -> Any:
    # PyTorch's var_backward, which does not differentiate through the mean (its gradient
    # sums to 0): over all elements, 2 / (N - c) with N - c <= 0 is read as +inf, the gradient
    # g * inf, nan where x equals the mean (inf * 0); over dims, 2 / (N - c) * g * (x - mean),
    # unclamped: +-inf or nan at N == c, finite (of the other sign) beyond.
    shape = tuple(x.shape)
    g = _keep(ns, g, shape, axis, keepdims)
    centre = ns.mean(x, axis=axis, keepdims=True)
    if axis is None:
        # (a complex x's gradient is complex: inf + 0j)
        return ns.astype(ns.where(x == centre, math.nan, g * math.inf), x.dtype)
    scale = 2.0 / divisor if divisor else math.inf
    return scale * g * (x - centre)


# ``var(x) = sum(|x - mean|^2) / max(divisor, 0)`` over ``axis``, for ``divisor = N - correction
# <= 0`` (nan or inf): var's primitive there, with PyTorch's gradient, which its composition
# (through the mean, inf - inf) would turn to nan everywhere. ``axis=None``: over all elements
# (``dim=None`` or a 0-d input), where PyTorch's rule differs.
spread_var = Primitive(
    "var",
    forward=lambda xp, x, **params: _c(_spread_var(xp, x, **params)),
    vjp=(_spread_var_vjp,),
)

__all__ = [
    "all",
    "any",
    "argmax",
    "argmin",
    "cumulative_prod",
    "cumulative_sum",
    "deviation_std",
    "max",
    "mean",
    "min",
    "mode_index",
    "prod",
    "search_rows",
    "spread_var",
    "sum",
    "vector_norm",
]
