"""Memory layouts: views made from strides, and what a view's memory holds (the layouts
PyTorch gives results: :mod:`arraygrad._backend.result_layout`).

Part of the one door to array libraries (see :mod:`arraygrad._backend`, which re-exports every
public name here). On NumPy the windows, diagonals and expansions below are strided views of
their input's memory, as PyTorch's are, and the questions about layouts (does a reshape copy,
which elements of the root does a view hold, does it repeat any) are answered from strides and
addresses. Other libraries do not expose their memory: they get copies and C-order answers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from arraygrad import _backend


def window_picks(count: int, size: int, step: int) -> Any:
    """``picks[i, j] = i * step + j``: the positions along the windowed axis of the ``count``
    windows of ``size`` elements, ``step`` apart (an int64 array of the active namespace)."""
    xp = _backend.xp
    starts = xp.reshape(xp.arange(count, dtype=xp.int64) * step, (count, 1))
    return starts + xp.reshape(xp.arange(size, dtype=xp.int64), (1, size))


def window_view(lib: Any, x: Any, axis: int, size: int, step: int) -> Any:
    """The windows of ``size`` elements, ``step`` apart, along ``axis`` of ``x``, as a new last
    axis: ``out[..., i, ..., j] = x[..., i * step + j, ...]`` (PyTorch's ``unfold``).

    On NumPy a strided view of ``x``'s memory, writable where ``x`` is, so that writes through
    it reach ``x`` as in PyTorch even where windows overlap (an element then appears in several
    windows); other libraries do not expose strides and get a copy.
    """
    count = (x.shape[axis] - size) // step + 1
    if x.__class__ is np.ndarray:
        shape = x.shape[:axis] + (count,) + x.shape[axis + 1 :] + (size,)
        strides = x.strides
        strides = strides[:axis] + (strides[axis] * step,) + strides[axis + 1 :] + (strides[axis],)
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)
    gathered = lib.take(x, lib.reshape(window_picks(count, size, step), (-1,)), axis=axis)
    windows = lib.reshape(gathered, x.shape[:axis] + (count, size) + x.shape[axis + 1 :])
    order = list(range(windows.ndim))
    order.append(order.pop(axis + 1))
    return lib.permute_dims(windows, tuple(order))


class _Addresses:
    """Memory described by an ``__array_interface__``, holding ``base`` (whose memory it is)
    alive for as long as an array made from it lives."""

    def __init__(self, interface: dict[str, Any], base: Any) -> None:
        self.__array_interface__ = interface
        self.base = base


def _memory_owner(array: Any) -> Any:
    """The NumPy array at the end of ``array``'s chain of bases: the one whose memory
    arraygrad reports offsets into (``element_offset``), PyTorch's storage."""
    owner = array
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    return owner


def storage_numel(array: Any) -> int:
    """How many elements the memory ``array`` views holds (its owner's, on NumPy); on other
    libraries, which do not expose memory, ``array``'s own elements in C order."""
    if array.__class__ is not np.ndarray:
        return int(math.prod(array.shape))
    owner = _memory_owner(array)
    # Counted in ``array``'s elements: an owner of another dtype (memory a tensor was set_ to,
    # kept as bytes) holds its bytes over ``array``'s itemsize of them.
    if owner.flags.c_contiguous or owner.flags.f_contiguous:
        return int(owner.nbytes // array.itemsize)
    # An owner that is itself a strided window of memory numpy does not show: the elements
    # from its first to its last are the memory known to be there.
    if not owner.size:
        return 0
    pairs = zip(owner.shape, owner.strides, strict=True)
    count = 1 + sum((n - 1) * (s // owner.itemsize) for n, s in pairs)
    return int(count * owner.itemsize // array.itemsize)


def strided_positions(shape: tuple[int, ...], strides: tuple[int, ...], offset: int) -> Any:
    """``positions[i] = offset + sum(i[k] * strides[k])``: where each element of an array of
    ``shape`` laid out with ``strides`` (in elements) lies in its memory (int64, active
    namespace)."""
    xp = _backend.xp
    positions = xp.asarray(offset, dtype=xp.int64)
    ndim = len(shape)
    for axis, (size, step) in enumerate(zip(shape, strides, strict=True)):
        along = xp.arange(size, dtype=xp.int64) * step
        positions = positions + xp.reshape(along, (1,) * axis + (size,) + (1,) * (ndim - axis - 1))
    return xp.broadcast_to(positions, tuple(shape))


def first_occurrences(positions: Any, spare: int) -> Any:
    """``positions`` with every repeat of a position after its first (in C order) replaced by
    ``spare`` (unchanged where nothing repeats, the usual case)."""
    xp = _backend.xp
    flat = xp.reshape(positions, (-1,))
    if flat.shape[0] < 2:
        return positions
    if isinstance(flat, np.ndarray):
        _, first = np.unique(flat, return_index=True)
        if first.size == flat.size:
            return positions
        keep = np.zeros(flat.shape, dtype=bool)
        keep[first] = True
        return np.where(keep, flat, spare).reshape(positions.shape)
    # Other libraries (no return_index): a position is a first occurrence where no earlier
    # element has it (quadratic, but these arrays are small there).
    earlier = xp.tril(flat[:, None] == flat[None, :], k=-1)
    repeated = xp.any(earlier, axis=1)
    return xp.reshape(
        xp.where(repeated, xp.asarray(spare, dtype=flat.dtype), flat), positions.shape
    )


def strided_view(
    lib: Any, x: Any, shape: tuple[int, ...], strides: tuple[int, ...], offset: int
) -> Any:
    """The elements ``offset + sum(i[k] * strides[k])`` (in elements, non-negative, checked by
    the caller to lie inside it) of the memory ``x`` views, in ``shape`` (PyTorch's
    ``as_strided``).

    On NumPy a view of that memory (the owner at the end of ``x``'s chain of bases), writable
    where ``x`` is, whatever part of it ``x`` shows; other libraries do not expose their memory
    and get a copy read from ``x``'s own elements in C order.
    """
    if x.__class__ is not np.ndarray:
        positions = strided_positions(shape, strides, offset)
        return lib.reshape(lib.take(lib.reshape(x, (-1,)), lib.reshape(positions, (-1,))), shape)
    owner = _memory_owner(x)
    itemsize = x.itemsize
    byte_strides = tuple(step * itemsize for step in strides)
    if 0 in shape:  # no element to reach: any start in the memory will do (NumPy checks it)
        offset = 0
    order = dense_axes(owner) if owner.dtype == x.dtype else None
    if order is not None:
        # A view whose base is the owner, so that element_offset reads ``offset`` back (and
        # storage_numel the owner's size); an owner in another dense order (Fortran) is first
        # read as its memory, one C-ordered row with the owner as its base.
        memory = owner if owner.flags.c_contiguous else owner.transpose(order).reshape(-1)
        view = np.ndarray(shape, x.dtype, memory, offset * itemsize, byte_strides)
        if not x.flags.writeable and view.flags.writeable:
            view.flags.writeable = False
        return view
    # Any other owner (memory with gaps, or reinterpreted as another dtype): the
    # addresses themselves, as NumPy's as_strided does, kept alive through ``x``.
    interface = dict(x.__array_interface__)
    interface.update(
        shape=tuple(shape),
        strides=byte_strides,
        data=(owner.__array_interface__["data"][0] + offset * itemsize, not x.flags.writeable),
    )
    interface.pop("mask", None)
    return np.asarray(_Addresses(interface, x))


def diagonal_span(rows: int, cols: int, offset: int) -> tuple[int, int, int]:
    """First row, first column and length of the ``offset``-th diagonal of a ``rows x cols``
    matrix (``offset > 0`` above the main diagonal)."""
    first_row, first_col = max(-offset, 0), max(offset, 0)
    return first_row, first_col, max(0, min(rows - first_row, cols - first_col))


def diagonal_indices(rows: int, cols: int, offset: int) -> tuple[Any, Any]:
    """The row and column indices of the ``offset``-th diagonal of a ``rows x cols`` matrix."""
    first_row, first_col, count = diagonal_span(rows, cols, offset)
    steps = _backend.xp.arange(count)
    return steps + first_row, steps + first_col


def diagonal_view(lib: Any, x: Any, offset: int) -> Any:
    """The ``offset``-th diagonal of the matrices in the last two axes of ``x``, as a last axis.

    On NumPy a strided view of ``x``'s memory (one step is a row and a column), writable where
    ``x`` is, whatever ``x``'s layout; other libraries get a copy.
    """
    rows, cols = x.shape[-2:]
    first_row, first_col, count = diagonal_span(rows, cols, offset)
    if x.__class__ is np.ndarray:
        shape = x.shape[:-2] + (count,)
        strides = x.strides[:-2] + (x.strides[-2] + x.strides[-1],)
        # From the diagonal's first element (the batch axes kept, a last axis of 1: a view).
        start = x[..., first_row, first_col, None] if count else x
        return np.lib.stride_tricks.as_strided(start, shape, strides, writeable=x.flags.writeable)
    return x[(..., *diagonal_indices(rows, cols, offset))]


def all_windows_view(
    x: Any,
    kernel: tuple[int, ...],
    out: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Any:
    """Every sliding window of ``x`` over its last ``len(kernel)`` axes, ``(..., *kernel, *out)``
    (``[..., i, p] = x[..., p * stride + i * dilation]`` per axis), as one strided view of a
    C-contiguous NumPy array's memory, for reading; ``None`` for any other array."""
    if x.__class__ is not np.ndarray or not x.flags.c_contiguous:
        return None
    lead = x.ndim - len(kernel)
    steps = x.strides[lead:]
    strides = (
        x.strides[:lead]
        + tuple(step * d for step, d in zip(steps, dilation, strict=True))
        + tuple(step * s for step, s in zip(steps, stride, strict=True))
    )
    return np.ndarray(x.shape[:lead] + kernel + out, x.dtype, x, 0, strides)


def expand_view(lib: Any, x: Any, shape: tuple[int, ...]) -> Any:
    """``x`` broadcast to ``shape`` as a view of its memory (PyTorch's ``expand``): on NumPy
    writable where ``x`` is, each repeated element one memory location (stride 0), so that
    writes into ``x`` show through and ``fill_`` reaches ``x``, as in PyTorch. Other libraries
    give what their ``broadcast_to`` gives.
    """
    if x.__class__ is not np.ndarray:
        return lib.broadcast_to(x, shape)
    have = x.shape
    lead = len(shape) - len(have)
    if lead < 0:
        return np.broadcast_to(x, shape)  # raises NumPy's error for shapes that do not fit
    if have == shape[lead:]:  # only new leading dimensions (a bias over a batch): no loop
        strides = (0,) * lead + x.strides
    else:
        # (a plain loop: generators cost more than the rest of an expansion of a small array)
        kept = [0] * lead
        for size, want, stride in zip(have, shape[lead:], x.strides, strict=True):
            if size == want:
                kept.append(stride)
            elif size == 1:
                kept.append(0)  # repeated: every element one memory location
            else:
                return np.broadcast_to(x, shape)  # raises NumPy's error
        strides = tuple(kept)
    if x.flags.c_contiguous:  # ~10x faster than as_strided: x itself is the buffer
        return np.ndarray(shape, x.dtype, x, 0, strides)
    return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)


def is_transposed_matrix(array: Any) -> bool:
    """Whether ``array`` is a NumPy matrix laid out column by column (the transpose of a
    row-major one, ``w.T``) and not also row by row; other libraries, and tensors, say no.

    ``type()``, not ``__class__``: the stand-ins of ``arraygrad.compile``'s split of a rule into
    array ops claim ndarray's class but have no layout to read; for them the answer is no, and
    where the real array says yes the split gives up and the rule is replayed whole.
    """
    return (
        type(array) is np.ndarray
        and array.ndim == 2
        and array.flags.f_contiguous
        and not array.flags.c_contiguous
    )


def element_strides(array: Any) -> tuple[int, ...]:
    """The strides of ``array`` in elements; C order for libraries that do not expose them."""
    if isinstance(array, np.ndarray) and array.size:
        return tuple(s // array.itemsize for s in array.strides)
    # Empty arrays: NumPy may report any strides for them; PyTorch's are C order.
    shape, out, step = tuple(array.shape), [], 1
    for size in reversed(shape):
        out.append(step)
        step *= max(size, 1)
    return tuple(reversed(out))


def bit_view(array: Any, dtype: Any) -> Any:
    """``array``'s bytes read as elements of ``dtype`` (PyTorch's ``Tensor.view(dtype)``), in
    the same memory: the last axis's size scales by the ratio of the item sizes (the caller
    checks PyTorch's conditions, which NumPy's are then met by). ``None`` on libraries whose
    arrays cannot be read so (only NumPy's and CuPy's have ``view(dtype)``)."""
    if array.__class__ is np.ndarray or type(array).__module__.startswith("cupy"):
        return array.view(dtype)
    return None


def shares_memory(view: Any, base: Any) -> bool:
    """Whether the array ``view``, made from ``base`` by a view operation, shares its memory
    (the operation may have copied: a small broadcast, an element read out, a reshape).

    NumPy points every view at the array owning the memory; other libraries do not tell, and
    their views are taken at their word.
    """
    if view is base or view.__class__ is not np.ndarray or base.__class__ is not np.ndarray:
        return True
    owner = view.base
    return owner is not None and (owner is base or owner is base.base)


def _dense_span(array: Any) -> tuple[int, int] | None:
    """The first and past-the-last byte addresses of a NumPy array that fills a dense block of
    memory (C or Fortran order, not empty); ``None`` for other arrays and other libraries."""
    if array.__class__ is not np.ndarray or not array.size:
        return None
    if not (array.flags.c_contiguous or array.flags.f_contiguous):
        return None
    start: int = array.__array_interface__["data"][0]
    return start, start + array.nbytes


def overlaps(first: Any, second: Any) -> bool:
    """Whether two NumPy arrays that both fill a dense block of memory share some of it (not
    dense: "too hard" for PyTorch's check, as here; other libraries: False)."""
    return _spans_meet(_dense_span(first), _dense_span(second))


def _spans_meet(one: tuple[int, int] | None, other: tuple[int, int] | None) -> bool:
    return one is not None and other is not None and one[0] < other[1] and other[0] < one[1]


def overlaps_partly(first: Any, second: Any) -> bool:
    """Whether two NumPy arrays that both fill a dense block of memory share some of it
    without being the same elements in the same layout: PyTorch's "partial overlap", which it
    refuses between an in-place op's output and its inputs. (Arrays that are not dense are
    "too hard" for PyTorch's check, and pass; so they do here. Other libraries: False.)"""
    span, other = _dense_span(first), _dense_span(second)
    if not _spans_meet(span, other):
        return False
    # The same elements are a full overlap, which is allowed: the same span and shape, and
    # strides that agree on every dimension of more than one element (NumPy's strides of
    # size-1 dimensions vary).
    same = (
        span == other
        and first.shape == second.shape
        and all(
            a == b
            for a, b, size in zip(first.strides, second.strides, first.shape, strict=True)
            if size > 1
        )
    )
    return not same


def memory_positions(view: Any, base: Any) -> Any:
    """The flat (C-order) position in ``base`` of every element of ``view``, an array sharing
    its memory, read from their addresses (the view's size of work, however it was made); or
    ``None`` where that cannot be read (other libraries, a ``base`` whose memory has gaps or
    starts elsewhere than its first element)."""
    if view.__class__ is not np.ndarray or base.__class__ is not np.ndarray:
        return None
    c_order = base.flags.c_contiguous
    if not c_order and dense_axes(base) is None:
        return None
    itemsize = base.itemsize
    start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    positions: Any = np.asarray(start // itemsize, dtype=np.intp)
    for axis, (size, stride) in enumerate(zip(view.shape, view.strides, strict=True)):
        steps = np.arange(size, dtype=np.intp) * (stride // itemsize)
        positions = positions + steps.reshape((1,) * axis + (size,) + (1,) * (view.ndim - axis - 1))
    if c_order:
        return positions
    # A base laid out in another order (Fortran, permuted axes): each memory offset is a
    # multi-index through the base's strides, outermost in memory first, then a C position.
    index = [np.zeros_like(positions)] * base.ndim
    remaining = positions
    for axis in dense_axes(base):  # type: ignore[union-attr]
        if base.shape[axis] == 1:
            # Its stride is arbitrary (NumPy keeps any, even 0): its index is always 0, and
            # dividing by that stride would read the other axes' offsets as this one's.
            continue
        step = base.strides[axis] // itemsize
        index[axis], remaining = np.divmod(remaining, step)
    return np.ravel_multi_index(tuple(index), base.shape)


def dense_axes(array: Any) -> list[int] | None:
    """The axes of ``array`` from outermost to innermost in memory when its elements fill a
    block of memory with no gaps from its first element on (C, Fortran or permuted order),
    else ``None``."""
    if array.size == 0 or any(stride < 0 for stride in array.strides):
        return None
    order = sorted(range(array.ndim), key=lambda axis: array.strides[axis], reverse=True)
    expected = array.itemsize
    for axis in reversed(order):
        if array.shape[axis] != 1 and array.strides[axis] != expected:
            return None
        expected *= array.shape[axis]
    return order


def repeats_elements(array: Any) -> bool:
    """Whether ``array`` is a broadcast view: some of its elements are one memory location
    (a zero stride along an axis of more than one element; NumPy only)."""
    return array.__class__ is np.ndarray and any(
        stride == 0 and size > 1 for size, stride in zip(array.shape, array.strides, strict=True)
    )


def has_repeats(positions: Any) -> bool | None:
    """Whether a memory position occurs twice in ``positions`` (from :func:`memory_positions`);
    ``None`` when there are none to look at."""
    if positions is None:
        return None
    flat = np.reshape(positions, -1)
    return bool(flat.size > 1 and np.unique(flat).size < flat.size)


def reshapes_as_view(array: Any, shape: tuple[int, ...]) -> bool:
    """Whether ``array`` takes ``shape`` without a copy (its strides allow it), as a view must.

    Libraries that do not expose their memory layout are taken at their word: the Array API's
    ``reshape(..., copy=False)`` raises where a copy would be needed.
    """
    # While arraygrad.compile traces, the answer for the traced arrays holds for every replay:
    # a compiled step guards on its inputs' strides. (It must be the real answer: a layout
    # taken for a view that is not would make the replay write into a copy.)
    try:
        if isinstance(array, np.ndarray):
            if array.flags.c_contiguous:  # (every shape of its size is a view of it)
                return True
            array.reshape(shape, copy=False)  # (the method: np.reshape's wrapper costs more)
        elif _backend.tracer is not None or _backend.is_lazy:
            # (a lazy library's arrays have no layout: C order, as element_strides says, and
            # Dask's reshape with copy=False fails on 0-d arrays)
            return True
        else:
            _backend.xp.reshape(array, shape, copy=False)
    except (ValueError, AttributeError):  # array_api_strict raises AttributeError
        return False
    return True


def element_offset(array: Any) -> int:
    """How many elements into the memory of the array it views ``array`` starts (0 if none)."""
    if not isinstance(array, np.ndarray):
        return 0
    root = array
    while isinstance(root.base, np.ndarray):
        root = root.base
    start = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return int(start // array.itemsize)


def data_address(array: Any) -> int:
    """The memory address of ``array``'s first element (0 when empty), for ``data_ptr``;
    arrays of libraries that do not tell their address give the address of their object."""
    if isinstance(array, np.ndarray):
        return int(array.__array_interface__["data"][0]) if array.size else 0
    return id(array)


def empty_strided(shape: tuple[int, ...], strides: tuple[int, ...], dtype: Any) -> Any:
    """An uninitialised array of ``shape`` whose elements lie ``strides`` elements apart
    (non-negative), in memory of its own; ``None`` when the library cannot lay out an array
    so (not NumPy, and ``strides`` not C order)."""
    if _backend.is_numpy:
        if 0 in shape:
            return np.empty(shape, dtype=dtype)
        span = 1 + sum((size - 1) * step for size, step in zip(shape, strides, strict=True))
        memory = np.empty(span, dtype=dtype)
        byte_strides = tuple(step * memory.itemsize for step in strides)
        return np.lib.stride_tricks.as_strided(memory, shape, byte_strides)
    xp = _backend.xp
    if tuple(strides) != tuple(element_strides(xp.empty(shape, dtype=dtype))):
        return None
    return xp.empty(shape, dtype=dtype)


def elements_in_memory_order(array: Any) -> Any:
    """``array``'s elements as a 1-d array, in the order they lie in memory (PyTorch's storage
    order, which ``resize_`` keeps); C order for libraries that do not expose their memory."""
    if isinstance(array, np.ndarray):
        return array.ravel(order="K")
    xp = _backend.xp
    return xp.reshape(array, (-1,))


def in_shared_memory(array: Any) -> Any:
    """A copy of ``array`` in an anonymous shared memory map, which processes made by ``fork``
    share with this one (``Tensor.share_memory_``); ``None`` for arrays of other libraries."""
    if not isinstance(array, np.ndarray):
        return None
    import mmap  # (only for sharing: not a cost of importing arraygrad)

    memory = mmap.mmap(-1, max(array.nbytes, 1))  # anonymous, MAP_SHARED
    shared = np.frombuffer(memory, dtype=array.dtype, count=array.size).reshape(array.shape)
    np.copyto(shared, array)
    return shared


def is_shared_memory(array: Any) -> bool:
    """Whether ``array`` lies in a shared memory map (one :func:`in_shared_memory` made)."""
    import mmap

    # what holds the memory of the array at the end of the chain of bases
    owner = _memory_owner(array).base if isinstance(array, np.ndarray) else array
    if isinstance(owner, memoryview):  # np.frombuffer's hold on the map
        owner = owner.obj
    return isinstance(owner, mmap.mmap)
