"""Element-wise functions on NumPy arrays in parts: on one cache-sized block of elements at a
time, and on one range's elements at a time, bit for bit their results on the whole array.

The special functions of :mod:`arraygrad._special` (``lgamma``, ``digamma``, ``polygamma``)
are float64 series written against any Array API namespace: each makes a hundred or more passes
over its argument, every pass a fresh float64 array. On a 4 MiB argument every pass goes to
memory; on blocks of 32768 elements (256 KiB) the passes of one block stay in a core's cache,
1.5-1.7x faster. NumPy's ``erf``, ``erfc`` (:mod:`numpy_erf`) and ``erfinv``
(:mod:`numpy_erfinv`), which pick each range's elements of their argument, walk it the same way
(:func:`flat_in_blocks`). The functions are element-wise (each element's result depends on that
element alone: their ranges are picked per element), so the blocks' results are the whole's.

A range's elements are picked through :func:`range_index` (by ``_special._common._on_range``,
for the special functions of every library).
"""

from __future__ import annotations

from typing import Any

import numpy as np

# The dtypes whose special functions are float64 work rounded once to the dtype (bfloat16 goes
# through float32 in the generic code, so it keeps the generic path).
FAST = frozenset([np.dtype(np.float64), np.dtype(np.float32), np.dtype(np.float16)])
# Elements per block: a block's float64 temporaries (a dozen live at once) stay in cache.
_BLOCK = 1 << 15


def in_blocks(function: Any, *args: Any) -> Any:
    """``function(*args)``, whose last argument is the array it maps element by element,
    computed block by block where that array is a large float16, float32 or float64 one."""
    x = args[-1]
    if x.__class__ is not np.ndarray or x.dtype not in FAST or x.size < 2 * _BLOCK:
        return function(*args)
    source = np.ascontiguousarray(x).reshape(-1)
    return laid_out_as(_walk(function, args[:-1], source, _BLOCK), x)


def flat_in_blocks(function: Any, x: Any, block: int = _BLOCK) -> Any:
    """``function`` of ``x``'s elements, flat and in C order (a function that picks elements
    by flat position), by blocks of ``block`` elements where there are many; shaped and laid
    out as ``x``."""
    source = np.ascontiguousarray(x).reshape(-1)
    if source.size < 2 * block:
        return laid_out_as(function(source), x)
    return laid_out_as(_walk(function, (), source, block), x)


def _walk(function: Any, head: tuple[Any, ...], source: Any, block: int) -> Any:
    """``function(*head, part)`` for each part of ``block`` elements of the flat ``source``,
    joined (the first part's result gives the dtype)."""
    first = function(*head, source[:block])
    result = np.empty(source.shape, first.dtype)
    result[:block] = first
    for start in range(block, source.size, block):
        result[start : start + block] = function(*head, source[start : start + block])
    return result


def laid_out_as(result: Any, x: Any) -> Any:
    """The flat C-ordered ``result`` of an element-wise function of ``x``, shaped as ``x`` and
    in ``x``'s memory order, as a ufunc's result (and the generic function's, and torch's)."""
    if x.flags.c_contiguous:
        return result.reshape(x.shape)
    laid_out = np.empty_like(x, dtype=result.dtype)
    laid_out[...] = result.reshape(x.shape)
    return laid_out


def range_index(lib: Any, mask: Any) -> Any:
    """What picks the set elements of ``mask`` out of arrays of its shape on ``lib``, to read
    and to write them, or None where none is set: the flat positions for a 1-D NumPy mask (one
    scan of an unpredictable mask, where each boolean indexing scans it again, branching per
    element: 3x slower for the usual two to three uses), the mask itself elsewhere."""
    if lib is np and mask.ndim == 1:
        index = mask.nonzero()[0]  # (np.flatnonzero's work, without its Python wrappers)
        return index if index.size else None
    return mask if bool(lib.any(mask)) else None
