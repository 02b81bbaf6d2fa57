"""stft and istft against torch: values and gradients (random complex cotangents for stft) over
hop and window lengths, centring and padding modes, normalisation, one- and two-sided spectra,
``length``, and torch's errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from oracle import check_against_torch

import arraygrad as ag

RNG = np.random.default_rng(11)
SIGNAL = RNG.standard_normal((2, 40))


def _hann(lib: Any, n: int) -> Any:
    return lib.hann_window(n, dtype=lib.float64)


STFT: dict[str, Callable[[Any, Any], Any]] = {
    "batch": lambda lib, x: lib.stft(x, 8, window=_hann(lib, 8), return_complex=True),
    "one_signal_hop_win": lambda lib, x: lib.stft(
        x[0], 8, hop_length=3, win_length=5, window=_hann(lib, 5), return_complex=True
    ),
    "not_centred_normalized": lambda lib, x: lib.stft(
        x, 8, window=_hann(lib, 8), center=False, normalized=True, return_complex=True
    ),
    "two_sided": lambda lib, x: lib.stft(
        x, 8, window=_hann(lib, 8), onesided=False, return_complex=True
    ),
    "constant_padding": lambda lib, x: lib.stft(
        x, 8, window=_hann(lib, 8), pad_mode="constant", return_complex=True
    ),
    "method": lambda lib, x: x.stft(16, hop_length=4, window=_hann(lib, 16), return_complex=True),
}


@pytest.mark.parametrize("name", sorted(STFT))
def test_stft_matches_torch(name: str) -> None:
    fn = STFT[name]
    check_against_torch(lambda x: fn(ag, x), lambda x: fn(torch, x), [SIGNAL])


def _spectrum(**options: Any) -> np.ndarray:
    window = _hann(torch, 8)
    return torch.stft(
        torch.tensor(SIGNAL), 8, window=window, return_complex=True, **options
    ).numpy()


ISTFT: dict[str, tuple[Callable[[Any, Any], Any], np.ndarray]] = {
    "batch": (lambda lib, s: lib.istft(s, 8, window=_hann(lib, 8)), _spectrum()),
    "length_shorter": (
        lambda lib, s: lib.istft(s, 8, window=_hann(lib, 8), length=37),
        _spectrum(),
    ),
    "normalized": (
        lambda lib, s: lib.istft(s, 8, window=_hann(lib, 8), normalized=True),
        _spectrum(normalized=True),
    ),
    "two_sided": (
        lambda lib, s: lib.istft(s[0], 8, hop_length=2, window=_hann(lib, 8), onesided=False),
        _spectrum(hop_length=2, onesided=False),
    ),
}


@pytest.mark.parametrize("name", sorted(ISTFT))
def test_istft_matches_torch(name: str) -> None:
    fn, spectrum = ISTFT[name]
    check_against_torch(lambda s: fn(ag, s), lambda s: fn(torch, s), [spectrum])


def test_istft_inverts_stft_and_pads_to_length() -> None:
    x = ag.tensor(SIGNAL)
    window = _hann(ag, 8)
    spectrum = ag.stft(x, 8, window=window, return_complex=True)
    np.testing.assert_allclose(ag.istft(spectrum, 8, window=window).numpy(), SIGNAL)
    with pytest.warns(UserWarning, match="shorter than the length parameter"):
        longer = ag.istft(spectrum, 8, window=window, length=45)
    with pytest.warns(UserWarning, match="shorter than the length parameter"):
        theirs = torch.istft(torch.tensor(spectrum.numpy()), 8, window=_hann(torch, 8), length=45)
    np.testing.assert_allclose(longer.numpy(), theirs.numpy(), atol=1e-12)  # zeros in the tail


def test_rectangular_window_by_default_warns() -> None:
    with pytest.warns(UserWarning, match="A window was not provided"):
        mine = ag.stft(ag.tensor(SIGNAL), 8, return_complex=True)
    theirs = torch.stft(torch.tensor(SIGNAL), 8, return_complex=True)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), atol=1e-12)


def test_return_complex_false_is_view_as_real() -> None:
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        pairs = ag.stft(ag.tensor(SIGNAL), 8, window=_hann(ag, 8), return_complex=False)
    expected = ag.view_as_real(
        ag.stft(ag.tensor(SIGNAL), 8, window=_hann(ag, 8), return_complex=True)
    )
    np.testing.assert_array_equal(pairs.numpy(), expected.numpy())


def test_errors() -> None:
    x = ag.tensor(SIGNAL[0])
    with pytest.raises(RuntimeError, match="stft requires the return_complex parameter"):
        ag.stft(x, 8)
    with pytest.raises(RuntimeError, match="window overlap add min"):
        spectrum = ag.stft(x, 8, window=_hann(ag, 8), center=False, return_complex=True)
        ag.istft(spectrum, 8, window=_hann(ag, 8), center=False)
    with pytest.raises(RuntimeError, match="expected 0 < n_fft"):
        ag.stft(x, 60, window=_hann(ag, 60), center=False, return_complex=True)
    with pytest.raises(RuntimeError, match="complex-valued input"):
        ag.istft(x, 8)


# A two-sided spectrum of a complex signal (8 frequencies, 9 frames) and a complex window
COMPLEX_SPECTRUM = RNG.standard_normal((2, 8, 9)) + 1j * RNG.standard_normal((2, 8, 9))
COMPLEX_WINDOW = np.hanning(10)[1:-1] * np.exp(1j * np.linspace(0.0, 2.0, 8))

ISTFT_COMPLEX: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    "two_sided": (
        lambda lib, s: lib.istft(s, 8, window=_hann(lib, 8), onesided=False, return_complex=True),
        [COMPLEX_SPECTRUM],
    ),
    "inferred_one_signal": (
        lambda lib, s: lib.istft(s[0], 8, window=_hann(lib, 8), return_complex=True),
        [COMPLEX_SPECTRUM],
    ),
    "complex_window": (
        lambda lib, s, w: lib.istft(s, 8, window=w, return_complex=True),
        [COMPLEX_SPECTRUM, COMPLEX_WINDOW],
    ),
    "normalized_longer": (
        lambda lib, s: lib.istft(
            s, 8, window=_hann(lib, 8), normalized=True, return_complex=True, length=30
        ),
        [COMPLEX_SPECTRUM],
    ),
    "hop_win_length_shorter": (
        lambda lib, s: lib.istft(
            s, 8, hop_length=3, win_length=6, window=_hann(lib, 6), return_complex=True, length=20
        ),
        [COMPLEX_SPECTRUM],
    ),
    # the window's gradient includes the envelope's (the overlap-added squared window)
    "real_window_gradient": (
        lambda lib, s, w: lib.istft(s, 8, window=w),
        [_spectrum(), np.hanning(10)[1:-1] + 0.2],
    ),
}


@pytest.mark.parametrize("name", sorted(ISTFT_COMPLEX))
def test_istft_return_complex_matches_torch(name: str) -> None:
    fn, inputs = ISTFT_COMPLEX[name]
    check_against_torch(lambda *x: fn(ag, *x), lambda *x: fn(torch, *x), inputs)


def test_istft_return_complex_inverts_a_complex_stft() -> None:
    x = RNG.standard_normal(40) + 1j * RNG.standard_normal(40)
    window = ag.tensor(COMPLEX_WINDOW)
    spectrum = ag.stft(ag.tensor(x), 8, window=window, return_complex=True)
    y = ag.istft(spectrum, 8, window=window, return_complex=True, length=40)
    np.testing.assert_allclose(y.numpy(), x, atol=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, s: lib.istft(s, 8, window=lib.tensor(COMPLEX_WINDOW)),
        lambda lib, s: lib.istft(s[:, :5], 8, onesided=True, return_complex=True),
        lambda lib, s: lib.istft(s[:, :5], 8, window=_hann(lib, 8), return_complex=True),
        lambda lib, s: lib.istft(s[:, :6], 8, window=_hann(lib, 8), onesided=False),
    ],
)
def test_istft_complex_errors_match_torch(call: Callable[[Any, Any], Any]) -> None:
    # torch's message, or its end where torch starts it with a repr of the arguments
    messages = []
    for lib in (torch, ag):
        with pytest.raises(RuntimeError) as error:
            call(lib, lib.tensor(COMPLEX_SPECTRUM))
        messages.append(str(error.value))
    theirs, mine = messages
    assert theirs.endswith(mine.removeprefix("istft: ")), (mine, theirs)


def _lib(x: Any) -> Any:
    return torch if isinstance(x, torch.Tensor) else ag


# Regression (leftovers13): stft had no align_to_window (PyTorch 2.13): with center=False and a
# window shorter than n_fft, each frame starts (n_fft - win_length) // 2 before the window's
# samples (zeros off the signal), 1 + (length - win_length) // hop frames; refused with
# center=True.
@pytest.mark.parametrize("win_length", [4, 5, 8])
@pytest.mark.parametrize("align", [True, False])
@pytest.mark.parametrize("shape", [(24,), (2, 22)], ids=str)
@pytest.mark.parametrize("kind", ["real", "complex"])
def test_stft_align_to_window_matches_torch(
    win_length: int, align: bool, shape: tuple[int, ...], kind: str
) -> None:
    def transform(x: Any) -> Any:
        L = _lib(x)
        signal = x * (1 + 0.5j) if kind == "complex" else x
        window = L.hann_window(win_length, dtype=L.float64)
        spectrum = signal.stft(
            8, 3, win_length, window, center=False, return_complex=True, align_to_window=align
        )
        return L.view_as_real(spectrum)

    check_against_torch(transform, None, [np.random.default_rng(1).standard_normal(shape)])


@pytest.mark.parametrize("align", [True, False])
def test_stft_align_to_window_is_refused_with_center_as_torch(align: bool) -> None:
    for L in (torch, ag):
        with pytest.raises(RuntimeError, match="align_to_window should only be set when center"):
            L.stft(L.ones(16), 8, window=L.ones(8), return_complex=True, align_to_window=align)
