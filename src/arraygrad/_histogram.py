"""``histogram`` and ``histogramdd``: counts (or summed weights) of values (or points) in bins,
with the bin edges, as ``torch.histogram`` and ``torch.histogramdd`` give them
(:func:`arraygrad.histc` is the older, edge-less form).

Like the other counting functions (:mod:`arraygrad._searching`) it works on raw arrays and gives
no gradient. The edges of ``bins=n`` are made with PyTorch's own linspace arithmetic, so that an
element lying on an edge lands in the same bin as in torch.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from arraygrad import _backend, _dtype, ops, return_types
from arraygrad._out import written_each
from arraygrad._searching import _search
from arraygrad._tensor import Tensor

__all__ = ["histogram", "histogramdd"]


# The C++ type names PyTorch's histogram errors give dtypes.
_CPP_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int"}


def _float_histogram(input: Tensor) -> None:
    if input.dtype not in (_dtype.float32, _dtype.float64):
        raise NotImplementedError(
            f'"histogramdd" not implemented for {_dtype.torch_type_name(input.dtype)!r}: '
            "histogram bins float32 and float64 values. Fix: convert the input with .double()."
        )


def _check_range_length(range: Any, dims: int) -> None:
    if len(range) != 2 * dims:
        raise RuntimeError(
            f"torch.histogramdd: for a {dims}-dimensional histogram range should have "
            f"{2 * dims} elements, but got {len(range)}"
            f". Fix: pass range as (min_0, max_0, ..., min_{dims - 1}, "
            f"max_{dims - 1}), two values per dimension."
        )


def _outer_edges(input: Tensor, data: Any, pair: Any, dim: int = 0) -> tuple[float, float]:
    """The first and last bin edges of dimension ``dim``: ``pair``, or the data's own (0 and 1
    for no data), widened by 1/2 on each side when they coincide, as PyTorch (and NumPy) do."""
    if pair is not None:
        low, high = float(pair[0]), float(pair[1])
    elif data.shape[0]:
        _float_histogram(input)
        xp = _backend.xp
        low, high = float(_backend.item(xp.min(data))), float(_backend.item(xp.max(data)))
    else:
        low, high = 0.0, 1.0
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(
            f"torch.histogramdd: dimension {dim}'s range [{low:g}, {high:g}] is not finite. "
            "Fix: pass a finite range=, or remove the inf/nan values."
        )
    if low > high:
        raise RuntimeError(
            "torch.histogramdd: min should not exceed max, but got min "
            f"{low:g} max {high:g} for dimension {dim}"
            ". Fix: pass range with min <= max for every dimension."
        )
    return (low - 0.5, high + 0.5) if low == high else (low, high)


def _check_edges_tensor(bins: Tensor, input: Tensor, dim: int) -> None:
    """PyTorch's checks of the bin edges given for dimension ``dim``."""
    if bins.ndim != 1:
        raise RuntimeError(
            "torch.histogramdd: bins tensor should have one dimension, but got "
            f"{bins.ndim} dimensions in the bins tensor for dimension {dim}"
            ". Fix: pass each dimension's bin edges as a 1-D tensor (e.g."
            " edges.flatten())."
        )
    if bins.numel() == 0:
        raise RuntimeError(
            "torch.histogramdd: bins tensor should have at least 1 element, but got 0 "
            f"elements in the bins tensor for dimension {dim}"
            ". Fix: pass at least one bin edge per dimension."
        )
    if bins.dtype is not input.dtype:
        raise RuntimeError(
            "torch.histogramdd: input tensor and bins tensors should have the same dtype, "
            f"but got input with dtype {_CPP_NAMES.get(input.dtype.name, input.dtype.name)} "
            f"and bins for dimension {dim} with dtype "
            f"{_CPP_NAMES.get(bins.dtype.name, bins.dtype.name)}"
            ". Fix: convert the bin edges to the input's dtype (e.g. "
            "edges.to(input.dtype))."
        )


