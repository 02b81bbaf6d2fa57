"""Resetting the gradients of parameters: what ``Optimizer.zero_grad`` and ``Module.zero_grad``
do, written once."""

from __future__ import annotations

from collections.abc import Iterable

from arraygrad import _backend
from arraygrad._tensor import Tensor


def reset_grads(params: Iterable[Tensor], set_to_none: bool) -> None:
    """Set each parameter's ``.grad`` to ``None`` (PyTorch's default), or zero it in place,
    outside any graph (a ``.grad`` made with ``create_graph`` is detached first).

    >>> import arraygrad
    >>> w = arraygrad.ones(2, requires_grad=True)
    >>> (w * 3).sum().backward()
    >>> reset_grads([w], set_to_none=True)
    >>> w.grad is None
    True
    """
    tracer = _backend.tracer  # arraygrad.compile's, while it traces
    for param in params:
        grad = param._grad
        if grad is None:
            continue
        if set_to_none:
            if tracer is not None:  # the old .grad is never read
                tracer.grad_dropped(param)
            param._grad = None
            continue
        if tracer is not None:  # the .grad zeroed is read from the tensor
            tracer.see_tensor(param)
        if grad.grad_fn is not None:
            grad.detach_()
        else:
            grad.requires_grad_(False)
        grad.zero_()
