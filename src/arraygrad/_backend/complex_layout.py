"""Complex arrays as pairs of reals and back, and a complex array made from its parts.

NumPy reinterprets a complex array's memory as interleaved reals (and back) without a copy, as
PyTorch's ``view_as_real`` / ``view_as_complex`` do; other libraries get copies, which hold the
same values.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def view_as_real(lib: Any, x: Any) -> Any:
    """``x`` (complex, shape ``s``) as reals of shape ``s + (2,)``: a view on NumPy."""
    if lib is np and isinstance(x, np.ndarray):
        # The new length-1 axis lets the last axis double in size whatever x's strides are.
        return x[..., np.newaxis].view(x.real.dtype)
    return lib.stack([lib.real(x), lib.imag(x)], axis=-1)


def view_as_complex(lib: Any, x: Any) -> Any:
    """``x`` (real, shape ``s + (2,)``) as complex numbers of shape ``s``: a view on NumPy
    where the pairs lie next to each other in memory, else a copy (a gradient's layout)."""
    if lib is np and isinstance(x, np.ndarray):
        complex_dtype = np.complex64 if x.dtype == np.float32 else np.complex128
        if x.strides[-1] != x.itemsize:
            x = np.ascontiguousarray(x)
        return x.view(complex_dtype)[..., 0]
    return complex_from_parts(lib, x[..., 0], x[..., 1])


def complex_from_parts(lib: Any, real: Any, imag: Any) -> Any:
    """The complex array ``real + i imag`` (broadcast), exact also for infinite parts (where
    ``real + 1j * imag`` would make nan of ``1j * inf``'s real part)."""
    if lib is np:
        real, imag = np.broadcast_arrays(real, imag)
        dtype = np.complex64 if real.dtype == np.float32 else np.complex128
        out = np.empty(real.shape, dtype=dtype)
        out.real = real
        out.imag = imag
        return out
    return lib.astype(real, _complex_of(lib, real.dtype)) + lib.astype(
        imag, _complex_of(lib, imag.dtype)
    ) * lib.asarray(1j, dtype=_complex_of(lib, imag.dtype))


def eig(lib: Any, a: Any) -> tuple[Any, Any]:
    """The eigenvalues and unit-norm eigenvectors (columns) of a batch of square matrices,
    always complex (NumPy's are real where every eigenvalue is), in LAPACK's order and phase
    (each vector's largest component real), which are PyTorch's too."""
    if lib is not np:
        raise NotImplementedError(
            "linalg.eig needs NumPy's general eigensolver, which the Array API standard does "
            "not have. Fix: compute on NumPy, arraygrad.set_backend('numpy')."
        )
    values, vectors = np.linalg.eig(a)
    kind = np.complex64 if a.dtype in (np.float32, np.complex64) else np.complex128
    return values.astype(kind, copy=False), vectors.astype(kind, copy=False)


def _complex_of(lib: Any, dtype: Any) -> Any:
    return lib.complex64 if dtype == lib.float32 else lib.complex128
