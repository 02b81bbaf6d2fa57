"""Index-based functions: ``embedding``, ``embedding_bag`` and ``one_hot``."""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _dtype, _grad_mode, _inference, _math, _primitive, ops
from arraygrad._tensor import Tensor
from arraygrad.nn._common import constant
from arraygrad.nn._loss import _check

__all__ = ["embedding", "embedding_bag", "one_hot"]


def _check_indices(input: Tensor, name: str) -> None:
    # embedding takes int64 and int32 only; embedding_bag any integer type, as in PyTorch.
    if name == "embedding":
        refused = input.dtype not in (_dtype.int64, _dtype.int32)
    else:
        refused = input.dtype.is_floating_point or input.dtype is _dtype.bool_
    if refused:
        raise RuntimeError(
            f"Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.dtype.name} instead (while checking arguments for "
            f"{name}). Fix: convert the indices with .long()."
        )


def _renorm_rows(weight: Tensor, indices: object, max_norm: float, norm_type: float) -> None:
    """Scale the referenced rows of ``weight`` in place to norm at most ``max_norm`` (no grad).

    PyTorch's ``embedding_renorm_``: rows with a larger norm are scaled by
    ``max_norm / (norm + 1e-7)``.
    """
    tracer = _backend.tracer
    if tracer is None:
        _renorm_rows_into(weight._data, indices, max_norm, norm_type)
    else:
        # A step of arraygrad.compile's program, which writes into the table on each replay:
        # which rows it scales depends on the indices' values (unique), which a trace cannot
        # follow outside such a step (the step ran eagerly), nor the write into the table.
        tracer.see_tensor(weight)
        tracer.call(_renorm_rows_into, (weight._data, indices, max_norm, norm_type))
    _primitive.bump_version(weight)


def _renorm_rows_into(data: Any, indices: Any, max_norm: float, norm_type: float) -> None:
    """:func:`_renorm_rows` on the table's array ``data``, written into it."""
    xp = _backend.xp
    rows = xp.unique_values(xp.reshape(indices, (-1,)))
    # NumPy's integer-array indexing is the fast path; the standard reads rows with take and
    # writes through no integer-array index (a copy with the rows written, then assigned).
    selected = data[rows] if _backend.is_numpy else xp.take(data, rows, axis=0)
    norms = xp.sum(xp.abs(selected) ** norm_type, axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), xp.ones_like(norms))
    if _backend.is_numpy:
        data[rows] = selected * scale[:, None]
    else:
        data[...] = xp.index_put(data, selected * scale[:, None], rows)


def _frequency_scale(indices: Any, dtype: Any) -> Any:
    """``1 / (how often each index occurs in indices)``, shaped ``indices.shape + (1,)``:
    ``scale_grad_by_freq``'s factor. Under arraygrad.compile it is one step of the program, so
    that each replay counts its own indices (unique's result has a value-dependent shape,
    which a trace cannot follow outside such a step)."""
    xp = _backend.xp
    flat = xp.reshape(indices, (-1,))
    _, _, inverse, counts = xp.unique_all(flat)
    freq = xp.reshape(xp.take(counts, xp.reshape(inverse, (-1,))), indices.shape + (1,))
    return 1.0 / xp.astype(freq, dtype)


def _refuse_sparse_scaled(ns: Any, g: Any, out: Any, x: Any) -> Any:
    raise RuntimeError(
        "embedding_backward: scale_grad_by_freq not supported with sparse gradients"
        ". Fix: pass sparse=False, or scale_grad_by_freq=False."
    )