def _bin_positions(data: Any, edges: Any, count: int, uniform: bool) -> tuple[Any, Any]:
    """Which elements of the 1-D ``data`` fall inside ``edges`` (``count + 1`` of them), and
    the bin of each of those (int64, in order)."""
    xp = _backend.xp
    # PyTorch's kernel: elements outside [edges[0], edges[-1]] (and NaN) are skipped, the rest
    # go to the last edge at or below them (a binary search), the last edge to the last bin.
    first, last = xp.getitem(edges, (slice(0, 1),)), xp.getitem(edges, (slice(count, None),))
    inside = xp.logical_and(data >= first, data <= last)
    kept = data[inside]
    after = _search(edges, kept, right=True, int32=False)._data  # the first edge above each
    if uniform:
        # Equal-width bins: PyTorch guesses the bin by division and searches only the edges
        # next to the guess, which decides where float32 edges repeat (a range below the ulp).
        width = xp.subtract(last, first)
        ratio = xp.divide(
            xp.multiply(xp.subtract(kept, first), float(count)), xp.where(width > 0, width, 1.0)
        )
        guess = xp.astype(ratio, xp.int64)
        after = xp.minimum(xp.maximum(after, xp.subtract(guess, 1)), xp.add(guess, 2))
        after = xp.minimum(after, xp.asarray(count + 1, dtype=xp.int64))
    position = xp.subtract(after, 1)
    position = xp.where(position >= count, xp.asarray(count - 1, dtype=xp.int64), position)
    return inside, position


def histogram(
    input: Tensor,
    bins: Any = 100,
    *,
    range: Any = None,
    weight: Tensor | None = None,
    density: bool = False,
    out: tuple[Tensor, ...] | None = None,
) -> Any:
    """``(hist, bin_edges)``: how many elements of ``input`` fall in each bin (or the sum of
    their ``weight``). ``bins`` is a number of equal-width bins over ``range`` (the data's own
    ``[min, max]`` by default), or a 1-D tensor of increasing edges. Bin ``k`` is
    ``[edges[k], edges[k + 1])``, the last one also holding ``edges[-1]``; elements outside
    and NaNs are left out. With ``density`` each bin holds ``hist[k] / (sum(hist) *
    (edges[k + 1] - edges[k]))``, so the histogram integrates to 1. float32 or float64 input;
    no gradient, as in PyTorch.

    >>> import arraygrad
    >>> hist, edges = arraygrad.histogram(arraygrad.tensor([1.0, 2.0, 1.0, 4.0]), bins=3)
    >>> hist.tolist(), edges.tolist()
    ([2.0, 1.0, 1.0], [1.0, 2.0, 3.0, 4.0])
    """
    if out is not None:
        return written_each(
            "histogram", out, histogram, input, bins, range=range, weight=weight, density=density
        )
    xp = _backend.xp
    data = xp.reshape(input._data, (-1,))
    native = input._data.dtype
    if isinstance(bins, Tensor):
        if range is not None:
            raise TypeError(
                "histogram() received an invalid combination of arguments: range= goes with a "
                "number of bins, not with a tensor of bin edges."
                " Fix: drop range=, or pass bins as an int."
            )
        _check_edges_tensor(bins, input, 0)
        count = bins.numel() - 1
    else:
        if isinstance(bins, bool) or not isinstance(bins, numbers.Integral):
            raise TypeError(
                f"histogram(): bins must be an int or a 1-D tensor of edges, not "
                f"{type(bins).__name__}"
                ". Fix: pass bins as an int or a 1-D tensor of edges."
            )
        count = int(bins)
    if count <= 0:
        raise RuntimeError(
            f"torch.histogram(): bins must be > 0, but got {count} for dimension 0"
            ". Fix: pass bins >= 1."
        )
    if isinstance(bins, Tensor):
        edges = _backend.copy(bins._data)
    else:
        if range is not None:
            _check_range_length(range, 1)
        low, high = _outer_edges(input, data, range)
        _float_histogram(input)  # before the float arithmetic of the edges
        edges = _backend.linspace(low, high, count + 1, native)
    if weight is not None:
        if weight.dtype is not input.dtype:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor "
                f"should have the same dtype, but got input({_CPP_NAMES.get(input.dtype.name)}), "
                f"and weight({_CPP_NAMES.get(weight.dtype.name, weight.dtype.name)})"
                ". Fix: convert the weight first (e.g. "
                "weight.to(input.dtype))."
            )
        if weight.numel() != data.shape[0]:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape "
                "as the input tensor excluding its innermost dimension, but got input with shape "
                f"[{data.shape[0]}, 1] and weight with shape [{weight.numel()}]"
                ". Fix: pass one weight per input element."
            )
    _float_histogram(input)
    inside, position = _bin_positions(data, edges, count, not isinstance(bins, Tensor))
    kept = data[inside]
    if weight is None:
        amounts = xp.ones(tuple(kept.shape), dtype=native)
    else:
        amounts = xp.reshape(weight._data, (-1,))[inside]
    hist = xp.index_add_zeros(amounts, (count,), (position,))
    if density:
        total = xp.sum(hist)
        widths = xp.subtract(
            xp.getitem(edges, (slice(1, None),)), xp.getitem(edges, (slice(0, count),))
        )
        if _backend.item(total) == 0:  # 0 / 0, as PyTorch gives it, without NumPy's warning
            hist = xp.full((count,), math.nan, dtype=native)
        else:
            hist = xp.divide(xp.divide(hist, total), widths)
    # PyTorch's results require grad where the input or weight does; backward through them raises
    results = (
        ops.without_derivative(
            Tensor._wrap(array),
            [input, weight],
            "derivative for aten::histogram is not implemented",
        )
        for array in (hist, edges)
    )
    return return_types.histogram(*results)


