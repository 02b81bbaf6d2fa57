"""bfloat16 on NumPy: the ``bfloat16`` dtype's arrays (the ``ml_dtypes`` package's, loaded on
first use), and PyTorch's Muon orthogonalisation, a Newton-Schulz iteration that PyTorch
computes in bfloat16 whatever the parameter's dtype, emulated exactly. Part of the one door to
array libraries (see :mod:`arraygrad._backend`, which re-exports :func:`native`,
:func:`loaded` and :func:`newton_schulz_bfloat16`).

NumPy has no bfloat16; ``ml_dtypes`` adds one, whose ufunc loops compute each call in float32
and round its result to bfloat16, as NumPy's float16 loops do for float16. Importing it costs
several milliseconds, so ``import arraygrad`` does not: the first use of
``arraygrad.bfloat16`` (``_dtype.to_xp``) does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arraygrad import _backend

# ml_dtypes' bfloat16 ``np.dtype`` once loaded: arrays' dtypes are this object (``is`` tests).
_NATIVE: list[Any] = []


def native() -> Any:
    """ml_dtypes' bfloat16 ``np.dtype``, importing ml_dtypes on the first call."""
    if not _NATIVE:
        try:
            import ml_dtypes
        except ImportError:  # pragma: no cover - a runtime dependency
            raise RuntimeError(
                "bfloat16 tensors need the ml_dtypes package, which is not installed. Fix: "
                "pip install 'ml_dtypes>=0.5', or compute in float32 (x.float())."
            ) from None
        dtype = np.dtype(ml_dtypes.bfloat16)
        _NATIVE.append(dtype)
        _backend.writes.note_bfloat16(dtype)
    return _NATIVE[0]


def loaded() -> Any:
    """ml_dtypes' bfloat16 ``np.dtype`` if bfloat16 was used, else ``None`` (no array's dtype),
    without importing anything."""
    return _NATIVE[0] if _NATIVE else None


def finfo_values() -> dict[str, float | int]:
    """bfloat16's limits, as :func:`arraygrad._backend.float_info` gives them (NumPy's finfo
    refuses ml_dtypes' dtype; ml_dtypes has its own)."""
    import ml_dtypes

    info = ml_dtypes.finfo(native())
    numbers = ("eps", "max", "min", "tiny", "smallest_normal")
    values: dict[str, float | int] = {key: float(getattr(info, key)) for key in numbers}
    values["resolution"] = 10.0 ** -int(info.precision)
    return {"bits": int(info.bits), **values}


def _bfloat16(values: np.ndarray) -> np.ndarray:
    """``values`` (float32) rounded to bfloat16's 8 significant bits, to nearest, ties to even,
    as float32 (NumPy has no bfloat16; PyTorch rounds a float to it this way)."""
    bits = values.view(np.uint32).astype(np.uint64)
    rounded_bits = (bits + np.uint64(0x7FFF) + ((bits >> np.uint64(16)) & np.uint64(1))) & (
        np.uint64(0xFFFF0000)
    )
    rounded = rounded_bits.astype(np.uint32).view(np.float32)
    return np.where(np.isnan(values), values, rounded)


def _to_bfloat16(values: np.ndarray) -> np.ndarray:
    """A float64 array (or float32) computed exactly, rounded as PyTorch's bfloat16 kernels
    round their float32 result: to float32, then to bfloat16; as float64 (exact)."""
    return _bfloat16(values.astype(np.float32)).astype(np.float64)


def newton_schulz_bfloat16(
    update: Any, coefficients: tuple[float, float, float], steps: int, eps: float
) -> Any:
    """The Newton-Schulz iteration of PyTorch's Muon on the 2-D array ``update``: a new array
    of its dtype, near the orthogonal factor of ``update``'s polar decomposition.

    PyTorch computes it in bfloat16 whatever the parameter's dtype: ``X = B / max(‖B‖, ε)``,
    transposed when it has more rows than columns, then ``steps`` times ``A = X Xᵀ``,
    ``X ← a X + (b A + c A A) X``, each product and each of the two sums rounded to bfloat16
    once (PyTorch's fused addmm: the products accumulate in float32 before one rounding, which
    the exact float64 products and sums reproduce). The bfloat16 values are kept in float64,
    which holds them and their products exactly. Under :func:`arraygrad.compile` it is one
    step of the program.
    """
    if _backend.tracer is not None:
        return _backend.tracer.call(newton_schulz_bfloat16, (update, coefficients, steps, eps))
    dtype = update.dtype
    a, b, c = (float(np.float32(k)) for k in coefficients)  # the kernels' float32 operands
    x = _to_bfloat16(_backend.to_numpy(update).astype(np.float64))
    norm = _to_bfloat16(np.sqrt(np.sum(x * x)))
    x = _to_bfloat16(x / max(norm, _to_bfloat16(np.asarray(eps))))
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    for _ in range(steps):
        gram = _to_bfloat16(x @ x.T)
        polynomial = _to_bfloat16(b * gram + c * (gram @ gram))
        x = _to_bfloat16(a * x + polynomial @ x)
    if tall:
        x = x.T
    if _backend.is_numpy:
        return np.ascontiguousarray(x, dtype=dtype)
    return _backend.asarray(np.ascontiguousarray(x), dtype=dtype)
