"""``autocast``: its construction as torch's on the CPU (enabled, disabled, the cases torch itself
disables with a warning); what it casts: ``test_autocast_casts.py``."""

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
def test_enabled_cpu_autocast_casts_as_torch(dtype: str | None) -> None:
    # torch casts matmuls to bfloat16 (its CPU default) or float16 here, and so does arraygrad
    results = []
    for lib in (ag, torch):
        made = _made(lib, "cpu", dtype=None if dtype is None else getattr(lib, dtype))
        with lib.autocast("cpu", dtype=None if dtype is None else getattr(lib, dtype)):
            results.append((made, str((lib.ones(2, 2) @ lib.ones(2, 2)).dtype).split(".")[-1]))
    assert results[0] == results[1]
    assert results[0] == (([], True), dtype or "bfloat16")
