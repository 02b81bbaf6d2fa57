"""Cutting a tensor into pieces along a dimension: ``narrow``, ``split``, ``chunk``, ``unbind``
and their ``unsafe_`` forms. Each piece is a view (a slice of ``input``), as in PyTorch; an
``unsafe_`` piece shares ``input``'s memory but is not a view for autograd.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from arraygrad import ops
from arraygrad._arguments import int_argument, symint_argument
from arraygrad._dims import normalize_dim
from arraygrad._grad_mode import inference_enabled
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor

__all__ = [
    "chunk",
    "narrow",
    "split",
    "unbind",
    "unsafe_chunk",
    "unsafe_split",
    "unsafe_split_with_sizes",
]


# The pieces' marks as views (the view attributes are described in arraygrad._view_history).


def multiple_views(views: tuple[Tensor, ...], function: str) -> tuple[Tensor, ...]:
    """Mark ``views``, the outputs of ``function`` (PyTorch's ``Split``, ``SplitWithSizes``,
    ``Unbind``), as outputs of a function that returns several views; returns them.

    PyTorch refuses recorded in-place writes into such outputs and into views of them: the
    function's one backward node could not be rewritten for a single output.
    """
    # PyTorch's one node for all the pieces runs for any of them: the hooks of a piece that
    # got no gradient see None then. Each piece's node knows the others (weakly: a piece's
    # node may go while another lives), for the engine to find them (see unreached_siblings).
    siblings = tuple(weakref.ref(v._node) for v in views if v._node is not None)
    for index, view in enumerate(views):
        view._view_multi = (function, index)
        if view._node is not None:
            view._node.label = f"{function}Backward0"  # one node per piece, named as PyTorch's
            view._node.output_index = index
            if len(siblings) > 1:
                view._node.siblings = siblings
    return views


def unviewed(pieces: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """Make ``pieces``, views of one root just made, tensors of their own for autograd as
    PyTorch's ``unsafe_split`` pieces are: the root's memory, but their own version counter and
    history, and not its views (a write into a piece leaves the root's history as it was, and
    a write into the root leaves the pieces'; made under no_grad, they require no grad). Inside
    inference_mode PyTorch's pieces are the plain views a split makes: they stay so."""
    if inference_enabled.get():
        return pieces
    views = None
    for piece in pieces:
        state = piece.__dict__
        root = state.pop("_base", None)
        for name in ("_version_counter", "_view_steps", "_view_multi"):
            state.pop(name, None)
        if state.pop("_view_no_grad", None) is not None and piece._node is None:
            piece._rg = False
            state.pop("_hooks", None)
        if root is not None:
            views = root.__dict__.get("_views")
    if views:  # the pieces were appended last (a prune keeps the order): drop them
        ids = {id(piece) for piece in pieces}
        while len(views) > views.fresh and id(views[-1]()) in ids:
            views.pop()
    return pieces


def narrow(input: Tensor, dim: int, start: Any, length: int) -> Tensor:
    """The view ``input[..., start:start + length, ...]`` along ``dim``.

    ``start`` may be negative (counted from the end) or a 0-d integer tensor.

    >>> import arraygrad
    >>> arraygrad.narrow(arraygrad.arange(12).reshape(3, 4), 1, 1, 2)
    tensor([[ 1,  2],
            [ 5,  6],
            [ 9, 10]])
    """
    if input.ndim == 0:
        raise RuntimeError(
            "narrow() cannot be applied to a 0-dim tensor. Fix: reshape it first "
            "(t.reshape(1)), or index the value directly."
        )
    axis = normalize_dim(dim, input.ndim)
    size = input._data.shape[axis]
    start = int(start)
    if length < 0:
        raise RuntimeError(
            f"narrow(): length must be non-negative, got {length}. Fix: pass the number of "
            "elements to keep."
        )
    if not -size <= start <= size:
        raise IndexError(
            f"start out of range (expected to be in range of [{-size}, {size}], but got {start})"
            f". Fix: pass start in [{-size}, {size}] (dimension {axis} has {size} elements)."
        )
    start %= size if size else 1
    if length < 0 or start + length > size:
        raise RuntimeError(
            f"start ({start}) + length ({length}) exceeds dimension size ({size}). Fix: narrow "
            f"dimension {axis} of shape {list(input.shape)} to at most {size - start} elements."
        )
    key = (slice(None),) * axis + (slice(start, start + length), Ellipsis)
    return labelled(ops.basic_getitem(input, key=key), "SliceBackward0")


def _slices(input: Tensor, axis: int, sizes: Sequence[int]) -> tuple[Tensor, ...]:
    pieces = []
    start = 0
    for size in sizes:
        key = (slice(None),) * axis + (slice(start, start + size), Ellipsis)
        pieces.append(ops.basic_getitem(input, key=key))
        start += size
    return tuple(pieces)


def _split_sizes(tensor: Tensor, split_size_or_sections: Any, dim: int) -> tuple[int, list[int]]:
    """``(axis, sizes)`` of the pieces ``split`` cuts ``tensor`` into (PyTorch's errors)."""
    if tensor.ndim == 0:
        raise RuntimeError(
            "split expects at least a 1-dimensional tensor. Fix: reshape it first (t.reshape(1))."
        )
    axis = normalize_dim(dim, tensor.ndim)
    size = tensor._data.shape[axis]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step < 0 or (step == 0 and size != 0):
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of "
                f"{size} and split_size {step}. Fix: pass split_size >= 1."
            )
        return axis, ([min(step, size - s) for s in range(0, size, step)] if step else [0]) or [0]
    sizes = [int(s) for s in split_size_or_sections]
    if sum(sizes) != size or any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
            f"at dimension {axis}), but got split_sizes={sizes}. Fix: pass non-negative sizes "
            f"that sum to {size}, or one int for equal pieces."
        )
    return axis, sizes


