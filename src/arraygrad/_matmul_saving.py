"""Which operands of a batched ``matmul`` PyTorch saves for backward as copies of their own.

PyTorch's ``matmul`` of operands with more than two dimensions is a ``mm``/``mv`` of a folded
operand or a ``bmm`` of expanded and flattened ones (its ``_matmul_impl``), and saves what it
hands those: where that folding or flattening cannot be a view (a batch of matrices
transposed to be folded, a broadcast batch flattened), it is a copy, which a later in-place
write to the operand does not reach, so that backward runs with the values of the forward.
Where it is a view, the write is refused at backward ("modified by an inplace operation").

arraygrad's ``matmul`` is one primitive that saves its operands as they are: for those PyTorch
copies it saves a recorded copy instead (:func:`saved_operands`), so that the same programs run,
with the same gradients. The check runs only for products with more than two dimensions that
record a graph; the 2-D products never pay for it.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend
from arraygrad._tensor import Tensor
from arraygrad._views import broadcast_shapes

__all__ = ["saved_operands"]

Layout = tuple[tuple[int, ...], tuple[int, ...]]  # (shape, strides in elements)


def saved_operands(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """``a`` and ``b``, each replaced by a recorded copy where PyTorch saves a copy of it for
    backward (and it is saved: the other operand requires grad)."""
    sa, sb = a._data.shape, b._data.shape
    if len(sa) == len(sb) and sa[:-2] == sb[:-2]:
        # Batches of one shape (attention's products): a bmm of each operand's batch
        # flattened, a view where its batch dimensions merge (always, when there is one).
        if len(sa) == 3:
            return a, b
        copy_a = b._rg and not _batch_merges(a._data)
        copy_b = a._rg and not _batch_merges(b._data)
    elif len(sb) <= 2 and b._rg and _backend.is_c_ordered(a._data):
        return a, b  # x @ W with W learned: x folded into rows, a view in C order
    else:
        left: Layout = (tuple(sa), _backend.element_strides(a._data))
        right: Layout = (tuple(sb), _backend.element_strides(b._data))
        copy_a, copy_b = _copies(left, a._rg, right, b._rg)
    if copy_a and b._rg:
        a = a.clone()
    if copy_b and a._rg:
        b = b.clone()
    return a, b


def _copies(left: Layout, left_rg: bool, right: Layout, right_rg: bool) -> tuple[bool, bool]:
    """Whether PyTorch's matmul of operands with these layouts and ``requires_grad`` flags
    computes with a copy of the left operand, and of the right one (its ``_matmul_impl``)."""
    (sa, ta), (sb, tb) = left, right
    if len(sa) <= 2 and len(sb) <= 2:
        return False, False  # dot, mv, mm: the operands themselves
    if _should_fold(left, left_rg, right, right_rg):
        # The larger operand's batch folded into its rows: a 3-d @ 2-d product folds the
        # left operand, a 2-d @ 3-d one the right operand's transpose.
        if len(sb) > len(sa):
            t1 = (sb[:-2] + (sb[-1], sb[-2]), tb[:-2] + (tb[-1], tb[-2]))
            return False, not _reshapes_as_view(t1, (math.prod(t1[0][:-1]), t1[0][-1]))
        return not _reshapes_as_view(left, (math.prod(sa[:-1]), sa[-1])), False
    if len(sa) == 3 and len(sb) == 3 and sa[0] != sb[0]:
        # A batch of one that requires grad is taken as a matrix, to be folded as above.
        if sa[0] == 1 and left_rg:
            return _copies((sa[1:], ta[1:]), left_rg, right, right_rg)
        if sb[0] == 1 and right_rg:
            return _copies(left, left_rg, (sb[1:], tb[1:]), right_rg)
    # bmm of both operands expanded to the broadcast batch and flattened to one batch
    # dimension (a vector on the right as a batch of vectors).
    try:
        batch = tuple(broadcast_shapes(sa[:-2], sb[:-2]))
    except RuntimeError:  # batches that do not broadcast: the product raises next, saving none
        return False, False
    count = math.prod(batch)
    rows = (sa[-2],) if len(sa) > 1 else (1,)
    left_view = _expanded((sa[:-2] + rows + sa[-1:], ta[:-2] + _rows_stride(ta) + ta[-1:]), batch)
    right_view = _expanded(right, batch, 1 if len(sb) == 1 else 2)
    return (
        not _reshapes_as_view(left_view, (count, rows[0], sa[-1])),
        not _reshapes_as_view(right_view, (count, *sb[-2:])),
    )


def _batch_merges(array: Any) -> bool:
    """Whether the batch dimensions (all but the last two) of ``array`` merge into one as a
    view: each steps over the next one's whole span (dimensions of size 1 aside)."""
    if _backend.is_c_ordered(array) or 0 in array.shape:
        return True
    strides = _backend.element_strides(array)
    inner_size = inner_step = 0
    for size, step in zip(array.shape[-3::-1], strides[-3::-1], strict=True):
        if size == 1:
            continue
        if inner_size and step != inner_step * inner_size:
            return False
        inner_size, inner_step = size, step
    return True


def _rows_stride(strides: tuple[int, ...]) -> tuple[int, ...]:
    # A vector on the left is one row: its new dimension of size 1 (any stride will do).
    return strides[-2:-1] if len(strides) > 1 else (0,)


def _should_fold(left: Layout, left_rg: bool, right: Layout, right_rg: bool) -> bool:
    """PyTorch's choice of folding the larger operand's batch into a matrix (``should_fold``):
    when the other operand is a vector or matrix that requires grad (its gradient is then one
    product, not a batch of them summed), or when the fold needs no copy."""
    (sa, ta), (sb, tb) = left, right
    if len(sa) >= len(sb):
        shape, strides, other_dims, other_rg = sa, ta, len(sb), right_rg
    else:
        shape = sb[:-2] + (sb[-1], sb[-2])
        strides = tb[:-2] + (tb[-1], tb[-2])
        other_dims, other_rg = len(sa), left_rg
    if not (len(shape) >= 3 and other_dims <= 2):
        return False
    if other_rg:
        return True
    if len(sa) == 2:
        return False
    if math.prod(shape) == 0:
        return True
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(len(shape) - 2))


def _expanded(layout: Layout, batch: tuple[int, ...], core: int = 2) -> Layout:
    """``layout`` (batch dimensions, then ``core`` more) expanded to the batch shape
    ``batch``: new and broadcast dimensions step 0, as PyTorch's ``expand``."""
    shape, strides = layout
    lead = len(batch) - (len(shape) - core)
    new_shape = list(batch) + list(shape[len(shape) - core :])
    new_strides = [0] * lead + list(strides)
    for i in range(lead, len(batch)):
        if shape[i - lead] != batch[i]:
            new_strides[i] = 0
    return tuple(new_shape), tuple(new_strides)


def _reshapes_as_view(layout: Layout, target: tuple[int, ...]) -> bool:
    """Whether PyTorch's ``reshape`` of a tensor with ``layout`` to ``target`` is a view (its
    ``computeStride``): each run of dimensions merged must be contiguous within itself,
    dimensions of size 1 aside."""
    shape, strides = layout
    if math.prod(shape) == 0:
        return True
    view_d = len(target) - 1
    base = strides[-1] if strides else 1
    tensor_numel = view_numel = 1
    for d in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[d]
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != tensor_numel * base):
            while view_d >= 0 and (view_numel < tensor_numel or target[view_d] == 1):
                view_numel *= target[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return False
            if d > 0:
                base = strides[d - 1]
                tensor_numel = view_numel = 1
    return view_d == -1