# The identity, whose backward refuses: PyTorch computes embedding(sparse=True,
# scale_grad_by_freq=True) forward but refuses its backward.
_sparse_scaled = _primitive.Primitive(
    "embedding", lambda xp, x: x, [_refuse_sparse_scaled], reads_inputs=False
)


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` picked by the integer tensor ``input``: ``out[...] = weight[input[...]]``.

    The row ``padding_idx`` gets no gradient; ``max_norm`` renormalises the rows used, in place;
    ``scale_grad_by_freq`` divides each row's gradient by how often it occurs in ``input``.
    ``sparse`` gradients are not supported: the gradient is always dense (with
    ``scale_grad_by_freq``, backward raises, as PyTorch's does).

    >>> import arraygrad
    >>> embedding(arraygrad.tensor([1, 0]), arraygrad.tensor([[0.0, 1.0], [2.0, 3.0]]))
    tensor([[2., 3.],
            [0., 1.]])
    """
    _check_indices(input, "embedding")
    if weight.ndim != 2:
        raise RuntimeError(
            f"'weight' must be 2-D (num_embeddings, embedding_dim), but got weight of shape "
            f"{list(weight.shape)}"
            ". Fix: pass a weight of shape (num_embeddings, "
            "embedding_dim)."
        )
    rows = weight.shape[0]
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise AssertionError(
                f"Padding_idx must be within num_embeddings: padding_idx={padding_idx}, "
                f"num_embeddings={rows}"
                f". Fix: pass padding_idx in [{-rows}, {rows - 1}], or None."
            )
        padding_idx %= rows
    if _grad_mode.inference_used:
        _inference.check_kept(input, "the indices of embedding", weight)
    tracer = _backend.tracer
    if tracer is not None:  # arraygrad.compile: the code below reads the indices' array itself
        tracer.see_tensor(input)
    xp = _backend.xp
    indices = input._data
    # A step of arraygrad.compile's program: each replay checks its own indices (NumPy's take
    # would read a negative one from the end).
    _check(_check_rows, xp, indices, tuple(weight.shape))
    if max_norm is not None and indices.size:
        _renorm_rows(weight, indices, max_norm, norm_type)
    # The rows taken are the result, one node and no view, as PyTorch's; repeats sum gradients.
    if indices.ndim == 1:
        out = ops.take(weight, indices, axis=0)
    else:
        shape = tuple(indices.shape) + (weight.shape[1],)
        out = ops.embedding_rows(weight, xp.reshape(indices, (-1,)), shape=shape)
    if scale_grad_by_freq and indices.size:
        dtype = weight._data.dtype
        if tracer is None:
            scale = constant(_frequency_scale(indices, dtype))
        else:
            scale = constant(tracer.call(_frequency_scale, (indices, dtype)))
        # same values (x + 0 * s is exactly x), gradient scaled by s
        detached = out.detach()
        out = detached + (out - detached) * scale
    if padding_idx is not None:
        # A step of arraygrad.compile's program (its == is on a raw array): each replay finds
        # the padding in its own indices.
        arguments = (xp, indices, padding_idx)
        if tracer is None:
            mask = _padding_mask(*arguments)
        else:
            mask = tracer.call(_padding_mask, arguments)
        out = _math.where(constant(mask), out.detach(), out)
    if sparse and scale_grad_by_freq and out.requires_grad:
        return _sparse_scaled.apply1(out)  # type: ignore[no-any-return]
    return _primitive.labelled(out, "EmbeddingBackward0")  # PyTorch's kernel's name


def _check_rows(xp: Any, indices: Any, shape: tuple[int, ...]) -> None:
    """Refuse indices outside the table's ``shape[0]`` rows, as PyTorch does."""
    rows = shape[0]
    if indices.size and bool(xp.any((indices < 0) | (indices >= rows))):
        bad = indices[(indices < 0) | (indices >= rows)]
        raise IndexError(
            f"index out of range in self: index {int(bad.reshape(-1)[0])} for an embedding "
            f"table of {rows} rows (weight shape {list(shape)})"
            f". Fix: keep indices in [0, {rows - 1}], or build the "
            "embedding with num_embeddings > the largest index."
        )


def _padding_mask(xp: Any, indices: Any, padding_idx: int) -> Any:
    """Where ``indices`` is ``padding_idx``, shaped to broadcast against the rows taken."""
    return xp.reshape(indices == padding_idx, indices.shape + (1,))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """``out[..., c] = 1`` where ``c == tensor[...]``, else 0 (int64).

    >>> import arraygrad
    >>> one_hot(arraygrad.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    if tensor.dtype is not _dtype.int64:
        raise RuntimeError(
            f"one_hot is only applicable to index tensor of type LongTensor, but got a "
            f"{tensor.dtype.name} tensor. Fix: convert it with .long()."
        )
    xp = _backend.xp
    tracer = _backend.tracer
    if tracer is not None:  # arraygrad.compile: the code below reads the labels' array itself
        tracer.see_tensor(tensor)
    data = tensor._data
    if num_classes == -1:
        # The result's shape depends on the values: a read (arraygrad.compile runs eagerly).
        if data.size and _backend.item(xp.any(xp.less(data, 0))):
            raise RuntimeError(
                "Class values must be non-negative."
                " Fix: pass class indices >= 0 (remap the labels first)."
            )
        if data.size == 0:
            raise RuntimeError(
                "Can not infer total number of classes from empty tensor. Fix: pass num_classes."
            )
        num_classes = int(_backend.item(xp.max(data))) + 1
    else:
        # (a step of arraygrad.compile's program: each replay checks its own labels)
        _check(_raise_for_bad_classes, data, num_classes)
    classes = xp.arange(num_classes, dtype=data.dtype)
    # Namespace functions, not operators: arraygrad.compile's recorder sees them, and a replay
    # compares its own labels (an == on the arrays was invisible to it: a replay returned the
    # traced call's one-hot rows, whatever its labels).
    hot = xp.equal(xp.reshape(data, data.shape + (1,)), classes)
    return Tensor._wrap(xp.astype(hot, _dtype.to_xp(_dtype.int64)))


def _raise_for_bad_classes(data: Any, num_classes: int) -> None:
    """one_hot's refusal of labels outside ``[0, num_classes)``."""
    xp = _backend.xp
    if data.size and bool(xp.any(data < 0)):
        raise RuntimeError(
            "Class values must be non-negative."
            " Fix: pass class indices >= 0 (remap the labels first)."
        )
    if data.size and bool(xp.any(data >= num_classes)):
        raise RuntimeError(
            f"Class values must be smaller than num_classes: got class {int(xp.max(data))} "
            f"with num_classes={num_classes}."
            f" Fix: pass num_classes >= {int(xp.max(data)) + 1}, or -1 to "
            "infer it."
        )


_BAG_MODES = ("sum", "mean", "max")


def _bags_from_input(
    input: Tensor, offsets: Tensor | None, per_sample_weights: Tensor | None
) -> tuple[Any, Any, Tensor | None]:
    """PyTorch's reading of a bag input: flat indices, offsets, flat per-sample weights."""
    xp = _backend.xp
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a "
                f"mini-batch of fixed length sequences. However, found offsets of type "
                f"{type(offsets)}. Fix: pass a 1-D input with offsets, or a 2-D input alone."
            )
        if input.shape[1] == 0 and input.shape[0] > 0:
            # PyTorch fails here ("step must be nonzero"); bags of no elements are empty bags.
            starts = xp.zeros((input.shape[0],), dtype=input._data.dtype)
        else:
            starts = xp.arange(0, input.numel(), max(input.shape[1], 1), dtype=input._data.dtype)
        weights = None if per_sample_weights is None else per_sample_weights.reshape(-1)
        return xp.reshape(input._data, (-1,)), starts, weights
    if input.ndim == 1:
        if offsets is None:
            raise ValueError(
                "offsets has to be a 1D Tensor but got None. Fix: pass the start of each bag, "
                "e.g. offsets=tensor([0, 3]), or a 2-D input of equal-length bags."
            )
        if offsets.ndim != 1:
            raise ValueError(
                f"offsets has to be a 1D Tensor, but got shape {list(offsets.shape)}. Fix: "
                "flatten the offsets."
            )
        return input._data, offsets._data, per_sample_weights
    raise ValueError(
        f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}. Fix: "
        "flatten the bags into a 1-D input with offsets."
    )


def _check_bag_offsets(starts: Any, length: int) -> None:
    xp = _backend.xp
    if not starts.shape[0]:
        return
    first, last = int(starts[0]), int(starts[-1])
    if first != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
            f"from position 0. However, got {first}"
            ". Fix: start offsets with 0: offsets[i] is where bag i "
            "starts."
        )
    if last > length:
        raise RuntimeError(
            f"offsets[-1] can not be greater than input's length {length} but got offsets[-1] "
            f"of {last}"
            f". Fix: keep every offset at most {length}, the input's "
            "length."
        )
    if starts.shape[0] > 1 and bool(xp.any(starts[1:] < starts[:-1])):
        raise RuntimeError(
            f"offsets must be non-decreasing, but got {_backend.to_list(starts)}. Fix: give the "
            "start position of each bag in order."
        )


def _raise_for_bag_indices(flat: Any, rows: int) -> None:
    """Refuse bag indices outside the table's ``rows`` rows, as PyTorch does."""
    xp = _backend.xp
    if flat.shape[0] and bool(xp.any((flat < 0) | (flat >= rows))):
        position = int(xp.nonzero((flat < 0) | (flat >= rows))[0][0])
        raise RuntimeError(
            f"Index {position} of input takes value {int(flat[position])} which is not in the "
            f"valid range [0, {rows})"
            f". Fix: keep indices in [0, {rows - 1}], or build the bag "
            "with num_embeddings > the largest index."
        )


def _bag_counts(bag: Any, bags: int) -> Any:
    """How many kept rows each bag has (``bag`` is sorted: bags are contiguous runs)."""
    xp = _backend.xp
    ids = xp.arange(bags, dtype=bag.dtype)
    return xp.searchsorted(bag, ids, side="right") - xp.searchsorted(bag, ids, side="left")


def _bag_max(rows: Tensor, bag: Any, bags: int) -> Tensor:
    """The element-wise maximum of each bag's rows (0 for an empty bag); the gradient goes to
    the first row holding the maximum, as PyTorch's."""
    xp = _backend.xp
    width = rows.shape[1]
    zeros = constant(xp.zeros((bags, width), dtype=rows._data.dtype))
    if bag.shape[0] == 0:  # no rows at all: zeros, still on the graph of weight
        return ops.sum(rows, axis=(0,), keepdims=True) + zeros
    counts = xp.astype(_bag_counts(bag, bags), xp.int64)
    longest = int(xp.max(counts))
    first = xp.cumulative_sum(counts, include_initial=True)[:-1]
    # a (bags, longest) grid of row positions; the slots past a bag's end read row 0, masked
    slots = xp.reshape(xp.arange(longest, dtype=xp.int64), (1, longest))
    filled = slots < xp.reshape(counts, (bags, 1))
    grid = xp.where(filled, xp.reshape(first, (bags, 1)) + slots, xp.zeros_like(slots))
    gathered = ops.take(rows, xp.reshape(grid, (-1,)), axis=0)
    gathered = ops.reshape(gathered, shape=(bags, longest, width))
    mask = constant(xp.reshape(filled, (bags, longest, 1)))
    top = _math.where(mask, gathered, float("-inf")).max(dim=1)[0]
    return _math.where(constant(xp.reshape(counts == 0, (bags, 1))), zeros, top)


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """Sums, means or maxima of bags of embedding rows, without materialising the bags.

    Bag ``b`` holds the indices ``input[offsets[b]:offsets[b + 1]]`` (the last bag runs to
    the end, or ``include_last_offset`` makes ``offsets[-1]`` the end); a 2-D ``input`` is one
    bag per row. ``out[b] = reduce_{i in bag b} w_i * weight[i]`` with ``mode`` "sum", "mean"
    or "max" and ``w_i = per_sample_weights[i]`` ("sum" only, else 1). Indices equal to
    ``padding_idx`` are left out (and not counted by "mean"); an empty bag gives zeros. "max"
    sends the gradient to the first row holding each maximum.

    >>> import arraygrad
    >>> weight = arraygrad.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> embedding_bag(arraygrad.tensor([0, 1, 2]), weight, arraygrad.tensor([0, 2]), mode="sum")
    tensor([[4., 6.],
            [5., 6.]])
    """
    xp = _backend.xp
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, "
            f"then it must have the same shape as the input ({input.shape}). Fix: give one "
            "weight per index."
        )
    if weight.ndim != 2:
        raise ValueError(
            f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim} (shape "
            f"{list(weight.shape)}). Fix: pass the (num_embeddings, embedding_dim) table."
        )
    flat, starts, sample_weights = _bags_from_input(input, offsets, per_sample_weights)
    if input.ndim == 2:
        # PyTorch ignores include_last_offset for 2-D input: every row is a bag
        include_last_offset = False
    if mode not in _BAG_MODES:
        raise ValueError(
            f"mode has to be one of sum, mean or max, but got {mode!r}."
            " Fix: pass mode='sum', 'mean' or 'max'."
        )
    if mode == "max" and scale_grad_by_freq:
        raise ValueError(
            "max mode does not support scaling the gradient by the frequency"
            ". Fix: pass scale_grad_by_freq=False, or mode='sum' or "
            "'mean'."
        )
    if mode == "max" and sparse:
        raise ValueError(
            "max mode does not support sparse weights"
            ". Fix: pass sparse=False, or mode='sum' or 'mean'."
        )
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Fix: use mode='sum', or multiply "
            "the rows yourself."
        )
    _check_indices(input, "embedding_bag")
    if offsets is not None:
        _check_indices(offsets, "embedding_bag")
    if _grad_mode.inference_used:
        kept = (input, offsets)
        _inference.check_kept(kept, "an index of embedding_bag", weight, per_sample_weights)
        _inference.check_kept(per_sample_weights, "the per_sample_weights of embedding_bag", weight)
    rows_total, length = weight.shape[0], flat.shape[0]
    if padding_idx is not None:
        if not -rows_total <= padding_idx < rows_total:
            raise RuntimeError(
                f"padding_idx must be within the number of embeddings, {-rows_total} through "
                f"{rows_total - 1}, but got {padding_idx}"
                ". Fix: pass a padding_idx in that range, or None."
            )
        padding_idx %= rows_total
    if sample_weights is not None and sample_weights.dtype is not weight.dtype:
        raise RuntimeError(
            "Expected tensor for argument #1 'weight' to have the same type as tensor for "
            f"argument #1 'per_sample_weights'; but type {weight.dtype.name} does not equal "
            f"{sample_weights.dtype.name}. Fix: convert per_sample_weights to the weight's dtype."
        )
    _check_bag_offsets(starts, length)
    # (a step of arraygrad.compile's program: each replay checks its own indices)
    _check(_raise_for_bag_indices, flat, rows_total)
    if max_norm is not None and length:
        _renorm_rows(weight, flat, max_norm, norm_type)
    bags = starts.shape[0] - 1 if include_last_offset else starts.shape[0]
    bags = max(bags, 0)
    positions = xp.arange(length, dtype=xp.int64)
    # bag of each position: the last start at or before it; positions past the end are dropped
    bag = xp.searchsorted(xp.astype(starts, xp.int64), positions, side="right")
    bag = xp.astype(bag, xp.int64) - 1
    if include_last_offset and bags:
        # PyTorch's last bag runs on past offsets[-1] to the end of the input (its float64
        # kernels; the float32 fast path of sum and mean stops there)
        bag = xp.minimum(bag, xp.asarray(bags - 1, dtype=bag.dtype))
    keep = (bag >= 0) & (bag < bags)  # before the first offset (none given): no bag
    if padding_idx is not None:
        keep = keep & (flat != padding_idx)
    if input.ndim == 2 and padding_idx is None:
        # Every position is in its row's bag, as the shape tells: the same positions as
        # nonzero(keep) finds, but no result whose shape depends on values, which
        # arraygrad.compile cannot replay (a step with a 2-D input ran eagerly).
        kept = xp.arange(length, dtype=xp.int64)
    else:
        kept = xp.nonzero(keep)[0]
    bag = xp.take(bag, kept)
    picked = xp.astype(xp.take(flat, kept), xp.int64)  # any integer type, read as rows
    if mode != "max" and sample_weights is None and not scale_grad_by_freq:
        # The rows summed straight into their bags, and the gradient's rows into the weight's
        # (ops.gather_add): the same sums as the rows' embedding and index_add below, without
        # a row per index in memory either way.
        total = ops.gather_add(weight, picked, bag, shape=(bags, weight.shape[1]))
        return total if mode == "sum" else _bag_mean(total, bag, bags, weight)
    rows = embedding(Tensor._wrap(picked), weight, scale_grad_by_freq=scale_grad_by_freq)
    if mode == "max":
        return _bag_max(rows, bag, bags)
    if sample_weights is not None:
        taken = ops.take(sample_weights, kept, axis=0)
        rows = rows * ops.reshape(taken, shape=(kept.shape[0], 1))
    total = ops.index_add_zeros(rows, shape=(bags, weight.shape[1]), key=(bag,))
    return total if mode == "sum" else _bag_mean(total, bag, bags, weight)


def _bag_mean(total: Tensor, bag: Any, bags: int, weight: Tensor) -> Tensor:
    """The bags' sums ``total`` divided by their counts (an empty bag's zeros kept)."""
    xp = _backend.xp
    counts = xp.astype(_bag_counts(bag, bags), weight._data.dtype)
    divisor = xp.reshape(xp.maximum(counts, xp.ones_like(counts)), (bags, 1))
    return total / constant(divisor)