def _int_of_one(split_size: Tensor) -> int:
    """``int(split_size)`` as PyTorch's ``Tensor.split`` takes it (any one-element tensor,
    truncated); more elements go on to ``split_with_sizes``, whose parser refuses a tensor."""
    if split_size.numel() != 1:
        raise TypeError(
            "split_with_sizes(): argument 'split_sizes' (position 2) must be tuple of ints, not "
            f"Tensor. Fix: pass the sizes as a list, split_sizes.tolist() (got {split_size.numel()}"
            " elements)."
        )
    number = split_size.item()
    return int(number.real if isinstance(number, complex) else number)


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of ``tensor`` split along ``dim``: into pieces of ``split_size_or_sections``
    elements (the last may be smaller), or of the listed sizes.

    >>> import arraygrad
    >>> [p.tolist() for p in arraygrad.arange(5).split(2)]
    [[0, 1], [2, 3], [4]]
    """
    if isinstance(split_size_or_sections, Tensor):  # PyTorch's Tensor.split: int() of it
        split_size_or_sections = _int_of_one(split_size_or_sections)
    axis, sizes = _split_sizes(tensor, split_size_or_sections, dim)
    function = "Split" if isinstance(split_size_or_sections, int) else "SplitWithSizes"
    return multiple_views(_slices(tensor, axis, sizes), function)


def _chunk_sizes(input: Tensor, chunks: Any, dim: int, name: str) -> tuple[int, list[int]]:
    chunks = int_argument(name, "chunks", chunks)  # a 0-d integer tensor is its int
    if chunks <= 0:
        raise RuntimeError(
            f"chunk expects `chunks` to be greater than 0, got: {chunks}. Fix: pass chunks >= 1."
        )
    if input.ndim == 0:
        raise RuntimeError(
            "chunk expects at least a 1-dimensional tensor. Fix: reshape it first (t.reshape(1))."
        )
    axis = normalize_dim(dim, input.ndim)
    size = input._data.shape[axis]
    if size == 0:
        return axis, [0] * chunks
    return _split_sizes(input, -(-size // chunks), axis)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` views of equal size ``ceil(size / chunks)`` along ``dim`` (the last may
    be smaller, and fewer chunks come back when the size does not allow ``chunks``).

    The pieces share ``input``'s memory; as in PyTorch, in-place writes to them are refused
    where autograd would record them (see :func:`unsafe_chunk`).

    >>> import arraygrad
    >>> arraygrad.chunk(arraygrad.arange(6), 4)
    (tensor([0, 1]), tensor([2, 3]), tensor([4, 5]))
    """
    axis, sizes = _chunk_sizes(input, chunks, dim, "chunk")
    return multiple_views(_slices(input, axis, sizes), "Split")


