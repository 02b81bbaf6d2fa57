"""The top-level autocast state functions, ``amp.is_autocast_available`` and
``amp.custom_fwd``/``custom_bwd``, against torch 2.13's behaviour where arraygrad can honour it
(autocast off on the CPU)."""

from __future__ import annotations

import asyncio
import gc
import re
import threading
from typing import Any

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


def _in_thread(fn: Any) -> Any:
    """``fn()`` run in a new thread: its result (or the error it raised)."""
    box: list[Any] = []

    def run() -> None:
        try:
            box.append(fn())
        except Exception as error:  # handed back to the test's thread
            box.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if isinstance(box[0], Exception):
        raise box[0]
    return box[0]


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_a_new_thread_starts_with_its_own_autocast_state(lib: Any) -> None:
    t = lib
    x = t.ones(2, 2)

    def seen() -> tuple[Any, ...]:
        nesting = t.autocast_increment_nesting()
        t.autocast_decrement_nesting()
        with t.autocast("cpu", dtype=t.float16):
            inner = (x @ x).dtype
        return (
            t.is_autocast_enabled("cpu"),
            t.get_autocast_dtype("cpu"),
            t.is_autocast_cache_enabled(),
            nesting,
            (x @ x).dtype,
            inner,
        )

    with t.autocast("cpu", cache_enabled=False):
        t.set_autocast_dtype("cuda", t.bfloat16)
        try:
            got = _in_thread(seen)
        finally:
            t.set_autocast_dtype("cuda", t.float16)
        # the thread's autocast left this thread's alone
        assert (x @ x).dtype == t.bfloat16 and not t.is_autocast_cache_enabled()
    assert got == (False, t.bfloat16, True, 1, t.float32, t.float16)


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_another_threads_autocast_does_not_cast_here(lib: Any) -> None:
    t = lib
    inside, done = threading.Event(), threading.Event()
    products = []

    def other() -> None:
        with t.autocast("cpu"):
            products.append((t.ones(2, 2) @ t.ones(2, 2)).dtype)
            inside.set()
            done.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    try:
        assert inside.wait(10)
        x = t.ones(2, 2, requires_grad=True)
        assert (x @ x).dtype == t.float32 and not t.is_autocast_enabled("cpu")
        assert t.nn.functional.linear(x, x).dtype == t.float32
    finally:
        done.set()
        thread.join()
    assert products == [t.bfloat16]


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_asyncio_tasks_of_one_thread_share_autocast(lib: Any) -> None:
    # PyTorch's state is thread-local, not a context variable: a task sees another's autocast
    t = lib
    seen = []

    async def inside(entered: asyncio.Event, release: asyncio.Event) -> None:
        with t.autocast("cpu"):
            entered.set()
            await release.wait()

    async def beside(entered: asyncio.Event, release: asyncio.Event) -> None:
        await entered.wait()
        seen.append((t.is_autocast_enabled("cpu"), (t.ones(2, 2) @ t.ones(2, 2)).dtype))
        release.set()

    async def main() -> None:
        entered, release = asyncio.Event(), asyncio.Event()
        await asyncio.gather(inside(entered, release), beside(entered, release))

    asyncio.run(main())
    assert seen == [(True, t.bfloat16)]


def test_a_thread_ending_inside_autocast_gives_back_the_fast_path() -> None:
    from arraygrad import _autocast_flag

    def leave_it_on() -> bool:
        ag.set_autocast_enabled("cpu", True)
        return (ag.ones(2, 2) @ ag.ones(2, 2)).dtype == ag.bfloat16

    assert _in_thread(leave_it_on)
    gc.collect()
    # the listed functions read a plain module attribute again (no per-thread lookup)
    assert vars(_autocast_flag).get("cpu", None) is False
    assert (ag.ones(2, 2) @ ag.ones(2, 2)).dtype == ag.float32


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_the_cast_cache_is_shared_by_threads(lib: Any) -> None:
    # PyTorch keeps one cache for the process: a thread inside its own autocast reads the
    # main thread's cast of w; its outermost exit, or clear_autocast_cache, empties it for all.
    t = lib
    w = t.ones(2, 2, requires_grad=True)
    seen = []

    def product() -> float:
        return float((t.ones(2, 2) @ w)[0, 0].item())

    def inside_autocast() -> None:
        with t.autocast("cpu"):
            seen.append(product())

    def clear() -> None:
        t.clear_autocast_cache()

    with t.autocast("cpu"):
        seen.append(product())
        with t.no_grad():
            w.mul_(2)
        _in_thread(inside_autocast)
        seen.append(product())
        with t.no_grad():
            w.mul_(2)
        seen.append(product())
        _in_thread(clear)
        seen.append(product())
    assert seen == [2.0, 2.0, 4.0, 4.0, 8.0]


