"""Helpers shared by the ``arraygrad.nn.functional`` modules: argument parsing and reductions."""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad import _backend, _dtype, _math, _views
from arraygrad._arguments import int_list_argument
from arraygrad._grad_mode import grad_enabled
from arraygrad._tensor import Tensor, describe

_REDUCTIONS = ("none", "mean", "sum")


def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """PyTorch's reading of the deprecated ``size_average`` / ``reduce`` flags: where either is
    given, they replace ``reduction`` (``"none"`` unless ``reduce``, else ``"mean"`` if
    ``size_average`` else ``"sum"``; a flag left None counts as True), with PyTorch's
    UserWarning naming the ``reduction=`` to pass instead (pointing at the loss's caller)."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "none" if not reduce else "mean" if size_average else "sum"
    warnings.warn(
        "size_average and reduce args will be deprecated, please use "
        f"reduction='{reduction}' instead.",
        stacklevel=3,
    )
    return reduction


def check_reduction(reduction: str, wording: str = "is not a valid value for reduction") -> None:
    """Raise PyTorch's ValueError for a ``reduction`` that is not ``none``/``mean``/``sum``;
    ``wording`` is PyTorch's, which some losses shorten to ``is not valid``."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} {wording}. Fix: pass reduction='mean', 'sum' or 'none'.")


def apply_reduction(loss: Tensor, reduction: str) -> Tensor:
    """Apply ``reduction`` to an element-wise loss."""
    check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def ntuple(value: Any, n: int, name: str, iterate_tensors: bool = False) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ``n`` ints) as a tuple of ``n`` ints. A one-element
    integer tensor is one int, as PyTorch's parser reads it for its ``int[n]`` arguments, other
    tensors its TypeError; with ``iterate_tensors``, as PyTorch's Python functions that read
    ``value`` with ``_pair`` (``fold``, ``max_unpool2d``), a tensor is a sequence instead."""
    if not iterate_tensors:
        value = int_list_argument("", name, value)
    if isinstance(value, int):
        return (value,) * n
    values = tuple(int(v) for v in value)
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise RuntimeError(
            f"{name} must be an int or a sequence of {n} ints, but got {list(values)}"
            f". Fix: pass one int, or {n} ints (one per spatial dimension)."
        )
    return values


def constant(array: Any) -> Tensor:
    """A raw array as a tensor outside the graph (masks, shifts, index grids)."""
    return Tensor._wrap(_backend.ensure_array(array))


def clamp_min_straight_through(x: Tensor, min: float) -> Tensor:
    """``max(x, min)`` in value with the gradient of ``x`` everywhere: PyTorch clamps such
    denominators (norms, variances) in place under no_grad, so the clamp is invisible to
    autograd.

    The clamp is added as an offset, ``min - x`` where ``x < min`` and exactly 0 elsewhere, so
    an infinite ``x`` stays itself (``clamp(x) - x`` would be ``inf - inf = nan`` there).
    """
    detached = x.detach()
    return x + (min - _math.where(detached < min, detached, min))


# --- PyTorch's dtype rules for the losses whose kernels it writes itself -----------------------
# Each is reached only when the operands' arrays differ in dtype or are not float32 or float64,
# so that the common call pays a test of its arrays' dtype objects (their ids), not these.


def no_kernel(kernel: str, dtype: _dtype.dtype, fix: str) -> NotImplementedError:
    """PyTorch's error for its ``kernel`` called on a dtype it has no loop for (the dtype it
    computes in: the operands' promoted dtype)."""
    return NotImplementedError(
        f"\"{kernel}\" not implemented for '{_dtype.torch_type_name(dtype)}'. Fix: {fix}"
    )


def cast_error(result: _dtype.dtype, output: Tensor, written: str) -> RuntimeError:
    """PyTorch's error for a kernel that writes its ``result``-dtype values into ``output``, a
    tensor of a lower dtype category (a float into an integer tensor, a complex into a float
    one); ``written`` says which tensor that is."""
    return RuntimeError(
        f"result type {_dtype.torch_type_name(result)} can't be cast to the desired output type "
        f"{_dtype.torch_type_name(output.dtype)}: {written} ({describe(output)}). Fix: give "
        "the operands one floating-point dtype first, e.g. target.to(input.dtype) or "
        "input.float()."
    )


def _float_fix(promoted: _dtype.dtype) -> str:
    if promoted.is_complex:
        return "compare real tensors, e.g. view_as_real(input) and view_as_real(target)."
    return "convert the input and target to a floating-point dtype, e.g. input.float()."


def floating_operands(kernel: str, input: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """``input`` and ``target`` for a loss PyTorch computes in their promoted dtype, which must
    be floating point (``mse_loss``, ``smooth_l1_loss``): the error for another, else the two
    with a bool operand converted to that dtype (PyTorch promotes before it subtracts, so
    ``float - bool`` computes there where arraygrad's subtraction refuses a bool)."""
    promoted = _dtype.promote_types(input.dtype, target.dtype)
    if not promoted.is_floating_point:
        raise no_kernel(kernel, promoted, _float_fix(promoted))
    if input.dtype is _dtype.bool_:
        input = input.to(promoted)
    if target.dtype is _dtype.bool_:
        target = target.to(promoted)
    return input, target


def target_for_input_dtype(name: str, kernel: str, input: Tensor, target: Tensor) -> Tensor:
    """``target`` for a loss whose PyTorch kernel writes into a tensor like ``input``
    (``huber_loss``): computed in the promoted dtype, which must be castable to ``input``'s
    and floating point. A bool target is converted to ``input``'s dtype, where PyTorch's
    promotion takes it."""
    promoted = _dtype.promote_types(input.dtype, target.dtype)
    if promoted.category > input.dtype.category:
        raise cast_error(promoted, input, f"{name} writes its result into a tensor like its input")
    if not promoted.is_floating_point:
        raise no_kernel(kernel, promoted, _float_fix(promoted))
    return target.to(promoted) if target.dtype is _dtype.bool_ else target


def refuse_complex_autograd(name: str, *operands: Tensor | None) -> None:
    """PyTorch's refusal to record a loss kernel with a complex result (it has no complex
    derivative) when an operand requires grad; without one, the value is computed."""
    if grad_enabled.get() and any(x is not None and x.requires_grad for x in operands):
        raise RuntimeError(
            f"{name} does not support automatic differentiation for outputs with complex dtype. "
            "Fix: compute it on real tensors, or under arraygrad.no_grad() for the value alone."
        )


def grown_shape(shape: tuple[int, ...], other: tuple[int, ...]) -> tuple[int, ...] | None:
    """The broadcast of ``shape`` with ``other`` where it is larger than ``shape``; None where
    ``other`` fits (or never broadcasts: the operation's own error says so). PyTorch's kernels
    that write into a result of one operand's shape (an in-place add, ``out=``) refuse the
    larger one.

    >>> grown_shape((2, 3), (3,)) is None, grown_shape((1,), (2,))
    (True, (2,))
    """
    try:
        broadcast = tuple(_views.broadcast_shapes(shape, other))
    except RuntimeError:
        return None
    return None if broadcast == tuple(shape) else broadcast