# PyTorch's unsafe_ variants return pieces that autograd does not track as views of the input:
# they share its memory, but have their own version counters and histories. So in-place writes
# into them are allowed (split's pieces refuse them), and leave the input's recorded history as
# it was, stale: its gradient afterwards ignores the write, "unsafe". Writes into the input
# likewise leave the pieces' histories (and values saved for backward are not checked).
def _unsafe_pieces(input: Tensor, axis: int, sizes: list[int], name: str) -> tuple[Tensor, ...]:
    pieces = unviewed(_slices(input, axis, sizes))
    for index, piece in enumerate(pieces):
        if piece._node is not None:
            piece._node.label = name
            piece._node.output_index = index
    return pieces


def unsafe_split(tensor: Tensor, split_size: int, dim: int = 0) -> tuple[Tensor, ...]:
    """:func:`split` into pieces of ``split_size`` whose in-place writes are not refused
    (PyTorch's ``unsafe_split``; see the note above on what that means).

    >>> import arraygrad
    >>> [p.tolist() for p in arraygrad.unsafe_split(arraygrad.arange(5), 2)]
    [[0, 1], [2, 3], [4]]
    """
    split_size = symint_argument("unsafe_split", "split_size", split_size, 2)
    if not isinstance(split_size, int):
        raise TypeError(
            "unsafe_split(): argument 'split_size' (position 2) must be int, not "
            f"{type(split_size).__name__}. Fix: use unsafe_split_with_sizes for a list of sizes."
        )
    axis, sizes = _split_sizes(tensor, split_size, dim)
    return _unsafe_pieces(tensor, axis, sizes, "UnsafeSplitBackward0")


def unsafe_split_with_sizes(
    input: Tensor, split_sizes: Sequence[int], dim: int = 0
) -> tuple[Tensor, ...]:
    """:func:`split` into pieces of the listed sizes, whose in-place writes are not refused
    (PyTorch's ``unsafe_split_with_sizes``); the sizes must add up to the size of ``dim``.

    >>> import arraygrad
    >>> arraygrad.unsafe_split_with_sizes(arraygrad.arange(6), [1, 5])
    (tensor([0]), tensor([1, 2, 3, 4, 5]))
    """
    axis, sizes = _split_sizes(input, list(split_sizes), dim)
    return _unsafe_pieces(input, axis, sizes, "UnsafeSplitWithSizesBackward0")


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """:func:`chunk` whose pieces' in-place writes are not refused (PyTorch's
    ``unsafe_chunk``).

    >>> import arraygrad
    >>> arraygrad.unsafe_chunk(arraygrad.arange(6), 2)
    (tensor([0, 1, 2]), tensor([3, 4, 5]))
    """
    axis, sizes = _chunk_sizes(input, chunks, dim, "unsafe_chunk")
    return _unsafe_pieces(input, axis, sizes, "UnsafeSplitBackward0")


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim`` as views, with that dimension removed: ``input[i]`` for each ``i``
    when ``dim=0``.

    >>> import arraygrad
    >>> arraygrad.unbind(arraygrad.arange(6).reshape(2, 3), 1)
    (tensor([0, 3]), tensor([1, 4]), tensor([2, 5]))
    """
    axis = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        raise IndexError(
            "Dimension specified as 0 but tensor has no dimensions. Fix: unbind a tensor of at "
            "least one dimension (t.reshape(1)), or use the 0-d tensor itself."
        )
    prefix = (slice(None),) * axis
    pieces = tuple(
        ops.basic_getitem(input, key=prefix + (i, Ellipsis)) for i in range(input.shape[axis])
    )
    return multiple_views(pieces, "Unbind")
