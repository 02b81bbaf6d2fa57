"""arraygrad.fft against torch.fft: values and gradients (random complex cotangents) of every
transform with ``n`` / ``s``, ``dim`` and each ``norm``, finite differences through real
compositions, the frequency helpers and torch's errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from oracle import check_against_torch, gradcheck

import arraygrad as ag
from tests.oracle import assert_like_torch_on, assert_refused_as_torch, shape_cases

RNG = np.random.default_rng(7)
COMPLEX = RNG.standard_normal((4, 6)) + 1j * RNG.standard_normal((4, 6))
REAL = RNG.standard_normal((4, 6))

# (name, function of (library, input), input)
CASES: list[tuple[str, Callable[[Any, Any], Any], np.ndarray]] = [
    ("fft", lambda lib, x: lib.fft.fft(x), COMPLEX),
    ("fft_n_pad_dim0", lambda lib, x: lib.fft.fft(x, n=7, dim=0), COMPLEX),
    ("fft_of_real", lambda lib, x: lib.fft.fft(x, n=4), REAL),
    ("ifft_n_cut", lambda lib, x: lib.fft.ifft(x, n=3), COMPLEX),
    ("fft2", lambda lib, x: lib.fft.fft2(x), COMPLEX),
    ("ifft2_s", lambda lib, x: lib.fft.ifft2(x, s=(3, 8)), COMPLEX),
    ("fftn_all", lambda lib, x: lib.fft.fftn(x), COMPLEX),
    ("fftn_s_only", lambda lib, x: lib.fft.fftn(x, s=(5,)), COMPLEX),
    ("ifftn_dim", lambda lib, x: lib.fft.ifftn(x, dim=(0,)), COMPLEX),
    ("ifftn_s_minus_one", lambda lib, x: lib.fft.ifftn(x, s=(-1, 4)), COMPLEX),
    ("rfft", lambda lib, x: lib.fft.rfft(x), REAL),
    ("rfft_odd_n", lambda lib, x: lib.fft.rfft(x, n=5), REAL),
    ("rfft_dim0", lambda lib, x: lib.fft.rfft(x, dim=0), REAL),
    ("rfft2", lambda lib, x: lib.fft.rfft2(x), REAL),
    ("rfftn_s", lambda lib, x: lib.fft.rfftn(x, s=(3, 7)), REAL),
    ("irfft", lambda lib, x: lib.fft.irfft(x), COMPLEX),
    ("irfft_odd_n", lambda lib, x: lib.fft.irfft(x, n=7), COMPLEX),
    ("irfft_n_cuts_spectrum", lambda lib, x: lib.fft.irfft(x, n=4), COMPLEX),
    ("irfft_n_pads_spectrum", lambda lib, x: lib.fft.irfft(x, n=15), COMPLEX),
    ("irfft_of_real", lambda lib, x: lib.fft.irfft(x), REAL),
    ("irfft2", lambda lib, x: lib.fft.irfft2(x), COMPLEX),
    ("irfftn_s", lambda lib, x: lib.fft.irfftn(x, s=(5, 9)), COMPLEX),
    ("hfft", lambda lib, x: lib.fft.hfft(x), COMPLEX),
    ("hfft_odd_n", lambda lib, x: lib.fft.hfft(x, n=7), COMPLEX),
    ("ihfft", lambda lib, x: lib.fft.ihfft(x), REAL),
    ("ihfft_n", lambda lib, x: lib.fft.ihfft(x, n=5, dim=0), REAL),
    ("hfft2", lambda lib, x: lib.fft.hfft2(x), COMPLEX),
    ("hfftn_s", lambda lib, x: lib.fft.hfftn(x, s=(3, 7)), COMPLEX),
    ("ihfft2", lambda lib, x: lib.fft.ihfft2(x), REAL),
    ("ihfftn_dim", lambda lib, x: lib.fft.ihfftn(x, dim=(1, 0)), REAL),
    ("fftshift", lambda lib, x: lib.fft.fftshift(x), COMPLEX),
    ("ifftshift_dim", lambda lib, x: lib.fft.ifftshift(x, dim=1), COMPLEX),
    ("roundtrip", lambda lib, x: lib.fft.irfft(lib.fft.rfft(x) * (1 + 2j), n=6), REAL),
]


@pytest.mark.parametrize("norm", [None, "backward", "ortho", "forward"])
@pytest.mark.parametrize(("name", "fn", "data"), CASES, ids=[case[0] for case in CASES])
def test_values_and_gradients_match_torch(
    name: str, fn: Callable[[Any, Any], Any], data: np.ndarray, norm: str | None
) -> None:
    def call(lib: Any, x: Any) -> Any:
        if "shift" in name or norm is None:
            return fn(lib, x)
        original = lib.fft

        class _WithNorm:  # every transform of the case called with this norm
            def __getattr__(self, attr: str) -> Any:
                transform = getattr(original, attr)
                return lambda *args, **kwargs: transform(*args, norm=norm, **kwargs)

        return fn(_Lib(lib, _WithNorm()), x)

    check_against_torch(lambda x: call(ag, x), lambda x: call(torch, x), [data])


class _Lib:
    """``lib`` with its ``fft`` namespace replaced."""

    def __init__(self, lib: Any, fft: Any) -> None:
        self._lib, self.fft = lib, fft

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._lib, attr)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: ag.fft.irfft(ag.fft.rfft(x) * ag.tensor([1 + 2j, 0.5j, 3, -1j])),
        lambda x: ag.fft.fft(x).abs(),
        lambda x: ag.fft.hfft(ag.complex(x[:4], x[2:]), n=5),
        lambda x: ag.fft.irfft(ag.complex(x[:4], x[2:]), n=7, norm="ortho"),
        lambda x: ag.view_as_real(ag.fft.ihfft(x, norm="forward")),
        lambda x: ag.view_as_real(ag.fft.fft2(x.reshape(2, 3), s=(3, 4))),
    ],
)
def test_gradients_match_finite_differences(fn: Callable[[Any], Any]) -> None:
    gradcheck(fn, [RNG.standard_normal(6)])


def test_dtypes_and_grad_fn() -> None:
    assert ag.fft.fft(ag.tensor([1, 2, 3])).dtype is ag.complex64
    assert ag.fft.fft(ag.tensor([1.0, 2.0], dtype=ag.float64)).dtype is ag.complex128
    assert ag.fft.rfft(ag.tensor([1.0, 2.0, 3.0])).dtype is ag.complex64
    assert ag.fft.irfft(ag.tensor([1.0, 2.0, 3.0])).dtype is ag.float32
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert repr(ag.fft.fft(x)) == "tensor([ 3.+0.j, -1.+0.j], grad_fn=<FftC2CBackward0>)"


@pytest.mark.parametrize("n", [1, 4, 5, 8])
@pytest.mark.parametrize("d", [1.0, 0.3])
def test_frequencies_match_torch(n: int, d: float) -> None:
    np.testing.assert_array_equal(ag.fft.fftfreq(n, d).numpy(), torch.fft.fftfreq(n, d).numpy())
    np.testing.assert_array_equal(ag.fft.rfftfreq(n, d).numpy(), torch.fft.rfftfreq(n, d).numpy())
    assert ag.fft.fftfreq(n, dtype=ag.float64).dtype is ag.float64


def test_shifts_of_frequencies() -> None:
    for n in (4, 5):
        shifted = ag.fft.fftshift(ag.fft.fftfreq(n))
        assert shifted.tolist() == torch.fft.fftshift(torch.fft.fftfreq(n)).tolist()
        assert ag.fft.ifftshift(shifted).tolist() == ag.fft.fftfreq(n).tolist()


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.fft.fft(lib.ones(5, dtype=lib.cdouble), norm="foo"),
        lambda lib: lib.fft.rfft(lib.ones(5, dtype=lib.cdouble)),
        lambda lib: lib.fft.ihfft(lib.ones(5, dtype=lib.cdouble)),
        lambda lib: lib.fft.fft(lib.ones(5), n=0),
        lambda lib: lib.fft.fftn(lib.ones(3, 3), dim=(0, 0)),
        lambda lib: lib.fft.fftn(lib.ones(3, 3), s=(2, 2, 2)),
        lambda lib: lib.fft.fftn(lib.ones(3, 3), s=(2, 2), dim=(0,)),
        lambda lib: lib.fft.irfft(lib.ones(1, dtype=lib.cdouble)),
    ],
)
def test_errors_match_torch(call: Callable[[Any], Any]) -> None:
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError) as mine:
        call(ag)
    # torch's words first; arraygrad's message then names the fix
    assert str(mine.value).startswith(str(theirs.value))


def test_dimension_out_of_range() -> None:
    with pytest.raises(IndexError, match="Dimension out of range"):
        ag.fft.fft(ag.ones(5), dim=3)


def test_imported_on_first_use() -> None:
    assert "fft" in dir(ag)
    assert ag.fft.fft is ag.fft.__dict__["fft"]


# Regression: the transforms of bfloat16 tensors raised KeyError (complex ones) or computed in
# complex64 (real ones), and of float16 tensors raised NotImplementedError, where torch's CPU
# transforms raise RuntimeError; fftfreq and rfftfreq took a tensor of lengths.
@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x: lib.fft.fft(x),
        lambda lib, x: lib.fft.ifft2(x),
        lambda lib, x: lib.fft.rfft(x),
        lambda lib, x: lib.fft.rfftn(x),
        lambda lib, x: lib.fft.irfft(x),
        lambda lib, x: lib.fft.hfft(x),
        lambda lib, x: lib.fft.ihfft2(x),
        lambda lib, x: lib.fft.fftfreq(x),
        lambda lib, x: lib.fft.rfftfreq(x),
        lambda lib, x: lib.fft.fftfreq(x.shape[-1]),
        lambda lib, x: lib.fft.rfftfreq(x.shape[0], 0.5),
        lambda lib, x: lib.fft.fftfreq(True),
        lambda lib, x: lib.fft.fftfreq(4.0),
    ],
)
@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "int64", "complex64"])
def test_transforms_take_the_dtypes_torch_takes(call: Any, dtype: str) -> None:
    assert_refused_as_torch(call, dtype)


# Regression (emptygrid): a transform over an empty dimension raised NumPy's ValueError where
# torch raises RuntimeError; a 0-d input took dim 0 or -1 (torch: IndexError), the real-input
# and real-output transforms of one raised IndexError (torch: RuntimeError), and fftshift of
# one returned it (torch: RuntimeError, no shifts). (torch 2.13's transform over a non-empty
# dimension of an input with an empty batch fails in MKL; arraygrad's gives the empty result.)
EMPTY_CASES = [
    ("fft", lambda L, x: L.fft.fft(x), [(0,), (3, 0), (2, 0, 0)]),
    ("fft_dim0", lambda L, x: L.fft.fft(x, dim=0), [(0, 3)]),
    ("fft_n", lambda L, x: L.fft.fft(x, n=2), [(), (3, 0)]),
    ("ifft2", lambda L, x: L.fft.ifft2(x), [(0, 3), (2, 0, 3)]),
    ("fftn", lambda L, x: L.fft.fftn(x), [(0,), (3, 0), ()]),
    ("fft2_s", lambda L, x: L.fft.fft2(x, s=(-1,)), [(), (1,)]),
    ("rfft", lambda L, x: L.fft.rfft(x), [(0,), (3, 0)]),
    ("rfftn", lambda L, x: L.fft.rfftn(x), [(), (0, 3)]),
    ("irfft", lambda L, x: L.fft.irfft(x), [(0,), (1,)]),
    ("irfft2", lambda L, x: L.fft.irfft2(x), [(0, 3), (2, 0, 3)]),
    ("irfftn", lambda L, x: L.fft.irfftn(x), [()]),
    ("hfftn", lambda L, x: L.fft.hfftn(x), [(0, 3), ()]),
    ("ihfft", lambda L, x: L.fft.ihfft(x, 0), [()]),
    ("fftshift", lambda L, x: L.fft.fftshift(x), [(), (0,)]),
    ("ifftshift_dim", lambda L, x: L.fft.ifftshift(x, dim=()), [(2,)]),
]


@shape_cases(EMPTY_CASES)
def test_transforms_of_empty_and_0d_tensors_as_torch(call: Any, shape: tuple[int, ...]) -> None:
    assert_like_torch_on(call, shape)
