"""``autocast``: its construction as torch's on the CPU (enabled, disabled, the cases torch itself
disables with a warning); what it casts: ``test_autocast_casts.py``."""

from __future__ import annotations

import threading
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

    mine, theirs = _made(ag, *args, **options(ag)), _made(torch, *args, **options(torch))
    if isinstance(theirs[0], str):  # an error: its class, and torch's words first (then a fix)
        assert mine[0] == theirs[0] and isinstance(mine[1], str) and mine[1].startswith(theirs[1])
    else:
        assert mine == theirs


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


def _fresh(lib: Any, fn: Any) -> Any:
    """``fn()`` in a new thread (a fresh autocast state, as torch's is per thread): its result,
    warnings and whether CPU autocast cast a matmul there, or the error's class and whether its
    message starts with ``torch``'s (the caller compares the messages)."""
    box: list[Any] = []

    def run() -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                value = fn(lib)
            except Exception as error:
                box.append((type(error).__name__, str(error)))
                return
        said = [str(w.message) for w in caught]
        box.append((str(value).split(".")[-1], said))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return box[0]


def _inside(device: str, **kwargs: Any) -> Any:
    def entered(lib: Any) -> Any:
        options = {k: getattr(lib, v) if k == "dtype" else v for k, v in kwargs.items()}
        context = lib.autocast(device, **options)
        with context:
            on, dtype = lib.is_autocast_enabled(device), lib.get_autocast_dtype(device)
            product = (lib.ones(2, 2) @ lib.ones(2, 2)).dtype
        return context._enabled, context.fast_dtype, on, dtype, product

    return entered


@pytest.mark.parametrize("device", ["mps", "xla", "ipu", "hpu", "xpu", "mtia", "maia", "cpu:0"])
@pytest.mark.parametrize(
    "call",
    [
        lambda d: _inside(d),
        lambda d: _inside(d, dtype="bfloat16"),
        lambda d: _inside(d, dtype="float32"),  # warns and disables, naming the device
        lambda d: _inside(d, enabled=False),
        lambda d: lambda lib: (lib.set_autocast_enabled(d, True), lib.is_autocast_enabled(d)),
        lambda d: lambda lib: lib.get_autocast_dtype(d),
        lambda d: lambda lib: lib.amp.is_autocast_available(d),
    ],
    ids=["autocast", "bfloat16", "float32", "disabled", "set_enabled", "get_dtype", "available"],
)
def test_autocast_on_the_other_device_types_torch_knows_is_as_torchs(
    device: str, call: Any
) -> None:
    # arraygrad raised for every device type but the CPU and CUDA; torch's CPU build keeps
    # their state (which casts nothing on the CPU: the matmul stays float32), and "cpu:0" is
    # the CPU's autocast
    if torch.cuda.is_available() or ag.cuda.is_available():
        pytest.skip("compares the behaviour without CUDA")
    assert _fresh(ag, call(device)) == _fresh(torch, call(device))


@pytest.mark.parametrize("device", ["meta", "lazy", "hip", "mkldnn", "privateuseone"])
@pytest.mark.parametrize(
    "call",
    [
        lambda d: lambda lib: lib.get_autocast_dtype(d),
        lambda d: lambda lib: lib.is_autocast_enabled(d),
        lambda d: lambda lib: lib.set_autocast_enabled(d, True),
        lambda d: lambda lib: lib.set_autocast_enabled(d, False),
        lambda d: lambda lib: lib.amp.is_autocast_available(d),
        lambda d: lambda lib: lib.autocast(d),
        lambda d: lambda lib: lib.autocast(d, dtype=lib.bfloat16, enabled=False),
        lambda d: lambda lib: (lib.set_autocast_dtype(d, lib.float32), lib.get_autocast_dtype(d)),
    ],
    ids=[
        "get_dtype",
        "is_enabled",
        "enable",
        "disable",
        "available",
        "autocast",
        "disabled",
        "set",
    ],
)
def test_device_types_without_autocast_are_refused_as_torch_refuses(device: str, call: Any) -> None:
    # get_autocast_dtype("meta") answered float16 and is_autocast_enabled("meta") False,
    # where torch raises; arraygrad's messages add the fix after torch's words
    mine, theirs = _fresh(ag, call(device)), _fresh(torch, call(device))
    if isinstance(theirs[1], str):
        assert mine[0] == theirs[0] and mine[1].startswith(theirs[1])
    else:
        assert mine[0] == theirs[0] and [m for m in theirs[1] if "mkldnn" not in m] == mine[1]
