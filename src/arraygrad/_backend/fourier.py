"""Discrete Fourier transforms on raw arrays, through the library's ``fft`` extension (NumPy's
``numpy.fft``), and the adjoints that are their vector-Jacobian products.

Each transform takes its ``axes`` (the last one is the halved axis of the real transforms) and
PyTorch's ``norm`` ("backward", "ortho", "forward"). The adjoint of a transform normalised by
``norm`` is the transform in the other direction normalised by the dual mode: "backward" and
"forward" swap, "ortho" stays.
"""

from __future__ import annotations

from typing import Any

_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def fft_c2c(lib: Any, x: Any, *, axes: tuple[int, ...], norm: str, inverse: bool) -> Any:
    """The complex transform of ``x`` over ``axes`` (the inverse one with ``inverse``)."""
    transform = lib.fft.ifftn if inverse else lib.fft.fftn
    return transform(x, axes=axes, norm=norm)


def fft_r2c(lib: Any, x: Any, *, axes: tuple[int, ...], norm: str) -> Any:
    """The transform of the real ``x``, only its first ``n // 2 + 1`` frequencies along the
    last axis (the others are their conjugates)."""
    return lib.fft.rfftn(x, axes=axes, norm=norm)


def fft_r2c_adjoint(lib: Any, g: Any, *, axes: tuple[int, ...], norm: str, last_size: int) -> Any:
    """The adjoint of :func:`fft_r2c` for a real input of ``last_size`` along the last axis:
    the half spectrum ``g`` padded with zeros to the full length, transformed back with the
    dual normalisation, its real part (the input was real)."""
    axis = axes[-1] % g.ndim
    missing = last_size - g.shape[axis]
    if missing > 0:
        shape = list(g.shape)
        shape[axis] = missing
        g = lib.concat([g, lib.zeros(tuple(shape), dtype=g.dtype)], axis=axis)
    return lib.real(lib.fft.ifftn(g, axes=axes, norm=_DUAL[norm]))


def fft_c2r(lib: Any, x: Any, *, axes: tuple[int, ...], norm: str, last_size: int) -> Any:
    """The real signal of ``last_size`` samples along the last axis whose half spectrum is
    ``x`` (which holds exactly ``last_size // 2 + 1`` frequencies there); the imaginary parts of
    the frequencies that are their own conjugates (0, and ``last_size / 2`` when even) are not
    read."""
    sizes = [x.shape[a] for a in axes[:-1]] + [last_size]
    return lib.fft.irfftn(x, s=sizes, axes=axes, norm=norm)


def fft_c2r_adjoint(lib: Any, h: Any, *, axes: tuple[int, ...], norm: str) -> Any:
    """The adjoint of :func:`fft_c2r` for the real ``h``: its half spectrum with the dual
    normalisation, doubled at the frequencies that stand for a conjugate pair too (all but 0
    and, for an even length, the last)."""
    axis = axes[-1] % h.ndim
    n = h.shape[axis]
    spectrum = lib.fft.rfftn(h, axes=axes, norm=_DUAL[norm])
    half = n // 2 + 1
    paired = (n + 1) // 2  # frequencies 1 .. paired - 1 stand for two each
    weights = lib.asarray(
        [1.0 if k == 0 or k >= paired else 2.0 for k in range(half)],
        dtype=lib.real(spectrum).dtype,
    )
    shape = [1] * h.ndim
    shape[axis] = half
    return spectrum * lib.reshape(weights, tuple(shape))