LEGACY = [
    ("is_autocast_cpu_enabled", (), "is_autocast_enabled('cpu')"),
    ("get_autocast_cpu_dtype", (), "get_autocast_dtype('cpu')"),
    ("get_autocast_gpu_dtype", (), "get_autocast_dtype('cuda')"),
    ("is_autocast_xla_enabled", (), "is_autocast_enabled('xla')"),
    ("get_autocast_xla_dtype", (), "get_autocast_dtype('xla')"),
    ("is_autocast_ipu_enabled", (), "is_autocast_enabled('ipu')"),
    ("get_autocast_ipu_dtype", (), "get_autocast_dtype('ipu')"),
]


@pytest.mark.parametrize(("name", "args", "replacement"), LEGACY)
def test_deprecated_state_readers_warn_and_answer_as_torch(
    name: str, args: tuple[Any, ...], replacement: str
) -> None:
    answers = []
    for lib in (ag, torch):
        with pytest.warns(DeprecationWarning, match=re.escape(f"use torch.{replacement}")):
            answer = getattr(lib, name)(*args)
        answers.append(str(answer).split(".")[-1])
    assert answers[0] == answers[1]


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_deprecated_cpu_setters_switch_autocast(lib: Any) -> None:
    t = lib
    with pytest.warns(DeprecationWarning, match=re.escape("set_autocast_enabled('cpu', en")):
        t.set_autocast_cpu_enabled(True)
    try:
        with pytest.warns(DeprecationWarning, match=re.escape("set_autocast_dtype('cpu', dt")):
            t.set_autocast_cpu_dtype(t.float16)
        assert (t.ones(2, 2) @ t.ones(2, 2)).dtype == t.float16
    finally:
        with pytest.warns(DeprecationWarning):
            t.set_autocast_cpu_enabled(False)
        with pytest.warns(DeprecationWarning):
            t.set_autocast_cpu_dtype(t.bfloat16)
    with pytest.warns(DeprecationWarning, match=re.escape("set_autocast_dtype('cuda', dtype)")):
        t.set_autocast_gpu_dtype(t.bfloat16)
    assert t.get_autocast_dtype("cuda") == t.bfloat16
    t.set_autocast_dtype("cuda", t.float16)
    with pytest.raises(TypeError, match=r"enabled must be a bool \(got int\)"):
        t.set_autocast_cpu_enabled(1)
    with pytest.raises(TypeError, match=r"dtype must be a torch\.dtype \(got str\)"):
        t.set_autocast_cpu_dtype("float16")


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_state_setters_check_their_arguments_as_torch(lib: Any) -> None:
    t = lib
    with pytest.raises(TypeError, match=r"enabled must be a bool \(got int\)"):
        t.set_autocast_cache_enabled(1)
    with pytest.raises(TypeError, match=r"argument 'dtype' \(position 2\) must be torch\.dtype"):
        t.set_autocast_dtype("cpu", "float16")
    with pytest.raises(TypeError, match="argument 'device_type' \\(position 1\\) must be str"):
        t.set_autocast_enabled(True, "cpu")
    t.set_autocast_enabled(enabled=True)  # the old form, CUDA's flag, by keyword
    assert t.is_autocast_enabled()
    t.set_autocast_enabled(enabled=False)
    assert [t.get_autocast_dtype(d) for d in ("xla", "hpu", "mps")] == [
        t.bfloat16,
        t.bfloat16,
        t.float16,
    ]
