"""``out=`` beside torch 2.13.0, case by case where tests/test_out.py's tables do not reach:
``lu``'s tuple of outs, the scatters' memory checks, and the dtype messages of
``nuclear_norm`` and ``nonzero``."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
import torch

import arraygrad as ag


# Regression (parity_out2): scatter, scatter_add and scatter_reduce refuse an out that partly
# overlaps input or src (torch's RuntimeError), and write into input itself as out.
@pytest.mark.parametrize("name", ["scatter", "scatter_add", "scatter_reduce"])
@pytest.mark.parametrize("overlapping", ["input", "src", "out is input"])
def test_scatter_out_overlap_as_torch(name: str, overlapping: str) -> None:
    outcomes = []
    for L in (torch, ag):
        buffer = L.arange(12.0)
        x, src = L.arange(6.0).reshape(2, 3), L.ones(2, 3)
        if overlapping == "input":
            x, out = buffer[:6].view(2, 3), buffer[1:7].view(2, 3)
        elif overlapping == "src":
            src, out = buffer[:6].view(2, 3), buffer[1:7].view(2, 3)
        else:
            out = x
        arguments = (x, 0, L.tensor([[1, 0, 1]]), src) + (("sum",) if name[-1] == "e" else ())
        try:
            assert getattr(L, name)(*arguments, out=out) is out
            outcomes.append(out.tolist())
        except RuntimeError as error:
            outcomes.append(str(error).split(" (")[0])
    assert outcomes[1] == outcomes[0]


# Regression (parity_out2): out= of nuclear_norm is refused with matrix_norm's message, and that
# of nonzero and nonzero_static with their kernel's, as torch's.
@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.nuclear_norm(L.eye(2), out=L.zeros(0, dtype=L.float64)),
        lambda L: L.nuclear_norm(L.eye(2, dtype=L.complex64), out=L.zeros(0, dtype=L.complex64)),
        lambda L: L.nonzero(L.eye(2), out=L.zeros(0, dtype=L.int32)),
        lambda L: L.nonzero_static(L.eye(2), size=3, out=L.zeros(0)),
    ],
    ids=["nuclear_norm", "nuclear_norm (complex)", "nonzero", "nonzero_static"],
)
def test_out_dtype_messages_as_torch(call: Callable[[Any], Any]) -> None:
    messages = []
    for library in (torch, ag):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError) as raised:
                call(library)
        messages.append(str(raised.value).split(". Fix")[0])
    assert messages[1] == messages[0]


# Regression (parity_out2): torch.lu took no out=; torch's (Python) lu checks the count of outs
# after factoring, then their type, and resizes and copies into each (any dtype, converted).
@pytest.mark.parametrize(
    "make",
    [
        lambda L: (L.zeros(3), L.zeros(0, dtype=L.int64)),
        lambda L: [L.zeros(0, dtype=L.float64), L.zeros(5, dtype=L.int32)],
        lambda L: (L.zeros(0), L.zeros(0), L.zeros(0)),
        lambda L: L.zeros(0),
        lambda L: L.zeros(2, 2),
    ],
    ids=["tuple", "list", "three", "empty tensor", "tensor of two rows"],
)
@pytest.mark.parametrize("get_infos", [False, True])
def test_lu_out_as_torch(make: Callable[[Any], Any], get_infos: bool) -> None:
    outcomes = []
    for L in (torch, ag):
        out = make(L)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (lu's deprecation)
            try:
                result = L.lu(L.tensor([[1.0, 2.0], [3.0, 4.0]]), get_infos=get_infos, out=out)
            except TypeError as error:
                outcomes.append(str(error).split(". Fix")[0])
                continue
        outcomes.append((result is out, [(str(o.dtype)[-5:], o.tolist()) for o in out]))
    assert outcomes[1] == outcomes[0]
