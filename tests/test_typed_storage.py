"""Typed storages (``arraygrad._typed_storage``): the deprecated ``t.storage()`` and the legacy
``FloatStorage``-style classes, compared with torch."""

import warnings

import pytest
import torch

import arraygrad as ag


def test_typed_storage_warns_and_sees_elements_as_torch() -> None:
    a, t = ag.arange(6.0)[1:], torch.arange(6.0)[1:]
    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        s = a.storage()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = t.storage()
        assert t.storage_type().__name__ == "FloatStorage"
    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        assert a.storage_type() is ag.FloatStorage
    assert (s.size(), s.nbytes(), s.element_size(), s.tolist()) == (
        ts.size(),
        ts.nbytes(),
        ts.element_size(),
        ts.tolist(),
    )
    assert s.dtype is ag.float32 and s[1] == ts[1] == 1.0
    assert s.untyped() is a.untyped_storage()
    s[0] = 10.0
    assert a._base[0].item() == 10.0
    assert ag.is_storage(s)


@pytest.mark.parametrize("dtype", ["bfloat16", "complex64", "complex128", "float16", "int8"])
def test_storage_type_of_each_dtype_is_torchs_class(dtype: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # typed storages are deprecated
        mine = ag.zeros(2, dtype=getattr(ag, dtype)).storage_type()
        theirs = torch.zeros(2, dtype=getattr(torch, dtype)).storage_type()
    assert mine.__name__ == theirs.__name__
    assert getattr(ag, mine.__name__) is mine
