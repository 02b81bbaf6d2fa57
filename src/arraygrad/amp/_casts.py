"""What CPU autocast does to the arguments of the functions on PyTorch's lists.

Each listed function starts with ``if _autocast_flag.cpu:`` and, when autocast is on, hands
itself and its arguments to one of the runners here. A runner casts the floating tensors among
the arguments (PyTorch's rule, observed on torch 2.13's CPU autocast):

- :func:`lower` (matrix products, convolutions, ``linear``, ``prelu``, attention): float32,
  float16 and bfloat16 tensors to the autocast dtype; float64 tensors stay as they are (so a
  float64 operand beside a float32 one meets a bfloat16 one and gets the dtype error);
- :func:`full` (the losses and a few others): float16 and bfloat16 tensors to float32;
- :func:`widest` (``index_copy``): float16 and bfloat16 tensors to float32 where a float32
  one is among them (float64 left alone; the reduced float that is not the autocast dtype,
  met before any float32, is PyTorch's error);

and then calls the function again with autocast off, as PyTorch runs an op's kernel outside
autocast: what the function calls inside (``linear`` calls ``matmul``, ``cdist`` may) computes
in the dtypes it was given. The casts are ``Tensor.to`` calls, recorded by autograd, so the
backward of a cast brings the gradient back to the input's dtype: a float32 parameter gets a
float32 ``.grad``.

The float32 leaf tensors that require grad (the parameters, but not views) are cast down once
while autocast is on, when its cache is enabled, and the cache is dropped when the outermost
autocast context exits: a weight used by several products in one forward pass is cast once, as
in PyTorch (which, like this cache, does not see in-place changes of the weight within the
context). The cache is one for all threads, as PyTorch's; the rest of the state is per
thread. As PyTorch's, the cache is neither read nor filled in inference mode, only float32's
casts to the autocast dtype are kept (the losses' casts up to float32, and casts of float16 or
bfloat16 parameters, are made afresh each time), and a cast kept under ``no_grad`` is recorded
all the same: a later forward pass with gradients in the same context reaches the parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arraygrad import _autocast_flag, _dtype
from arraygrad._grad_mode import enable_grad, is_inference_mode_enabled
from arraygrad._tensor import Tensor

__all__ = ["cast_down", "clear_cache", "full", "keep", "lower", "widest"]

# id(leaf) -> (leaf, its cast): the leaf is held so that its id is not reused while cached.
# One cache for all threads, as PyTorch's: a thread's outermost autocast exit or
# clear_autocast_cache empties it for every thread.
_cache: dict[int, tuple[Tensor, Tensor]] = {}

# What each runner casts: the lower-precision list leaves float64 alone, as does the
# float32 list (which casts only the reduced floats up).
_LOWERED = ("float32", "float16", "bfloat16")
_RAISED = ("float16", "bfloat16")


def clear_cache() -> None:
    """Drop the cached casts (``clear_autocast_cache``, and the outermost context's exit)."""
    _cache.clear()


def _cast(value: Any, target: _dtype.dtype, names: tuple[str, ...], cache: bool = False) -> Any:
    """``value`` cast to ``target`` if it is a tensor of a dtype in ``names`` (inside lists and
    tuples too); with ``cache`` (the casts down to the autocast dtype), a parameter's cast is
    looked up in and kept in the cache."""
    if isinstance(value, Tensor):
        if value.dtype.name not in names or value.dtype == target:
            return value
        from arraygrad.amp import autocast_mode

        cached = (
            cache
            and value.dtype == _dtype.float32
            and value.is_leaf
            and value.requires_grad
            and value._base is None
            and autocast_mode._state.cache_enabled
            and not is_inference_mode_enabled()
        )
        if not cached:
            return value.to(target)
        hit = _cache.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        # Recorded even under no_grad: the cast outlives this call, and a forward pass with
        # gradients later in the context must reach the parameter through it.
        with enable_grad():
            cast = value.to(target)
        _cache[id(value)] = (value, cast)
        return cast
    if isinstance(value, (list, tuple)):  # tensor lists (einsum's operands, multi_dot)
        return type(value)(_cast(item, target, names, cache) for item in value)
    return value


def _run_off(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``fn(*args, **kwargs)`` with CPU autocast off (the state functions still report it on,
    as PyTorch's do inside an op)."""
    was = _autocast_flag.set_casting(False)
    try:
        return fn(*args, **kwargs)
    finally:
        _autocast_flag.set_casting(was)


def _target() -> _dtype.dtype:
    from arraygrad.amp import autocast_mode

    return autocast_mode.get_autocast_dtype("cpu")


def lower(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn`` on its float32/float16/bfloat16 tensors cast to the autocast dtype."""
    target = _target()
    args = tuple(_cast(arg, target, _LOWERED, cache=True) for arg in args)
    kwargs = {key: _cast(value, target, _LOWERED, cache=True) for key, value in kwargs.items()}
    return _run_off(fn, args, kwargs)


def cast_down(*tensors: Tensor) -> tuple[Tensor, ...]:
    """``tensors`` cast as :func:`lower` casts its arguments, for a function that computes a
    listed product inside (``einsum``'s ``bmm``)."""
    target = _target()
    return tuple(_cast(tensor, target, _LOWERED, cache=True) for tensor in tensors)


def full(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn`` on its float16/bfloat16 tensors cast to float32."""
    args = tuple(_cast(arg, _dtype.float32, _RAISED) for arg in args)
    kwargs = {key: _cast(value, _dtype.float32, _RAISED) for key, value in kwargs.items()}
    return _run_off(fn, args, kwargs)


def widest(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn`` with its float16 and bfloat16 tensors cast to float32 where a float32 tensor is
    among its arguments (PyTorch's rule for ``index_copy``, observed): float64 tensors are left
    as they are (float32 beside float64 is the op's own dtype error), and a tensor of the
    reduced float that is not the autocast dtype met before any float32 one (float16 under
    bfloat16 autocast, or the reverse) is PyTorch's error."""
    allowed = ("float64", _target().name)
    wanted = None
    for arg in (*args, *kwargs.values()):  # in order: after a float32 tensor, anything goes
        if not (isinstance(arg, Tensor) and arg.dtype.is_floating_point):
            continue
        if arg.dtype == _dtype.float32:
            wanted = _dtype.float32
            break
        if arg.dtype.name not in allowed:
            raise RuntimeError("Unexpected floating ScalarType in at::autocast::prioritize")
    if wanted is not None:
        args = tuple(_cast(arg, wanted, _RAISED) for arg in args)
        kwargs = {key: _cast(value, wanted, _RAISED) for key, value in kwargs.items()}
    return _run_off(fn, args, kwargs)


def keep(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn`` in its inputs' dtypes: for the functions PyTorch runs outside its lists that
    arraygrad computes with a listed one (``mv`` and ``dot`` with ``matmul``)."""
    return _run_off(fn, args, kwargs)
