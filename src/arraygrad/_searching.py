"""Finding elements: ``nonzero``, ``argwhere``, ``masked_select``, ``searchsorted``,
``bucketize``, ``bincount`` and ``histc`` (``unique`` and ``unique_consecutive`` are in
``_unique``).

These answer "where" and "how many" questions, so apart from ``masked_select`` (a gather, whose
gradient scatters back) their results are indices or counts computed on raw arrays and carry no
gradient.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from arraygrad import _backend, _dtype, _grad_mode, _inference, ops
from arraygrad._arguments import require_tensor
from arraygrad._out import written_exactly
from arraygrad._tensor import Tensor, describe

__all__ = [
    "argwhere",
    "bincount",
    "bucketize",
    "histc",
    "masked_select",
    "nonzero",
    "nonzero_static",
    "searchsorted",
    "unravel_index",
]


def _long(array: Any, int32: bool = False) -> Tensor:
    dtype = _dtype.int32 if int32 else _dtype.int64
    return Tensor._wrap(_backend.xp.astype(array, _dtype.to_xp(dtype)))


def nonzero(input: Tensor, *, as_tuple: bool = False, out: Tensor | None = None) -> Any:
    """The indices of the non-zero elements: an ``(n, ndim)`` int64 tensor, one row per element
    in row-major order, or with ``as_tuple=True`` one 1-D tensor per dimension (a 0-d input
    counts as 1-D there). ``nan`` is non-zero.

    >>> import arraygrad
    >>> arraygrad.tensor([[0.0, 1.0], [2.0, 0.0]]).nonzero().tolist()
    [[0, 1], [1, 0]]
    """
    if out is not None:
        return _written_long("nonzero", out, nonzero, input, as_tuple=as_tuple)
    xp = _backend.xp
    data = input._data
    if as_tuple:
        data = xp.reshape(data, (1,)) if data.ndim == 0 else data
        return tuple(_long(index) for index in xp.nonzero(data))
    if data.ndim == 0:  # one row per hit, no columns
        hits = int(_backend.item(data != 0))
        return _long(xp.zeros((hits, 0), dtype=xp.int64))
    return _long(xp.stack(xp.nonzero(data), axis=1))


def where_condition_only(condition: Any) -> tuple[Tensor, ...]:
    """``arraygrad.where(condition)``: ``nonzero(condition, as_tuple=True)``."""
    indices: tuple[Tensor, ...] = nonzero(
        require_tensor("where", "condition", 1, condition), as_tuple=True
    )
    return indices


def _written_long(name: str, out: Any, function: Any, *args: Any, **kwargs: Any) -> Tensor:
    """``out=`` of ``nonzero`` and ``nonzero_static``: int64 only, refused before anything is
    computed with their kernels' own message (PyTorch's wording, its missing space kept)."""
    if isinstance(out, Tensor) and out.dtype is not _dtype.int64:
        raise RuntimeError(
            f"{name}: Expected out tensor to have scalar type Long but got scalar type"
            f"{_dtype.torch_type_name(out.dtype)}. Fix: give an out tensor of dtype "
            "arraygrad.int64 (the indices are int64)."
        )
    return written_exactly(name, out, function, *args, **kwargs)


def nonzero_static(
    input: Tensor, *, size: int, fill_value: int = -1, out: Tensor | None = None
) -> Tensor:
    """:func:`nonzero` with a fixed number of rows, ``size``: the first ``size`` hits, then
    rows of ``fill_value`` where there are fewer (a shape that does not depend on the values).
    ``out``: int64 only, as PyTorch's.

    >>> import arraygrad
    >>> arraygrad.tensor([0, 3, 0, 5]).nonzero_static(size=3).tolist()
    [[1], [3], [-1]]
    """
    if out is not None:
        return _written_long(
            "nonzero_static", out, nonzero_static, input, size=size, fill_value=fill_value
        )
    if not isinstance(size, int) or size < 0:
        raise RuntimeError(
            f"nonzero_static: 'size' must be an non-negative integer, got {size!r}. Fix: pass "
            "the number of rows wanted, size >= 0."
        )
    xp = _backend.xp
    hits = nonzero(input)._data[:size]
    if hits.shape[0] < size:
        fill = xp.full((size - hits.shape[0], hits.shape[1]), fill_value, dtype=xp.int64)
        hits = xp.concat([hits, fill], axis=0)
    return _long(hits)


def argwhere(input: Tensor) -> Tensor:
    """``nonzero(input)``: the ``(n, ndim)`` int64 indices of the non-zero elements (``nan``
    included), in row-major order.

    >>> import arraygrad
    >>> arraygrad.argwhere(arraygrad.tensor([[1, 0], [0, 3]]))
    tensor([[0, 0],
            [1, 1]])
    """
    return nonzero(input)


def masked_select(input: Tensor, mask: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The elements of ``input`` where the bool ``mask`` is True, as a 1-D tensor (``input`` and
    ``mask`` broadcast against each other). The gradient scatters back to the selected places.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> arraygrad.masked_select(x, x > 2).tolist()
    [3.0, 4.0]
    """
    if out is not None:
        return written_exactly("masked_select", out, masked_select, input, mask)
    if not isinstance(mask, Tensor) or mask.dtype is not _dtype.bool_:
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(
            f"masked_select: expected BoolTensor for mask, got {got}. Fix: build the mask with "
            "a comparison (x > 0) or convert it with .bool()."
        )
    xp = _backend.xp
    have, mask_shape = tuple(input._data.shape), tuple(mask._data.shape)
    try:
        shape = tuple(xp.broadcast_shapes(have, mask_shape))
    except ValueError:
        raise RuntimeError(
            f"masked_select: the shape of the mask {list(mask_shape)} does not broadcast with "
            f"the shape of the input {list(have)}. Fix: reshape or unsqueeze the mask."
        ) from None
    if _grad_mode.inference_used:
        _inference.check_kept(mask, "the mask of masked_select", input)
    x = input if have == shape else ops.broadcast_to(input, shape=shape)
    key = mask._data if mask_shape == shape else xp.broadcast_to(mask._data, shape)
    if not shape:  # NumPy's 0-d boolean index already gives the 1-D result
        return ops.getitem(ops.reshape(x, shape=(1,)), key=xp.reshape(key, (1,)))
    return ops.getitem(x, key=key)


