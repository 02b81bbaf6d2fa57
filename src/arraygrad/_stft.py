"""PyTorch's short-time Fourier transform and its inverse, composed of differentiable ops.

``stft`` pads the signal (``center``), cuts it into frames ``hop_length`` apart (``unfold``),
multiplies each by the window (zero-padded to ``n_fft`` around its centre) and transforms it
(``fft.rfft`` for real signals and windows, ``fft.fft`` otherwise). ``istft`` transforms the
frames back, windows them again and overlap-adds them (``nn.functional.fold``), divided by the
overlap-added squared window. Gradients come from those ops.
"""

from __future__ import annotations

import warnings

from arraygrad import _backend, _dtype, ops
from arraygrad._complex import view_as_real
from arraygrad._tensor import Tensor

__all__ = ["istft", "stft"]

_NO_WINDOW = (
    "A window was not provided. A rectangular window will be applied, which is known to cause "
    "spectral leakage. Other windows such as arraygrad.hann_window or arraygrad.hamming_window "
    "are recommended to reduce spectral leakage. To suppress this warning and use a rectangular "
    "window, explicitly set `window=arraygrad.ones(n_fft)`."
)


def _window(window: Tensor | None, n_fft: int, win_length: int, like: Tensor) -> Tensor:
    """The window as ``n_fft`` values: ones by default, zero-padded around its centre."""
    if not 0 < win_length <= n_fft:
        raise RuntimeError(
            f"expected 0 < win_length <= n_fft, but got win_length={win_length}"
            f". Fix: pass win_length in [1, n_fft={n_fft}], or None for "
            "n_fft."
        )
    if window is None:
        warnings.warn(_NO_WINDOW, UserWarning, stacklevel=3)
        dtype = _dtype.COMPONENT.get(like.dtype, like.dtype)
        window = Tensor._wrap(_backend.xp.ones((win_length,), dtype=_dtype.to_xp(dtype)))
    if window.ndim != 1 or window.shape[0] != win_length:
        raise RuntimeError(
            f"expected a 1D window tensor of size equal to win_length={win_length}, but got "
            f"window with size {list(window.shape)}"
            f". Fix: pass a 1-D window of length {win_length}, e.g. "
            f"hann_window({win_length})."
        )
    if win_length < n_fft:
        import arraygrad.nn.functional as F  # noqa: N812 - PyTorch's spelling

        left = (n_fft - win_length) // 2
        window = F.pad(window, (left, n_fft - win_length - left))
    return window


