"""``arraygrad.fft``: PyTorch's discrete Fourier transforms, differentiable.

The complex transforms (``fft``, ``ifft`` and their 2-D and n-D forms), the real-input ones
(``rfft*``, ``ihfft*``) and the real-output ones (``irfft*``, ``hfft*``) with PyTorch's ``n`` /
``s``, ``dim`` and ``norm`` ("backward", the default, "ortho", "forward"); ``fftfreq``,
``rfftfreq``, ``fftshift`` and ``ifftshift``. An input is cut or padded with zeros to ``n`` /
``s`` along each transformed dimension first (as composed ops, so the gradient goes back through
them); the transforms themselves are the primitives of ``ops/fourier.py`` (the argument rules are
in ``_fft_plans``, the frequency helpers in ``_fft_frequencies``). Gradients follow
PyTorch: a real-output transform reads only the half spectrum it needs, and the gradient of the
half spectrum counts each frequency that stands for a conjugate pair twice.

>>> import arraygrad
>>> arraygrad.fft.fft(arraygrad.tensor([1.0, 0.0, 0.0, 0.0])).real
tensor([1., 1., 1., 1.])
>>> arraygrad.fft.irfft(arraygrad.fft.rfft(arraygrad.tensor([1.0, 2.0, 3.0, 4.0])))
tensor([1., 2., 3., 4.])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from arraygrad._complex import conj as _conj
from arraygrad._fft_frequencies import fftfreq, fftshift, ifftshift, rfftfreq
from arraygrad._fft_plans import (
    _DUAL,
    _c2c,
    _c2r,
    _complex_input,
    _norm,
    _r2c,
    _real_input,
)
from arraygrad._out import written as _written
from arraygrad._out import written_real as _written_real
from arraygrad._tensor import Tensor

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