def _bin_layout(bins: Any, dims: int) -> tuple[list[int], list[Tensor] | None]:
    """The number of bins of each of ``dims`` dimensions, and the tensors of edges when
    ``bins`` gives them; PyTorch's TypeErrors for the forms it does not take."""
    if isinstance(bins, numbers.Integral) and not isinstance(bins, bool):
        return [int(bins)] * dims, None
    if not isinstance(bins, (list, tuple)):
        raise TypeError(
            "histogramdd() received an invalid combination of arguments - got (Tensor, "
            f"bins={type(bins).__name__}): bins is an int, a sequence of ints or a sequence "
            "of 1-D tensors of edges"
            ". Fix: pass bins as an int, a list of ints or a list of 1-D "
            "edge tensors."
        )
    if any(isinstance(b, Tensor) for b in bins):
        for position, b in enumerate(bins):
            if not isinstance(b, Tensor):
                raise TypeError(
                    f"expected Tensor as element {position} in argument 1, but got "
                    f"{type(b).__name__}"
                    ". Fix: pass every element of bins as a 1-D edge tensor, or "
                    "every element as an int."
                )
        if len(bins) != dims:
            raise RuntimeError(
                f"torch.histogramdd: expected {dims} sequences of bin edges for a "
                f"{dims}-dimensional histogram but got {len(bins)}"
                ". Fix: pass one edge tensor per column of the input."
            )
        return [b.numel() - 1 for b in bins], list(bins)
    for position, b in enumerate(bins):
        if isinstance(b, bool) or not isinstance(b, numbers.Integral):
            raise TypeError(
                f"expected Tensor as element {position} in argument 1, but got {type(b).__name__}"
                ". Fix: pass every element of bins as an int, or every "
                "element as a 1-D edge tensor."
            )
    if len(bins) != dims:
        raise RuntimeError(
            "histogramdd: The size of bins must be equal to the innermost dimension of the input."
            " Fix: pass one bin count per column of the input "
            "(input.shape[-1] of them)."
        )
    return [int(b) for b in bins], None


