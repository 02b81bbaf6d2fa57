"""Index-based functions: ``embedding`` and ``one_hot``."""

from __future__ import annotations

from arraygrad import _backend, _dtype, _math, _primitive, ops
from arraygrad._tensor import Tensor
from arraygrad.nn._common import constant

__all__ = ["embedding", "one_hot"]


def _check_indices(input: Tensor, name: str) -> None:
    if input.dtype.is_floating_point or input.dtype is _dtype.bool_:
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
    xp = _backend.xp
    rows = xp.unique_values(xp.reshape(indices, (-1,)))
    data = weight._data
    selected = data[rows]
    norms = xp.sum(xp.abs(selected) ** norm_type, axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), xp.ones_like(norms))
    data[rows] = selected * scale[:, None]
    _primitive.bump_version(weight)


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
    ``sparse`` gradients are not supported: the gradient is always dense.

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
        )
    rows = weight.shape[0]
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise AssertionError(
                f"Padding_idx must be within num_embeddings: padding_idx={padding_idx}, "
                f"num_embeddings={rows}"
            )
        padding_idx %= rows
    xp = _backend.xp
    indices = input._data
    if indices.size and bool(xp.any((indices < 0) | (indices >= rows))):
        bad = indices[(indices < 0) | (indices >= rows)]
        raise IndexError(
            f"index out of range in self: index {int(bad.reshape(-1)[0])} for an embedding "
            f"table of {rows} rows (weight shape {list(weight.shape)})"
        )
    if max_norm is not None and indices.size:
        _renorm_rows(weight, indices, max_norm, norm_type)
    rows_taken = ops.take(weight, xp.reshape(indices, (-1,)), axis=0)  # repeats sum gradients
    out = ops.reshape(rows_taken, shape=tuple(indices.shape) + (weight.shape[1],))
    if scale_grad_by_freq and indices.size:
        flat = xp.reshape(indices, (-1,))
        _, _, inverse, counts = xp.unique_all(flat)
        freq = xp.reshape(xp.take(counts, xp.reshape(inverse, (-1,))), indices.shape + (1,))
        scale = constant(1.0 / xp.astype(freq, weight._data.dtype))
        # same values (x + 0 * s is exactly x), gradient scaled by s
        detached = out.detach()
        out = detached + (out - detached) * scale
    if padding_idx is not None:
        mask = constant(xp.reshape(indices == padding_idx, indices.shape + (1,)))
        out = _math.where(mask, out.detach(), out)
    return out


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
    data = tensor._data
    if data.size and bool(xp.any(data < 0)):
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if data.size == 0:
            raise RuntimeError(
                "Can not infer total number of classes from empty tensor. Fix: pass num_classes."
            )
        num_classes = int(xp.max(data)) + 1
    elif data.size and bool(xp.any(data >= num_classes)):
        raise RuntimeError(
            f"Class values must be smaller than num_classes: got class {int(xp.max(data))} "
            f"with num_classes={num_classes}."
        )
    classes = xp.arange(num_classes, dtype=data.dtype)
    hot = xp.reshape(data, data.shape + (1,)) == classes
    return Tensor._wrap(xp.astype(hot, _dtype.to_xp(_dtype.int64)))
