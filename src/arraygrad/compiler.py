"""``arraygrad.compiler``: the parts of ``torch.compiler`` that mean something for
:func:`arraygrad.compile`, which traces a function's array calls on its first call for each
input signature and replays them afterwards.

>>> import arraygrad
>>> arraygrad.compiler.is_compiling()
False
>>> @arraygrad.compile
... def f(x):
...     return x + 1 if arraygrad.compiler.is_compiling() else x
>>> f(arraygrad.tensor([1.0]))
tensor([2.])
"""

from __future__ import annotations

import functools as _functools
from collections.abc import Callable
from typing import Any, TypeVar

from arraygrad import _backend
from arraygrad import _compile as _compile_module
from arraygrad._compile import compile

__all__ = [
    "allow_in_graph",
    "assume_constant_result",
    "compile",
    "disable",
    "is_compiling",
    "is_dynamo_compiling",
    "is_exporting",
    "list_backends",
    "reset",
]

_F = TypeVar("_F", bound=Callable[..., Any])

# PyTorch's backends that list_backends() leaves out by default (tagged debug or
# experimental); every name is accepted by arraygrad.compile, all replay the same way
_TAGGED = frozenset(
    {
        "aot_eager",
        "aot_eager_decomp_partition",
        "aot_eager_default_partitioner",
        "aot_ts",
        "eager",
        "openxla_eval",
        "ts",
    }
)


def is_compiling() -> bool:
    """Whether the caller runs inside :func:`arraygrad.compile`'s trace of a function (its
    first call for an input signature). The answer is part of what is recorded: a branch on it
    is taken in the trace and replayed."""
    return _backend.tracer is not None


def is_dynamo_compiling() -> bool:
    """The same as :func:`is_compiling`: arraygrad's one tracer stands for PyTorch's dynamo."""
    return is_compiling()


def is_exporting() -> bool:
    """Always False: arraygrad has no ``torch.export``."""
    return False


def reset() -> None:
    """Make every compiled function forget its traces (programs, eager fallbacks and counts),
    so that its next call traces again, as after ``arraygrad.compile``."""
    for compiled in list(_compile_module._COMPILED):
        compiled._forget_traces()


def list_backends(exclude_tags: Any = ("debug", "experimental")) -> list[str]:
    """The backend names :func:`arraygrad.compile` accepts (PyTorch's), sorted; by default
    without those PyTorch tags debug or experimental. Every one replays the same way."""
    # onnxrt is PyTorch's only where onnxruntime is installed, which arraygrad cannot tell
    names = tuple(name for name in _compile_module._BACKENDS if name != "onnxrt")
    if exclude_tags:
        names = tuple(name for name in names if name not in _TAGGED)
    return sorted(names)


def disable(fn: Any = None, recursive: bool = True, *, reason: str | None = None) -> Any:
    """``fn`` unchanged (with no ``fn``, a decorator that returns its function unchanged).
    PyTorch runs a disabled function eagerly inside a compiled one; arraygrad's trace records
    the array calls of everything the function calls, and a function that must run each call
    (a Python side effect, a value read into Python) already runs eagerly, with a warning."""
    if fn is None:
        return _functools.partial(disable, recursive=recursive, reason=reason)
    return fn


def allow_in_graph(fn: _F) -> _F:
    """``fn`` unchanged: arraygrad's trace records what ``fn`` computes in any case."""
    return fn


def assume_constant_result(fn: _F) -> _F:
    """``fn`` unchanged: a non-tensor result read during the trace is already a constant of
    the recorded program (and a guard where the trace branches on it)."""
    return fn