# --- searchsorted / bucketize --------------------------------------------------------------------


def _values(value: Any) -> tuple[Any, bool]:
    """``value`` as an array, and whether it was a Python number (a 0-d result)."""
    if isinstance(value, Tensor):
        return value._data, False
    if isinstance(value, numbers.Number):
        return _backend.xp.asarray(value), True
    raise TypeError(
        f"searchsorted(): values must be a Tensor or a number, got {type(value).__name__}."
        " Fix: pass the values as a tensor (e.g. "
        "arraygrad.tensor(values)) or a Python number."
    )


def _search(boundaries: Any, values: Any, right: bool, int32: bool) -> Tensor:
    """Binary-search insertion points of ``values`` in the rows of ``boundaries`` (last axis).

    PyTorch's binary search: a comparison with NaN is false, so a NaN value goes after
    everything and NaN boundaries are passed over.
    """
    xp = _backend.xp
    common = xp.result_type(boundaries.dtype, values.dtype)
    boundaries, values = xp.astype(boundaries, common), xp.astype(values, common)
    # As rows: one row of boundaries for all values, or one per row of values.
    rows = xp.reshape(boundaries, (math.prod(boundaries.shape[:-1]), boundaries.shape[-1]))
    per_row = math.prod(values.shape) if boundaries.ndim == 1 else values.shape[-1]
    wanted = xp.reshape(values, (rows.shape[0], per_row))
    found = ops.search_rows(Tensor._wrap(rows), Tensor._wrap(wanted), right=right)
    return _long(xp.reshape(found._data, tuple(values.shape)), int32)


