"""The layouts PyTorch gives results: C order for what its kernels allocate, the inputs'
axis order for an elementwise result (``preserve_format``), a given order (``channels_last``),
and random numbers drawn in a strided tensor's memory order.

Part of the one door to array libraries (see :mod:`arraygrad._backend`, which re-exports every
public name here). Only NumPy arrays have a layout to choose; other libraries get their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from arraygrad import _backend
from arraygrad._backend import numpy_fast
from arraygrad._backend.layout import dense_axes, empty_strided


def c_ordered(array: Any) -> Any:
    """``array`` itself when its elements lie in C order, else a C-ordered copy: the layout
    PyTorch's kernels give the results they allocate (reductions over a dim, scans). Other
    libraries (and ``arraygrad.compile``'s stand-ins) have no layout to change."""
    if type(array) is np.ndarray and not array.flags.c_contiguous:
        return numpy_fast.c_copy(array)
    return array


def _inner_first(operands: tuple[Any, ...]) -> list[int] | None:
    """The axes of the NumPy arrays ``operands`` (one shape), innermost first, in the order
    PyTorch lays out a result computed from them; ``None`` for C order.

    Starting from C order, each axis moves inwards past every axis it has a smaller stride than,
    asking the operands in turn: the first whose two strides differ (both non-zero, both axes
    longer than 1) decides, and where none does the pair is left as it is and the axis keeps
    moving (an expanded, stride-0 axis stays where C order put it).
    """
    shape = operands[0].shape
    ndim = len(shape)
    order = list(range(ndim - 1, -1, -1))

    def verdict(moving: int, other: int) -> int:
        # > 0: ``moving`` lies inside ``other``; < 0: outside; 0: no operand says. Axes of
        # one element decide nothing (NumPy's strides there are arbitrary).
        if shape[moving] == 1 or shape[other] == 1:
            return 0
        for array in operands:
            a, b = array.strides[moving], array.strides[other]
            if a and b and a != b:
                return 1 if a < b else -1
        return 0

    for start in range(1, ndim):
        position = start
        for before in range(start - 1, -1, -1):
            said = verdict(order[position], order[before])
            if said > 0:
                order[position], order[before] = order[before], order[position]
                position = before
            elif said < 0:
                break
    return None if order == list(range(ndim - 1, -1, -1)) else order


def like_layout(result: Any, *sources: Any) -> Any:
    """``result``'s values laid out as PyTorch lays out a result of the shape of ``sources``
    (arrays of ``result``'s shape) computed from them: their layout where one is dense (or
    with gaps, the same axis order without them), C order where expanded axes leave it open
    (``preserve_format``, an elementwise kernel's output). ``result`` itself where that is its
    layout already; on other libraries always."""
    if type(result) is not np.ndarray or result.ndim < 2:
        return result
    arrays = [s for s in sources if type(s) is np.ndarray and s.shape == result.shape]
    if not arrays or all(s.flags.c_contiguous for s in arrays):
        return c_ordered(result)
    order = _inner_first(tuple(arrays))
    if order is None:
        return c_ordered(result)
    outer_first = order[::-1]
    if result.transpose(outer_first).flags.c_contiguous:
        return result
    if _backend.tracer is not None:
        # (*_like, outside a primitive, while arraygrad.compile traces: the copy is a step of
        # the program, which a copy made behind the recorder's back would not be)
        return _backend.tracer.call(laid_out, (result, tuple(outer_first)))
    return laid_out(result, tuple(outer_first))


def drawn_in_memory_order(
    draw: Callable[[tuple[int, ...], bool], Any], source: Any, fresh: bool = True
) -> Any:
    """Random numbers ``draw(shape, contiguous)`` for the elements of ``source``, given to them
    in the order they lie in its memory: PyTorch's random kernels walk a strided tensor in
    memory order, so a transposed one takes the stream's numbers down its columns.

    ``fresh``: the numbers fill a new tensor laid out as ``source`` (``empty_like(source)``:
    ``rand_like``, ``dropout``'s mask), dense in its axis order, and are returned so laid out;
    otherwise they fill ``source`` itself (``uniform_``), gaps and all. ``contiguous`` tells
    ``draw`` whether the tensor filled lies in C order without gaps (``normal_`` takes its
    batched kernel only then). The draw is made for the axes outer first and transposed back;
    in C order where ``source`` lies so, repeats elements (expanded) or is not a NumPy array."""
    shape = tuple(source.shape)
    if type(source) is not np.ndarray or source.flags.c_contiguous:
        return draw(shape, True)
    if any(step == 0 and size > 1 for step, size in zip(source.strides, shape, strict=True)):
        return draw(shape, True)  # (empty_like of an expanded tensor is a fresh C-order one)
    order = _inner_first((source,)) if source.ndim > 1 else None
    if order is None:
        return draw(shape, fresh)
    outer_first = order[::-1]
    values = draw(tuple(shape[axis] for axis in outer_first), False)
    back = tuple(int(axis) for axis in np.argsort(outer_first))
    if _backend.tracer is not None:  # the transpose is a step of the program (like_layout's)
        return _backend.tracer.call(np.transpose, (values, back))
    return values.transpose(back)


def laid_out(result: Any, outer_first: tuple[int, ...]) -> Any:
    """A copy of ``result`` whose axes lie in memory in the order ``outer_first`` (a plain
    copy on libraries without layouts)."""
    if type(result) is not np.ndarray:
        return _backend.xp.asarray(result, copy=True)
    laid = np.empty(tuple(result.shape[i] for i in outer_first), dtype=result.dtype)
    laid[...] = result.transpose(outer_first)
    return laid.transpose(np.argsort(outer_first))


def in_order(result: Any, outer_first: tuple[int, ...]) -> Any:
    """``result`` with exactly the strides of a dense array whose axes lie in memory in the order
    ``outer_first``, size-1 axes included (as PyTorch's ``empty_like(memory_format=...)`` has
    them, where a layout read from strides leaves them open): ``result`` itself where it has
    them, else a copy (:func:`laid_out`); on other libraries, ``result``."""
    if type(result) is not np.ndarray:
        return result
    wanted = [0] * result.ndim
    step = result.itemsize
    for axis in reversed(outer_first):
        wanted[axis] = step
        step *= result.shape[axis]
    if result.strides == tuple(wanted):
        return result
    if _backend.tracer is not None:  # the copy is a step of the program (see like_layout)
        return _backend.tracer.call(laid_out, (result, tuple(outer_first)))
    return laid_out(result, tuple(outer_first))


def is_c_ordered(array: Any) -> bool:
    """Whether ``array``'s elements lie in C order (axes of one element aside, as PyTorch's
    ``is_contiguous``); always on libraries that do not expose their layout."""
    return type(array) is not np.ndarray or bool(array.flags.c_contiguous)


def is_dense(array: Any) -> bool:
    """Whether ``array``'s elements fill their memory without gaps or repeats, in some axis
    order (PyTorch's ``is_non_overlapping_and_dense``); always on libraries without layouts."""
    return (
        type(array) is not np.ndarray or array.flags.c_contiguous or dense_axes(array) is not None
    )


def leaf_gradient(grad: Any, leaf: Any, fresh: bool) -> Any:
    """``grad`` laid out as a leaf's first ``.grad``, by PyTorch's "gradient layout contract"
    (AccumulateGrad): with the strides of ``leaf`` where its elements fill their memory without
    gaps or repeats (C order, ``channels_last``, a transposed matrix), so that an optimizer's
    update walks a parameter and its gradient in one order; in C order otherwise (a leaf that
    is a slice or an expansion).

    ``grad`` itself where ``fresh`` (an array nobody else holds) and laid out so already (the
    strides of axes of one element aside, which PyTorch's check ignores too), else a copy; a
    plain copy on libraries without layouts."""
    if type(grad) is not np.ndarray or type(leaf) is not np.ndarray:
        return grad if fresh else _backend.copy(grad)
    axes = None if leaf.flags.c_contiguous else dense_axes(leaf)
    if axes is None:  # C order: most parameters, and those with gaps or repeats
        if fresh and grad.flags.c_contiguous:
            return grad
        return _backend.copy(grad)  # (NumPy's copy is in C order)
    # the leaf's strides in elements (grad's dtype may differ from the leaf's: grad_dtype)
    wanted = tuple(step // leaf.itemsize for step in leaf.strides)
    if fresh and all(
        size == 1 or have == want * grad.itemsize
        for size, have, want in zip(grad.shape, grad.strides, wanted, strict=True)
    ):
        return grad
    if _backend.tracer is not None:  # the copy is a step of the program (see like_layout)
        return _backend.tracer.call(_copied_with_strides, (grad, wanted))
    return _copied_with_strides(grad, wanted)


def _copied_with_strides(array: Any, strides: tuple[int, ...]) -> Any:
    """A copy of the NumPy array ``array`` whose elements lie exactly ``strides`` elements
    apart (those of axes of one element too), in memory of its own."""
    copy = empty_strided(array.shape, strides, array.dtype)
    copy[...] = array
    return copy
