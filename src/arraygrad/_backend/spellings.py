"""Functions that arraygrad calls the Array API's way, for libraries that spell or round them
their own way (CuPy's), checked on NumPy in ``tests/test_backend.py`` and on a GPU in
``tests/test_cupy.py``."""

from __future__ import annotations

import functools
import inspect
from typing import Any


def standard_spellings(lib: Any) -> dict[str, Any]:
    """The functions of ``lib`` that arraygrad calls the standard's way but the library spells
    or rounds its own way, wrapped: CuPy's ``reshape(a, newshape)`` has no ``shape`` keyword,
    its ``argsort`` no ``stable`` one, and its float ``floor_divide`` floors ``x / y`` after
    rounding it (``-1 // -0.1`` gives 10 where Python, NumPy and PyTorch give 9)."""
    fixes: dict[str, Any] = {}
    if not _takes_keyword(lib.reshape, "shape"):
        fixes["reshape"] = functools.partial(_reshape_by_position, lib.reshape)
    if not _takes_keyword(lib.argsort, "stable"):
        # CuPy's argsort is always stable (its documentation: kind=None means "stable")
        fixes["argsort"] = functools.partial(_argsort_axis_only, lib.argsort)
    if hasattr(lib, "fmod"):  # a NumPy-like library with C's exact fmod (array_api_strict's
        # standard functions have none, and are NumPy's underneath)
        fixes["floor_divide"] = functools.partial(_floor_divide, lib)
        fixes["remainder"] = functools.partial(_remainder, lib)
    return fixes


def solve_broadcasting(lib: Any, a: Any, b: Any) -> Any:
    """``linalg.solve(a, b)`` with the batch dimensions of a matrix ``b`` (``(..., M, K)``)
    broadcast against ``a``'s, as the standard's and NumPy's are; CuPy's must be equal."""
    if b.ndim < 2:
        return lib.linalg.solve(a, b)
    batch = tuple(lib.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2])))
    if tuple(a.shape[:-2]) != batch:
        a = lib.broadcast_to(a, (*batch, *a.shape[-2:]))
    if tuple(b.shape[:-2]) != batch:
        b = lib.broadcast_to(b, (*batch, *b.shape[-2:]))
    return lib.linalg.solve(a, b)


def _takes_keyword(function: Any, name: str) -> bool:
    """Whether ``function`` accepts the keyword ``name`` (True where it cannot be told)."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):  # a builtin or ufunc, which follow NumPy
        return True
    return name in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def _reshape_by_position(reshape: Any, x: Any, /, shape: Any, *, copy: bool | None = None) -> Any:
    return reshape(x, shape) if copy is None else reshape(x, shape, copy=copy)


def _argsort_axis_only(argsort: Any, x: Any, /, *, axis: int = -1, stable: bool = True) -> Any:
    return argsort(x, axis=axis)


def python_divmod(lib: Any, x: Any, y: Any) -> tuple[Any, Any]:
    """``(x // y, x % y)`` of floats as Python, NumPy and PyTorch compute them.

    The remainder comes from C's ``fmod``, which is exact; the quotient from ``x - fmod``,
    which ``y`` divides exactly up to one rounding, and is then snapped to the nearest
    integer. Rounding ``x / y`` first and flooring it instead gives ``floor(-1 / -0.1) = 10``
    where the true quotient 9.99... floors to 9. Zeros take Python's signs, and a zero divisor
    gives ``x / y`` (an infinity or nan) and a nan remainder, as NumPy's.
    """
    # Python numbers as arrays of the other operand's dtype (what NEP 50 makes of them), so
    # that the comparisons below give arrays
    x = x if hasattr(x, "dtype") else lib.asarray(x, dtype=y.dtype)
    y = y if hasattr(y, "dtype") else lib.asarray(y, dtype=x.dtype)
    dtype = lib.result_type(x, y)
    half = getattr(lib, "float16", None)  # (not a standard dtype: Dask's namespace lacks it)
    if half is not None and dtype == half:
        # NumPy (and PyTorch on CUDA) divide halves in float32 and round the results once: in
        # float16, x - fmod rounds badly enough to miss the floor by an ulp or more (4.418 //
        # -0.005196 gave -852, not -851).
        wide = python_divmod(lib, lib.astype(x, lib.float32), lib.astype(y, lib.float32))
        return lib.astype(wide[0], dtype), lib.astype(wide[1], dtype)
    mod = lib.fmod(x, y)
    quotient = (x - mod) / y
    wrong_sign = (mod != 0) & ((y < 0) != (mod < 0))
    mod = lib.where(wrong_sign, mod + y, mod)
    quotient = lib.where(wrong_sign, quotient - 1, quotient)
    floor = lib.floor(quotient)
    floor = lib.where(quotient - floor > 0.5, floor + 1, floor)
    ratio = x / y
    floor = lib.where(quotient == 0, lib.copysign(lib.zeros_like(floor), ratio), floor)
    floor = lib.where(y == 0, ratio, floor)
    mod = lib.where(mod == 0, lib.copysign(lib.zeros_like(mod), y), mod)
    return floor, mod


def _floor_divide(lib: Any, x: Any, y: Any) -> Any:
    if _is_float_pair(lib, x, y):
        return python_divmod(lib, x, y)[0]
    return lib.floor_divide(x, y)


def _remainder(lib: Any, x: Any, y: Any) -> Any:
    if _is_float_pair(lib, x, y):
        return python_divmod(lib, x, y)[1]
    return lib.remainder(x, y)


def _is_float_pair(lib: Any, x: Any, y: Any) -> bool:
    dtypes = [a.dtype for a in (x, y) if hasattr(a, "dtype")]
    return any(lib.isdtype(d, "real floating") for d in dtypes)
