"""``Variable``, the tensor wrapper of PyTorch before 0.4, kept for old scripts and tutorials.

Tensors do what Variables did, so ``Variable(data, requires_grad=...)`` just returns a tensor:
a new leaf sharing ``data``'s memory (and version counter), detached from its graph, that
requires grad as asked. ``isinstance(t, Variable)`` holds for every tensor, as in PyTorch.

>>> import arraygrad
>>> from arraygrad.autograd import Variable
>>> v = Variable(arraygrad.ones(2), requires_grad=True)
>>> v, isinstance(v, Variable)
(tensor([1., 1.], requires_grad=True), True)
"""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad._tensor import Tensor

__all__ = ["Variable"]


class _VariableMeta(type):
    """Makes every tensor an instance of :class:`Variable`."""

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False, volatile=False)``: ``data`` as a new leaf tensor
    (see the module docstring). ``volatile`` is gone: ``True`` only warns, as in PyTorch.
    What it returns is a plain :class:`arraygrad.Tensor`, and every tensor is a ``Variable``.

    >>> import arraygrad
    >>> v = arraygrad.autograd.Variable(arraygrad.tensor([1.0]), requires_grad=True)
    >>> v, type(v).__name__, isinstance(arraygrad.zeros(1), arraygrad.autograd.Variable)
    (tensor([1.], requires_grad=True), 'Tensor', True)
    """

    def __new__(  # type: ignore[misc]
        cls,
        data: Any = None,
        requires_grad: bool = False,
        volatile: bool = False,
        _grad_fn: Any = None,
    ) -> Tensor:
        if volatile:
            warnings.warn(
                "volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                UserWarning,
                stacklevel=2,
            )
            if requires_grad:
                raise ValueError("Variable can't be volatile and require_grad at the same time!")
        if _grad_fn is not None:
            raise TypeError(
                f"_grad_fn has to be a Function object or None, but got {type(_grad_fn).__name__}"
            )
        if data is None:
            from arraygrad import empty

            data = empty(0)
        elif not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        # A leaf on the same memory and version counter, without data's history (detach()).
        return data.detach().requires_grad_(bool(requires_grad))
