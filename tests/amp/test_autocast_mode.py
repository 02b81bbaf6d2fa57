"""``autocast``: what arraygrad can do exactly as torch on the CPU (disabled contexts, the cases
torch itself disables with a warning), and a clear error where it cannot (casting by torch's
per-operation lists)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import torch

import arraygrad as ag


def _made(lib: Any, *args: Any, **kwargs: Any) -> Any:
    """(warnings, whether it ended enabled) of ``lib.autocast(*args, **kwargs)``, or the error."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            context = lib.autocast(*args, **kwargs)
        except Exception as error:
            return type(error).__name__, str(error)
    return [(w.category.__name__, str(w.message)) for w in caught], context._enabled


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("cpu",), {"enabled": False}),
        (("cpu",), {"dtype": "float16", "enabled": False}),
        (("cpu",), {"dtype": "float32", "enabled": False}),
        (("cpu",), {"dtype": "float32"}),  # torch warns and disables
        (("cpu",), {"dtype": "float64"}),
        (("cpu",), {"dtype": "int64"}),
        (("cpu",), {"dtype": "float64", "cache_enabled": False}),
        (("cuda",), {}),  # without CUDA: torch warns and disables
        (("cuda",), {"dtype": "float16"}),
        (("cuda",), {"enabled": False}),
        (("gpu",), {}),
        ((5,), {}),
    ],
)
def test_autocast_as_torch_where_exact(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if torch.cuda.is_available() or ag.cuda.is_available():
        pytest.skip("compares the behaviour without CUDA")

    def options(lib: Any) -> dict[str, Any]:
        dtype = kwargs.get("dtype")
        return {**kwargs, "dtype": getattr(lib, dtype)} if dtype else kwargs

    assert _made(ag, *args, **options(ag)) == _made(torch, *args, **options(torch))


def test_disabled_autocast_is_a_context_and_a_decorator() -> None:
    assert ag.amp.autocast is ag.autocast
    for dtype in (None, ag.float16):
        with ag.autocast("cpu", dtype=dtype, enabled=False) as context:
            assert isinstance(context, ag.autocast)
            assert (ag.ones(2, 2) @ ag.ones(2, 2)).dtype == ag.float32

    @ag.autocast(device_type="cpu", enabled=False)
    def double(x: Any) -> Any:
        return x * 2

    assert double(ag.ones(1)).tolist() == [2.0] and double.__name__ == "double"


@pytest.mark.parametrize("dtype", [None, "float16"])
def test_enabled_cpu_autocast_refuses_with_the_limitation_and_fix(dtype: str | None) -> None:
    # torch casts matmuls to bfloat16 (its CPU default) or float16 here; arraygrad has no
    # per-operation cast lists, so it refuses instead of silently ignoring.
    with torch.autocast("cpu", dtype=None if dtype is None else getattr(torch, dtype)):
        expected = (torch.ones(2, 2) @ torch.ones(2, 2)).dtype
    assert expected == (torch.bfloat16 if dtype is None else torch.float16)
    with pytest.raises(RuntimeError, match="not supported") as caught:
        ag.autocast("cpu", dtype=None if dtype is None else getattr(ag, dtype))
    message = str(caught.value)
    assert "Fix:" in message and "enabled=False" in message
    assert ("bfloat16" in message) == (dtype is None)
