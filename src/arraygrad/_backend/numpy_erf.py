"""NumPy's ``erf`` and ``erfc``: the Cephes rationals of :mod:`arraygrad._special.error_function`,
each range evaluated only on its own elements, bit for bit the generic functions' results.

The generic functions are written against any Array API namespace, where a branch is an
``xp.where`` that evaluates every range on every element; on NumPy a ``where`` with an
unpredictable mask also costs ~4 ns per element in branch mispredictions, and the float64
temporaries are ~40 passes over the data, each a fresh array. Here the central range
(``|x| <= 1``, where most of a gelu's inputs lie) is one Horner evaluation on all elements,
in place, block by block; the others are gathered: ``1 < |x| < 8`` through the generic
module's own helpers for that range alone, ``|x| >= 8`` and nan through the generic function.
Each element sees the same operations in the same order as in the generic code: the same
bits (tests/test_backend_exact_fast_paths.py compares them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arraygrad._special import error_function

# Dtypes whose generic result is float64 work cast back once (bfloat16 goes through float32
# there, so it keeps the generic path).
FAST = frozenset([np.dtype(np.float64), np.dtype(np.float32), np.dtype(np.float16)])
# Elements per block: its four float64 work arrays (2 MiB) stay in a core's cache.
_BLOCK = 1 << 16


def erf(x: Any) -> Any:
    """``erf(x)`` as :func:`arraygrad._special.erf` computes it, on a NumPy array."""
    return _erf_or_erfc(x, complement=False)


def erfc(x: Any) -> Any:
    """``erfc(x) = 1 - erf(x)`` as :func:`arraygrad._special.erfc` computes it."""
    return _erf_or_erfc(x, complement=True)


def erf_and_erfc(x: Any) -> tuple[Any, Any]:
    """``(erf(x), erfc(x))`` of a float64 array, as ``error_function._erf_erfc`` gives the pair
    (``erfc`` is ``1 - erf`` where ``|x| <= 1``): one evaluation of the ranges for both."""
    erf_values, erfc_values = _erf_values(x, (False, True))
    return erf_values, erfc_values


def _erf_or_erfc(x: Any, complement: bool) -> Any:
    generic = error_function.erfc if complement else error_function.erf
    if x.__class__ is not np.ndarray or x.dtype not in FAST:
        return generic(np, x)  # (which raises for integer input)
    return _erf_values(x, (complement,))[0]


def _erf_values(x: Any, complements: tuple[bool, ...]) -> list[Any]:
    """erf (False) or erfc (True) of ``x``, for each of ``complements`` (erfc last)."""
    source = np.ascontiguousarray(x).reshape(-1)
    results = [np.empty(source.shape, x.dtype) for _ in complements]
    outside = np.empty(source.shape, dtype=bool)
    size = min(source.size, _BLOCK)
    # The work of one block, reused: fresh megabyte-sized temporaries would each cost their
    # page faults (more than the arithmetic), and a block's stay in cache between passes.
    work, z, num, den = np.empty(size), np.empty(size), np.empty(size), np.empty(size)
    # The central rational runs on every element; where |x| > 1 (or nan) its values, which
    # may overflow or be nan, are replaced below, so their warnings mean nothing.
    with np.errstate(all="ignore"):
        for start in range(0, source.size, _BLOCK):
            stop = min(start + _BLOCK, source.size)
            n = stop - start
            w = work[:n]
            np.copyto(w, source[start:stop])
            np.abs(w, out=z[:n])
            # not |x| > 1: nan goes with the others, whose generic code keeps it apart
            np.less_equal(z[:n], 1.0, out=outside[start:stop])
            np.logical_not(outside[start:stop], out=outside[start:stop])
            block = _erf_central(w, z[:n], num[:n], den[:n])
            for result, complement in zip(results, complements, strict=True):
                if complement:  # erfc = 1 - erf for |x| <= 1, as generic's
                    np.subtract(1.0, block, out=block)
                result[start:stop] = block  # (rounded once to float32 or float16, as generic's)
    others = np.flatnonzero(outside)
    if others.size:
        # 1 < |x| < 8 (the rest of a normal sample): exp(-x^2) P(|x|)/Q(|x|), the generic
        # function's own helpers without its other ranges
        x_others = source[others].astype(np.float64)
        a = np.abs(x_others)
        mid = a < 8.0
        a_mid = a[mid]
        c = error_function._times_gaussian(np, a_mid, error_function._erfc_ratio_mid(np, a_mid))
        x_mid = x_others[mid]
        far = np.flatnonzero(~mid)  # |x| >= 8 and nan
        for result, complement in zip(results, complements, strict=True):
            values = np.empty(others.shape, np.float64)
            if complement:
                values[mid] = np.where(x_mid < 0.0, 2.0 - c, c)
            else:
                # generic's where(x < 0, c - 1, 1 - c): c - 1 is -(1 - c) exactly (rounding to
                # nearest is symmetric), and a sign copy costs no branch per element
                values[mid] = np.copysign(1.0 - c, x_mid)
            if far.size:
                generic = error_function.erfc if complement else error_function.erf
                values[far] = generic(np, x_others[far])
            result[others] = values
    return [laid_out_as(result, x) for result in results]


def laid_out_as(result: Any, x: Any) -> Any:
    """The flat C-ordered ``result`` of an element-wise function of ``x``, shaped as ``x`` and
    in ``x``'s memory order, as a ufunc's result (and the generic function's, and torch's)."""
    if x.flags.c_contiguous:
        return result.reshape(x.shape)
    laid_out = np.empty_like(x, dtype=result.dtype)
    laid_out[...] = result.reshape(x.shape)
    return laid_out


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
