"""hann_window, hamming_window, blackman_window, bartlett_window and kaiser_window
(``_signal_windows``) against torch 2.13.0: values for lengths 0, 1, 2 and more, periodic and
symmetric, in float16/32/64; requires_grad; and the errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

WINDOWS: dict[str, tuple[Any, ...]] = {
    "hann_window": (),
    "hamming_window": (),
    "hamming_window:alpha_beta": (0.5, 0.3),
    "blackman_window": (),
    "bartlett_window": (),
    "kaiser_window": (),
    "kaiser_window:beta": (3.5,),
    "kaiser_window:beta0": (0.0,),
}
TOLERANCE = {"float16": 1e-3, "float32": 1e-6, "float64": 1e-13}


@pytest.mark.parametrize("dtype", sorted(TOLERANCE))
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("length", [0, 1, 2, 3, 4, 5, 16, 33])
@pytest.mark.parametrize("row", sorted(WINDOWS))
def test_windows_match_torch(row: str, length: int, periodic: bool, dtype: str) -> None:
    name, extra = row.split(":")[0], WINDOWS[row]
    mine = getattr(ag, name)(length, periodic, *extra, dtype=getattr(ag, dtype))
    theirs = getattr(torch, name)(length, periodic, *extra, dtype=getattr(torch, dtype))
    assert str(mine.dtype) == str(theirs.dtype).replace("torch", "arraygrad")
    assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(
        mine.numpy().astype(np.float64),
        theirs.numpy().astype(np.float64),
        rtol=0,
        atol=TOLERANCE[dtype],
    )


@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window"])
def test_defaults_are_periodic_in_the_default_dtype(name: str) -> None:
    mine, theirs = getattr(ag, name)(6), getattr(torch, name)(6)
    assert mine.dtype is ag.float32 and theirs.dtype is torch.float32
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        getattr(ag, name)(6).numpy(), getattr(ag, name)(7, periodic=False).numpy()[:-1], atol=1e-6
    )


def test_windows_follow_the_default_dtype_and_keywords() -> None:
    previous = ag.get_default_dtype()
    ag.set_default_dtype(ag.float64)
    try:
        assert ag.hann_window(3).dtype is ag.float64
    finally:
        ag.set_default_dtype(previous)
    window = ag.kaiser_window(4, beta=5.0, periodic=False, requires_grad=True, device="cpu")
    theirs = torch.kaiser_window(4, beta=5.0, periodic=False, requires_grad=True)
    assert window.requires_grad and window.is_leaf
    np.testing.assert_allclose(window.detach().numpy(), theirs.detach().numpy(), atol=1e-6)
    assert ag.hamming_window(1, requires_grad=True).tolist() == [1.0]


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda L: L.hann_window(-1), RuntimeError),
        (lambda L: L.bartlett_window(3, dtype=L.int64), RuntimeError),
        (lambda L: L.kaiser_window(-2, dtype=L.int32), RuntimeError),
        (lambda L: L.hamming_window(0, dtype=L.int64), RuntimeError),
        (lambda L: L.blackman_window(3.0), TypeError),
        (lambda L: L.hann_window(3, foo=1), TypeError),
    ],
)
def test_misuse_raises_like_torch(fn: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        fn(torch)
    with pytest.raises(error):
        fn(ag)


def test_messages_name_the_problem() -> None:
    with pytest.raises(RuntimeError, match=r"hann_window expects floating point dtypes.*Fix"):
        ag.hann_window(3, dtype=ag.int64)
    with pytest.raises(
        RuntimeError, match="requires non-negative window_length, got window_length=-1"
    ):
        ag.kaiser_window(-1)