def searchsorted(
    sorted_sequence: Tensor,
    input: Any,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Tensor | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """The indices at which ``input`` would be inserted in ``sorted_sequence`` (its last
    dimension) to keep it sorted: the first such place, or with ``right=True`` /
    ``side="right"`` the last. A 1-D sequence serves every value; otherwise its leading
    dimensions must equal those of ``input``. ``sorter`` sorts an unsorted sequence.

    >>> import arraygrad
    >>> seq = arraygrad.tensor([1, 3, 5, 7])
    >>> arraygrad.searchsorted(seq, arraygrad.tensor([3, 6])).tolist()
    [1, 3]
    >>> arraygrad.searchsorted(seq, arraygrad.tensor([3, 6]), right=True).tolist()
    [2, 3]
    """
    if out is not None:
        return written_exactly(
            "searchsorted",
            out,
            searchsorted,
            sorted_sequence,
            input,
            out_int32=out_int32,
            right=right,
            side=side,
            sorter=sorter,
        )
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(
                f"torch.searchsorted(): side can only be 'left' or 'right' but got {side!r}."
                " Fix: pass side='left' or side='right'."
            )
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of "
                "left while right was True. Fix: pass only one of them."
            )
        right = side == "right"
    xp = _backend.xp
    _check_not_both_bool(sorted_sequence, input)
    values, scalar = _values(input)
    boundaries = sorted_sequence._data
    if boundaries.ndim == 0:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
            "dimension. Fix: pass a 1-D sorted sequence."
        )
    if boundaries.ndim > 1 and (scalar or tuple(boundaries.shape[:-1]) != tuple(values.shape[:-1])):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(boundaries.shape)} and input value tensor "
            f"{list(values.shape)}. Fix: use a 1-D sequence or one row per row of values."
        )
    if sorter is not None:
        if tuple(sorter._data.shape) != tuple(boundaries.shape) or sorter.dtype not in (
            _dtype.int64,
            _dtype.int32,
        ):
            raise RuntimeError(
                "torch.searchsorted(): sorter must be an int64 tensor of the boundaries' shape "
                f"{list(boundaries.shape)}, got {describe(sorter)}. Fix: pass argsort(boundaries)."
            )
        boundaries = xp.take_along_axis(boundaries, xp.astype(sorter._data, xp.int64), axis=-1)
    return _search(boundaries, values, right, out_int32)


def bucketize(
    input: Any,
    boundaries: Tensor,
    *,
    out_int32: bool = False,
    right: bool = False,
    out: Tensor | None = None,
) -> Tensor:
    """The bucket of each element of ``input`` among the sorted 1-D ``boundaries``: ``i`` with
    ``boundaries[i-1] < x <= boundaries[i]`` (``<= x <`` with ``right=True``).

    >>> import arraygrad
    >>> arraygrad.bucketize(arraygrad.tensor([1, 4, 9]), arraygrad.tensor([1, 5, 9])).tolist()
    [0, 1, 2]
    """
    if out is not None:
        return written_exactly(
            "bucketize", out, bucketize, input, boundaries, out_int32=out_int32, right=right
        )
    if boundaries.ndim != 1:
        raise RuntimeError(
            f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim}) "
            f"({describe(boundaries)}). Fix: use searchsorted for a batch of sequences."
        )
    _check_not_both_bool(boundaries, input)
    values, _ = _values(input)
    return _search(boundaries._data, values, right, out_int32)


def _check_not_both_bool(boundaries: Tensor, values: Any) -> None:
    # PyTorch searches in the common dtype of the two, and has no bool kernel.
    if values.__class__ is bool or isinstance(values, Tensor):
        _dtype.check_not_bool("searchsorted_out_cpu", _dtype.result_type(boundaries, values))


