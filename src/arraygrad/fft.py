"""``arraygrad.fft``: PyTorch's discrete Fourier transforms, differentiable.

The complex transforms (``fft``, ``ifft`` and their 2-D and n-D forms), the real-input ones
(``rfft*``, ``ihfft*``) and the real-output ones (``irfft*``, ``hfft*``) with PyTorch's ``n`` /
``s``, ``dim`` and ``norm`` ("backward", the default, "ortho", "forward"); ``fftfreq``,
``rfftfreq``, ``fftshift`` and ``ifftshift``. An input is cut or padded with zeros to ``n`` /
``s`` along each transformed dimension first (as composed ops, so the gradient goes back through
them); the transforms themselves are the primitives of ``ops/fourier.py``. Gradients follow
PyTorch: a real-output transform reads only the half spectrum it needs, and the gradient of the
half spectrum counts each frequency that stands for a conjugate pair twice.

>>> import arraygrad
>>> arraygrad.fft.fft(arraygrad.tensor([1.0, 0.0, 0.0, 0.0])).real
tensor([1., 1., 1., 1.])
>>> arraygrad.fft.irfft(arraygrad.fft.rfft(arraygrad.tensor([1.0, 2.0, 3.0, 4.0])))
tensor([1., 2., 3., 4.])
"""

from __future__ import annotations

import operator as _operator
from typing import TYPE_CHECKING

from arraygrad import _backend, _dtype
from arraygrad import ops as _ops
from arraygrad._arguments import require_tensor as _require_tensor
from arraygrad._complex import conj as _conj
from arraygrad._creation import _leaf
from arraygrad._creation import arange as _arange
from arraygrad._dims import normalize_dim as _normalize_dim
from arraygrad._math import as_tensor as _as_tensor
from arraygrad._out import made as _made
from arraygrad._out import written as _written
from arraygrad._out import written_real as _written_real
from arraygrad._shape import cat as _cat
from arraygrad._shape import roll as _roll
from arraygrad._splitting import narrow as _narrow
from arraygrad._tensor import Tensor
from arraygrad._tensor import describe as _describe

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

__all__ = [
    "fft",
    "fft2",
    "fftfreq",
    "fftn",
    "fftshift",
    "hfft",
    "hfft2",
    "hfftn",
    "ifft",
    "ifft2",
    "ifftn",
    "ifftshift",
    "ihfft",
    "ihfft2",
    "ihfftn",
    "irfft",
    "irfft2",
    "irfftn",
    "rfft",
    "rfft2",
    "rfftfreq",
    "rfftn",
]

