"""The top-level autocast state functions, ``amp.is_autocast_available`` and
``amp.custom_fwd``/``custom_bwd``, against torch 2.13's behaviour where arraygrad can honour it
(autocast off on the CPU)."""

from __future__ import annotations

import pytest
import torch

import arraygrad as ag
from arraygrad.amp import custom_bwd, custom_fwd, is_autocast_available


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_state_starts_off_and_disabled_autocast_reports_it(lib: object) -> None:
    t = lib  # type: ignore[assignment]
    assert t.is_autocast_enabled() is False and t.is_autocast_enabled("cpu") is False
    assert t.is_autocast_cache_enabled() is True
    with t.autocast("cpu", enabled=False, cache_enabled=False):
        assert t.is_autocast_enabled("cpu") is False
        assert t.is_autocast_cache_enabled() is False
    assert t.is_autocast_cache_enabled() is True
    # CUDA's flag (the no-argument form's device) can be set without a GPU
    t.set_autocast_enabled(True)
    assert t.is_autocast_enabled() and t.is_autocast_enabled("cuda")
    t.set_autocast_enabled("cuda", False)
    assert not t.is_autocast_enabled()
    assert t.autocast_increment_nesting() == 1 and t.autocast_decrement_nesting() == 0
    t.set_autocast_dtype("cuda", t.float16)
    assert t.get_autocast_dtype("cuda") == t.float16
    t.clear_autocast_cache()


def test_state_argument_errors_are_torchs() -> None:
    for lib in (ag, torch):
        with pytest.raises(TypeError, match="argument 'device_type' \\(position 1\\) must be str"):
            lib.is_autocast_enabled(3)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="argument 'enabled' \\(position 1\\) must be bool"):
            lib.set_autocast_enabled("cpu")  # type: ignore[call-arg]
        with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
            lib.get_autocast_dtype("bogus")


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_cpu_autocast_switched_on_by_the_state_function(lib: object) -> None:
    t = lib  # type: ignore[assignment]
    t.set_autocast_enabled("cpu", True)
    try:
        assert t.is_autocast_enabled("cpu")
        assert (t.ones(2, 2) @ t.ones(2, 2)).dtype == t.bfloat16
    finally:
        t.set_autocast_enabled("cpu", False)
    assert (t.ones(2, 2) @ t.ones(2, 2)).dtype == t.float32
    # the CPU's autocast dtype is bfloat16
    assert t.get_autocast_dtype("cpu") == t.bfloat16


def test_is_autocast_available() -> None:
    for device in ("cpu", "cuda", "mps", "xpu"):
        assert is_autocast_available(device) == torch.amp.is_autocast_available(device)
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        is_autocast_available("bogus")


def test_custom_fwd_and_bwd_run_the_function_without_autocast() -> None:
    seen = []

    class Double(ag.autograd.Function):
        @staticmethod
        @custom_fwd(device_type="cpu")
        def forward(ctx: object, x: ag.Tensor) -> ag.Tensor:
            seen.append(("forward", ag.is_autocast_enabled("cpu")))
            return x * 2

        @staticmethod
        @custom_bwd(device_type="cpu")
        def backward(ctx: object, grad: ag.Tensor) -> ag.Tensor:
            seen.append(("backward", ag.is_autocast_enabled("cpu")))
            return grad * 2

    x = ag.ones(2, requires_grad=True)
    Double.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    assert seen == [("forward", False), ("backward", False)]

    class Cast(ag.autograd.Function):
        @staticmethod
        @custom_fwd(device_type="cpu", cast_inputs=ag.float64)
        def forward(ctx: object, x: ag.Tensor) -> ag.Tensor:
            return x  # autocast is off: no cast, as torch

        @staticmethod
        def backward(ctx: object, grad: ag.Tensor) -> ag.Tensor:
            return grad

    assert Cast.apply(ag.ones(2)).dtype == ag.float32


def test_custom_fwd_arguments_as_torchs() -> None:
    for decorator in (custom_fwd, torch.amp.custom_fwd):
        with pytest.raises(TypeError, match="required keyword-only argument: 'device_type'"):
            decorator(lambda ctx: ctx)  # type: ignore[call-arg]
        with pytest.raises(ValueError, match="Expected `device_type` of type `str`, got: "):
            decorator(device_type=3)  # type: ignore[arg-type]

    def plain(ctx: object, x: object) -> object:
        return x

    wrapped = custom_fwd(plain, device_type="cpu")
    assert wrapped.__name__ == "plain" and wrapped.__wrapped__ is plain
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`, got: "):
        custom_bwd(device_type=None)  # type: ignore[arg-type]
