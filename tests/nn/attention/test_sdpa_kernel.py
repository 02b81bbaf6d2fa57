"""SDPBackend and sdpa_kernel against PyTorch 2.13: the switches they set and which calls of
scaled_dot_product_attention compute or raise on the CPU under them."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad.nn.attention import SDPBackend, sdpa_kernel

RNG = np.random.default_rng(0)


def test_backend_members_match_torch() -> None:
    theirs = torch.nn.attention.SDPBackend
    assert list(SDPBackend.__members__) == list(theirs.__members__)
    for name, member in SDPBackend.__members__.items():
        other = theirs.__members__[name]
        assert (int(member), member.name, repr(member), str(member)) == (
            int(other),
            other.name,
            repr(other),
            str(other),
        )
    assert (SDPBackend.MATH == 0) is (theirs.MATH == 0) is False
    assert ag.nn.attention.WARN_FOR_UNFUSED_KERNELS is torch.nn.attention.WARN_FOR_UNFUSED_KERNELS


def _switches(lib: Any) -> tuple[bool, ...]:
    cuda = lib.backends.cuda
    return (
        cuda.flash_sdp_enabled(),
        cuda.mem_efficient_sdp_enabled(),
        cuda.math_sdp_enabled(),
        cuda.cudnn_sdp_enabled(),
    )


def _both(names: list[str] | str) -> tuple[Any, Any]:
    if isinstance(names, str):
        return getattr(SDPBackend, names), getattr(torch.nn.attention.SDPBackend, names)
    return (
        [getattr(SDPBackend, n) for n in names],
        [getattr(torch.nn.attention.SDPBackend, n) for n in names],
    )


CHOICES: list[list[str] | str] = [
    "MATH",
    "FLASH_ATTENTION",
    "EFFICIENT_ATTENTION",
    "CUDNN_ATTENTION",
    "OVERRIDEABLE",
    "ERROR",
    [],
    ["FLASH_ATTENTION", "MATH"],
    ["EFFICIENT_ATTENTION", "CUDNN_ATTENTION"],
    ["FLASH_ATTENTION", "EFFICIENT_ATTENTION"],
]


@pytest.mark.parametrize("names", CHOICES)
def test_switches_inside_and_after(names: list[str] | str) -> None:
    mine, theirs = _both(names)
    with sdpa_kernel(mine), torch.nn.attention.sdpa_kernel(theirs):
        assert _switches(ag) == _switches(torch)
    assert _switches(ag) == _switches(torch) == (True, True, True, True)


def test_switches_restored_after_an_exception() -> None:
    with pytest.raises(ValueError), sdpa_kernel(SDPBackend.MATH):
        raise ValueError
    assert _switches(ag) == (True, True, True, True)


@pytest.mark.parametrize("bad", [0, "MATH", (SDPBackend.MATH,), None])
def test_refuses_what_is_not_a_backend(bad: Any) -> None:
    theirs_bad = (torch.nn.attention.SDPBackend.MATH,) if isinstance(bad, tuple) else bad
    with pytest.raises(AssertionError) as theirs, torch.nn.attention.sdpa_kernel(theirs_bad):
        pass
    with pytest.raises(AssertionError) as mine, sdpa_kernel(bad):
        pass
    # torch's words, then the fix arraygrad adds
    assert str(mine.value).startswith(str(theirs.value)) and "Fix:" in str(mine.value)


def _arrays(*shapes: tuple[int, ...]) -> list[np.ndarray]:
    return [RNG.standard_normal(shape) for shape in shapes]


QKV4 = [(1, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4)]
CALLS: dict[str, tuple[list[tuple[int, ...]], dict[str, Any]]] = {
    "4d": (QKV4, {}),
    "causal": (QKV4, {"is_causal": True}),
    "bool_mask": (QKV4, {"mask": (3, 5)}),
    "gqa": ([(1, 4, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4)], {"enable_gqa": True}),
    "3d": ([(2, 3, 4), (2, 5, 4), (2, 5, 4)], {}),
    "dropout": (QKV4, {"dropout_p": 0.5}),
    "broadcast_batch": ([(1, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)], {}),
    "broadcast_heads": ([(1, 2, 3, 4), (1, 1, 5, 4), (1, 1, 5, 4)], {}),
    "value_dim": ([(1, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 6)], {}),
    "gqa_indivisible": ([(1, 3, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4)], {"enable_gqa": True}),
    "mask_3d": (QKV4, {"mask": (2, 3, 5)}),
    "empty": ([(1, 2, 0, 4), (1, 2, 5, 4), (1, 2, 5, 4)], {}),
}


def _outcome(lib: Any, backends: Any, arrays: list[np.ndarray], options: dict[str, Any]) -> Any:
    options = dict(options)
    if "mask" in options:
        options["attn_mask"] = lib.ones(*options.pop("mask"), dtype=lib.bool)
    sdpa: Callable[..., Any] = lib.nn.functional.scaled_dot_product_attention
    kernel = lib.nn.attention.sdpa_kernel
    with warnings.catch_warnings(record=True) as caught, kernel(backends):
        warnings.simplefilter("always")
        try:
            result = sdpa(*[lib.tensor(a) for a in arrays], **options)
        except RuntimeError as error:
            # torch's C++ warnings end with where they were raised
            texts = [str(w.message).split(" (Triggered internally")[0] for w in caught]
            return "RuntimeError", str(error), texts
    return "ok", None if options.get("dropout_p") else result.numpy(), []


@pytest.mark.parametrize("names", CHOICES[:4] + CHOICES[6:])
@pytest.mark.parametrize("call", list(CALLS))
def test_calls_compute_or_raise_as_torch(names: list[str] | str, call: str) -> None:
    mine_backends, theirs_backends = _both(names)
    shapes, options = CALLS[call]
    arrays = _arrays(*shapes)
    theirs = _outcome(torch, theirs_backends, arrays, options)
    mine = _outcome(ag, mine_backends, arrays, options)
    assert mine[0] == theirs[0]
    if mine[0] == "ok":
        if theirs[1] is not None:
            np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-10, atol=1e-12)
    elif theirs[1].startswith("No "):  # the kernel-selection errors; arraygrad's own say more
        # torch's words, then the fix arraygrad adds; the same warnings
        assert mine[1].startswith(theirs[1]) and mine[2:] == theirs[2:]


def test_multihead_attention_follows_the_switches() -> None:
    module = ag.nn.MultiheadAttention(4, 2, batch_first=True)
    x = ag.ones(1, 3, 4)
    with (
        sdpa_kernel(SDPBackend.EFFICIENT_ATTENTION),
        pytest.raises(RuntimeError, match="No viable backend"),
    ):
        module(x, x, x, need_weights=False)
    with sdpa_kernel(SDPBackend.MATH):
        assert module(x, x, x, need_weights=False)[0].shape == (1, 3, 4)