def stft(
    input: Tensor,
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
    pad_mode: str = "reflect",
    normalized: bool = False,
    onesided: bool | None = None,
    return_complex: bool | None = None,
    align_to_window: bool | None = None,
) -> Tensor:
    """The short-time Fourier transform: ``(n_fft // 2 + 1 or n_fft, frames)`` per signal
    (a batch first when ``input`` is 2-D), complex.

    A window shorter than ``n_fft`` is zero-padded to it on both sides, centred. Frame ``t``
    transforms ``input[t * hop : t * hop + n_fft]`` by default; with ``align_to_window=True``
    (``center=False`` only, as in PyTorch) the window's own samples start there instead, the
    frame starting ``(n_fft - win_length) // 2`` earlier (zeros before the signal and after
    it), which gives ``1 + (length - win_length) // hop`` frames.

    >>> import arraygrad
    >>> x = arraygrad.arange(16.0)
    >>> arraygrad.stft(x, 8, window=arraygrad.ones(8), return_complex=True).shape
    arraygrad.Size([5, 9])
    """
    import arraygrad.fft as fourier
    import arraygrad.nn.functional as F  # noqa: N812

    if center and align_to_window is not None:
        raise RuntimeError(
            "stft align_to_window should only be set when center = false. Fix: pass "
            "center=False with it, or leave it out."
        )
    complex_input = input.dtype.is_complex or (window is not None and window.dtype.is_complex)
    if return_complex is None and not complex_input:
        raise RuntimeError(
            "stft requires the return_complex parameter be given for real inputs, and will "
            "further require that return_complex=True in a future PyTorch release."
            " Fix: pass return_complex=True (and use torch.view_as_real "
            "for real output)."
        )
    if input.ndim not in (1, 2):
        raise RuntimeError(
            f"stft: expected a 1D or 2D tensor, but got {input.ndim}D"
            ". Fix: pass a signal of shape (time,) or (batch, time)."
        )
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if hop <= 0:
        raise RuntimeError(
            f"stft: expected hop_length > 0, but got hop_length={hop}"
            ". Fix: pass hop_length >= 1, or None for n_fft // 4."
        )
    x = input if input.ndim == 2 else input.unsqueeze(0)
    if center:
        x = F.pad(x.unsqueeze(1), (n_fft // 2, n_fft // 2), mode=pad_mode).squeeze(1)
    if not 0 < n_fft <= x.shape[-1]:
        raise RuntimeError(
            f"stft: expected 0 < n_fft < {x.shape[-1]}, but got n_fft={n_fft}"
            ". Fix: pass n_fft no larger than the (padded) signal length "
            f"{x.shape[-1]}, or pad the signal."
        )
    window_array = _window(window, n_fft, win, x)
    if align_to_window and win < n_fft:
        # The frames shifted back by the window's left padding: the signal padded with zeros.
        left = (n_fft - win) // 2
        x = F.pad(x, (left, n_fft - win - left))
    frames = x.unfold(-1, n_fft, hop) * window_array
    one_sided = not complex_input if onesided is None else onesided
    if one_sided and complex_input:
        raise RuntimeError(
            "Cannot have onesided output if window or input is complex. Fix: pass onesided=False."
        )
    norm = "ortho" if normalized else "backward"
    spectrum = fourier.rfft(frames, norm=norm) if one_sided else fourier.fft(frames, norm=norm)
    out = spectrum.transpose(-1, -2)
    if input.ndim == 1:
        out = out.squeeze(0)
    if return_complex is False:
        warnings.warn(
            "stft with return_complex=False is deprecated: it returns view_as_real of the "
            "complex result.",
            UserWarning,
            stacklevel=2,
        )
        return view_as_real(out)
    return out


def istft(
    input: Tensor,
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
    normalized: bool = False,
    onesided: bool | None = None,
    length: int | None = None,
    return_complex: bool = False,
) -> Tensor:
    """The inverse of :func:`stft`: frames transformed back, windowed and overlap-added,
    divided by the overlap-added squared window (which must not vanish). ``return_complex``
    gives a complex signal from a two-sided spectrum (``onesided=False``, or ``n_fft``
    frequencies), with a real or complex window.

    >>> import arraygrad
    >>> x = arraygrad.arange(16.0, dtype=arraygrad.float64)
    >>> w = arraygrad.hann_window(8, dtype=arraygrad.float64)
    >>> y = arraygrad.istft(arraygrad.stft(x, 8, window=w, return_complex=True), 8, window=w)
    >>> bool(arraygrad.allclose(y, x))
    True
    """
    import arraygrad.fft as fourier
    import arraygrad.nn.functional as F  # noqa: N812

    if not input.dtype.is_complex:
        raise RuntimeError(
            "istft requires a complex-valued input tensor matching the output from stft with "
            "return_complex=True."
            " Fix: pass the complex output of stft(..., "
            "return_complex=True) (torch.view_as_complex converts a real "
            "(..., 2) tensor)."
        )
    if not return_complex and window is not None and window.dtype.is_complex:
        raise RuntimeError("Complex windows are incompatible with return_complex=False")
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"istft: expected a 2D or 3D tensor, but got {input.ndim}D"
            ". Fix: pass a spectrogram of shape (freq, frames) or (batch,"
            " freq, frames)."
        )
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    spec = input if input.ndim == 3 else input.unsqueeze(0)
    bins, count = spec.shape[-2], spec.shape[-1]
    one_sided = bins != n_fft if onesided is None else onesided
    if return_complex and one_sided:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    if not one_sided and bins != n_fft:
        raise RuntimeError(
            "istft: expected the frequency dimension (3rd to the last) of the input tensor to "
            f"match n_fft when onesided=False, but got {bins}"
        )
    norm = "ortho" if normalized else "backward"
    frames = spec.transpose(-1, -2)
    if return_complex:
        frames = fourier.ifft(frames, n=n_fft, norm=norm)
    else:
        if not one_sided:
            # a real result reads the spectrum as Hermitian: only its first half, as PyTorch
            # does (the gradient of the rest is 0)
            frames = frames[..., : n_fft // 2 + 1]
        frames = fourier.irfft(frames, n=n_fft, norm=norm)
    w = _window(window, n_fft, win, frames)
    frames = frames * w
    total = n_fft + hop * (count - 1)

    def overlap_add(x: Tensor) -> Tensor:
        return F.fold(x, output_size=(1, total), kernel_size=(1, n_fft), stride=(1, hop))

    y = overlap_add(frames.transpose(1, 2)).reshape(spec.shape[0], total)
    # w^2, not |w|^2, for a complex window: the window is applied once in stft, once here
    squared = (w * w).reshape(1, n_fft, 1).expand(1, n_fft, count)
    envelope = overlap_add(squared).reshape(total)
    start = n_fft // 2 if center else 0
    end = total - n_fft // 2 if center else total
    if length is not None:
        end = min(start + length, total)
    y, envelope = y[:, start:end], envelope[start:end]
    if bool(ops.less(envelope.abs(), 1e-11).any()):
        raise RuntimeError(
            "istft: window overlap add min: the squared window overlap-added is zero somewhere "
            "(it must not vanish for the inversion). Fix: use a window and hop_length whose "
            "overlaps cover every sample (e.g. hann_window with hop_length <= n_fft // 2), or "
            "center=True."
        )
    y = y / envelope
    if length is not None and y.shape[-1] < length:
        warnings.warn(
            "The length of signal is shorter than the length parameter. Result is being padded "
            "with zeros in the tail. Please check your center and hop_length settings.",
            UserWarning,
            stacklevel=2,
        )
        y = F.pad(y, (0, length - y.shape[-1]))
    return y.squeeze(0) if input.ndim == 2 else y