# --- counting ------------------------------------------------------------------------------------


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value ``0 .. max(input)`` occurs in the 1-D non-negative integer
    ``input`` (at least ``minlength`` bins); with ``weights`` the sum of the weights instead
    (float64, or float32 for float32 weights).

    >>> import arraygrad
    >>> arraygrad.bincount(arraygrad.tensor([1, 1, 3])).tolist()
    [0, 2, 0, 1]
    """
    xp = _backend.xp
    _dtype.check_not_bool("bincount_cpu", input.dtype)
    if input.dtype.category >= _dtype._FLOAT:  # (floating and complex)
        raise NotImplementedError(
            f"\"bincount_cpu\" not implemented for '{_dtype.torch_type_name(input.dtype)}': "
            f"bincount counts integers, got a {describe(input)}. Fix: convert the input with "
            ".long()."
        )
    data = input._data
    if input.ndim != 1 or (input.numel() and _backend.item(xp.min(data)) < 0):
        raise RuntimeError(
            "bincount only supports 1-d non-negative integral inputs, got "
            f"{describe(input)}. Fix: flatten the input and shift it to start at 0."
        )
    if minlength < 0:
        raise RuntimeError(f"minlength should be >= 0, got {minlength}. Fix: pass minlength >= 0.")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError(
            "weights should be 1-d and have the same length as input, got weights "
            f"{describe(weights)} for input {describe(input)}."
            " Fix: pass one weight per input element, as a 1-D tensor of "
            f"shape {list(input.shape)}."
        )
    size = max(int(_backend.item(xp.max(data))) + 1 if input.numel() else 0, minlength)
    index = xp.astype(data, xp.int64)
    if weights is None:
        amounts = xp.ones(tuple(data.shape), dtype=xp.int64)
    else:
        out = _dtype.float32 if weights.dtype is _dtype.float32 else _dtype.float64
        amounts = xp.astype(weights._data, _dtype.to_xp(out))
    return Tensor._wrap(xp.index_add_zeros(amounts, (size,), (index,)))


def histc(
    input: Tensor, bins: int = 100, min: float = 0, max: float = 0, *, out: Tensor | None = None
) -> Tensor:
    """A histogram of ``input``: ``bins`` equal-width bins over ``[min, max]`` (the data's own
    range when both are 0, widened by 1 on each side when it is a single value). Elements
    outside the range and NaNs are ignored; the last bin includes ``max``. The result has the
    input's dtype and no gradient.

    >>> import arraygrad
    >>> arraygrad.histc(arraygrad.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3).tolist()
    [0.0, 2.0, 1.0, 0.0]
    """
    if out is not None:
        return written_exactly("histc", out, histc, input, bins, min, max)
    xp = _backend.xp
    if input.dtype.category < _dtype._FLOAT:
        _refuse_integer_histc(input, bins, min, max)
    if bins <= 0:
        raise RuntimeError(
            f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0. Fix: pass a "
            "positive number of bins."
        )
    if min > max:
        raise RuntimeError(
            f"torch.histc: max must be larger than min, got min={min}, max={max}."
            " Fix: pass min <= max (min == max uses the data's range)."
        )
    if input.dtype.is_complex:  # (complex numbers have no order to bin them by)
        kernel = "aminmax_cpu" if min == max else "histogram_cpu"
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{_dtype.torch_type_name(input.dtype)}': histc "
            f"of a {describe(input)}. Fix: bin a real key, e.g. x.abs() or x.real."
        )
    data = xp.reshape(input._data, (-1,))
    low, high = float(min), float(max)
    if low == high and data.shape[0]:
        low, high = float(_backend.item(xp.min(data))), float(_backend.item(xp.max(data)))
    if low == high:
        low, high = low - 1, high + 1
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(
            f"torch.histc: range of [{low}, {high}] is not finite. Fix: pass a finite min and "
            "max, or remove the inf/nan values."
        )
    kind = data.dtype
    lo, hi = xp.asarray(low, dtype=kind), xp.asarray(high, dtype=kind)
    inside = (data >= lo) & (data <= hi)
    kept = data[inside]
    # PyTorch's position arithmetic, in the input's dtype: (x - low) * bins / (high - low).
    position = xp.astype(xp.floor((kept - lo) * xp.asarray(bins, dtype=kind) / (hi - lo)), xp.int64)
    position = xp.where(position >= bins, xp.asarray(bins - 1, dtype=xp.int64), position)
    counts = xp.ones(tuple(kept.shape), dtype=kind)
    return Tensor._wrap(xp.index_add_zeros(counts, (bins,), (position,)))


# PyTorch's C names of the integer types in its error for a histc range they cannot hold.
_OVERFLOW_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int"}


def _refuse_integer_histc(input: Tensor, bins: int, min: float, max: float) -> None:
    """PyTorch's errors for ``histc`` of a bool or integer tensor, which it has no kernel for:
    before it finds that out, it converts the range (the data's own, widened by 1 when it is
    one value) to the input's dtype, which refuses bounds it cannot hold (-1 for a uint8
    tensor of zeros) with a RuntimeError, as it refuses ``bins`` and an inverted range."""
    name = input.dtype.name
    kernel = "histogram_cpu"
    if input.dtype is _dtype.bool_:  # (its range cannot even be spaced out)
        kernel = "linspace_cpu"
        if bins <= 0:
            raise RuntimeError(
                f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0. Fix: "
                "pass a positive number of bins."
            )
        if min > max:
            raise RuntimeError(
                f"torch.histc: max must be larger than min, got min={min}, max={max}."
                " Fix: pass min <= max (min == max uses the data's range)."
            )
    else:
        if bins <= 0 or min > max:
            raise RuntimeError(
                f"torch.histc: bins must be > 0 and max must not be below min, got bins={bins},"
                f" min={min}, max={max}."
                " Fix: pass bins >= 1 and min <= max."
            )
        low, high = float(min), float(max)  # in double, as PyTorch's
        if low == high and input.numel():
            data = _backend.xp.reshape(input._data, (-1,))
            low = float(_backend.item(_backend.xp.min(data)))
            high = float(_backend.item(_backend.xp.max(data)))
        if low == high:
            low, high = low - 1, high + 1
        if not low < high:  # one int64 value too large for the widening to change in double
            raise RuntimeError(
                f"torch.histc: max must be larger than min, got [{low}, {high}]."
                " Fix: compute the histogram of input.double(), or pass a "
                "wider [min, max]."
            )
        smallest, largest = _dtype.int_bounds(input.dtype)
        if name in _OVERFLOW_NAMES and not smallest <= low <= high <= largest:
            raise RuntimeError(
                f"value cannot be converted to type {_OVERFLOW_NAMES[name]} without overflow: "
                f"histc's range [{low}, {high}] does not fit in {name}. Fix: convert the input "
                "with .float()."
            )
    raise NotImplementedError(
        f"\"{kernel}\" not implemented for '{_dtype.torch_type_name(input.dtype)}': histc bins "
        f"floating point values, got a {describe(input)}. Fix: convert the input with .float()."
    )


def unravel_index(indices: Tensor, shape: Any) -> tuple[Tensor, ...]:
    """The coordinates, in a C-ordered tensor of ``shape``, of each flat index: one int64
    tensor per dimension, each shaped like ``indices``. As in PyTorch, coordinate ``d`` is
    ``(index // stride_d) % shape[d]``, so indices out of range wrap (``-1`` is the last
    element).

    >>> import arraygrad
    >>> arraygrad.unravel_index(arraygrad.tensor([4, 7]), (3, 3))
    (tensor([1, 2]), tensor([1, 1]))
    """
    if not isinstance(indices, Tensor):
        raise TypeError(
            f"expected 'indices' to be a Tensor, but got {type(indices).__name__}. Fix: wrap "
            "it, e.g. arraygrad.tensor(indices)."
        )
    if indices.dtype.is_floating_point or indices.dtype is _dtype.bool_:
        raise TypeError(
            f"expected 'indices' to be integer dtype, but got {indices.dtype}. Fix: convert "
            "them, e.g. indices.long()."
        )
    sizes = (shape,) if isinstance(shape, int) else tuple(shape)
    for size in sizes:
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(
                f"expected 'shape' sequence to only contain ints, but got {type(size)}. Fix: "
                "pass sizes as Python ints."
            )
    if any(size < 0 for size in sizes):
        raise ValueError(
            f"'shape' cannot have negative values, but got {sizes}. Fix: pass non-negative sizes."
        )
    if 0 in sizes:
        raise RuntimeError(
            f"unravel_index: the shape {sizes} has no elements, so no index lies in it (torch "
            "raises ZeroDivisionError). Fix: give every dimension a positive size."
        )
    xp = _backend.xp
    flat = xp.astype(indices._data, xp.int64)
    coordinates = []
    stride = 1
    for size in reversed(sizes):
        coordinates.append(Tensor._wrap(xp.remainder(xp.floor_divide(flat, stride), size)))
        stride *= size
    return tuple(reversed(coordinates))