_NORMS = ("backward", "ortho", "forward")
_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _norm(norm: str | None) -> str:
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
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
        raise RuntimeError("When given, dim and shape arguments must have the same length")
    if len(set(axes)) != len(axes):
        raise RuntimeError("FFT dims must be unique")
    sizes: list[int | None] = [None] * len(axes)
    if s is not None:
        for position, size in enumerate(s):
            if size == -1:
                continue
            if size < 1:
                raise RuntimeError(f"Invalid number of data points ({size}) specified")
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
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    for axis, size in zip(axes[:-1], sizes[:-1], strict=True):
        if size is not None:
            x = _resized(x, axis, size)
    _check_points(x, axes[:-1])
    # the half spectrum the output reads: n // 2 + 1 frequencies, cut or padded with zeros
    x = _resized(x, axes[-1], n // 2 + 1)
    return _ops.fft_c2r(x, axes=axes, norm=mode, last_size=n)


def fft(
    input: Tensor,
    n: int | None = None,
    dim: int = -1,
    norm: str | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The 1-D discrete Fourier transform along ``dim``, ``X[k] = sum_j x[j] exp(-2 pi i jk/n)``,
    of ``input`` cut or zero-padded to ``n`` points. Real inputs become complex (integers in the
    default complex dtype); float16 and bfloat16 raise RuntimeError, as torch's CPU kernels do.
    ``norm`` scales by 1 ("backward", the default), ``1/sqrt(n)`` ("ortho") or ``1/n``
    ("forward").

    >>> import arraygrad
    >>> arraygrad.fft.fft(arraygrad.tensor([1.0, 2.0, 3.0, 4.0]))
    tensor([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
    >>> arraygrad.fft.fft(arraygrad.tensor([1.0, 1.0]), n=4)
    tensor([2.+0.j, 1.-1.j, 0.+0.j, 1.+1.j])
    """
    if out is not None:
        return _written("fft_fft", out, fft, input, n, dim, norm)
    return _c2c(input, None if n is None else (n,), (dim,), norm, False, "fft")


def ifft(
    input: Tensor,
    n: int | None = None,
    dim: int = -1,
    norm: str | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The 1-D inverse discrete Fourier transform along ``dim``, ``x[j] = 1/n sum_k X[k]
    exp(2 pi i jk/n)``, of ``input`` cut or zero-padded to ``n`` points; the inverse of
    :func:`fft` under the same ``norm``, which here scales by ``1/n`` ("backward", the default),
    ``1/sqrt(n)`` ("ortho") or 1 ("forward").

    >>> import arraygrad
    >>> arraygrad.fft.ifft(arraygrad.fft.fft(arraygrad.tensor([1.0, 2.0, 3.0, 4.0])))
    tensor([1.+0.j, 2.+0.j, 3.+0.j, 4.+0.j])
    """
    if out is not None:
        return _written("fft_ifft", out, ifft, input, n, dim, norm)
    return _c2c(input, None if n is None else (n,), (dim,), norm, True, "ifft")


def fft2(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: Any = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The 2-D discrete Fourier transform: :func:`fft` over both of ``dim`` (the last two by
    default), each cut or zero-padded to its size in ``s`` first.

    >>> import arraygrad
    >>> arraygrad.fft.fft2(arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([[10.+0.j, -2.+0.j],
            [-4.+0.j,  0.+0.j]])
    """
    if out is not None:
        return _written("fft_fft2", out, fft2, input, s, dim, norm)
    return _c2c(input, s, dim, norm, False, "fft2")


def ifft2(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: Any = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The 2-D inverse discrete Fourier transform: :func:`ifft` over both of ``dim`` (the last
    two by default), each cut or zero-padded to its size in ``s`` first; the inverse of
    :func:`fft2`.

    >>> import arraygrad
    >>> arraygrad.fft.ifft2(arraygrad.tensor([[4.0, 0.0], [0.0, 0.0]]))
    tensor([[1.+0.j, 1.+0.j],
            [1.+0.j, 1.+0.j]])
    """
    if out is not None:
        return _written("fft_ifft2", out, ifft2, input, s, dim, norm)
    return _c2c(input, s, dim, norm, True, "ifft2")


def fftn(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Any = None,
    norm: str | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The n-D discrete Fourier transform: :func:`fft` over each of ``dim`` (by default every
    dimension, or the last ``len(s)`` when ``s`` is given), cut or zero-padded to ``s``.

    >>> import arraygrad
    >>> arraygrad.fft.fftn(arraygrad.ones(2, 2))
    tensor([[4.+0.j, 0.+0.j],
            [0.+0.j, 0.+0.j]])
    """
    if out is not None:
        return _written("fft_fftn", out, fftn, input, s, dim, norm)
    return _c2c(input, s, dim, norm, False, "fftn")


def ifftn(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Any = None,
    norm: str | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The n-D inverse discrete Fourier transform: :func:`ifft` over each of ``dim`` (by default
    every dimension, or the last ``len(s)``); the inverse of :func:`fftn`.

    >>> import arraygrad
    >>> arraygrad.fft.ifftn(arraygrad.ones(2, 2))
    tensor([[1.+0.j, 0.+0.j],
            [0.+0.j, 0.+0.j]])
    """
    if out is not None:
        return _written("fft_ifftn", out, ifftn, input, s, dim, norm)
    return _c2c(input, s, dim, norm, True, "ifftn")


def rfft(
    input: Tensor,
    n: int | None = None,
    dim: int = -1,
    norm: str | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The transform of a real signal: the ``n // 2 + 1`` non-negative frequencies of
    :func:`fft`, whose others are their conjugates (``X[n - k] = conj(X[k])``). Integer inputs
    become the default float; complex ones raise RuntimeError.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    >>> arraygrad.fft.rfft(x)
    tensor([10.+0.j, -2.+2.j, -2.+0.j], grad_fn=<FftR2CBackward0>)
    >>> arraygrad.fft.rfft(x).real.sum().backward()
    >>> x.grad
    tensor([3., 0., 1., 0.])
    """
    if out is not None:
        return _written("fft_rfft", out, rfft, input, n, dim, norm)
    return _r2c(input, None if n is None else (n,), (dim,), norm, "rfft")


def rfft2(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: Any = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The 2-D transform of a real signal: :func:`fft2`'s output with only the ``n // 2 + 1``
    non-negative frequencies of the last of ``dim`` (the rest are conjugates).

    >>> import arraygrad
    >>> arraygrad.fft.rfft2(arraygrad.ones(4, 6)).shape
    arraygrad.Size([4, 4])
    """
    if out is not None:
        return _written("fft_rfft2", out, rfft2, input, s, dim, norm)
    return _r2c(input, s, dim, norm, "rfft2")


def rfftn(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Any = None,
    norm: str | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The n-D transform of a real signal: :func:`fftn`'s output with only the ``n // 2 + 1``
    non-negative frequencies of the last transformed dimension (the rest are conjugates).

    >>> import arraygrad
    >>> arraygrad.fft.rfftn(arraygrad.ones(2, 2, 4)).shape
    arraygrad.Size([2, 2, 3])
    """
    if out is not None:
        return _written("fft_rfftn", out, rfftn, input, s, dim, norm)
    return _r2c(input, s, dim, norm, "rfftn")


def irfft(
    input: Tensor,
    n: int | None = None,
    dim: int = -1,
    norm: str | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The inverse of :func:`rfft`: the real signal of ``n`` samples whose half spectrum is
    ``input`` (``m`` frequencies). ``n`` defaults to ``2 * (m - 1)``, so pass it to get an odd
    length back. The imaginary parts of frequency 0 (and ``n/2`` for an even ``n``), which a
    real signal cannot have, are not read. A frequency that stands for a conjugate pair
    counts twice in the output, and so in the gradient, as torch's.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    >>> arraygrad.fft.irfft(arraygrad.fft.rfft(x), n=5)
    tensor([1., 2., 3., 4., 5.])
    >>> arraygrad.fft.irfft(arraygrad.tensor([1 + 1j, 1.0, 1 + 1j]))
    tensor([1., 0., 0., 0.])
    >>> z = arraygrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> arraygrad.fft.irfft(z)[0].backward()  # x[0] = (z[0] + 2 z[1] + z[2]) / 4
    >>> z.grad
    tensor([0.2500, 0.5000, 0.2500])
    """
    if out is not None:
        return _written_real("fft_irfft", out, irfft, input, n, dim, norm)
    return _c2r(input, None if n is None else (n,), (dim,), norm, "irfft")


def irfft2(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: Any = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The inverse of :func:`rfft2`: the real signal whose half spectrum (halved along the last
    of ``dim``) is ``input``; ``s`` gives the output's sizes (the last defaults to
    ``2 * (m - 1)``, as in :func:`irfft`).

    >>> import arraygrad
    >>> arraygrad.fft.irfft2(arraygrad.tensor([[4.0, 0.0], [0.0, 0.0]]))
    tensor([[1., 1.],
            [1., 1.]])
    """
    if out is not None:
        return _written_real("fft_irfft2", out, irfft2, input, s, dim, norm)
    return _c2r(input, s, dim, norm, "irfft2")


def irfftn(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Any = None,
    norm: str | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The inverse of :func:`rfftn`: the real signal whose half spectrum (halved along the last
    transformed dimension) is ``input``; ``s`` gives the output's sizes (the last defaults to
    ``2 * (m - 1)``, so pass ``s`` for an odd size).

    >>> import arraygrad
    >>> arraygrad.fft.irfftn(arraygrad.fft.rfftn(arraygrad.ones(2, 3)), s=(2, 3))
    tensor([[1., 1., 1.],
            [1., 1., 1.]])
    """
    if out is not None:
        return _written_real("fft_irfftn", out, irfftn, input, s, dim, norm)
    return _c2r(input, s, dim, norm, "irfftn")


def hfft(
    input: Tensor,
    n: int | None = None,
    dim: int = -1,
    norm: str | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The (real) transform of a Hermitian-symmetric signal of ``n`` samples
    (``x[n - j] = conj(x[j])``) given by its first half ``input``: ``irfft(conj(input), n)``
    scaled as a forward transform (by 1 under the default ``norm``). ``n`` defaults to
    ``2 * (m - 1)``.

    >>> import arraygrad
    >>> arraygrad.fft.hfft(arraygrad.tensor([1.0, 2.0, 3.0]))
    tensor([ 8., -2.,  0., -2.])
    """
    if out is not None:
        return _written_real("fft_hfft", out, hfft, input, n, dim, norm)
    return _c2r(
        _conj(_complex_input(input, "hfft")),
        None if n is None else (n,),
        (dim,),
        _DUAL[_norm(norm)],
        "hfft",
    )


def ihfft(
    input: Tensor,
    n: int | None = None,
    dim: int = -1,
    norm: str | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The inverse of :func:`hfft`: ``conj(rfft(input))`` scaled as an inverse transform (by
    ``1/n`` under the default ``norm``), the first half of a Hermitian-symmetric signal.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0, 3.0, 4.0])
    >>> arraygrad.fft.ihfft(x)
    tensor([ 2.5000-0.0000j, -0.5000-0.5000j, -0.5000-0.0000j])
    >>> arraygrad.fft.hfft(arraygrad.fft.ihfft(x))
    tensor([1., 2., 3., 4.])
    """
    if out is not None:
        return _written("fft_ihfft", out, ihfft, input, n, dim, norm)
    x = _real_input(input, "ihfft")
    return _conj(_r2c(x, None if n is None else (n,), (dim,), _DUAL[_norm(norm)], "ihfft"))


def hfft2(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: Any = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """:func:`hfftn` over the two dimensions ``dim`` (the last two by default): the real
    transform of a signal Hermitian-symmetric in the last of them, given by its half there.

    >>> import arraygrad
    >>> arraygrad.fft.hfft2(arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([[10., -2.],
            [-4.,  0.]])
    """
    if out is not None:
        return _written_real("fft_hfft2", out, hfft2, input, s, dim, norm)
    return hfftn(input, s, dim, norm)


def hfftn(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Any = None,
    norm: str | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The n-D real transform of a signal Hermitian-symmetric in the last of ``dim``, given by
    its half there: :func:`irfftn` of its conjugate scaled as a forward transform. ``s`` gives
    the output's sizes (the last defaults to ``2 * (m - 1)``).

    >>> import arraygrad
    >>> x = arraygrad.tensor([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]])
    >>> arraygrad.fft.hfftn(arraygrad.fft.ihfftn(x), s=(2, 3))
    tensor([[1., 2., 3.],
            [3., 4., 5.]])
    """
    if out is not None:
        return _written_real("fft_hfftn", out, hfftn, input, s, dim, norm)
    x = _conj(_complex_input(input, "hfftn"))
    return _c2r(x, s, dim, _DUAL[_norm(norm)], "hfftn")


def ihfft2(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: Any = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """:func:`ihfftn` over the two dimensions ``dim`` (the last two by default); the inverse of
    :func:`hfft2`.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> arraygrad.fft.hfft2(arraygrad.fft.ihfft2(x))
    tensor([[1., 2.],
            [3., 4.]])
    """
    if out is not None:
        return _written("fft_ihfft2", out, ihfft2, input, s, dim, norm)
    return ihfftn(input, s, dim, norm)


def ihfftn(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Any = None,
    norm: str | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The inverse of :func:`hfftn`: ``conj(rfftn(input))`` scaled as an inverse transform (by
    ``1/(product of the sizes)`` under the default ``norm``), halved along the last of ``dim``.

    >>> import arraygrad
    >>> arraygrad.fft.ihfftn(arraygrad.ones(2, 4)).shape
    arraygrad.Size([2, 3])
    """
    if out is not None:
        return _written("fft_ihfftn", out, ihfftn, input, s, dim, norm)
    x = _real_input(input, "ihfftn")
    return _conj(_r2c(x, s, dim, _DUAL[_norm(norm)], "ihfftn"))


def _frequencies(values: Any, scale: float, dtype: Any, requires_grad: bool) -> Tensor:
    dt = dtype if dtype is not None else _dtype.get_default_dtype()
    if dt.is_complex:  # PyTorch's frequencies are an arange of that dtype, which has none
        raise NotImplementedError(
            f"\"arange_cpu\" not implemented for '{_dtype.torch_type_name(dt)}'. Fix: compute "
            "the frequencies in a float dtype and convert them."
        )
    if not dt.is_floating_point:
        raise RuntimeError(
            f"fftfreq requires a floating point or complex dtype (got {dt}). Fix: pass "
            "dtype=arraygrad.float32 or leave dtype out."
        )
    array = _backend.xp.astype(values._data, _dtype.to_xp(dt)) * scale
    return _leaf(_backend.xp.astype(array, _dtype.to_xp(dt)), requires_grad)


def _length(op: str, n: Any) -> int:
    """The number of samples ``n`` as an int; PyTorch's TypeError for what is not one (a float,
    a bool, a tensor of more than one element)."""
    if n.__class__ is int:
        return n  # type: ignore[no-any-return]
    is_tensor = isinstance(n, Tensor)
    if isinstance(n, bool) or not hasattr(n, "__index__") or (is_tensor and n.ndim != 0):
        raise TypeError(
            f"fft_{op}(): argument 'n' (position 1) must be int, not {type(n).__name__}. Fix: "
            f"pass the number of samples, e.g. {op}(x.shape[-1])."
        )
    return _operator.index(n)


def fftfreq(
    n: int, d: float = 1.0, *, dtype: Any = None, requires_grad: bool = False, **options: Any
) -> Tensor:
    """The frequencies of :func:`fft`'s ``n`` outputs for samples ``d`` apart: ``0, 1, ...,
    -1`` over ``n * d``.

    >>> import arraygrad
    >>> arraygrad.fft.fftfreq(4)
    tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
    """
    if options.get("out") is not None:  # (the placement keywords are accepted and ignored)
        return _made("fftfreq", fftfreq, (n, d), options, dtype, requires_grad)
    n = _length("fftfreq", n)
    positive = (n - 1) // 2 + 1
    steps = _arange(n, dtype=_dtype.int64)
    wrapped = steps - n * (steps >= positive).long()
    return _frequencies(wrapped, 1.0 / (n * d), dtype, requires_grad)


def rfftfreq(
    n: int, d: float = 1.0, *, dtype: Any = None, requires_grad: bool = False, **options: Any
) -> Tensor:
    """The frequencies of :func:`rfft`'s ``n // 2 + 1`` outputs for samples ``d`` apart:
    ``0, 1, ..., n // 2`` over ``n * d`` (in the default float dtype unless ``dtype`` is given).

    >>> import arraygrad
    >>> arraygrad.fft.rfftfreq(5)
    tensor([0.0000, 0.2000, 0.4000])
    >>> arraygrad.fft.rfftfreq(4, d=0.5)
    tensor([0.0000, 0.5000, 1.0000])
    """
    if options.get("out") is not None:
        return _made("rfftfreq", rfftfreq, (n, d), options, dtype, requires_grad)
    n = _length("rfftfreq", n)
    return _frequencies(
        _arange(n // 2 + 1, dtype=_dtype.int64), 1.0 / (n * d), dtype, requires_grad
    )


def _shift(input: Tensor, dim: Any, sign: int) -> Tensor:
    x = _require_tensor("fftshift", "input", 1, input)
    if dim is None:
        dims: tuple[int, ...] = tuple(range(x.ndim))
    elif isinstance(dim, int):
        dims = (dim,)
    else:
        dims = tuple(dim)
    # (no dims, as of a 0-d input: roll's error, as in PyTorch)
    shifts = [sign * (x.shape[d] // 2) for d in dims]
    return _roll(x, shifts, dims)


def fftshift(input: Tensor, dim: Any = None) -> Tensor:
    """``input`` rolled so that frequency 0 is in the middle of each of ``dim`` (all when
    None).

    >>> import arraygrad
    >>> arraygrad.fft.fftshift(arraygrad.fft.fftfreq(5))
    tensor([-0.4000, -0.2000,  0.0000,  0.2000,  0.4000])
    """
    return _shift(input, dim, 1)


def ifftshift(input: Tensor, dim: Any = None) -> Tensor:
    """The inverse of :func:`fftshift`: ``input`` rolled back by ``-(size // 2)`` along each of
    ``dim`` (all when None), so frequency 0 returns to index 0; it differs from
    :func:`fftshift` for odd sizes.

    >>> import arraygrad
    >>> arraygrad.fft.ifftshift(arraygrad.tensor([-2, -1, 0, 1, 2]))
    tensor([ 0,  1,  2, -2, -1])
    """
    return _shift(input, dim, -1)
