"""Gradient clipping: ``clip_grad_norm_`` (= ``get_total_norm`` then ``clip_grads_with_norm_``)
and ``clip_grad_value_``."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any

from arraygrad import _backend
from arraygrad._grad_mode import no_grad
from arraygrad._tensor import Tensor

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _norm(xp: Any, array: Any, norm_type: float) -> Any:
    magnitude = xp.abs(array)
    if norm_type == math.inf:
        return xp.max(magnitude) if magnitude.size else xp.asarray(0.0, dtype=array.dtype)
    if norm_type == -math.inf:
        return xp.min(magnitude)
    if norm_type == 0:
        return xp.astype(xp.sum(magnitude != 0), array.dtype)
    return xp.sum(magnitude**norm_type) ** (1.0 / norm_type)


def _total_norm(xp: Any, arrays: list[Any], norm_type: float) -> Any:
    """The joint norm of ``arrays``: the norm of the vector of their norms."""
    return _norm(xp, xp.stack([_norm(xp, array, norm_type) for array in arrays]), norm_type)


def _joint_norm(tensors: list[Tensor], norm_type: float, error_if_nonfinite: bool) -> Any:
    """The joint norm of ``tensors`` as an array; PyTorch's error if it is not finite and
    ``error_if_nonfinite``."""
    xp = _backend.xp
    arrays = [t._data for t in tensors]
    tracer = _backend.tracer
    if tracer is None:
        total = _total_norm(xp, arrays, norm_type)
    else:
        # arraygrad.compile: the arithmetic on the arrays is recorded as calls (the recorder
        # does not see operators on raw arrays), and a tensor from before the call (a .grad)
        # is read from its tensor on each replay.
        for t in tensors:
            tracer.see_tensor(t)
        total = tracer.call(_total_norm, (xp, arrays, norm_type))
    if error_if_nonfinite and not _backend.item(xp.isfinite(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return total


def _clip_coefficient(xp: Any, total: Any, max_norm: float) -> Any:
    """``min(1, max_norm / (total + 1e-6))``, the factor every gradient is scaled by."""
    return xp.clip(max_norm / (total + 1e-6), None, 1.0)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale all gradients together so that their joint ``norm_type``-norm is at most
    ``max_norm``; returns the norm before clipping.

    The joint norm is the norm of the vector of per-gradient norms; gradients are multiplied by
    ``min(1, max_norm / (total + 1e-6))``, in place.

    >>> import arraygrad
    >>> w = arraygrad.tensor([3.0, 4.0], requires_grad=True)
    >>> w.grad = arraygrad.tensor([3.0, 4.0])
    >>> clip_grad_norm_([w], 1.0)
    tensor(5.)
    """
    norm_type = float(norm_type)  # (first, as PyTorch: a bad one raises without gradients too)
    grads = _grads(parameters)
    if not grads:
        from arraygrad._creation import tensor

        return tensor(0.0)
    xp = _backend.xp
    total = _joint_norm(grads, norm_type, error_if_nonfinite)
    tracer = _backend.tracer
    if tracer is None:
        coefficient = _clip_coefficient(xp, total, max_norm)
    else:
        coefficient = tracer.call(_clip_coefficient, (xp, total, max_norm))
    with no_grad():
        for grad in grads:
            grad.mul_(Tensor._wrap(xp.astype(coefficient, grad._data.dtype)))
    return Tensor._wrap(_backend.ensure_array(total))


def get_total_norm(
    tensors: Tensor | Iterable[Tensor],
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The joint ``norm_type``-norm of ``tensors`` (the norm of the vector of their norms),
    outside the graph; ``tensor(0.)`` for none.

    >>> import arraygrad
    >>> get_total_norm([arraygrad.tensor([3.0]), arraygrad.tensor([4.0])])
    tensor(5.)
    """
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if not tensors:
        from arraygrad._creation import tensor

        return tensor(0.0)
    return Tensor._wrap(
        _backend.ensure_array(_joint_norm(tensors, float(norm_type), error_if_nonfinite))
    )


def clip_grads_with_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    total_norm: Tensor,
    foreach: bool | None = None,
) -> None:
    """Multiply every gradient by ``min(1, max_norm / (total_norm + 1e-6))``, in place: the
    second half of :func:`clip_grad_norm_`, with a norm computed beforehand (for instance by
    :func:`get_total_norm`, possibly reduced across workers).

    >>> import arraygrad
    >>> w = arraygrad.zeros(2, requires_grad=True)
    >>> w.grad = arraygrad.tensor([3.0, 4.0])
    >>> clip_grads_with_norm_([w], 1.0, arraygrad.tensor(10.0))
    >>> w.grad
    tensor([0.3000, 0.4000])
    """
    grads = _grads(parameters)
    if not grads:
        return
    max_norm = float(max_norm)
    with no_grad():
        coefficient = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
        for grad in grads:
            grad.mul_(coefficient.to(grad.dtype))


def clip_grad_norm(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Deprecated (a FutureWarning, as in PyTorch): :func:`clip_grad_norm_`.

    Scales every gradient by ``min(1, max_norm / (total_norm + 1e-6))`` in place and returns
    the total norm of the gradients before clipping.

    >>> import arraygrad, warnings
    >>> w = arraygrad.zeros(2, requires_grad=True)
    >>> w.grad = arraygrad.tensor([3.0, 4.0])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     total = arraygrad.nn.utils.clip_grad_norm(w, max_norm=1.0)
    >>> total, w.grad, caught[0].category.__name__
    (tensor(5.), tensor([0.6000, 0.8000]), 'FutureWarning')
    """
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
        "`torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place.

    Parameters without a gradient are skipped; returns None.

    >>> import arraygrad
    >>> w = arraygrad.zeros(3, requires_grad=True)
    >>> w.grad = arraygrad.tensor([-3.0, 0.5, 4.0])
    >>> arraygrad.nn.utils.clip_grad_value_([w], clip_value=1.0)
    >>> w.grad
    tensor([-1.0000,  0.5000,  1.0000])
    """
    clip_value = float(clip_value)
    with no_grad():
        for grad in _grads(parameters):
            grad.clamp_(-clip_value, clip_value)
