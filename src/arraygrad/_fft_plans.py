"""How ``arraygrad.fft``'s transforms read PyTorch's arguments: ``norm`` ("backward", "ortho",
"forward"), ``n`` / ``s`` and ``dim`` made into axes and sizes (PyTorch checks the dims before
``s``), the input cut or padded with zeros to those sizes (composed ops, so the gradient goes back
through them), the dtype checks, and the three kinds of transform the public functions are built
on: complex to complex (``_c2c``), real to complex (``_r2c``) and complex to real (``_c2r``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from arraygrad import _backend, _dtype
from arraygrad import ops as _ops
from arraygrad._arguments import require_tensor as _require_tensor
from arraygrad._dims import normalize_dim as _normalize_dim
from arraygrad._math import as_tensor as _as_tensor
from arraygrad._shape import cat as _cat
from arraygrad._splitting import narrow as _narrow
from arraygrad._tensor import Tensor
from arraygrad._tensor import describe as _describe

if TYPE_CHECKING:
    from typing import Any

_NORMS = ("backward", "ortho", "forward")
_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _norm(norm: str | None) -> str:
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise RuntimeError(
            f'Invalid normalization mode: "{norm}"'
            ". Fix: pass norm='backward', 'forward', 'ortho', or None."
        )
    return norm


def _plan(
    input: Tensor, s: Any, dim: Any, default_all: bool
) -> tuple[tuple[int, ...], list[int | None]]:
    """The transformed dimensions (non-negative, in order) and the size each is cut or padded
    to (``None``: as it is), from PyTorch's ``s`` and ``dim``."""
    ndim = input.ndim
    if isinstance(dim, int):
        dim = (dim,)
    if s is not None:
        s = list(s)
        if dim is None:
            if len(s) > ndim:
                raise RuntimeError(
                    f"Got shape with {len(s)} values but input tensor only has {ndim} dimensions."
                    f" Fix: pass at most {ndim} sizes in s, or pass dim."
                )
            dim = tuple(range(ndim - len(s), ndim))
    if dim is None:
        dim = tuple(range(ndim)) if default_all else (ndim - 1,)
    if not ndim and dim:  # PyTorch does not take 0 and -1 for a 0-d tensor's dim here
        raise IndexError(
            f"Dimension specified as {dim[0]} but tensor has no dimensions: a transform runs "
            "over dimensions, and a 0-d tensor has none. Fix: reshape it first (t.reshape(1))."
        )
    axes = tuple(_normalize_dim(d, ndim) for d in dim)  # (PyTorch checks dims before s)
    if s is not None and len(s) != len(axes):
        raise RuntimeError(
            "When given, dim and shape arguments must have the same length"
            f" (got s of length {len(s)} and dim={list(axes)}). Fix: pass one size in "
            "s per dimension in dim."
        )
    if len(set(axes)) != len(axes):
        raise RuntimeError(
            f"FFT dims must be unique (got dim={list(axes)}). Fix: list each dimension once."
        )
    sizes: list[int | None] = [None] * len(axes)
    if s is not None:
        for position, size in enumerate(s):
            if size == -1:
                continue
            if size < 1:
                raise RuntimeError(
                    f"Invalid number of data points ({size}) specified"
                    ". Fix: pass sizes >= 1 (or -1 to keep a dimension's size)."
                )
            sizes[position] = int(size)
    return axes, sizes


def _resized(x: Tensor, axis: int, size: int) -> Tensor:
    """``x`` cut to, or padded with zeros to, ``size`` along ``axis``."""
    have = x.shape[axis]
    if size < have:
        return _narrow(x, axis, 0, size)
    if size > have:
        shape = list(x.shape)
        shape[axis] = size - have
        zeros = Tensor._wrap(_backend.xp.zeros(tuple(shape), dtype=x._data.dtype))
        return _cat([x, zeros], axis)
    return x


def _complex_input(input: Any, name: str) -> Tensor:
    """``input`` as a complex tensor: real floats as their complex dtype, integers and bools
    in the default complex dtype (their gradient is the real part)."""
    x = _as_tensor(_require_tensor(name, "input", 1, input))
    if x.dtype.is_complex:
        return x
    if not x.dtype.is_floating_point:
        return _ops.astype(x, _dtype.get_default_complex_dtype())
    _check_not_reduced(x, name)
    return _ops.astype(x, _dtype.COMPLEX_OF[x.dtype])


