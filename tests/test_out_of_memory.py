"""A tensor too large to make: PyTorch's RuntimeErrors (arraygrad.OutOfMemoryError, a
RuntimeError, for memory the machine lacks), vs torch 2.13.0 (arraygrad._out_of_memory).

The sizes asked for (petabytes and more) are beyond any address space: the allocation fails
at once, using no memory."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import arraygrad as ag

HUGE = 2**50  # elements: 4 PiB of float32

# Each call, written once for both libraries.
CALLS = {
    "zeros": lambda lib: lib.zeros(HUGE),
    "ones": lambda lib: lib.ones(2**25, 2**25),
    "empty": lambda lib: lib.empty(HUGE, dtype=lib.float64),
    "full": lambda lib: lib.full((HUGE,), 2.0),
    "rand": lambda lib: lib.rand(HUGE),
    "randn": lambda lib: lib.randn(HUGE),
    "randint": lambda lib: lib.randint(0, 3, (HUGE,)),
    "randperm": lambda lib: lib.randperm(HUGE),
    "arange": lambda lib: lib.arange(HUGE),
    "linspace": lambda lib: lib.linspace(0, 1, HUGE),
    "logspace": lambda lib: lib.logspace(0, 1, HUGE),
    "eye": lambda lib: lib.eye(2**30),
    "zeros_like": lambda lib: lib.zeros_like(lib.ones(1).expand(HUGE)),
    "full_like": lambda lib: lib.full_like(lib.ones(1).expand(HUGE), 3.0),
    "rand_like": lambda lib: lib.rand_like(lib.ones(1).expand(HUGE)),
    "new_zeros": lambda lib: lib.ones(1).new_zeros(HUGE),
}


def _raised(call: Any, lib: Any) -> BaseException:
    with pytest.raises(RuntimeError) as caught:
        call(lib)
    return caught.value


@pytest.mark.parametrize("name", sorted(CALLS))
def test_out_of_memory_is_a_runtime_error_as_torch(name: str) -> None:
    want, got = _raised(CALLS[name], torch), _raised(CALLS[name], ag)
    assert "can't allocate memory" in str(want)
    assert isinstance(got, ag.OutOfMemoryError)
    assert str(got).startswith("can't allocate memory: you tried to allocate ")
    assert "Fix:" in str(got)


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "full"])
def test_out_of_memory_names_the_bytes_torch_names(name: str) -> None:
    want, got = _raised(CALLS[name], torch), _raised(CALLS[name], ag)
    requested = str(want).split("you tried to allocate ")[1].split(" bytes")[0]
    assert f"you tried to allocate {requested} bytes" in str(got)


def test_out_of_memory_error_is_torch_s_class() -> None:
    assert ag.OutOfMemoryError.__mro__[1:] == torch.OutOfMemoryError.__mro__[1:]
    assert ag.cuda.OutOfMemoryError is ag.OutOfMemoryError
    assert torch.cuda.OutOfMemoryError is torch.OutOfMemoryError


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.zeros(2**61),
        lambda lib: lib.empty(2**40, 2**40),
        lambda lib: lib.rand(2**62),
        lambda lib: lib.arange(2**62),
    ],
)
def test_a_size_beyond_64_bit_byte_counts_overflows_as_torch(call: Any) -> None:
    want, got = _raised(call, torch), _raised(call, ag)
    assert type(got) is type(want) is RuntimeError
    assert str(got).startswith(str(want) + ":")


def _backward_through_a_huge_gradient(lib: Any) -> None:
    leaf = lib.ones(1, requires_grad=True)
    leaf.expand(HUGE)[:1].sum().backward()  # (the slice's gradient is HUGE zeros)


# The results of ops (not creation functions): primitives' forwards and the rules' gradients.
OP_CALLS = {
    # (64 TiB from two small operands: a 4 GiB one cost the suite ~10 s of filling it)
    "matmul": lambda lib: lib.ones(2**20, 1) @ lib.ones(1, 2**24),
    "contiguous": lambda lib: lib.ones(1).expand(HUGE).contiguous(),
    "clone": lambda lib: lib.ones(1).expand(HUGE).clone(),
    "add": lambda lib: lib.ones(1).expand(HUGE) + 1,
    "exp": lambda lib: lib.ones(1).expand(HUGE).exp(),
    "cat": lambda lib: lib.cat([lib.ones(1).expand(HUGE), lib.ones(1)]),
    "to": lambda lib: lib.ones(1).expand(HUGE).to(lib.float64),
    "repeat": lambda lib: lib.ones(1).repeat(HUGE),
    "recorded": lambda lib: lib.ones(1, requires_grad=True).expand(HUGE) * 2,
    "backward": _backward_through_a_huge_gradient,
}


@pytest.mark.parametrize("name", sorted(OP_CALLS))
def test_an_op_s_result_out_of_memory_is_out_of_memory_error(name: str) -> None:
    # NumPy's MemoryError came through from every op but the creation functions
    want, got = _raised(OP_CALLS[name], torch), _raised(OP_CALLS[name], ag)
    assert "can't allocate memory" in str(want)
    assert isinstance(got, ag.OutOfMemoryError)
    requested = str(want).split("you tried to allocate ")[1].split(" bytes")[0]
    assert str(got).startswith(f"can't allocate memory: you tried to allocate {requested} bytes")
    assert "Fix:" in str(got)
