"""The arithmetic the optimizers' updates share: state buffers and step counters, and array
operations computed into existing memory (parameters, state buffers), so that an update makes
few temporaries. Everything goes through ``_backend``, so that :func:`arraygrad.compile`
records it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from arraygrad import _backend, _dtype, _primitive
from arraygrad._tensor import Tensor


def scalar_dtype() -> _dtype.dtype:
    """The dtype of the ``step`` counters: float64 when that is the default dtype, else float32."""
    return _dtype.float64 if _dtype.get_default_dtype() is _dtype.float64 else _dtype.float32


def new_step() -> Tensor:
    """A fresh 0-d ``step`` counter holding 0, as PyTorch keeps it (a float tensor)."""
    return Tensor._wrap(_backend.xp.zeros((), dtype=_dtype.to_xp(scalar_dtype())))


def scalar_state(value: float) -> Tensor:
    """A 0-d state tensor holding ``value``, of the ``step`` counters' dtype (NAdam's
    ``mu_product``, ASGD's ``eta`` and ``mu``, counters loaded as numbers)."""
    return Tensor._wrap(_backend.xp.full((), value, dtype=_dtype.to_xp(scalar_dtype())))


def increment(step: Tensor) -> None:
    """``step += 1`` in the counter's memory, as an in-place write (its version moves)."""
    compute_into("add", step._data, step._data, 1)
    _primitive.bump_version(step)


def grad_of(param: Tensor) -> Any:
    """The raw array of ``param.grad`` (the optimizers only update parameters that have one)."""
    grad = param._grad
    assert grad is not None
    return grad._data


def zeros_like(param: Tensor) -> Tensor:
    """A state buffer of zeros with ``param``'s shape and dtype."""
    return Tensor._wrap(_backend.xp.zeros(param._data.shape, dtype=param._data.dtype))


def buffer_of(state: dict[str, Any], key: str, param: Tensor) -> Tensor:
    """``state[key]``, made as zeros like ``param`` when missing (e.g. state loaded from an
    optimizer built without the option that needs it); no zeros are made when it is there."""
    buffer = state.get(key)
    if buffer is None:
        buffer = state[key] = zeros_like(param)
    return buffer  # type: ignore[no-any-return]


# Array functions by their namespace names, as operators for libraries (array_api_strict) whose
# functions may not take Python numbers as operands.
_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
}


def _function(name: str) -> Callable[..., Any]:
    if _backend.is_numpy:
        return getattr(_backend.xp, name)  # type: ignore[no-any-return]
    return _OPERATORS.get(name) or getattr(_backend.xp, name)


def new_array(name: str, *args: Any) -> Any:
    """``xp.<name>(*args)`` as a new array (``"multiply"``, ``"negative"``, ...): through
    ``_backend.xp``, so that :func:`arraygrad.compile` records it, and an array even for 0-d
    operands (NumPy returns a scalar, which cannot be written in place)."""
    return _backend.ensure_array(_function(name)(*args))


def compute_into(name: str, out: Any, *args: Any) -> None:
    """``out[...] = xp.<name>(*args)`` computed straight into ``out``'s memory on NumPy (no
    temporary; ``out`` may be one of ``args``), through an assignment on other libraries."""
    if _backend.is_numpy:
        _function(name)(*args, out=out)
    else:
        _backend.assign(out, _function(name)(*args))


def weight_decayed(param: Any, grad: Any, weight_decay: float, negate: bool) -> Any:
    """PyTorch's L2 weight decay ``g + λθ`` as a new array (``grad`` is only read), or
    ``-g + λθ``, computed as ``λθ - g`` (the same bits), when ``negate``: the sign of a
    maximizing step folded in."""
    decayed = new_array("multiply", param, weight_decay)
    compute_into("subtract" if negate else "add", decayed, decayed, grad)
    return decayed


def average_square_into(average: Any, grad: Any, decay: float) -> Any:
    """``v ← decay·v + ((1 - decay)·g)·g`` in ``v``'s memory, as PyTorch's Adam and RMSprop
    compute their second moment (the sign of ``g`` cancels in the product). Returns the new
    array of ``g``'s shape it used for the square, which the caller may reuse as scratch."""
    scratch = new_array("multiply", grad, 1 - decay)
    compute_into("multiply", scratch, scratch, grad)
    compute_into("multiply", average, average, decay)
    compute_into("add", average, average, scratch)
    return scratch


def lerp_into(start: Any, end: Any, weight: float, scratch: Any, negate: bool = False) -> None:
    """``start ← start + weight (e - start)`` in ``start``'s memory, with ``e = -end`` when
    ``negate`` else ``end``, evaluated as PyTorch's ``lerp`` kernel does: as
    ``e - (e - start)(1 - weight)`` when ``|weight| >= 0.5``.

    ``scratch`` is an array of ``start``'s shape and dtype that the caller gives up (it holds
    garbage afterwards), distinct from ``start`` and ``end``; ``end`` is only read. The
    ``|weight| >= 0.5`` form reads ``e`` twice: with ``negate`` it needs a negated copy, which
    the caller makes instead (it raises ``ValueError`` here).
    """
    if negate:
        compute_into("negative", scratch, end)  # the negated gradient, as PyTorch makes it
        end = scratch
    if abs(weight) < 0.5:
        compute_into("subtract", scratch, end, start)
        compute_into("multiply", scratch, scratch, weight)
        compute_into("add", start, start, scratch)
        return
    if negate:
        raise ValueError("lerp_into with |weight| >= 0.5 needs the negated end as an array")
    compute_into("subtract", scratch, end, start)
    compute_into("multiply", scratch, scratch, 1 - weight)
    compute_into("subtract", start, end, scratch)


def subtract_scaled(param: Tensor, scale: float, values: Any) -> None:
    """``param -= scale * values`` in ``param``'s memory, with no temporary of its size, as an
    in-place write (views see it, the version counter moves)."""
    _backend.subtract_scaled_into(param._data, scale, values)
    _primitive.bump_version(param)
