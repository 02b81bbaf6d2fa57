"""PyTorch's older top-level names (``_legacy.py``) against torch 2.13.0: the removed linear
algebra functions and Tensor methods raise torch's errors, ``set_default_tensor_type`` sets the
default dtype with torch's warning and errors, the ``short`` alias, ``is_storage``,
``is_distributed`` and the build flags."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import torch

import arraygrad as ag


@pytest.fixture(autouse=True)
def _restore_default_dtype() -> Iterator[None]:
    yield
    ag.set_default_dtype(ag.float32)
    torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("name", ["lstsq", "solve", "eig", "symeig"])
def test_removed_functions_raise_torchs_error(name: str) -> None:
    messages = []
    for L in (torch, ag):
        a = L.ones(3, 3)
        two = name in ("lstsq", "solve")
        for call in (
            lambda: getattr(L, name)(a, a) if two else getattr(L, name)(a),  # noqa: B023
            lambda: getattr(a, name)(a) if two else getattr(a, name)(),  # noqa: B023
        ):
            with pytest.raises(RuntimeError) as error:
                call()
            messages.append(str(error.value))
    theirs, mine = messages[:2], messages[2:]
    assert len(set(theirs)) == 1 and len(set(mine)) == 1
    # torch's text naming arraygrad's functions (linalg.eig and eigvals are there now)
    assert mine[0] == theirs[0].replace("torch", "arraygrad")


def test_short_is_int16() -> None:
    assert ag.short is ag.int16


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("DoubleTensor", "float64"),
        ("torch.DoubleTensor", "float64"),
        ("HalfTensor", "float16"),
        ("torch.FloatTensor", "float32"),
    ],
)
def test_set_default_tensor_type(kind: str, expected: str) -> None:
    # torch warns once per process (TORCH_WARN_ONCE); arraygrad through Python's filters.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.set_default_tensor_type(kind if "." in kind else getattr(torch, kind))
    assert str(torch.tensor([1.5]).dtype).split(".")[-1] == expected
    with pytest.warns(UserWarning, match="set_default_tensor_type\\(\\) is deprecated"):
        ag.set_default_tensor_type(kind if "." in kind else getattr(ag, kind))
    assert str(ag.tensor([1.5]).dtype).split(".")[-1] == expected


@pytest.mark.parametrize(
    "kind", ["LongTensor", "torch.LongTensor", "torch.Foo", "DoubleTensor!", "float64", 3, "Tensor"]
)
def test_set_default_tensor_type_errors_match_torch(kind: Any) -> None:
    outcomes = []
    for L in (torch, ag):
        if kind == "DoubleTensor!":
            t: Any = "DoubleTensor"
        elif isinstance(kind, str) and "." not in kind:
            t = getattr(L, kind)
        else:
            t = kind
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as error:
                L.set_default_tensor_type(t)
        outcomes.append((type(error.value), str(error.value)))
        assert str(L.get_default_dtype()).split(".")[-1] == "float32"
    assert outcomes[0] == outcomes[1]


def test_queries() -> None:
    x = ag.zeros(2)
    assert ag.is_storage(x) is False and ag.is_storage(3) is False
    assert ag.is_distributed(x) is False
    with pytest.raises(TypeError, match="must be Tensor"):
        ag.is_distributed(3)
    assert ag.has_lapack and ag.has_spectral
    assert not ag.has_mkl and not ag.has_openmp
    assert ag.compiled_with_cxx11_abi() is False