def _shape_text(shape: Any) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def histogramdd(
    input: Tensor,
    bins: Any = 10,
    range: Any = None,
    weight: Tensor | None = None,
    density: bool = False,
) -> Any:
    """``(hist, bin_edges)``: the histogram of the points ``input[..., :]`` (the last dimension
    holds the ``D`` coordinates), a ``D``-dimensional tensor of counts (or of summed
    ``weight``, one weight per point), and a tuple of ``D`` tensors of edges.

    ``bins``: a number of equal-width bins for every dimension, one number per dimension, or
    one 1-D tensor of increasing edges per dimension (given edges are returned as they are).
    ``range``: ``[low_0, high_0, low_1, high_1, ...]`` for numbers of bins (the data's own
    extent by default; ignored with tensors of edges, as in PyTorch). A point counts when each
    coordinate falls in a bin as :func:`histogram` bins it; with ``density`` each bin holds
    ``hist / (sum(hist) * volume of the bin)``. float32 or float64; as in PyTorch, the results
    require grad when the inputs do, but have no derivative (backward raises).

    >>> import arraygrad
    >>> points = arraygrad.tensor([[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0]])
    >>> hist, edges = arraygrad.histogramdd(points, bins=[2, 1])
    >>> hist.tolist(), [e.tolist() for e in edges]
    ([[1.0], [3.0]], [[0.0, 1.0, 2.0], [0.0, 2.0]])
    """
    if input.ndim == 0:
        raise IndexError(
            "Dimension specified as -1 but tensor has no dimensions"
            ". Fix: pass an input of shape (N, D): D columns of "
            "coordinates."
        )
    if input.ndim < 2:
        raise RuntimeError(
            "torch.histogramdd: input tensor should have at least 2 dimensions"
            f", got shape {list(input.shape)}. Fix: pass an input of shape"
            " (N, D); for one dimension use input.reshape(-1, 1)."
        )
    xp = _backend.xp
    dims = int(input.shape[-1])
    points = xp.reshape(input._data, (math.prod(input.shape[:-1]), dims))
    native = input._data.dtype
    counts, given = _bin_layout(bins, dims)
    _float_histogram(input)
    if given is not None:
        for dim, edges_tensor in enumerate(given):
            _check_edges_tensor(edges_tensor, input, dim)
    if weight is not None:
        if weight.dtype is not input.dtype:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor "
                f"should have the same dtype, but got input({_CPP_NAMES.get(input.dtype.name)}), "
                f"and weight({_CPP_NAMES.get(weight.dtype.name, weight.dtype.name)})"
                ". Fix: convert the weight first (e.g. "
                "weight.to(input.dtype))."
            )
        if tuple(weight.shape) != tuple(input.shape[:-1]):
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape "
                "as the input tensor excluding its innermost dimension, but got input with shape "
                f"{_shape_text(input.shape)} and weight with shape {_shape_text(weight.shape)}"
                ". Fix: pass a weight of shape "
                f"{_shape_text(input.shape[:-1])}, one per point."
            )
    edges: list[Any] = []
    if given is not None:
        edges = [b._data for b in given]
    else:
        if range is not None:
            _check_range_length(range, dims)
        for dim, count in enumerate(counts):
            column = points[:, dim]
            pair = None if range is None else (range[2 * dim], range[2 * dim + 1])
            low, high = _outer_edges(input, column, pair, dim)
            if count + 1 < 0:  # PyTorch makes the edges with linspace, which refuses this
                raise RuntimeError("number of steps must be non-negative. Fix: pass bins >= 1.")
            # Fewer than two edges: no bins, refused below once every dimension is checked.
            edges.append(_backend.linspace(low, high, count + 1, native) if count > 0 else None)
    for dim, count in enumerate(counts):
        if count <= 0:
            raise RuntimeError(
                f"torch.histogram(): bins must be > 0, but got {count} for dimension {dim}"
                ". Fix: pass bins >= 1 for every dimension."
            )
    # A point counts when every coordinate lies within its dimension's edges (NaN nowhere).
    inside = xp.ones((points.shape[0],), dtype=xp.bool)
    for dim, count in enumerate(counts):
        column, first, last = points[:, dim], edges[dim][0], edges[dim][count]
        inside = xp.logical_and(inside, xp.logical_and(column >= first, column <= last))
    kept = points[inside]
    key = tuple(
        _bin_positions(kept[:, dim], edges[dim], count, given is None)[1]
        for dim, count in enumerate(counts)
    )
    if weight is None:
        amounts = xp.ones((kept.shape[0],), dtype=native)
    else:
        amounts = xp.reshape(weight._data, (-1,))[inside]
    if dims:
        hist = xp.index_add_zeros(amounts, tuple(counts), key)
    else:  # no coordinates: PyTorch's histogram holds 0 whatever the points
        hist = xp.zeros((), dtype=native)
    if density:
        total = xp.sum(hist)
        if _backend.item(total) == 0:  # 0 / 0, as PyTorch gives it, without NumPy's warning
            hist = xp.full(tuple(counts), math.nan, dtype=native)
        else:
            hist = xp.divide(hist, total)
            for dim, count in enumerate(counts):
                widths = xp.subtract(
                    xp.getitem(edges[dim], (slice(1, None),)),
                    xp.getitem(edges[dim], (slice(0, count),)),
                )
                shape = [1] * dims
                shape[dim] = count
                hist = xp.divide(hist, xp.reshape(widths, tuple(shape)))
    return _no_derivative_results(hist, edges, given, input, weight)


def _no_derivative_results(
    hist: Any, edges: list[Any], given: list[Tensor] | None, input: Tensor, weight: Any
) -> Any:
    """The results as tensors: ones that, as PyTorch's, require grad when their inputs do and
    refuse backward."""
    sources = [input, weight]
    which = "bin_cts" if given is None else "bin_tensors"
    message = f"derivative for aten::_histogramdd_from_{which} is not implemented"
    hist_tensor = ops.without_derivative(Tensor._wrap(hist), [*sources, *(given or [])], message)
    if given is not None:
        return return_types.histogramdd(hist_tensor, tuple(given))
    message = "derivative for aten::_histogramdd_bin_edges is not implemented"
    edge_tensors = (ops.without_derivative(Tensor._wrap(edge), sources, message) for edge in edges)
    return return_types.histogramdd(hist_tensor, tuple(edge_tensors))
