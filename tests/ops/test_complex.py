"""PyTorch's complex API on real tensors (``_complex``: real, imag, conj, adjoint, ...) against
torch 2.13.0 and finite differences."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib
from tests.oracle import OpSpec, run_gradcheck_case, run_torch_case

OP_TABLE = {
    "real": OpSpec(lambda x: lib(x).real(x) * x),
    "real_property": OpSpec(lambda x: x.real.exp()),
    "conj": OpSpec(lambda x: lib(x).conj(x).sin()),
    "conj_method": OpSpec(lambda x: x.conj() * x),
    "conj_physical": OpSpec(lambda x: lib(x).conj_physical(x) * 2),
    "conj_physical_method": OpSpec(lambda x: x.conj_physical().tanh()),
    "resolve_conj": OpSpec(lambda x: lib(x).resolve_conj(x.conj()) * x),
    "resolve_neg": OpSpec(lambda x: x.resolve_neg() * 3),
    "adjoint": OpSpec(lambda x: lib(x).adjoint(x), min_dims=2),
    "adjoint_method": OpSpec(lambda x: x.adjoint() * 2, min_dims=2),
    "mH": OpSpec(lambda x: x.mH.exp(), min_dims=2),
    "H": OpSpec(lambda x: x.H @ x, min_dims=2, max_dims=2),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=8)
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=6)
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "uint8"])
@pytest.mark.parametrize(
    "name", ["real", "conj", "conj_physical", "resolve_conj", "resolve_neg", "is_conj", "is_neg"]
)
def test_identities_and_flags_match_torch(name: str, dtype: str) -> None:
    theirs = torch.zeros(2, dtype=getattr(torch, dtype))
    mine = ag.zeros(2, dtype=getattr(ag, dtype))
    expected = getattr(torch, name)(theirs)
    got = getattr(ag, name)(mine)
    if isinstance(expected, bool):
        assert got is expected
        assert getattr(mine, name)() is getattr(theirs, name)()
    else:
        assert (expected is theirs) == (got is mine)
        if name == "real":
            assert (theirs.real is theirs) == (mine.real is mine)
        else:
            assert (getattr(theirs, name)() is theirs) == (getattr(mine, name)() is mine)


@pytest.mark.parametrize("get", [lambda x: x.H, lambda x: x.mH, lambda x: x.adjoint()])
def test_zero_dim_adjoints_are_the_tensor_as_in_torch(get: Any) -> None:
    with pytest.warns(UserWarning):
        theirs = get(torch.tensor(2.0))
    mine = ag.tensor(2.0)
    assert get(mine) is mine and theirs.item() == mine.item() and theirs.ndim == 0


def test_adjoint_is_a_view_and_keeps_integers() -> None:
    x = ag.arange(6).reshape(2, 3)
    assert x.adjoint().tolist() == torch.arange(6).reshape(2, 3).adjoint().tolist()
    assert x.mH.dtype is ag.int64
    assert x.adjoint().stride() == torch.arange(6).reshape(2, 3).adjoint().stride()


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda m: m.imag(m.ones(2)), RuntimeError),
        (lambda m: m.ones(2).imag, RuntimeError),
        (lambda m: m.ones(2, dtype=m.int64).imag, RuntimeError),
        (lambda m: m.adjoint(m.ones(3)), RuntimeError),
        (lambda m: m.ones(3).adjoint(), RuntimeError),
        (lambda m: m.ones(3).mH, RuntimeError),
        (lambda m: m.ones(3).H, RuntimeError),
        (lambda m: m.ones(2, 3, 4).H, RuntimeError),
    ],
)
def test_errors_match_torch(call: Any, error: type) -> None:
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error) as info:
        call(ag)
    assert len(str(info.value)) > 20


@pytest.mark.parametrize("name", ["complex", "polar"])
@pytest.mark.parametrize(("first", "second"), [("bfloat16", "bfloat16"), ("bfloat16", "float32")])
def test_parts_of_bfloat16_are_refused_as_torch(name: str, first: str, second: str) -> None:
    # Regression: complex() and polar() of bfloat16 parts made complex128.
    messages = []
    for L in (torch, ag):
        a, b = L.ones(1, dtype=getattr(L, first)), L.ones(1, dtype=getattr(L, second))
        with pytest.raises(RuntimeError) as error:
            getattr(L, name)(a, b)
        messages.append(str(error.value))
    # torch's words, then the fix arraygrad adds
    assert messages[1].startswith(messages[0]) and "Fix:" in messages[1]
