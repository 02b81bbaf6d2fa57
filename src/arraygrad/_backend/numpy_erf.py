"""NumPy's ``erf`` and ``erfc``: the Cephes rationals of :mod:`arraygrad._special.error_function`,
each range evaluated only on its own elements, bit for bit the generic functions' results.

The generic functions are written against any Array API namespace, where a branch is an
``xp.where`` that evaluates every range on every element; on NumPy a ``where`` with an
unpredictable mask also costs ~4 ns per element in branch mispredictions, and the float64
temporaries are ~40 passes over the data, each a fresh array. Here the central range
(``|x| <= 1``, where most of a gelu's inputs lie) is one Horner evaluation on all elements,
in place, block by block (:func:`blockwise.flat_in_blocks`); the others are picked
(``_common._on_range``): ``1 < |x| < 8`` through the generic module's own helpers for that
range alone, ``|x| >= 8`` and nan through the generic function. Each element sees the same
operations in the same order as in the generic code: the same bits
(tests/test_backend_exact_fast_paths.py compares them).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from arraygrad._backend import blockwise
from arraygrad._special import error_function
from arraygrad._special._common import _on_range

# Elements per block: the central range's float64 arrays (x, z, num, den: 2 MiB) stay in a
# core's cache, and the blocks are few enough that the other ranges' picking, a few dozen calls
# per block, costs little where those ranges are small (a gelu's arguments: 1 in 6 elements).
_BLOCK = 1 << 16


def erf(x: Any) -> Any:
    """``erf(x)`` as :func:`arraygrad._special.erf` computes it, on a NumPy array."""
    if x.__class__ is not np.ndarray or x.dtype not in blockwise.FAST:
        return error_function.erf(np, x)  # (which raises for integer input)
    return blockwise.flat_in_blocks(_erf_flat, x, _BLOCK)


def erfc(x: Any) -> Any:
    """``erfc(x) = 1 - erf(x)`` as :func:`arraygrad._special.erfc` computes it."""
    if x.__class__ is not np.ndarray or x.dtype not in blockwise.FAST:
        return error_function.erfc(np, x)
    return blockwise.flat_in_blocks(_erfc_flat, x, _BLOCK)


def erf_and_erfc(x: Any) -> tuple[Any, Any]:
    """``(erf(x), erfc(x))`` of a flat float64 array, as ``error_function._erf_erfc`` gives the
    pair (``erfc`` is ``1 - erf`` where ``|x| <= 1``): one evaluation of the ranges for both.
    Not in blocks: its caller (``numpy_erfinv``) walks its own argument in blocks."""
    erf_values, erfc_values = _erf_values(x, (False, True))
    return erf_values, erfc_values


def _erf_flat(source: Any) -> Any:
    return _erf_values(source, (False,))[0]


def _erfc_flat(source: Any) -> Any:
    return _erf_values(source, (True,))[0]


def _erf_values(source: Any, complements: tuple[bool, ...]) -> tuple[Any, ...]:
    """erf (False) or erfc (True) of the flat ``source``, for each of ``complements`` (erfc
    last), in ``source``'s dtype."""
    x = source.astype(np.float64, copy=False)  # (only read)
    z = np.abs(x)
    # not |x| > 1: nan goes with the others, whose generic code keeps it apart
    outside = np.less_equal(z, 1.0)
    np.logical_not(outside, out=outside)
    # The central rational runs on every element; where |x| > 1 (or nan) its values, which
    # may overflow or be nan, are replaced below, so their warnings mean nothing.
    with np.errstate(all="ignore"):
        central = _erf_central(x, z, np.empty(x.shape), np.empty(x.shape))
        rounded = []
        for count, complement in enumerate(complements, 1):
            if complement:  # erfc = 1 - erf for |x| <= 1, as generic's
                np.subtract(1.0, central, out=central)
            # rounded once to float32 or float16, as generic's (a copy, but of the last)
            rounded.append(central.astype(source.dtype, copy=count < len(complements)))
    results = tuple(rounded)
    _on_range(np, outside, functools.partial(_erf_outside, complements), source, into=results)
    return results


def _erf_outside(complements: tuple[bool, ...], part: Any) -> tuple[Any, ...]:
    """:func:`_erf_values` of elements beyond 1 in size (or nan), as float64."""
    x = part.astype(np.float64, copy=False)  # (a copy already)
    values = tuple([np.empty(x.shape) for _ in complements])
    # 1 < |x| < 8 (the rest of a normal sample): exp(-x^2) P(|x|)/Q(|x|), the generic
    # function's own helpers without its other ranges
    mid = np.abs(x) < 8.0
    _on_range(np, mid, functools.partial(_erf_mid, complements), x, into=values)
    # |x| >= 8 and nan: the generic functions (few elements)
    far = np.logical_not(mid, out=mid)
    _on_range(np, far, functools.partial(_erf_generic, complements), x, into=values)
    return values


def _erf_mid(complements: tuple[bool, ...], x: Any) -> list[Any]:
    """:func:`_erf_values` of float64 elements with ``1 < |x| < 8``."""
    a = np.abs(x)
    c = error_function._times_gaussian(np, a, error_function._erfc_ratio_mid(np, a))
    values = []
    for complement in complements:
        # erf: generic's where(x < 0, c - 1, 1 - c): c - 1 is -(1 - c) exactly (rounding to
        # nearest is symmetric), and a sign copy costs no branch per element
        values.append(np.where(x < 0.0, 2.0 - c, c) if complement else np.copysign(1.0 - c, x))
    return values


def _erf_generic(complements: tuple[bool, ...], x: Any) -> list[Any]:
    """:func:`_erf_values` of float64 elements through the generic functions."""
    return [(error_function.erfc if c else error_function.erf)(np, x) for c in complements]


def _erf_central(x: Any, z: Any, num: Any, den: Any) -> Any:
    """``x T(x^2) / U(x^2)`` (:func:`error_function._erf_small`) for ``|x| <= 1``, in ``num``,
    in the generic Horner order ``acc = acc * z + c``: its first step ``full(c0) * z`` is
    ``z * c0`` (products commute exactly); the monic one starts at ``z + c0``."""
    np.multiply(x, x, out=z)
    t = error_function._ERF_T
    np.multiply(z, t[0], out=num)
    for c in t[1:-1]:
        num += c
        num *= z
    num += t[-1]
    u = error_function._ERF_U
    np.add(z, u[0], out=den)
    for c in u[1:]:
        den *= z
        den += c
    num /= den
    num *= x
    return num