def _real_input(input: Any, name: str) -> Tensor:
    x = _as_tensor(_require_tensor(name, "input", 1, input))
    if x.dtype.is_complex:
        raise RuntimeError(
            f"{name} expects a real input tensor, but got {_dtype.torch_type_name(x.dtype)}"
            ". Fix: pass a real tensor (x.real, or x.abs()), or use the complex "
            "transform (fft instead of rfft)."
        )
    if not x.dtype.is_floating_point:
        return _ops.astype(x, _dtype.get_default_dtype())
    _check_not_reduced(x, name)
    return x


def _check_not_reduced(x: Tensor, name: str) -> None:
    """PyTorch's CPU error for float16 and bfloat16 samples: its transforms compute in
    complex64 or complex128 only (float16's complex32 is a GPU dtype)."""
    if x.dtype in _dtype.REDUCED_FLOATS:
        raise RuntimeError(
            f"Unsupported dtype {_dtype.torch_type_name(x.dtype)}: {name} of a {_describe(x)}. "
            "Fix: convert to float32 first (x.float())."
        )


def _check_some_axis(axes: tuple[int, ...], name: str) -> None:
    """A real-input or real-output transform halves its last dimension: it needs one."""
    if not axes:
        raise RuntimeError(
            f"{name} must transform at least one axis: it got none (a 0-d input, or dim=()). "
            "Fix: pass an input with at least one dimension, or name one in dim."
        )


def _check_points(x: Tensor, axes: tuple[int, ...]) -> None:
    """PyTorch's error for a transform over an empty dimension (NumPy's is a ValueError)."""
    shape = x.shape
    for axis in axes:
        if shape[axis] < 1:
            raise RuntimeError(
                f"Invalid number of data points ({shape[axis]}) specified: the transform runs "
                f"over dim {axis} of a {_describe(x)}, which is empty. Fix: give n (or s) >= 1 "
                "to pad it with zeros, or transform over non-empty dims."
            )


def _c2c(input: Any, s: Any, dim: Any, norm: str | None, inverse: bool, name: str) -> Tensor:
    mode = _norm(norm)
    x = _complex_input(input, name)
    axes, sizes = _plan(x, s, dim, default_all=name.endswith("n"))
    for axis, size in zip(axes, sizes, strict=True):
        if size is not None:
            x = _resized(x, axis, size)
    if not axes:
        return _ops.clone(x)
    _check_points(x, axes)
    return _ops.fft_c2c(x, axes=axes, norm=mode, inverse=inverse)


def _r2c(input: Any, s: Any, dim: Any, norm: str | None, name: str) -> Tensor:
    mode = _norm(norm)
    x = _real_input(input, name)
    axes, sizes = _plan(x, s, dim, default_all=name.endswith("n"))
    _check_some_axis(axes, name)
    for axis, size in zip(axes, sizes, strict=True):
        if size is not None:
            x = _resized(x, axis, size)
    _check_points(x, axes)
    return _ops.fft_r2c(x, axes=axes, norm=mode)


def _c2r(input: Any, s: Any, dim: Any, norm: str | None, name: str) -> Tensor:
    mode = _norm(norm)
    x = _complex_input(input, name)
    axes, sizes = _plan(x, s, dim, default_all=name.endswith("n"))
    _check_some_axis(axes, name)
    last = sizes[-1]
    n = 2 * (x.shape[axes[-1]] - 1) if last is None else last
    if n < 1:
        raise RuntimeError(
            f"Invalid number of data points ({n}) specified"
            ". Fix: pass n >= 1, or an input whose last transformed dimension has at "
            "least 2 elements."
        )
    for axis, size in zip(axes[:-1], sizes[:-1], strict=True):
        if size is not None:
            x = _resized(x, axis, size)
    _check_points(x, axes[:-1])
    # the half spectrum the output reads: n // 2 + 1 frequencies, cut or padded with zeros
    x = _resized(x, axes[-1], n // 2 + 1)
    return _ops.fft_c2r(x, axes=axes, norm=mode, last_size=n)
